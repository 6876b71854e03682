from __future__ import annotations

import pytest

from sharp_depth_ros.ros.camera_info import intrinsics_from_focal
from sharp_depth_ros.ros.focal_policy import FocalPolicy, FocalSourceInUse

CAMERA = intrinsics_from_focal(500.0, 640, 480)


def test_auto_uses_camera_info_when_valid_else_the_estimate() -> None:
    policy = FocalPolicy("auto")
    with_info = policy.decide(640, 480, CAMERA)
    assert (with_info.focal_px, with_info.source) == (500.0, FocalSourceInUse.CAMERA_INFO)
    without = policy.decide(640, 480, None)
    assert (without.focal_px, without.source, without.intrinsics) == (
        None,
        FocalSourceInUse.ESTIMATE,
        None,
    )


def test_estimate_mode_ignores_camera_info() -> None:
    assert FocalPolicy("estimate").decide(640, 480, CAMERA).focal_px is None


def test_camera_info_mode_without_info_asks_to_skip_the_frame() -> None:
    with pytest.raises(LookupError, match="no valid CameraInfo"):
        FocalPolicy("camera_info").decide(640, 480, None)


def test_fixed_mode_uses_the_parameter_and_centred_intrinsics() -> None:
    decision = FocalPolicy("fixed", fixed_focal_px=321.0).decide(64, 48, CAMERA)
    assert decision.focal_px == 321.0 and decision.intrinsics.cx_px == 31.5
    with pytest.raises(ValueError, match="fixed_focal_px"):
        FocalPolicy("fixed").decide(64, 48, None)


def test_smoothing_is_an_exponential_moving_average() -> None:
    policy = FocalPolicy("auto", smoothing=0.5)
    assert policy.smooth(100.0, 640) == 100.0
    assert policy.smooth(200.0, 640) == 150.0
    assert policy.smooth(150.0, 640) == 150.0


def test_zero_smoothing_returns_the_raw_estimate() -> None:
    policy = FocalPolicy("auto", smoothing=0.0)
    policy.smooth(100.0, 640)
    assert policy.smooth(300.0, 640) == 300.0


def test_smoothed_focal_follows_a_change_of_image_width() -> None:
    policy = FocalPolicy("auto", smoothing=0.9)
    policy.smooth(500.0, 640)
    assert policy.smooth(250.0, 320) == pytest.approx(250.0)


def test_invalid_estimates_keep_the_history_or_raise_without_one() -> None:
    policy = FocalPolicy("auto", smoothing=0.5)
    with pytest.raises(ValueError, match="focal estimate"):
        policy.smooth(-5.0, 640)
    policy.smooth(400.0, 640)
    assert policy.smooth(float("nan"), 640) == 400.0


def test_smoothing_outside_range_is_refused() -> None:
    with pytest.raises(ValueError, match="smoothing"):
        FocalPolicy("auto", smoothing=1.0)

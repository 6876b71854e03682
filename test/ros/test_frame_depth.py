"""predict_frame_depth: focal policy, smoothing rescale and NaN rule, with an analytic predictor."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from sharp_depth_ros.inference.ground_scale import CameraMount
from sharp_depth_ros.inference.prediction import DepthPrediction, FocalSource
from sharp_depth_ros.ros.focal_policy import FocalPolicy, FocalSourceInUse
from sharp_depth_ros.ros.frame_depth import SkippedFrame, frame_rectifier, predict_frame_depth
from sharp_depth_ros.ros.ground_policy import GroundScalePolicy
from sharp_depth_ros.ros.intrinsics import Intrinsics, intrinsics_from_focal


class InverseFocalPredictor:
    """Depth = focal_px / 100 everywhere (§3.2: depth is proportional to the focal length); the
    'estimated' focal length cycles through `estimates`. Pixel (0, 0) is made invalid (-1)."""

    def __init__(self, estimates: list[float]) -> None:
        self.estimates = list(estimates)
        self.calls: list[float | None] = []

    def predict(self, image: np.ndarray, focal_px: float | None = None) -> DepthPrediction:
        self.calls.append(focal_px)
        used = focal_px if focal_px is not None else self.estimates.pop(0)
        depth = np.full(image.shape[:2], used / 100.0, np.float32)
        depth[0, 0] = -1.0
        source = FocalSource.GIVEN if focal_px is not None else FocalSource.ESTIMATED
        return DepthPrediction(
            depth_m=depth,
            focal_px=used,
            focal_source=source,
            fov_deg=60.0,
            canonical_inverse_depth=depth,
        )


RGB = np.zeros((48, 64, 3), np.uint8)
CAMERA_64 = intrinsics_from_focal(60.0, 64, 48)


def test_camera_info_is_scaled_to_the_image_and_passed_to_the_predictor() -> None:
    predictor = InverseFocalPredictor([])
    camera = Intrinsics(fx_px=200.0, fy_px=200.0, cx_px=63.5, cy_px=47.5, width=128, height=96)
    depth = predict_frame_depth(predictor, FocalPolicy("auto"), RGB, camera)
    assert predictor.calls == [100.0]
    assert depth.source is FocalSourceInUse.CAMERA_INFO
    assert depth.intrinsics == camera.scaled_to(64, 48)
    assert depth.depth_m.dtype == np.float32 and depth.depth_m[5, 5] == pytest.approx(1.0)


def test_estimates_are_smoothed_and_depth_rescaled_to_the_smoothed_focal() -> None:
    predictor = InverseFocalPredictor([100.0, 200.0])
    policy = FocalPolicy("auto", smoothing=0.5)
    first = predict_frame_depth(predictor, policy, RGB, None)
    second = predict_frame_depth(predictor, policy, RGB, None)
    assert predictor.calls == [None, None]
    assert first.intrinsics == intrinsics_from_focal(100.0, 64, 48)
    # Smoothed 0.5 * 100 + 0.5 * 200 = 150 px: the 2 m frame is rescaled to 1.5 m.
    assert second.intrinsics.fx_px == pytest.approx(150.0)
    assert second.depth_m[5, 5] == pytest.approx(1.5)


def test_non_positive_depth_becomes_nan() -> None:
    depth = predict_frame_depth(InverseFocalPredictor([]), FocalPolicy("fixed", 50.0), RGB, None)
    assert np.isnan(depth.depth_m[0, 0]) and np.isfinite(depth.depth_m[1:, 1:]).all()


def test_camera_of_another_aspect_ratio_skips_the_frame_without_inference() -> None:
    predictor = InverseFocalPredictor([])
    other = intrinsics_from_focal(100.0, 64, 64)
    with pytest.raises(SkippedFrame, match="not a resize"):
        predict_frame_depth(predictor, FocalPolicy("camera_info"), RGB, other)
    assert predictor.calls == []


@dataclass
class _Info:
    """The CameraInfo fields rectification reads (any sensor_msgs/CameraInfo has them)."""

    d: tuple[float, ...]
    distortion_model: str = "plumb_bob"
    width: int = 64
    height: int = 48
    k: tuple[float, ...] = (60.0, 0.0, 31.5, 0.0, 60.0, 23.5, 0.0, 0.0, 1.0)
    r: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
    p: tuple[float, ...] = (0.0,) * 12


BARREL = (-0.28, 0.07, 5e-4, -2e-4, 0.0)  # issue 17's plumb_bob D
PINCUSHION = (0.25, 0.0, 0.0, 0.0, 0.0)  # rectified corners come from outside the image


def test_no_rectifier_for_zero_distortion_or_without_camera_info() -> None:
    assert frame_rectifier(_Info(d=(0.0,) * 5), 64, 48) is None
    assert frame_rectifier(None, 64, 48) is None


def test_a_distortion_that_cannot_be_undone_skips_the_frame() -> None:
    with pytest.raises(SkippedFrame, match="cannot rectify"):
        frame_rectifier(_Info(d=(0.1,), distortion_model="unknown_model"), 64, 48)
    with pytest.raises(SkippedFrame, match="not a resize"):
        frame_rectifier(_Info(d=BARREL), 64, 64)


def test_rectified_frame_is_predicted_on_the_rectified_image_with_its_camera() -> None:
    rgb = np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    rectifier = frame_rectifier(_Info(d=PINCUSHION, width=128, height=96, k=(120.0, 0, 63.5, 0,
                                120.0, 47.5, 0, 0, 1)), 64, 48)  # fmt: skip
    assert rectifier is not None and not rectifier.valid_mask.all()
    seen: list[np.ndarray] = []

    class Recording(InverseFocalPredictor):
        def predict(self, image, focal_px=None):
            seen.append(image)
            return super().predict(image, focal_px)

    depth = predict_frame_depth(Recording([]), FocalPolicy("auto"), rgb, CAMERA_64, rectifier)
    np.testing.assert_array_equal(seen[0], rectifier.rectify(rgb))
    np.testing.assert_array_equal(depth.rgb, seen[0])
    assert depth.rectified and depth.source is FocalSourceInUse.CAMERA_INFO
    # The calibration at 128x96 scaled to the 64x48 frame: fx 60, centre (31.5, 23.5).
    assert depth.intrinsics == intrinsics_from_focal(60.0, 64, 48)
    assert np.isnan(depth.depth_m[~rectifier.valid_mask]).all()
    inside = rectifier.valid_mask.copy()
    inside[0, 0] = False  # the predictor's own invalid pixel
    np.testing.assert_allclose(depth.depth_m[inside], 0.6)


def test_the_floor_scale_puts_the_floor_at_the_camera_height(level_floor_predictor) -> None:
    ground = GroundScalePolicy(CameraMount(height_m=1.5), smoothing=0.0)
    plain = predict_frame_depth(level_floor_predictor, FocalPolicy("auto"), RGB, CAMERA_64)
    scaled = predict_frame_depth(
        level_floor_predictor, FocalPolicy("auto"), RGB, CAMERA_64, ground=ground
    )
    assert plain.ground_scale is None and not plain.floor_found
    assert scaled.floor_found and scaled.ground_scale == pytest.approx(3.0, rel=1e-5)
    np.testing.assert_allclose(scaled.depth_m, plain.depth_m * 3.0, rtol=1e-5)

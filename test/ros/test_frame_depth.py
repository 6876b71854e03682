"""predict_frame_depth: focal policy, smoothing rescale and NaN rule, with an analytic predictor."""

from __future__ import annotations

import numpy as np
import pytest

from sharp_depth_ros.inference.prediction import DepthPrediction, FocalSource
from sharp_depth_ros.ros.focal_policy import FocalPolicy, FocalSourceInUse
from sharp_depth_ros.ros.frame_depth import SkippedFrame, predict_frame_depth
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

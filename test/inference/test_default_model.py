"""The shipped default model: it loads, is small, and its depth depends on the image."""

from __future__ import annotations

import numpy as np
import pytest

from sharp_depth_ros import DepthPredictor
from sharp_depth_ros.checkpoints import load_checkpoint
from sharp_depth_ros.checkpoints.bundled import DEFAULT_MODEL_NAME, bundled_checkpoint
from sharp_depth_ros.model import ConvDepthPro
from sharp_depth_ros.ros.demo import load_frames


@pytest.fixture(scope="module")
def predictor() -> DepthPredictor:
    return DepthPredictor.from_pretrained(device="cpu")


def test_default_weights_are_shipped_small_and_convolutional():
    path = bundled_checkpoint(DEFAULT_MODEL_NAME)
    assert path is not None, "sharp_depth_ros/weights/sharp-small.safetensors is missing"
    assert path.stat().st_size < 50 * 2**20
    assert isinstance(load_checkpoint(path).model, ConvDepthPro)


def test_depth_depends_on_the_image(predictor):
    # Issue 15: the first default model gave about the same map for every image (a band plus
    # stripes, 1.5-2.1 m). Two different frames must give clearly different maps, each with
    # structure of its own.
    frames, camera = load_frames()
    first, second = frames[0], frames[3]
    assert not np.array_equal(first, second)
    maps = [np.log(predictor.predict(f, focal_px=camera["fx_px"]).depth_m) for f in (first, second)]
    assert all(np.isfinite(m).all() for m in maps)
    for log_depth in maps:
        assert log_depth.std() > 0.1  # a depth range of about +-10 % or more within the image
    difference = np.abs(maps[0] - maps[1]).mean()
    correlation = np.corrcoef(maps[0].ravel(), maps[1].ravel())[0, 1]
    assert difference > 0.1 and correlation < 0.95, (difference, correlation)


def test_focal_length_scales_metric_depth_and_the_head_estimates_one(predictor):
    frames, camera = load_frames()
    given = predictor.predict(frames[0], focal_px=camera["fx_px"])
    doubled = predictor.predict(frames[0], focal_px=2 * camera["fx_px"])
    # §3.2: D = f / (W C): the same canonical map, twice the focal length, twice the depth.
    np.testing.assert_allclose(doubled.depth_m, 2 * given.depth_m, rtol=1e-4)
    estimated = predictor.predict(frames[0])
    assert 10.0 < estimated.fov_deg < 170.0

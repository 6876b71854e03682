"""Tests of the network samples: targets in canonical inverse depth, resizing rules."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from sharp_depth_ros.training.network_samples import to_network_sample


def step_scene(width: int = 64, height: int = 48) -> tuple[np.ndarray, np.ndarray]:
    rgb = np.zeros((height, width, 3), np.uint8)
    depth = np.full((height, width), 4.0, np.float32)
    depth[:, : width // 2] = 1.0
    return rgb, depth


def test_target_is_focal_over_width_over_depth_and_survives_resizing():
    rgb, depth = step_scene()
    sample = to_network_sample(rgb, depth, depth > 0, 80.0, "metric_synthetic", size=32)
    inverse = sample["inverse_depth"][0]
    assert inverse[0, 0].item() == pytest.approx((80.0 / 64) / 1.0)
    assert inverse[0, -1].item() == pytest.approx((80.0 / 64) / 4.0)
    assert sample["fov_deg"].item() == pytest.approx(math.degrees(2 * math.atan(64 / 160)))
    # The network's depth at any size: D = (f_px / W) / C.
    assert (sample["focal_ratio"] / inverse[0, -1]).item() == pytest.approx(4.0)
    # The aspect ratio the squash hides (a FOV head spanning sqrt(W H) needs it).
    assert sample["aspect"].item() == pytest.approx(64 / 48)


def test_depth_resizing_never_blends_values_across_an_edge():
    rgb, depth = step_scene()
    sample = to_network_sample(rgb, depth, depth > 0, 80.0, "metric_synthetic", size=100)
    assert set(np.unique(sample["depth_m"].numpy())) == {1.0, 4.0}


def test_invalid_pixels_have_zero_target_and_are_masked():
    rgb, depth = step_scene()
    valid = depth > 0
    valid[:10] = False
    depth[:10] = np.nan
    sample = to_network_sample(rgb, depth, valid, 80.0, "metric_real", size=48)
    assert not sample["valid"][0, :10].any() and sample["valid"][0, 10:].all()
    assert torch.isfinite(sample["inverse_depth"]).all()
    assert (sample["inverse_depth"][0, :10] == 0).all()


def test_image_is_squashed_to_the_network_input_range():
    rgb, depth = step_scene()
    rgb[..., 0] = 255
    sample = to_network_sample(rgb, depth, depth > 0, None, "nonmetric_real", size=16)
    assert sample["image"].shape == (3, 16, 16)
    assert sample["image"][0].min().item() == 1.0 and sample["image"][1].max().item() == -1.0
    assert not sample["has_focal"] and math.isnan(sample["fov_deg"].item())

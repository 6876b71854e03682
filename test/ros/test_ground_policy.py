"""The per-stream floor scale: smoothing in log, holding the factor, and the parameter switch."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from sharp_depth_ros.inference.ground_scale import CameraMount
from sharp_depth_ros.ros.ground_policy import GroundScalePolicy, ground_policy_for
from sharp_depth_ros.ros.intrinsics import intrinsics_from_focal

WIDTH, HEIGHT, FOCAL = 64, 48, 50.0
CAMERA = intrinsics_from_focal(FOCAL, WIDTH, HEIGHT)


WALL = np.full((HEIGHT, WIDTH), 2.0, np.float32)


def test_each_frame_is_put_at_the_mount_height_without_smoothing(level_floor):
    policy = GroundScalePolicy(CameraMount(height_m=1.0), smoothing=0.0)
    for seen_m in (0.5, 2.0):
        scaled = policy.apply(level_floor(seen_m, FOCAL, WIDTH, HEIGHT), CAMERA)
        assert scaled.floor_found and scaled.scale == pytest.approx(1.0 / seen_m, rel=1e-5)
        assert scaled.depth_m.dtype == np.float32
        np.testing.assert_allclose(
            scaled.depth_m, level_floor(seen_m, FOCAL, WIDTH, HEIGHT) / seen_m, rtol=1e-5
        )


def test_factors_are_averaged_in_log(level_floor):
    policy = GroundScalePolicy(CameraMount(height_m=1.0), smoothing=0.5)
    assert policy.apply(level_floor(0.5, FOCAL, WIDTH, HEIGHT), CAMERA).scale == pytest.approx(
        2.0, rel=1e-5
    )
    # The geometric mean of 2 and 0.5, not their arithmetic mean 1.25.
    assert policy.apply(level_floor(2.0, FOCAL, WIDTH, HEIGHT), CAMERA).scale == pytest.approx(
        1.0, rel=1e-5
    )


def test_a_frame_without_a_floor_keeps_the_last_factor(level_floor):
    policy = GroundScalePolicy(CameraMount(height_m=1.0), smoothing=0.0)
    policy.apply(level_floor(0.5, FOCAL, WIDTH, HEIGHT), CAMERA)
    held = policy.apply(WALL, CAMERA)
    assert not held.floor_found and held.scale == pytest.approx(2.0, rel=1e-5)
    np.testing.assert_allclose(held.depth_m, WALL * 2.0, rtol=1e-5)


def test_before_any_floor_the_depth_is_left_alone_and_reset_forgets(level_floor):
    policy = GroundScalePolicy(CameraMount(height_m=1.0), smoothing=0.0)
    first = policy.apply(WALL, CAMERA)
    assert first.scale is None and not first.floor_found and first.depth_m is WALL
    policy.apply(level_floor(0.5, FOCAL, WIDTH, HEIGHT), CAMERA)
    policy.reset()
    assert policy.apply(WALL, CAMERA).scale is None


def test_smoothing_must_be_below_one():
    with pytest.raises(ValueError, match="smoothing must be in"):
        GroundScalePolicy(CameraMount(height_m=1.0), smoothing=1.0)


def parameters(height_m: float) -> SimpleNamespace:
    return SimpleNamespace(
        camera_height_m=height_m, camera_pitch_deg=-12.0, camera_roll_deg=1.5, ground_smoothing=0.3
    )


def test_the_parameters_switch_the_policy_on_by_a_positive_height():
    assert ground_policy_for(parameters(0.0)) is None
    policy = ground_policy_for(parameters(0.4))
    assert policy is not None and policy.smoothing == 0.3
    assert policy.mount == CameraMount(height_m=0.4, pitch_deg=-12.0, roll_deg=1.5)
    assert math.isclose(policy.mount.height_m, 0.4)

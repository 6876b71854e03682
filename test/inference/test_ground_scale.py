"""Metric scale from a floor seen by a camera at a known height and tilt."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sharp_depth_ros.data.camera import rotation_from_angles
from sharp_depth_ros.inference.ground_scale import (
    CameraMount,
    GroundFitSettings,
    fit_ground_scale,
    up_vector,
)

WIDTH, HEIGHT = 160, 120


def pinhole(fov_deg: float = 80.0) -> np.ndarray:
    focal = (WIDTH / 2) / math.tan(math.radians(fov_deg) / 2)
    return np.array([[focal, 0, (WIDTH - 1) / 2], [0, focal, (HEIGHT - 1) / 2], [0, 0, 1.0]])


def rays(intrinsics: np.ndarray) -> np.ndarray:
    """(H, W, 3) ray directions with z = 1 in the optical frame."""
    rows, cols = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float64)
    x = (cols - intrinsics[0, 2]) / intrinsics[0, 0]
    y = (rows - intrinsics[1, 2]) / intrinsics[1, 1]
    return np.stack([x, y, np.ones_like(x)], axis=-1)


def scene_depth(
    mount: CameraMount, intrinsics: np.ndarray, wall_m: float = 6.0, table: tuple | None = None
) -> np.ndarray:
    """Planar depth of a floor at the mount's height, a wall `wall_m` ahead (along the level
    forward direction) and optionally a horizontal table top (height_m, from_m, to_m ahead,
    half_width_m)."""
    up = up_vector(mount.pitch_deg, mount.roll_deg)
    ray = rays(intrinsics)
    along_up = ray @ up
    with np.errstate(divide="ignore", invalid="ignore"):
        floor = np.where(along_up < 0, mount.height_m / -along_up, np.inf)
        forward = np.array([0.0, 0.0, 1.0]) - up * up[2]
        forward /= np.linalg.norm(forward)
        wall = np.where(ray @ forward > 0, wall_m / (ray @ forward), np.inf)
        depth = np.minimum(floor, wall)
        if table is not None:
            top_m, near_m, far_m, half_width_m = table
            drop = mount.height_m - top_m
            top = np.where(along_up < 0, drop / -along_up, np.inf)
            ahead, side = top * (ray @ forward), top * ray[..., 0]
            on_table = (ahead > near_m) & (ahead < far_m) & (np.abs(side) < half_width_m)
            depth = np.where(on_table & (top < depth), top, depth)
    return depth  # the rays have z = 1, so the ray parameter is the planar depth


@settings(max_examples=40, deadline=None)
@given(
    pitch=st.floats(-60, 60, allow_nan=False),
    roll=st.floats(-20, 20, allow_nan=False),
)
def test_up_vector_is_the_worlds_up_seen_from_the_camera(pitch, roll):
    world_from_camera = rotation_from_angles(37.0, pitch, roll)
    expected = world_from_camera.T @ np.array([0.0, 0.0, 1.0])
    np.testing.assert_allclose(up_vector(pitch, roll), expected, atol=1e-12)


def test_a_level_camera_sees_up_as_minus_y():
    np.testing.assert_allclose(up_vector(0.0), [0.0, -1.0, 0.0], atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(
    height=st.floats(0.15, 1.8),
    pitch=st.floats(-30, 5),
    roll=st.floats(-3, 3),
    wrong_by=st.floats(0.4, 2.5),
)
def test_a_mis_scaled_floor_is_put_back_at_the_mount_height(height, pitch, roll, wrong_by):
    mount = CameraMount(height_m=height, pitch_deg=pitch, roll_deg=roll)
    intrinsics = pinhole()
    depth = scene_depth(mount, intrinsics, wall_m=8.0) * wrong_by
    fit = fit_ground_scale(depth, intrinsics, mount)
    assert fit is not None
    assert fit.scale == pytest.approx(1.0 / wrong_by, rel=1e-6)
    assert fit.floor_distance == pytest.approx(height * wrong_by, rel=1e-6)
    assert 0 < fit.support <= 1


def test_the_floor_wins_over_a_table_top_that_holds_more_of_the_near_points():
    mount = CameraMount(height_m=1.2, pitch_deg=-15.0)
    intrinsics = pinhole()
    depth = scene_depth(mount, intrinsics, wall_m=5.0, table=(0.75, 0.5, 1.5, 0.3))
    along_up = rays(intrinsics) @ up_vector(-15.0)
    near = depth <= np.quantile(depth[::4, ::4], 0.3)
    top = near & np.isclose(depth, (1.2 - 0.75) / -along_up)
    floor = near & np.isclose(depth, 1.2 / -along_up)
    assert top.sum() > floor.sum() > 0.5 * top.sum()  # the table top holds more points ...
    fit = fit_ground_scale(depth * 2.0, intrinsics, mount)
    assert fit is not None and fit.scale == pytest.approx(0.5, rel=1e-6)  # ... the floor lies lower


def test_a_view_without_a_floor_leaves_the_depth_alone():
    intrinsics = pinhole()
    wall = np.full((HEIGHT, WIDTH), 2.0)
    assert fit_ground_scale(wall, intrinsics, CameraMount(height_m=1.0)) is None


def test_an_implausible_factor_is_refused():
    mount = CameraMount(height_m=1.0, pitch_deg=-20.0)
    intrinsics = pinhole()
    depth = scene_depth(mount, intrinsics)
    assert fit_ground_scale(depth * 10.0, intrinsics, mount) is None
    wide = GroundFitSettings(scale_range=(0.01, 100.0))
    fit = fit_ground_scale(depth * 10.0, intrinsics, mount, wide)
    assert fit is not None and fit.scale == pytest.approx(0.1, rel=1e-6)


def test_invalid_pixels_are_ignored():
    mount = CameraMount(height_m=0.5, pitch_deg=-10.0)
    intrinsics = pinhole()
    depth = scene_depth(mount, intrinsics) * 1.5
    rng = np.random.default_rng(0)
    holes = rng.random(depth.shape) < 0.3
    depth[holes] = rng.choice([np.nan, np.inf, 0.0, -1.0], size=int(holes.sum()))
    fit = fit_ground_scale(depth, intrinsics, mount)
    assert fit is not None and fit.scale == pytest.approx(1 / 1.5, rel=1e-6)


def test_no_valid_pixel_gives_no_fit():
    empty = np.full((HEIGHT, WIDTH), np.nan)
    assert fit_ground_scale(empty, pinhole(), CameraMount(height_m=1.0)) is None


@pytest.mark.parametrize(
    ("depth", "intrinsics", "match"),
    [
        (np.ones((2, 3, 4)), pinhole(), "depth must be"),
        (np.ones((HEIGHT, WIDTH)), np.eye(2), "intrinsics must be"),
        (np.ones((HEIGHT, WIDTH)), np.zeros((3, 3)), "intrinsics must be"),
    ],
)
def test_bad_inputs_are_refused(depth, intrinsics, match):
    with pytest.raises(ValueError, match=match):
        fit_ground_scale(depth, intrinsics, CameraMount(height_m=1.0))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"height_m": 0.0}, "height must be"),
        ({"height_m": math.nan}, "height must be"),
        ({"height_m": 1.0, "pitch_deg": 91.0}, "pitch must be"),
        ({"height_m": 1.0, "roll_deg": math.inf}, "roll must be"),
    ],
)
def test_bad_mounts_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CameraMount(**kwargs)

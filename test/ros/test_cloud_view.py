"""The cloud picture: exact reprojection without orbit, nearer points in front."""

from __future__ import annotations

import numpy as np

from sharp_depth_ros.ros.cloud_view import render_cloud_view

K = np.array([[50.0, 0, 32], [0, 50.0, 24], [0, 0, 1]])


def _back_projected(depth: np.ndarray) -> np.ndarray:
    v, u = np.mgrid[: depth.shape[0], : depth.shape[1]]
    x = (u - K[0, 2]) / K[0, 0] * depth
    y = (v - K[1, 2]) / K[1, 1] * depth
    return np.stack([x, y, depth], -1).reshape(-1, 3)


def test_without_orbit_every_point_lands_on_its_own_pixel() -> None:
    depth = np.linspace(1.0, 4.0, 48 * 64).reshape(48, 64)
    colours = np.random.default_rng(0).integers(1, 255, (48 * 64, 3)).astype(np.uint8)
    image = render_cloud_view(
        _back_projected(depth), colours, K, (64, 48), yaw_deg=0, pitch_deg=0, point_px=1
    )
    assert np.array_equal(image.reshape(-1, 3), colours)


def test_nearer_points_hide_farther_ones_and_nan_points_are_skipped() -> None:
    xyz = np.array([[0.0, 0.0, 2.0], [0.0, 0.0, 1.0], [0.0, 0.0, 3.0], [np.nan, 0, 1]])
    colours = np.array([[10, 10, 10], [200, 0, 0], [0, 200, 0], [0, 0, 200]], np.uint8)
    image = render_cloud_view(xyz, colours, K, (64, 48), yaw_deg=0, pitch_deg=0, point_px=1)
    assert image[24, 32].tolist() == [200, 0, 0]
    assert (image.reshape(-1, 3) != 0).any(axis=1).sum() == 1


def test_orbiting_to_the_right_moves_a_nearer_point_left_of_a_farther_one() -> None:
    xyz = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 3.0]])
    colours = np.array([[255, 0, 0], [0, 255, 0]], np.uint8)
    image = render_cloud_view(xyz, colours, K, (64, 48), yaw_deg=20, pitch_deg=0, point_px=1)
    # Pivot (0, 0, 2): the near point goes to (-sin 20, 0, 2 - cos 20), the far one mirrors it.
    s, c = np.sin(np.radians(20)), np.cos(np.radians(20))
    near_u = round(32 + 50 * -s / (2 - c))
    far_u = round(32 + 50 * s / (2 + c))
    assert (near_u, far_u) == (16, 38)
    assert image[24, near_u].tolist() == [255, 0, 0] and image[24, far_u].tolist() == [0, 255, 0]

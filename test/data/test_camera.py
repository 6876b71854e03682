from __future__ import annotations

import math

import numpy as np
import pytest

from sharp_depth_ros.data.camera import Camera, rotation_from_angles, unproject_pixels


def test_rotation_is_orthonormal_and_right_handed():
    r = rotation_from_angles(37.0, -12.0, 5.0)
    np.testing.assert_allclose(r.T @ r, np.eye(3), atol=1e-12)
    assert np.linalg.det(r) == pytest.approx(1.0)


def test_zero_angles_look_along_world_x_with_image_down_as_world_minus_z():
    r = rotation_from_angles(0.0, 0.0, 0.0)
    np.testing.assert_allclose(r[:, 2], [1, 0, 0], atol=1e-12)
    np.testing.assert_allclose(r[:, 1], [0, 0, -1], atol=1e-12)


def test_focal_follows_horizontal_fov_and_principal_point_is_centre():
    camera = Camera(width=64, height=48, hfov_deg=90.0)
    assert camera.focal_px == pytest.approx(32.0)
    assert camera.principal_point_px == (31.5, 23.5)


def test_intrinsics_reproject_known_points_to_their_pixels():
    camera = Camera(
        width=40,
        height=30,
        hfov_deg=60.0,
        position_m=np.array([2.0, 1.0, 0.5]),
        world_from_camera=rotation_from_angles(20.0, 5.0, -3.0),
    )
    pixels = np.array([[0.0, 0.0], [39.0, 29.0], [19.5, 14.5], [7.0, 22.0]])
    depth = np.array([1.0, 3.5, 10.0, 0.4])
    world = camera.unproject(pixels, depth)
    projected, z = camera.project(world)
    np.testing.assert_allclose(projected, pixels, atol=1e-9)
    np.testing.assert_allclose(z, depth, atol=1e-12)


def test_point_on_optical_axis_projects_to_principal_point():
    camera = Camera(
        width=33, height=21, hfov_deg=45.0, world_from_camera=rotation_from_angles(90, 0, 0)
    )
    pixel, z = camera.project(np.array([[0.0, 7.0, 0.0]]))
    np.testing.assert_allclose(pixel[0], camera.principal_point_px, atol=1e-9)
    assert z[0] == pytest.approx(7.0)


def test_edge_pixel_ray_has_half_the_fov():
    camera = Camera(width=100, height=50, hfov_deg=80.0)
    # The image edge is at u = -0.5, half a pixel left of the first centre.
    ray = unproject_pixels(camera.intrinsics(), np.array([[-0.5, 24.5]]), np.array([1.0]))[0]
    assert math.degrees(math.atan2(-ray[0], ray[2])) == pytest.approx(40.0)


@pytest.mark.parametrize("fov", [0.5, 179.5])
def test_camera_rejects_fov_out_of_range(fov):
    with pytest.raises(ValueError, match="hfov_deg"):
        Camera(width=8, height=8, hfov_deg=fov)

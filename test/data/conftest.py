from __future__ import annotations

import numpy as np
import pytest

from sharp_depth_ros.data.camera import Camera, rotation_from_angles
from sharp_depth_ros.data.meshes import Mesh
from sharp_depth_ros.data.scene import Lighting, Material, SceneObject, SceneSpec


def quad_facing_camera(center_cam: np.ndarray, normal_cam: np.ndarray, half_m: float) -> np.ndarray:
    """Corners (4, 3) of a square in the camera frame at center_cam with the given normal."""
    normal = normal_cam / np.linalg.norm(normal_cam)
    a = np.cross(normal, [0.0, 1.0, 0.0])
    a /= np.linalg.norm(a)
    b = np.cross(normal, a)
    return np.array(
        [center_cam + half_m * (sa * a + sb * b) for sa, sb in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
    )


def analytic_spec(
    camera: Camera,
    plane: tuple[np.ndarray, np.ndarray] | None,
    sphere: tuple[np.ndarray, float] | None,
) -> SceneSpec:
    """A scene of one plane (point, normal in camera frame) and/or one sphere (centre, radius)."""
    to_world = lambda p: np.asarray(p) @ camera.world_from_camera.T + camera.position_m  # noqa: E731
    objects = []
    if plane is not None:
        corners = to_world(quad_facing_camera(plane[0], plane[1], 200.0))
        mesh = Mesh(corners, np.array([[0, 1, 2], [0, 2, 3]]), np.zeros((4, 2)))
        objects.append(SceneObject(name="001_plane", kind="wall", material_index=0, mesh=mesh))
    if sphere is not None:
        objects.append(
            SceneObject(
                name=f"{len(objects) + 1:03d}_sphere",
                kind="sphere",
                material_index=0,
                sphere_center_m=to_world(sphere[0]),
                sphere_radius_m=sphere[1],
                foreground=True,
            )
        )
    grey = Material(texture=np.full((4, 4, 3), 0.5, dtype=np.float32))
    lighting = Lighting(sky_zenith=(1.0, 1.0, 1.0), sky_horizon=(1.0, 1.0, 1.0))
    return SceneSpec(
        camera=camera,
        objects=tuple(objects),
        materials=(grey,),
        lighting=lighting,
        valid_range_m=1000.0,
        params={
            "objects": [
                {"name": o.name, "kind": o.kind, "foreground": o.foreground} for o in objects
            ]
        },
    )


@pytest.fixture
def tilted_camera() -> Camera:
    return Camera(
        width=48,
        height=32,
        hfov_deg=70.0,
        position_m=np.array([1.0, -2.0, 1.5]),
        world_from_camera=rotation_from_angles(30.0, -10.0, 8.0),
    )


def pixel_rays(camera: Camera) -> np.ndarray:
    """(H, W, 3) unnormalised camera-frame rays (x, y, 1) through pixel centres."""
    v, u = np.mgrid[0 : camera.height, 0 : camera.width].astype(np.float64)
    k = camera.intrinsics()
    return np.stack([(u - k[0, 2]) / k[0, 0], (v - k[1, 2]) / k[1, 1], np.ones_like(u)], axis=-1)

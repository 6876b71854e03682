"""Pinhole camera with OpenCV axes and the pixel-centre convention used by every sample.

Convention (shared by the renderer, the shards, the augmentations and the tests):
- Camera axes: x right, y down, z forward (OpenCV). Depth is planar z along the optical axis.
- Pixel (u, v) has its centre at the integer coordinates (u, v); the image spans
  [-0.5, W - 0.5] x [-0.5, H - 0.5].
- Square pixels, principal point at the image centre ((W - 1) / 2, (H - 1) / 2), and
  focal_px = 0.5 W / tan(hfov / 2), the same relation Depth Pro uses for its FOV head (§3.3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sharp_depth_ros.pinhole import fov_deg_to_focal_px


def rotation_from_angles(yaw_deg: float, pitch_deg: float, roll_deg: float) -> np.ndarray:
    """World-from-camera rotation for a z-up world.

    Args:
        yaw_deg: heading, counter-clockwise from the world +x axis.
        pitch_deg: elevation of the optical axis (positive looks up).
        roll_deg: rotation about the optical axis (positive turns the image clockwise).

    Returns:
        (3, 3) matrix whose columns are the camera x (right), y (down), z (forward) in world.
    """
    yaw, pitch, roll = (math.radians(a) for a in (yaw_deg, pitch_deg, roll_deg))
    forward = np.array(
        [math.cos(pitch) * math.cos(yaw), math.cos(pitch) * math.sin(yaw), math.sin(pitch)]
    )
    right = np.array([math.sin(yaw), -math.cos(yaw), 0.0])
    down = np.cross(forward, right)
    rolled_right = math.cos(roll) * right + math.sin(roll) * down
    rolled_down = np.cross(forward, rolled_right)
    return np.stack([rolled_right, rolled_down, forward], axis=1)


@dataclass(frozen=True, kw_only=True)
class Camera:
    """A pinhole camera placed in the world.

    Attributes:
        width: image width in pixels.
        height: image height in pixels.
        hfov_deg: horizontal field of view, in (1, 179) degrees.
        position_m: (3,) camera centre in world metres.
        world_from_camera: (3, 3) rotation, columns = camera x, y, z axes in world.
    """

    width: int
    height: int
    hfov_deg: float
    position_m: np.ndarray = field(default_factory=lambda: np.zeros(3))
    world_from_camera: np.ndarray = field(default_factory=lambda: np.eye(3))

    def __post_init__(self) -> None:
        if self.width < 1 or self.height < 1:
            raise ValueError(f"Camera size must be >= 1 pixel, got {self.width}x{self.height}")
        if not 1.0 < self.hfov_deg < 179.0:
            raise ValueError(f"Camera.hfov_deg must be in (1, 179), got {self.hfov_deg}")

    @property
    def focal_px(self) -> float:
        """Focal length in pixels (square pixels)."""
        return fov_deg_to_focal_px(self.hfov_deg, self.width)

    @property
    def principal_point_px(self) -> tuple[float, float]:
        """(cx, cy) with pixel centres at integer coordinates."""
        return (self.width - 1) / 2.0, (self.height - 1) / 2.0

    def intrinsics(self) -> np.ndarray:
        """The (3, 3) float64 matrix K."""
        cx, cy = self.principal_point_px
        f = self.focal_px
        return np.array([[f, 0.0, cx], [0.0, f, cy], [0.0, 0.0, 1.0]])

    def world_to_camera(self, points_m: np.ndarray) -> np.ndarray:
        """(N, 3) world points -> (N, 3) camera-frame points."""
        return (np.asarray(points_m, dtype=np.float64) - self.position_m) @ self.world_from_camera

    def project(self, points_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Project (N, 3) world points; returns ((N, 2) pixel coordinates, (N,) depth_m)."""
        cam = self.world_to_camera(points_m)
        pixels = cam @ self.intrinsics().T
        return pixels[:, :2] / pixels[:, 2:3], cam[:, 2]

    def unproject(self, pixels: np.ndarray, depth_m: np.ndarray) -> np.ndarray:
        """Lift (N, 2) pixel coordinates with (N,) planar depth to (N, 3) world points."""
        return unproject_pixels(self.intrinsics(), pixels, depth_m) @ self.world_from_camera.T + (
            self.position_m
        )


def unproject_pixels(intrinsics: np.ndarray, pixels: np.ndarray, depth_m: np.ndarray) -> np.ndarray:
    """Camera-frame points (N, 3) from pixel coordinates (N, 2), planar depth (N,) and K (3, 3)."""
    pixels = np.asarray(pixels, dtype=np.float64)
    homogeneous = np.concatenate([pixels, np.ones((len(pixels), 1))], axis=1)
    rays = homogeneous @ np.linalg.inv(intrinsics).T
    return rays * np.asarray(depth_m, dtype=np.float64)[:, None]

"""A point cloud seen from beside the camera: a quick picture where no RViz is at hand."""

from __future__ import annotations

import numpy as np


def _rotation(yaw_deg: float, pitch_deg: float) -> np.ndarray:
    """Rotation about the optical y axis (yaw), then about the x axis (pitch)."""
    yaw, pitch = np.radians(yaw_deg), np.radians(pitch_deg)
    about_y = np.array([[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0], [-np.sin(yaw), 0, np.cos(yaw)]])
    about_x = np.array(
        [[1, 0, 0], [0, np.cos(pitch), -np.sin(pitch)], [0, np.sin(pitch), np.cos(pitch)]]
    )
    return about_x @ about_y


def render_cloud_view(
    xyz: np.ndarray,
    colours_bgr: np.ndarray,
    camera_matrix: np.ndarray,
    size: tuple[int, int],
    *,
    yaw_deg: float = 20.0,
    pitch_deg: float = -12.0,
    point_px: int = 2,
) -> np.ndarray:
    """Splat a cloud (optical frame: x right, y down, z forward) into a BGR image.

    The camera orbits the cloud's median point by `yaw_deg` and `pitch_deg` and keeps its
    intrinsics; nearer points overwrite farther ones. Non-finite points are skipped.

    Args:
        xyz: (N, 3) points in metres.
        colours_bgr: (N, 3) uint8 colours.
        camera_matrix: 3x3 K of the output image.
        size: (width, height) of the output image.
        yaw_deg: orbit to the right (positive) around the median point.
        pitch_deg: orbit downwards (negative: seen from above).
        point_px: side of each splat in pixels.

    Returns:
        (height, width, 3) uint8 BGR, black where no point lands.
    """
    width, height = size
    image = np.zeros((height, width, 3), np.uint8)
    finite = np.isfinite(xyz).all(axis=1)
    points, colours = xyz[finite], colours_bgr[finite]
    if len(points) == 0:
        return image
    pivot = np.median(points, axis=0)
    moved = (points - pivot) @ _rotation(yaw_deg, pitch_deg).T + pivot
    ahead = moved[:, 2] > 1e-3
    moved, colours = moved[ahead], colours[ahead]
    projected = moved @ np.asarray(camera_matrix, dtype=np.float64).T
    u = np.round(projected[:, 0] / projected[:, 2]).astype(np.int64)
    v = np.round(projected[:, 1] / projected[:, 2]).astype(np.int64)
    far_first = np.argsort(-moved[:, 2], kind="stable")
    u, v, colours = u[far_first], v[far_first], colours[far_first]
    for du in range(point_px):
        for dv in range(point_px):
            inside = (u + du >= 0) & (u + du < width) & (v + dv >= 0) & (v + dv < height)
            image[v[inside] + dv, u[inside] + du] = colours[inside]
    return image

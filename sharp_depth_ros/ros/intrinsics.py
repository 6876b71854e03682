"""Pinhole intrinsics and the CameraInfo values of a depth image, without any ROS import.

The node (through `camera_info`) and `sharp-depth bag` (through rosbags' message types) both build
their CameraInfo from `camera_info_values`, so the two cannot disagree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sharp_depth_ros.inference.rectification import CameraModel
from sharp_depth_ros.pinhole import Intrinsics

IDENTITY_R: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)


class CameraInfoLike(Protocol):
    """The CameraInfo fields read here: any sensor_msgs/CameraInfo (rclpy's or rosbags')."""

    width: int
    height: int
    k: Sequence[float]
    d: Sequence[float]
    r: Sequence[float]
    p: Sequence[float]
    distortion_model: str


def intrinsics_from_camera_info(msg: CameraInfoLike) -> Intrinsics:
    """Read K (row-major 3x3) of a CameraInfo.

    A CameraInfo with width or height 0 is taken as uncalibrated: the check of K fails first.

    Raises:
        ValueError: K all zeros, non-finite, non-positive focal lengths, or zero size.
    """
    k = [float(v) for v in msg.k]
    if not all(math.isfinite(v) for v in k):
        raise ValueError(f"CameraInfo K holds non-finite values: {k}")
    if k[0] <= 0 or k[4] <= 0:
        raise ValueError(f"CameraInfo K has no valid focal length (fx={k[0]}, fy={k[4]})")
    return Intrinsics(
        fx_px=k[0], fy_px=k[4], cx_px=k[2], cy_px=k[5], width=int(msg.width), height=int(msg.height)
    )


def camera_model_from_camera_info(msg: CameraInfoLike) -> CameraModel:
    """The calibration of a CameraInfo (K, D, distortion model, R, P) for rectification.

    Raises:
        ValueError: an invalid K, D or size, or a distortion model that cannot be undone.
    """
    return CameraModel(
        k=tuple(float(v) for v in msg.k),
        d=tuple(float(v) for v in msg.d),
        distortion_model=str(msg.distortion_model),
        width=int(msg.width),
        height=int(msg.height),
        r=tuple(float(v) for v in msg.r) if any(msg.r) else CameraModel.r,
        p=tuple(float(v) for v in msg.p),
    )


def intrinsics_from_matrix(camera_matrix: Sequence[float], width: int, height: int) -> Intrinsics:
    """Intrinsics from a row-major 3x3 camera matrix (e.g. a rectifier's) for a given size."""
    fx, _, cx, _, fy, cy, *_ = (float(v) for v in np.ravel(camera_matrix))
    return Intrinsics(fx_px=fx, fy_px=fy, cx_px=cx, cy_px=cy, width=width, height=height)


def intrinsics_from_focal(focal_px: float, width: int, height: int) -> Intrinsics:
    """Intrinsics for an estimated focal length: square pixels, principal point at the centre."""
    return Intrinsics(
        fx_px=focal_px,
        fy_px=focal_px,
        cx_px=(width - 1) / 2.0,
        cy_px=(height - 1) / 2.0,
        width=width,
        height=height,
    )


@dataclass(frozen=True, kw_only=True)
class CameraInfoValues:
    """The fields of a depth image's CameraInfo, header aside (names as in sensor_msgs).

    Attributes:
        width, height: of the depth image.
        k: row-major 3x3 camera matrix.
        r: row-major 3x3 rectification rotation (identity).
        p: row-major 3x4 projection matrix.
        distortion_model: e.g. plumb_bob.
        d: distortion coefficients.
    """

    width: int
    height: int
    k: tuple[float, ...]
    r: tuple[float, ...]
    p: tuple[float, ...]
    distortion_model: str
    d: tuple[float, ...]


def camera_info_values(
    intrinsics: Intrinsics, source: CameraInfoLike | None = None
) -> CameraInfoValues:
    """The CameraInfo that matches a published depth image.

    Args:
        intrinsics: of the depth image.
        source: the camera's own CameraInfo; its distortion model and coefficients are kept when
            the size is unchanged (the depth image is pixel-aligned with the input).

    Returns:
        K and P from `intrinsics`, R identity; no binning or ROI (left to the message defaults).
    """
    fx, fy, cx, cy = intrinsics.fx_px, intrinsics.fy_px, intrinsics.cx_px, intrinsics.cy_px
    size = (intrinsics.width, intrinsics.height)
    same_size = source is not None and (int(source.width), int(source.height)) == size
    if same_size:
        distortion_model, d = source.distortion_model, tuple(float(v) for v in source.d)
    else:
        distortion_model, d = "plumb_bob", (0.0,) * 5
    return CameraInfoValues(
        width=intrinsics.width,
        height=intrinsics.height,
        k=(fx, 0.0, cx, 0.0, fy, cy, 0.0, 0.0, 1.0),
        r=IDENTITY_R,
        p=(fx, 0.0, cx, 0.0, 0.0, fy, cy, 0.0, 0.0, 0.0, 1.0, 0.0),
        distortion_model=distortion_model,
        d=d,
    )

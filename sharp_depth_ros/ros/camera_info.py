"""Pinhole intrinsics from and to sensor_msgs/CameraInfo: validity, rescaling, estimated ones."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sensor_msgs.msg import CameraInfo
from std_msgs.msg import Header

from sharp_depth_ros.inference.rectification import CameraModel, scale_camera_matrix


@dataclass(frozen=True, kw_only=True)
class Intrinsics:
    """Pinhole intrinsics of an image of a given size (pixel centres at integer coordinates).

    Attributes:
        fx_px, fy_px: focal lengths in pixels.
        cx_px, cy_px: principal point in pixels.
        width, height: the image size these intrinsics belong to.
    """

    fx_px: float
    fy_px: float
    cx_px: float
    cy_px: float
    width: int
    height: int

    def __post_init__(self) -> None:
        for name in ("fx_px", "fy_px"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be finite and > 0, received {value}")
        for name in ("cx_px", "cy_px"):
            value = getattr(self, name)
            if not math.isfinite(value):
                raise ValueError(f"{name} must be finite, received {value}")
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"image size must be positive, received {self.width}x{self.height}")

    def scaled_to(self, width: int, height: int) -> Intrinsics:
        """The same camera seen at another resolution (resize of the whole frame).

        Raises:
            ValueError: the aspect ratios differ (see `scale_camera_matrix`): not a resize.
        """
        if (width, height) == (self.width, self.height):
            return self
        fx, _, cx, _, fy, cy, *_ = scale_camera_matrix(
            self.camera_matrix, (self.width, self.height), (width, height)
        )
        return Intrinsics(fx_px=fx, fy_px=fy, cx_px=cx, cy_px=cy, width=width, height=height)

    @property
    def camera_matrix(self) -> tuple[float, ...]:
        """K, 9 row-major values."""
        return (self.fx_px, 0.0, self.cx_px, 0.0, self.fy_px, self.cy_px, 0.0, 0.0, 1.0)


def intrinsics_from_camera_info(msg: CameraInfo) -> Intrinsics:
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


def camera_model_from_camera_info(msg: CameraInfo) -> CameraModel:
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


def make_camera_info(
    intrinsics: Intrinsics, header: Header, source: CameraInfo | None = None
) -> CameraInfo:
    """CameraInfo that matches a published depth image.

    Args:
        intrinsics: of the depth image.
        header: of the depth image (same stamp and frame).
        source: the camera's own CameraInfo; its distortion model and coefficients are kept when
            the size is unchanged (the depth image is pixel-aligned with the input).

    Returns:
        A CameraInfo with K and P from `intrinsics`, R identity, no binning or ROI.
    """
    msg = CameraInfo()
    msg.header = header
    msg.width, msg.height = intrinsics.width, intrinsics.height
    fx, fy, cx, cy = intrinsics.fx_px, intrinsics.fy_px, intrinsics.cx_px, intrinsics.cy_px
    msg.k = [fx, 0.0, cx, 0.0, fy, cy, 0.0, 0.0, 1.0]
    msg.r = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    msg.p = [fx, 0.0, cx, 0.0, 0.0, fy, cy, 0.0, 0.0, 0.0, 1.0, 0.0]
    same_size = source is not None and (source.width, source.height) == (msg.width, msg.height)
    if same_size:
        msg.distortion_model = source.distortion_model
        msg.d = list(source.d)
    else:
        msg.distortion_model = "plumb_bob"
        msg.d = [0.0] * 5
    return msg

"""The pinhole camera in one place: focal length <-> field of view (horizontal), 35 mm focal.

The one place for f_px = W / (2 tan(hfov / 2)) (paper §3.3): scalars here, tensors through
`focal_ratio_from_fov` (f_px / W), which the predictor and validation use.

A FOV head may also predict the angle across another span than the width
(`ConvDepthConfig.fov_span`): "geometric_mean" spans sqrt(W H) pixels. The network sees every
image squashed to a square, so it cannot tell a 16:9 image from a 4:3 one; the angle across
sqrt(W H) moves half as much with the unseen aspect ratio as either side's angle does.
`span_over_width` turns such an angle into f_px / W.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:  # torch stays out of this module's imports: scene workers use it too
    import torch

# 35 mm film frame diagonal: EXIF "FocalLengthIn35mmFilm" refers to a 36 x 24 mm frame.
FILM_35MM_DIAGONAL_MM = math.hypot(36.0, 24.0)


def fov_deg_to_focal_px(fov_deg: float, width_px: int) -> float:
    """Focal length in pixels for a horizontal field of view over `width_px` pixels."""
    return 0.5 * width_px / math.tan(0.5 * math.radians(fov_deg))


def focal_ratio_from_fov(fov_deg: torch.Tensor) -> torch.Tensor:
    """f_px / W = 1 / (2 tan(FOV / 2)) for horizontal FOVs in degrees (element-wise)."""
    return 0.5 / (0.5 * fov_deg.deg2rad()).tan()


FovSpan = Literal["width", "geometric_mean"]
FOV_SPANS: tuple[str, ...] = ("width", "geometric_mean")


def span_over_width(span: str, aspect: torch.Tensor) -> torch.Tensor:
    """Pixels spanned by a FOV-head angle, over the image width, for aspect ratios W / H.

    f_px / W = span_over_width * focal_ratio_from_fov(angle): 1 for "width", sqrt(H / W) for
    "geometric_mean" (the angle across sqrt(W H) pixels).

    Raises:
        ValueError: an unknown span.
    """
    if span == "width":
        return aspect.new_ones(aspect.shape)
    if span == "geometric_mean":
        return aspect.rsqrt()
    raise ValueError(f"fov span must be one of {', '.join(FOV_SPANS)}, got {span!r}")


def fov_from_focal_ratio(focal_ratio: torch.Tensor, span_ratio: torch.Tensor) -> torch.Tensor:
    """The FOV in degrees across `span_ratio` x W pixels for f_px / W = `focal_ratio`."""
    return (2.0 * (0.5 * span_ratio / focal_ratio).atan()).rad2deg()


def focal_px_to_fov_deg(focal_px: float, width_px: int) -> float:
    """Horizontal field of view in degrees for a focal length in pixels."""
    return math.degrees(2.0 * math.atan(0.5 * width_px / focal_px))


def f35mm_to_focal_px(focal_35mm: float, width_px: int, height_px: int) -> float:
    """Convert a 35 mm-equivalent focal length to pixels, along the image diagonal.

    The diagonal convention matches the reference implementation (and makes the result
    independent of the image's orientation).
    """
    return focal_35mm * math.hypot(width_px, height_px) / FILM_35MM_DIAGONAL_MM


def validate_focal_px(focal_px: float) -> float:
    """Return `focal_px` as a float.

    Raises:
        ValueError: if it is not a finite positive number.
    """
    value = float(focal_px)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"focal_px must be a finite positive number of pixels, got {focal_px!r}")
    return value


ASPECT_TOLERANCE = 0.01  # relative; a larger aspect mismatch means another stream, not a resize


def scale_camera_matrix(
    k: Sequence[float], from_size: tuple[int, int], to_size: tuple[int, int]
) -> tuple[float, ...]:
    """A row-major 3x3 (or 3x4) camera matrix for the same camera at another resolution.

    Pixel centres sit at integer coordinates, so the scaling is about the corner at -0.5.

    Args:
        k: 9 (K) or 12 (P) row-major values for an image of `from_size` (width, height).
        from_size: (width, height) the matrix belongs to.
        to_size: (width, height) of the resized image.

    Raises:
        ValueError: the aspect ratios differ by more than `ASPECT_TOLERANCE` (not a resize).
    """
    (from_w, from_h), (to_w, to_h) = from_size, to_size
    if (from_w, from_h) == (to_w, to_h):
        return tuple(float(v) for v in k)
    sx, sy = to_w / from_w, to_h / from_h
    if abs(sx / sy - 1.0) > ASPECT_TOLERANCE:
        raise ValueError(
            f"CameraInfo size {from_w}x{from_h} is not a resize of the image size "
            f"{to_w}x{to_h} (aspect ratios differ)"
        )
    columns = len(k) // 3
    matrix = np.asarray(k, dtype=np.float64).reshape(3, columns).copy()
    # Row 0 (u) and row 1 (v): u' = sx (u + 0.5) - 0.5, i.e. scale, then shift by the last row.
    for row, scale in ((0, sx), (1, sy)):
        matrix[row] = scale * matrix[row] + (scale - 1.0) * 0.5 * matrix[2]
    return tuple(float(v) for v in matrix.ravel())


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

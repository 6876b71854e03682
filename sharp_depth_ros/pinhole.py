"""The pinhole camera in one place: focal length <-> field of view (horizontal), 35 mm focal.

The one place for f_px = W / (2 tan(hfov / 2)) (paper §3.3): scalars here, tensors through
`focal_ratio_from_fov` (f_px / W), which the predictor and validation use.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

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

"""The predictor's output type."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sharp_depth_ros.compat import StrEnum


class FocalSource(StrEnum):
    """Where the focal length used for the metric conversion came from."""

    GIVEN = "given"  # passed by the caller (CameraInfo, EXIF, --focal-px)
    ESTIMATED = "estimated"  # predicted by the field-of-view head


@dataclass(frozen=True, kw_only=True)
class DepthPrediction:
    """Metric depth for one image.

    Attributes:
        depth_m: (H, W) float32 metric depth in metres at the input image's size. Values lie in
            [1e-4, 1e4]; non-finite network outputs are returned as NaN.
        focal_px: horizontal focal length in pixels of the input image that was used.
        focal_source: whether `focal_px` was given or estimated.
        fov_deg: horizontal field of view in degrees that matches `focal_px` and the input width.
        canonical_inverse_depth: (Hn, Wn) float32 network output at network resolution.
    """

    depth_m: np.ndarray
    focal_px: float
    focal_source: FocalSource
    fov_deg: float
    canonical_inverse_depth: np.ndarray

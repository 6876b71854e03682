"""One synthetic RGB-D sample with its ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True, kw_only=True)
class SyntheticSample:
    """A rendered image and its exact ground truth.

    Attributes:
        rgb: (H, W, 3) uint8 sRGB image (anti-aliased).
        depth_m: (H, W) float32 planar depth at each pixel centre; 0 where invalid.
        valid: (H, W) bool, False for sky and depth beyond the valid range.
        instance: (H, W) uint16 object id at the pixel centre (0 = nothing; i is params
            objects[i - 1]).
        foreground_alpha: (H, W) float32 sub-pixel coverage of thin structures and near occluders.
        intrinsics: (3, 3) float64 K; pixel centres at integer coordinates.
        seed: the sample seed.
        params: JSON-friendly record of the scene and render settings.
    """

    rgb: np.ndarray
    depth_m: np.ndarray
    valid: np.ndarray
    instance: np.ndarray
    foreground_alpha: np.ndarray
    intrinsics: np.ndarray
    seed: int
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def focal_px(self) -> float:
        """Focal length in pixels."""
        return float(self.intrinsics[0, 0])

    @property
    def foreground_mask(self) -> np.ndarray:
        """(H, W) bool: the pixel centre sees a thin structure or near occluder."""
        foreground_ids = [
            i + 1 for i, o in enumerate(self.params.get("objects", ())) if o["foreground"]
        ]
        return np.isin(self.instance, foreground_ids)

"""Procedural RGB-D scenes for tests and smoke runs (`source: analytic` in a recipe)."""

from __future__ import annotations

import numpy as np
import torch

from sharp_depth_ros.training.network_samples import to_network_sample


class AnalyticDataset(torch.utils.data.Dataset):
    """Procedural scenes (a slanted floor/wall plane and a nearer box) for tests and smoke runs.

    The colours are a function of depth and position, so a network can learn the mapping.
    Sample i depends only on (seed, i).
    """

    def __init__(self, *, kind: str, size: int, resolution: int, seed: int = 0) -> None:
        """Describe `size` samples rendered at 48 x 64 and resized to `resolution`."""
        self.kind, self.size, self.resolution, self.seed = kind, size, resolution, seed

    def __len__(self) -> int:
        """Number of samples."""
        return self.size

    def render(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """Return rgb (48, 64, 3) uint8, depth_m, valid and focal_px of sample `index`."""
        rng = np.random.default_rng([self.seed, index])
        height, width = 48, 64
        rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
        far_m, slope = rng.uniform(3.0, 6.0), rng.uniform(-0.03, 0.03)
        depth = far_m + slope * (rows - height / 2) * far_m
        top, left = rng.integers(4, height // 2), rng.integers(4, width // 2)
        box = (
            (rows >= top) & (rows < top + height // 3) & (cols >= left) & (cols < left + width // 3)
        )
        depth = np.where(box, rng.uniform(1.0, 2.0), depth).astype(np.float32)
        shade = 1.0 / depth  # near is bright: a learnable cue
        stripes = 0.5 + 0.5 * np.sin(cols * rng.uniform(0.3, 0.8))
        rgb = np.stack([shade, 0.4 * shade + 0.3 * stripes, 1.0 - 0.5 * shade], axis=-1)
        rgb = (255 * np.clip(rgb, 0, 1)).astype(np.uint8)
        valid = np.ones_like(depth, dtype=bool)
        return rgb, depth, valid, float(rng.uniform(0.7, 1.3) * width)

    def get(self, index: int, sample_seed: int) -> dict[str, torch.Tensor]:
        """One network sample (analytic scenes are not augmented; the seed is unused)."""
        rgb, depth, valid, focal_px = self.render(index)
        return to_network_sample(rgb, depth, valid, focal_px, self.kind, self.resolution)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        """`get` with seed 0."""
        return self.get(index, 0)

"""Training samples at network resolution, and the data sources the trainer reads.

Every source returns the same dict (`to_network_sample`): the image squashed to S x S as at
inference, and targets in canonical inverse depth C = (f_px / W) / D (§3.2), a ratio that does not
change when the image is resized, so squashing needs no focal-length correction.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import torch
import torch.nn.functional as F

from sharp_depth_ros.training.config import DatasetConfig
from sharp_depth_ros.training.curriculum import DATASET_KINDS


def to_network_sample(
    rgb: np.ndarray,
    depth_m: np.ndarray,
    valid: np.ndarray,
    focal_px: float | None,
    kind: str,
    size: int,
) -> dict[str, torch.Tensor]:
    """Resize one RGB-D sample to the network input and build its targets.

    Args:
        rgb: (H, W, 3) uint8 image.
        depth_m: (Hd, Wd) depth in metres (any resolution; 0 or non-finite where invalid).
        valid: (Hd, Wd) bool validity of `depth_m`.
        focal_px: horizontal focal length in pixels of `rgb`, or None if unknown.
        kind: one of DATASET_KINDS.
        size: network resolution S.

    Returns:
        `image` (3, S, S) float32 in [-1, 1] (bilinear, aspect not kept, as the predictor);
        `depth_m` (1, S, S) and `valid` (1, S, S) bool (nearest neighbour: never blend depths
        across an occluding edge); `inverse_depth` (1, S, S) canonical target, 0 where invalid;
        `focal_ratio` () f_px / W (NaN if unknown); `fov_deg` () 2 atan(W / 2 f_px);
        `has_focal` () bool; `kind` () int64 index into DATASET_KINDS.
    """
    width = rgb.shape[1]
    image = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1).float() / 255.0
    image = F.interpolate(
        (image[None] - 0.5) / 0.5, size=(size, size), mode="bilinear", align_corners=False
    )[0]
    depth = torch.from_numpy(np.ascontiguousarray(depth_m, dtype=np.float32))[None, None]
    mask = torch.from_numpy(np.ascontiguousarray(valid, dtype=bool))[None, None]
    depth = F.interpolate(depth, size=(size, size), mode="nearest-exact")[0]
    mask = F.interpolate(mask.float(), size=(size, size), mode="nearest-exact")[0] > 0.5
    has_focal = focal_px is not None and math.isfinite(focal_px) and focal_px > 0
    return with_targets(image, depth, mask, focal_px / width if has_focal else None, kind)


def with_targets(
    image: torch.Tensor,
    depth_m: torch.Tensor,
    valid: torch.Tensor,
    focal_ratio: float | None,
    kind: str,
) -> dict[str, torch.Tensor]:
    """Build the training dict of `to_network_sample` from tensors already at S x S.

    Args:
        image: (3, S, S) network input in [-1, 1].
        depth_m: (1, S, S) depth in metres.
        valid: (1, S, S) bool.
        focal_ratio: f_px / W (horizontal focal length over image width), or None if unknown.
        kind: one of DATASET_KINDS.
    """
    depth, mask = depth_m.float(), valid.bool() & torch.isfinite(depth_m) & (depth_m > 0)
    safe_depth = torch.where(mask, depth, torch.ones_like(depth))
    if focal_ratio is not None:
        inverse = torch.where(mask, focal_ratio / safe_depth, torch.zeros_like(depth))
        fov_deg = math.degrees(2.0 * math.atan(0.5 / focal_ratio))  # 2 atan(W / (2 f_px))
    else:  # non-metric data without intrinsics: SSI losses make the scale irrelevant
        inverse = torch.where(mask, 1.0 / safe_depth, torch.zeros_like(depth))
        fov_deg = math.nan
    return {
        "image": image.float().contiguous(),
        "depth_m": torch.where(mask, depth, torch.zeros_like(depth)),
        "valid": mask,
        "inverse_depth": inverse,
        "focal_ratio": torch.tensor(math.nan if focal_ratio is None else focal_ratio),
        "fov_deg": torch.tensor(fov_deg, dtype=torch.float32),
        "has_focal": torch.tensor(focal_ratio is not None),
        "kind": torch.tensor(DATASET_KINDS.index(kind), dtype=torch.int64),
    }


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


def build_dataset(
    config: DatasetConfig, *, resolution: int, training: bool
) -> torch.utils.data.Dataset:
    """The data set a `DatasetConfig` describes, yielding `to_network_sample` dicts via `get`.

    Args:
        config: the data-set entry.
        resolution: network resolution S.
        training: False for validation (no augmentation).

    Raises:
        ValueError / FileNotFoundError: unusable folders or unknown sources.
    """
    augment = training and config.augment
    if config.source == "analytic":
        # Seeded by name, so a "val" set never repeats the scenes of a "train" set.
        return AnalyticDataset(
            kind=config.kind,
            size=config.size or 16,
            resolution=resolution,
            seed=zlib.crc32(config.name.encode()),
        )
    from sharp_depth_ros.training.augmented import AugmentedSamples

    return AugmentedSamples(
        root=config.path,
        source=config.source,
        kind=config.kind,
        resolution=resolution,
        augment=augment,
        limit=config.size,
    )

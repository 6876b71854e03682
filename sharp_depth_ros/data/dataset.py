"""Torch datasets over synthetic shards and over evaluation folders, with optional augmentation.

Every item is a dict:
    image        (3, H, W) float32, normalised like the network input: (x - 0.5) / 0.5
    depth_m      (1, H, W) float32 planar depth, 0 where invalid
    valid        (1, H, W) bool
    intrinsics   (3, 3) float32 K (pixel centres at integer coordinates)
    focal_px     () float32, K[0, 0] (NaN for a folder sample without intrinsics, if allowed)
    alpha        (1, H, W) float32 foreground alpha (zeros when the source has none)
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from sharp_depth_ros.data.augment import AugmentConfig, augment, crop_and_resize
from sharp_depth_ros.data.shards import ShardReader, list_shards, shard_length


class _AugmentedSamples(Dataset):
    """What both datasets share: resizing, and augmentation seeded per epoch and item.

    Args:
        size: (H, W) every item is resized to (K updated); None keeps the stored size.
        augment: augmentation settings, or None for none.
        seed: augmentation seed; item i of epoch e uses seed (seed, e, i).
    """

    def __init__(
        self, size: tuple[int, int] | None, augment: AugmentConfig | None, seed: int
    ) -> None:
        self.size, self.augment, self.seed, self.epoch = size, augment, seed, 0

    def set_epoch(self, epoch: int) -> None:
        """Draw different augmentations in each epoch."""
        self.epoch = epoch

    def _item(
        self,
        index: int,
        rgb: np.ndarray,
        depth_m: np.ndarray,
        valid: np.ndarray,
        intrinsics: np.ndarray,
        alpha: np.ndarray | None,
    ) -> dict[str, torch.Tensor]:
        """Item `index` of the current epoch from its stored arrays."""
        image = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1).float() / 255.0
        depth = torch.from_numpy(np.ascontiguousarray(depth_m, dtype=np.float32))[None]
        mask = torch.from_numpy(np.ascontiguousarray(valid, dtype=bool))[None]
        k = torch.from_numpy(np.asarray(intrinsics, dtype=np.float64))
        alpha_t = (
            torch.zeros_like(depth)
            if alpha is None
            else torch.from_numpy(np.asarray(alpha, np.float32))[None]
        )
        height, width = image.shape[-2:]
        if self.size is not None and tuple(self.size) != (height, width):
            # Alpha rides along as a fourth image channel so it is resampled like the image.
            stacked, depth, mask, k = crop_and_resize(
                torch.cat([image, alpha_t]), depth, mask, k, (0, 0, width, height), self.size
            )
            image, alpha_t = stacked[:3], stacked[3:]
        if self.augment is not None:
            generator = _generator(self.seed, self.epoch, index)
            image, depth, mask, k, alpha_t = augment(
                image, depth, mask, k, self.augment, generator, alpha_t
            )
        return {
            "image": (image - 0.5) / 0.5,
            "depth_m": depth * mask,
            "valid": mask,
            "intrinsics": k.float(),
            "focal_px": k[0, 0].float(),
            "alpha": alpha_t,
        }


class ShardDataset(_AugmentedSamples):
    """Samples of a `sharp-depth synth` output folder.

    Args:
        root: the folder with `shard-NNNNN.npz` files.
        size: (H, W) every item is resized to (K updated); None keeps the stored size.
        augment: augmentation settings, or None for none.
        seed: augmentation seed; item i of epoch e uses seed (seed, e, i).
    """

    def __init__(
        self,
        root: str | Path,
        size: tuple[int, int] | None = None,
        augment: AugmentConfig | None = None,
        seed: int = 0,
    ) -> None:
        self.shards = list_shards(root)
        if not self.shards:
            raise FileNotFoundError(f"no shard-NNNNN.npz files in {root}")
        self.index = [(path, k) for path in self.shards for k in range(shard_length(path))]
        self.reader = ShardReader()
        super().__init__(size, augment, seed)

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        path, k = self.index[i]
        s = self.reader.sample(path, k)
        return self._item(i, s.rgb, s.depth_m, s.valid, s.intrinsics, s.foreground_alpha)


class FolderDataset(_AugmentedSamples):
    """An evaluation folder (`sharp_depth_ros.evaluation.folder` layout) as a training dataset.

    Depth maps of another size are resized to the image with nearest neighbours.

    Args:
        root: the folder.
        size: (H, W) every item is resized to (K updated); None keeps the stored size.
        augment: augmentation settings, or None for none.
        seed: augmentation seed; item i of epoch e uses seed (seed, e, i).
        require_intrinsics: raise for a sample without ROOT/intrinsics/NAME.json (metric data
            needs its focal length). If False such a sample gets a K with NaN focal lengths and
            the image centre as principal point, so `focal_px` is NaN.
        limit: keep only the first `limit` samples if > 0.
    """

    def __init__(
        self,
        root: str | Path,
        size: tuple[int, int] | None = None,
        augment: AugmentConfig | None = None,
        seed: int = 0,
        *,
        require_intrinsics: bool = True,
        limit: int = 0,
    ) -> None:
        from sharp_depth_ros.evaluation.folder import list_samples

        self.root = Path(root)
        self.names = list_samples(self.root)[: limit or None]
        self.require_intrinsics = require_intrinsics
        super().__init__(size, augment, seed)

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        from sharp_depth_ros.evaluation.folder import load_sample

        s = load_sample(self.root, self.names[i])
        if s.intrinsics is not None:
            k = s.intrinsics
            fx, fy, cx, cy = k.fx_px, k.fy_px, k.cx_px, k.cy_px
        elif self.require_intrinsics:
            raise ValueError(
                f"{self.root}/intrinsics/{s.name}.json is missing; metric training data needs "
                "fx, fy, cx, cy"
            )
        else:
            height, width = s.rgb.shape[:2]
            fx, fy, cx, cy = math.nan, math.nan, (width - 1) / 2, (height - 1) / 2
        k = np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1.0]])
        depth, valid, mask = s.depth_m, s.valid, s.mask
        if depth.shape != s.rgb.shape[:2]:
            rows = (np.arange(s.rgb.shape[0]) + 0.5) * depth.shape[0] // s.rgb.shape[0]
            cols = (np.arange(s.rgb.shape[1]) + 0.5) * depth.shape[1] // s.rgb.shape[1]
            rows, cols = rows.astype(int), cols.astype(int)
            depth, valid = depth[np.ix_(rows, cols)], valid[np.ix_(rows, cols)]
            mask = None if mask is None else mask[np.ix_(rows, cols)]
        return self._item(i, s.rgb, depth, valid, k, mask)


def _generator(seed: int, epoch: int, index: int) -> torch.Generator:
    state = np.random.SeedSequence([seed, epoch, index]).generate_state(1, np.uint64)[0]
    return torch.Generator().manual_seed(int(state))

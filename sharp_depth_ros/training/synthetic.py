"""Adapter from the synthetic shards of `sharp-depth synth` to training samples.

`sharp_depth_ros.data.dataset.ShardDataset` reads, resizes (bilinear image, nearest depth,
intrinsics updated) and augments (colour, blur, centre-crop FOV change: Tab. 16); this adapter
squashes to the network input and adds the canonical targets. Its augmentation generator is
seeded with (data-set seed, epoch, index); the trainer passes each stream position's own seed
as the "epoch", so augmentations are a pure function of the position (exact resume).
"""

from __future__ import annotations

from pathlib import Path

import torch

from sharp_depth_ros.training.samples import with_targets


class SyntheticShardDataset(torch.utils.data.Dataset):
    """Synthetic RGB-D shards as training samples at network resolution."""

    def __init__(
        self, *, root: str | Path, kind: str, resolution: int, augment: bool, limit: int = 0
    ) -> None:
        """Open the shard folder `root` (the first `limit` samples if > 0).

        Raises:
            FileNotFoundError: no shards in `root`.
        """
        from sharp_depth_ros.data.augment import AugmentConfig
        from sharp_depth_ros.data.dataset import ShardDataset

        self.kind = kind
        self.inner = ShardDataset(
            root,
            size=(resolution, resolution),
            augment=AugmentConfig() if augment else None,
        )
        self.length = min(len(self.inner), limit) if limit else len(self.inner)

    def __len__(self) -> int:
        """Number of samples."""
        return self.length

    def get(self, index: int, sample_seed: int) -> dict[str, torch.Tensor]:
        """Sample `index` with the augmentation of `sample_seed`."""
        self.inner.set_epoch(sample_seed)
        item = self.inner[index]
        width = item["image"].shape[-1]
        focal_ratio = float(item["focal_px"]) / width  # f_px / W after crop and resize
        return with_targets(item["image"], item["depth_m"], item["valid"], focal_ratio, self.kind)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        """`get` with seed 0."""
        return self.get(index, 0)

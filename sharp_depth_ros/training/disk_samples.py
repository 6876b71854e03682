"""Samples read from disk (synthetic shards, RGB-D folders) as training samples.

`ShardDataset` and `FolderDataset` (`sharp_depth_ros.data`) read, resize to the network input
(bilinear image, nearest depth, intrinsics updated) and augment (colour, blur, centre-crop FOV
change: Tab. 16); this adapter adds the canonical targets (`network_samples.with_targets`). The
augmentation generator is seeded with (data-set seed, epoch, index); the trainer passes each
stream position's own seed as the "epoch", so augmentations are a pure function of the position
(exact resume).
"""

from __future__ import annotations

import math
from pathlib import Path

import torch

from sharp_depth_ros.data.augment import AugmentConfig
from sharp_depth_ros.data.dataset import FolderDataset, ShardDataset
from sharp_depth_ros.training.network_samples import with_targets


class DiskSamples(torch.utils.data.Dataset):
    """A shard folder (`source="synthetic"`) or data-set folder (`"folder"`) as training samples.

    Metric kinds need intrinsics for every folder sample; non-metric ones may lack them (their
    SSI losses do not need the focal length, and the FOV loss masks the sample out).
    """

    def __init__(
        self,
        *,
        root: str | Path,
        source: str,
        kind: str,
        resolution: int,
        augment: bool,
        limit: int = 0,
        noise_probability: float = 0.0,
        vignette_probability: float = 0.0,
        texture_probability: float = 0.0,
    ) -> None:
        """Open `root` (the first `limit` samples if > 0).

        `noise_probability`, `vignette_probability` and `texture_probability` are the chances
        of sensor noise, lens vignetting and surface texture among the augmentations
        (`AugmentConfig`).

        Raises:
            FileNotFoundError: no shards in a synthetic `root`.
            ValueError: an empty folder, or an unknown `source`.
        """
        size = (resolution, resolution)
        policy = (
            AugmentConfig(
                noise_probability=noise_probability,
                vignette_probability=vignette_probability,
                texture_probability=texture_probability,
            )
            if augment
            else None
        )
        self.kind = kind
        if source == "synthetic":
            self.inner: ShardDataset | FolderDataset = ShardDataset(root, size=size, augment=policy)
        elif source == "folder":
            self.inner = FolderDataset(
                root,
                size=size,
                augment=policy,
                require_intrinsics=kind.startswith("metric"),
                limit=limit,
            )
        else:
            raise ValueError(f"source={source!r} is invalid; expected 'synthetic' or 'folder'")
        self.length = min(len(self.inner), limit) if limit else len(self.inner)

    def __len__(self) -> int:
        """Number of samples."""
        return self.length

    def get(self, index: int, sample_seed: int) -> dict[str, torch.Tensor]:
        """Sample `index` with the augmentation of `sample_seed`."""
        self.inner.set_epoch(sample_seed)
        item = self.inner[index]
        focal_px = float(item["focal_px"])
        # f_px / W after crop and resize; unknown (NaN) for a folder sample without intrinsics.
        known = math.isfinite(focal_px) and focal_px > 0
        focal_ratio = focal_px / item["image"].shape[-1] if known else None
        # The image is squashed to S x S with K updated: fy / fx = W / H of the image before.
        k = item["intrinsics"]
        aspect = float(k[1, 1] / k[0, 0]) if known else math.nan
        return with_targets(
            item["image"], item["depth_m"], item["valid"], focal_ratio, self.kind, aspect=aspect
        )

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        """`get` with seed 0."""
        return self.get(index, 0)

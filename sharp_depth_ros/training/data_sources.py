"""The data set each entry of a recipe's `data.datasets` names, ready for the trainer."""

from __future__ import annotations

import zlib

import torch

from sharp_depth_ros.training.analytic_scenes import AnalyticDataset
from sharp_depth_ros.training.config import DatasetConfig
from sharp_depth_ros.training.disk_samples import DiskSamples


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
    return DiskSamples(
        root=config.path,
        source=config.source,
        kind=config.kind,
        resolution=resolution,
        augment=augment,
        limit=config.size,
        noise_probability=config.sensor_noise,
        vignette_probability=config.vignetting,
        texture_probability=config.surface_texture,
    )

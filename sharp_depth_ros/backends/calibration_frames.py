"""Frames to calibrate int8 ranges on: a folder of images, or synthetic shards."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sharp_depth_ros.data.shards import list_shards, read_shard_sample, shard_length
from sharp_depth_ros.inference.image_io import load_image

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def _evenly_spaced(total: int, count: int) -> list[int]:
    """`count` indices spread over `total` (consecutive video frames are near copies)."""
    count = min(count, total)
    return sorted({int(i) for i in np.linspace(0, total - 1, count).round()})


def load_calibration_frames(path: str | Path, count: int) -> list[np.ndarray]:
    """Up to `count` RGB frames, evenly spaced over a folder.

    Args:
        path: a folder of .png/.jpg images (searched recursively; sorted by path), or of
            `sharp-depth synth` shards (shard-*.npz).
        count: how many frames to take.

    Returns:
        (H, W, 3) images as stored (uint8 or uint16).

    Raises:
        FileNotFoundError: the folder does not exist.
        ValueError: the folder holds neither images nor shards, or an image cannot be decoded.
    """
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"calibration folder {root} does not exist")
    shards = list_shards(root)
    if shards:
        places = [(shard, k) for shard in shards for k in range(shard_length(shard))]
        return [read_shard_sample(*places[i]).rgb for i in _evenly_spaced(len(places), count)]
    images = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise ValueError(
            f"{root} holds no .png/.jpg images and no shard-*.npz files to calibrate int8 on"
        )
    return [load_image(images[i]).rgb for i in _evenly_spaced(len(images), count)]

"""Write synthetic shards as an evaluation folder (the `sharp-depth eval` layout)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from sharp_depth_ros.atomic import atomic_path
from sharp_depth_ros.data.shards import list_shards, read_shard


def export_eval_folder(shard_dir: str | Path, out_dir: str | Path) -> int:
    """Write every sample of `shard_dir` into `out_dir` as rgb/, depth/, intrinsics/ and masks/.

    Names are `synth-<global index>`; depth is float32 metres (`.npy`, 0 = invalid), the mask is the
    thin-structure/occluder alpha as 8-bit PNG (for the mask-based boundary recall). Every file is
    written atomically, so an interrupted export can simply be run again.

    Returns:
        The number of samples written.

    Raises:
        FileNotFoundError: if `shard_dir` holds no complete shard.
    """
    shards = list_shards(shard_dir)
    if not shards:
        raise FileNotFoundError(f"no shard-NNNNN.npz in {shard_dir}: run `sharp-depth synth` first")
    out = Path(out_dir)
    written = 0
    for shard in shards:
        with np.load(shard) as data:
            indices = [int(i) for i in data["indices"]]
        for index, sample in zip(indices, read_shard(shard), strict=True):
            name = f"synth-{index:06d}"
            with atomic_path(out / "rgb" / f"{name}.png") as path:
                cv2.imwrite(str(path), cv2.cvtColor(sample.rgb, cv2.COLOR_RGB2BGR))
            depth = np.where(sample.valid, sample.depth_m, 0.0).astype(np.float32)
            with atomic_path(out / "depth" / f"{name}.npy") as path:
                np.save(path, depth)
            k = sample.intrinsics
            intrinsics = {"fx": k[0, 0], "fy": k[1, 1], "cx": k[0, 2], "cy": k[1, 2]}
            with atomic_path(out / "intrinsics" / f"{name}.json") as path:
                path.write_text(json.dumps({key: float(v) for key, v in intrinsics.items()}))
            alpha = np.round(np.clip(sample.foreground_alpha, 0.0, 1.0) * 255.0).astype(np.uint8)
            with atomic_path(out / "masks" / f"{name}.png") as path:
                cv2.imwrite(str(path), alpha)
            written += 1
    return written

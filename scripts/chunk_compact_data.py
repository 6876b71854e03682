r"""Split compact shard folders into numbered chunks that each fit one device call's carry.

    python scripts/chunk_compact_data.py .devdata .devdata-chunks --limit-mb 40 \
        robot-val clutter-train:6 robot-train robot-train-b

fills .devdata-chunks/1, 2, ... (hard links, in the order given; `NAME:N` takes the first N
shards of a folder) with at most `--limit-mb` each; a folder's manifest goes with its first
shard. Carry one chunk per call and unpack it there with `COMPACT=.devdata-chunks/K bash
scripts/device_unpack_data.sh` (scripts/train_on_device.sh explains the whole run).
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

from sharp_depth_ros.data.shards import MANIFEST_NAME, list_shards


def main() -> None:
    """Parse the arguments and link the shards into chunks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="folder of compact shard folders")
    parser.add_argument("destination", type=Path, help="chunks are made here (emptied first)")
    parser.add_argument("folders", nargs="+", help="NAME or NAME:N, in carrying order")
    parser.add_argument("--limit-mb", type=float, default=39.0)
    args = parser.parse_args()
    shutil.rmtree(args.destination, ignore_errors=True)
    limit = args.limit_mb * 1e6
    chunk, used = 1, 0.0
    for spec in args.folders:
        name, _, count = spec.partition(":")
        shards = list_shards(args.source / name)
        for i, shard in enumerate(shards[: int(count)] if count else shards):
            size = shard.stat().st_size
            if used + size > limit:
                chunk, used = chunk + 1, 0.0
            target = args.destination / str(chunk) / name
            target.mkdir(parents=True, exist_ok=True)
            os.link(shard, target / shard.name)
            if i == 0 and (args.source / name / MANIFEST_NAME).exists():
                shutil.copyfile(args.source / name / MANIFEST_NAME, target / MANIFEST_NAME)
            used += size
    for folder in sorted(args.destination.iterdir(), key=lambda p: int(p.name)):
        sizes = [f.stat().st_size for f in folder.rglob("*.npz")]
        print(f"chunk {folder.name}: {len(sizes)} shards, {sum(sizes) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()

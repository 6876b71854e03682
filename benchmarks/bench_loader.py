"""Training-sample throughput of one data-loader process: how shards are read and stored.

Times `DiskSamples.get` (read, resize, augment, targets: what each DataLoader worker does per
sample) round robin over the same sample keys for each variant, so load from other jobs hits
every variant alike:
  reopen, HSV hue   every read opens the shard again (`read_shard_sample`) and the hue shift goes
                    through HSV (torchvision): the loader before the change
  kept-open         `ShardReader` keeps each shard open (what `ShardDataset` does now)
  kept-open, HSV    the same with the old hue shift
  kept-open, noise  `ShardReader` with sensor noise on every sample (`sensor_noise: 1`)
  kept-open, texture  the same with surface texture on every sample (`surface_texture: 1`)
  kept-open, vignetting  the same with vignetting on every sample (`vignetting: 1`)
each for every folder given (e.g. the same shards compressed and unpacked with
`compact_shards unpack --uncompressed`). Prints one JSON row per variant and a Markdown table.

    python benchmarks/bench_loader.py /tmp/cmp /tmp/unc --samples 200
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch
from torchvision.transforms.v2 import functional as TF

from sharp_depth_ros.backends.cpu_features import cpu_features
from sharp_depth_ros.data import augment as augment_module
from sharp_depth_ros.data.shards import read_shard_sample
from sharp_depth_ros.training.disk_samples import DiskSamples


class _Reopening:
    """The old read path: open the shard for every sample."""

    @staticmethod
    def sample(path: Path, k: int):
        return read_shard_sample(path, k)


def main() -> None:
    """Parse arguments, time every variant, print JSON rows and a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+", help="shard folders to compare")
    parser.add_argument("--samples", type=int, default=200, help="samples timed per variant")
    parser.add_argument("--resolution", type=int, default=256)
    args = parser.parse_args()
    torch.set_num_threads(1)  # one DataLoader worker's share
    matrix_hue = augment_module.rotate_hue
    variants = []
    for folder in args.folders:
        for mode, hue in (
            ("reopen, HSV hue", TF.adjust_hue),
            ("kept-open, HSV hue", TF.adjust_hue),
            ("kept-open", matrix_hue),
            ("kept-open, noise", matrix_hue),
            ("kept-open, texture", matrix_hue),
            ("kept-open, vignetting", matrix_hue),
        ):
            dataset = DiskSamples(
                root=folder,
                source="synthetic",
                kind="metric_synthetic",
                resolution=args.resolution,
                augment=True,
                noise_probability=1.0 if mode.endswith("noise") else 0.0,
                texture_probability=1.0 if mode.endswith("texture") else 0.0,
                vignette_probability=1.0 if mode.endswith("vignetting") else 0.0,
            )
            if mode.startswith("reopen"):
                dataset.inner.reader = _Reopening()
            variants.append((f"{folder.name} {mode}", dataset, hue))
    count = min(len(d) for _, d, _ in variants)
    keys = [(int(i), n) for n, i in enumerate(torch.randperm(count)[: args.samples])]
    timings: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    for index, seed in keys:
        for name, dataset, hue in variants:
            augment_module.rotate_hue = hue
            start = time.perf_counter()
            dataset.get(index, seed)
            timings[name].append(time.perf_counter() - start)
    rows = []
    for name, values in timings.items():
        median = statistics.median(values[1:])  # the first read of a variant opens files
        rows.append({"variant": name, "median_ms": 1000 * median, "samples_per_s": 1 / median})
        print(json.dumps(rows[-1]))
    base = rows[0]["median_ms"]
    print(f"\nCPU: {cpu_features().summary()}; {len(keys)} samples, 1 thread\n")
    print("| variant | median ms per sample | samples/s per worker | vs first |")
    print("|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['variant']} | {row['median_ms']:.1f} | {row['samples_per_s']:.0f} "
            f"| {row['median_ms'] / base:.2f}x |"
        )


if __name__ == "__main__":
    main()

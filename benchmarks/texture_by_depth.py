"""How much fine texture do surfaces show at each distance? Renders against real frames.

A network trained on renders learns whatever goes with depth there. If near surfaces are the
plainest in the renders (denoised, muted materials) but the busiest in real photos, it learns
"textured means far" and reads real desks as distant. This script measures, per depth band, the
local band-pass energy of the image as the network sees it: every image resized to 256 px wide,
grey, Gaussian-blurred (sigma 1.5 px, so pixel noise counts little), |Laplacian| averaged over
9 x 9 px. Pixels within 6 px of a depth discontinuity are left out, so object outlines do not
count as texture. Reported: the median and 90th percentile per band, pooled over the images.

    python benchmarks/texture_by_depth.py --shards data/synth/robot-val --folder data/eval/real \
        [--out docs/reports/texture-by-depth.json]

Real frames are only measured here, never trained on or used to choose a checkpoint.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from sharp_depth_ros.atomic import atomic_write_text
from sharp_depth_ros.data.shards import list_shards, read_shard
from sharp_depth_ros.evaluation.folder import list_samples, load_sample

WIDTH_PX = 256
BANDS_M = ((0.3, 1.5), (1.5, 3.0), (3.0, 6.0), (6.0, 100.0))
EDGE_MARGIN_PX = 6


def band_energy(rgb: np.ndarray) -> np.ndarray:
    """Local band-pass energy of an (H, W, 3) uint8 image, (H, W) float32."""
    grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
    grey = cv2.GaussianBlur(grey, (0, 0), 1.5)
    return cv2.blur(np.abs(cv2.Laplacian(grey, cv2.CV_32F, ksize=3)), (9, 9))


def away_from_depth_edges(depth_m: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Valid pixels farther than EDGE_MARGIN_PX from a depth step (> 10 % per pixel) or a hole."""
    log_depth = np.log(np.where(valid, depth_m, 1.0).clip(1e-3)).astype(np.float32)
    step = np.maximum(
        np.abs(np.diff(log_depth, axis=0, append=log_depth[-1:])),
        np.abs(np.diff(log_depth, axis=1, append=log_depth[:, -1:])),
    )
    bad = ((step > 0.1) | ~valid).astype(np.uint8)
    size = 2 * EDGE_MARGIN_PX + 1
    return valid & (cv2.dilate(bad, np.ones((size, size), np.uint8)) == 0)


def _resized(rgb: np.ndarray, depth_m: np.ndarray, valid: np.ndarray):
    height = round(rgb.shape[0] * WIDTH_PX / rgb.shape[1])
    rgb = cv2.resize(rgb, (WIDTH_PX, height), interpolation=cv2.INTER_AREA)
    depth_m = cv2.resize(depth_m, (WIDTH_PX, height), interpolation=cv2.INTER_NEAREST)
    valid = cv2.resize(valid.astype(np.uint8), (WIDTH_PX, height), cv2.INTER_NEAREST) > 0
    return rgb, depth_m, valid


def _images(shards: list[Path], folders: list[Path]) -> Iterator[tuple]:
    for root in shards:
        for shard in list_shards(root):
            for sample in read_shard(shard):
                yield sample.rgb, sample.depth_m, sample.valid
    for root in folders:
        for name in list_samples(root):
            sample = load_sample(root, name)
            yield sample.rgb, sample.depth_m, sample.valid


def measure(shards: list[Path], folders: list[Path]) -> dict:
    """Per depth band: pixel count, median and 90th percentile of the band-pass energy."""
    energy, depth, images = [], [], 0
    for rgb, depth_m, valid in _images(shards, folders):
        rgb, depth_m, valid = _resized(rgb, depth_m, valid)
        keep = away_from_depth_edges(depth_m, valid)
        energy.append(band_energy(rgb)[keep])
        depth.append(depth_m[keep])
        images += 1
    energy_all, depth_all = np.concatenate(energy), np.concatenate(depth)
    bands = []
    for low, high in BANDS_M:
        values = energy_all[(depth_all >= low) & (depth_all < high)]
        bands.append(
            {
                "depth_m": [low, high],
                "pixels": int(values.size),
                "median": float(np.median(values)) if values.size else None,
                "p90": float(np.percentile(values, 90)) if values.size else None,
            }
        )
    return {"images": images, "bands": bands}


def main() -> None:
    """Parse the arguments, measure each source, print (and optionally write) the rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shards", type=Path, nargs="*", default=[], help="synth folders")
    parser.add_argument("--folder", type=Path, nargs="*", default=[], help="eval folders")
    parser.add_argument("--out", type=Path, default=None, help="write the rows as JSON here")
    args = parser.parse_args()
    if not args.shards and not args.folder:
        parser.error("give --shards and/or --folder")
    rows = []
    for source in [*args.shards, *args.folder]:
        is_shards = source in args.shards
        row = {
            "source": str(source),
            **measure([source] if is_shards else [], [] if is_shards else [source]),
        }
        print(json.dumps(row), flush=True)
        rows.append(row)
    if args.out is not None:
        atomic_write_text(args.out, json.dumps({"rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()

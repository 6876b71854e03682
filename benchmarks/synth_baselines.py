"""Reference points for a held-out synthetic split: a row prior and the eye-height bound.

Usage: python benchmarks/synth_baselines.py --train data/synth/train --val data/synth/val

1. Row prior: for each of 64 normalised image rows, the geometric mean depth over the valid
   pixels of the first `--train-shards` training shards; every validation image is predicted as
   that column-constant map. Scored metric and median-aligned: what a network that has learnt
   only "lower in the image is nearer" gets.
2. Eye-height bound: outdoor scenes draw the camera height log-uniformly from 0.3-6 m and size
   objects in proportion to their distance, so the ground plane (most pixels) fixes depth only
   relative to the camera height. A predictor with perfect structure that cannot see the height
   is modelled as depth * c / height with the single c that is best on the training split's
   outdoor heights, scored on the held-out heights (log-uniform heights give
   log(1.25**2) / log(20) = 0.149 in expectation); indoor scenes
   (rooms of bounded size) are counted as perfect. Its delta1 bounds what such a predictor can
   reach in metric depth; a network can only beat it by reading the height from weaker cues
   (object distance ranges, building and fence sizes).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from sharp_depth_ros.data.shards import list_shards

ROWS = 64
DELTA = 1.25


def _params(root: Path) -> Iterator[dict]:
    """The params record of every sample in the shards under `root` (no image is decoded)."""
    for path in list_shards(root):
        with np.load(path) as archive:
            for key in (k for k in archive.files if k.startswith("params_")):
                yield json.loads(bytes(archive[key]).decode())


def _samples(root: Path, max_shards: int = 0) -> Iterator[tuple[dict, np.ndarray, np.ndarray]]:
    """(params, depth, valid) of every sample in the shards under `root`."""
    shards = list_shards(root)
    for path in shards[:max_shards] if max_shards > 0 else shards:
        with np.load(path) as archive:
            for key in (k for k in archive.files if k.startswith("params_")):
                suffix = key.removeprefix("params_")
                params = json.loads(bytes(archive[key]).decode())
                yield params, archive[f"depth_{suffix}"], archive[f"valid_{suffix}"]


def _share_within(heights: np.ndarray, guess_m: float) -> float:
    """Share of scenes whose height is within a factor DELTA of `guess_m`."""
    return float(np.mean(np.maximum(heights / guess_m, guess_m / heights) < DELTA))


def _row_index(height: int) -> np.ndarray:
    return np.arange(height) * ROWS // height


def row_prior(root: Path, max_shards: int, max_depth_m: float) -> np.ndarray:
    """(ROWS,) geometric-mean depth in metres per normalised image row."""
    log_sum, count = np.zeros(ROWS), np.zeros(ROWS)
    for _, depth, valid in _samples(root, max_shards):
        mask = valid & (depth < max_depth_m)
        rows = np.broadcast_to(_row_index(depth.shape[0])[:, None], depth.shape)[mask]
        np.add.at(log_sum, rows, np.log(depth[mask]))
        np.add.at(count, rows, 1)
    return np.exp(log_sum / np.maximum(count, 1))


def _delta1_absrel(pred: np.ndarray, gt: np.ndarray) -> tuple[float, float]:
    ratio = np.maximum(pred / gt, gt / pred)
    return float(np.mean(ratio < DELTA)), float(np.mean(np.abs(pred - gt) / gt))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, required=True, help="training shard folder")
    parser.add_argument("--val", type=Path, required=True, help="held-out shard folder")
    parser.add_argument("--train-shards", type=int, default=0, help="0 = all")
    parser.add_argument("--max-depth", type=float, default=80.0, help="metres, as in eval")
    args = parser.parse_args()

    prior = row_prior(args.train, args.train_shards, args.max_depth)
    scores: dict[str, list[tuple[float, float]]] = {"metric": [], "median": []}
    heights: list[float] = []
    indoor = 0
    for params, depth, valid in _samples(args.val):
        mask = valid & (depth < args.max_depth)
        gt = depth[mask]
        pred = np.broadcast_to(prior[_row_index(depth.shape[0])][:, None], depth.shape)[mask]
        scores["metric"].append(_delta1_absrel(pred, gt))
        scores["median"].append(_delta1_absrel(pred * np.median(gt) / np.median(pred), gt))
        if params["scene"] == "outdoor":
            heights.append(params["camera"]["height_m"])
        else:
            indoor += 1
    for name, values in scores.items():
        delta1, absrel = np.mean(values, axis=0)
        print(f"row prior, {name}: delta1 {delta1:.3f}, AbsRel {absrel:.3f} ({len(values)} images)")
    h = np.asarray(heights)
    train_h = np.asarray(
        [p["camera"]["height_m"] for p in _params(args.train) if p["scene"] == "outdoor"]
    )
    candidates = np.exp(np.linspace(np.log(train_h.min()), np.log(train_h.max()), 400))
    guess = candidates[int(np.argmax([_share_within(train_h, c) for c in candidates]))]
    outdoor = _share_within(h, guess)
    total = (outdoor * len(h) + indoor) / (len(h) + indoor)
    print(
        f"eye-height bound: outdoor delta1 {outdoor:.3f} on {len(h)} held-out scenes (c = "
        f"{guess:.2f} m, best on {len(train_h)} training scenes: "
        f"{_share_within(train_h, guess):.3f}); with {indoor} indoor scenes perfect, "
        f"delta1 <= {total:.3f}"
    )


if __name__ == "__main__":
    main()

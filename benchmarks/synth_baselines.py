"""Reference points for a held-out synthetic split: a row prior and the eye-height bound.

Usage: python benchmarks/synth_baselines.py --train data/synth/train --val data/synth/val

1. Row prior: for each of 64 normalised image rows, the geometric mean depth over the valid
   pixels of the first `--train-shards` training shards (0 = all; the heights below use the
   same shards); every validation image is predicted as that column-constant map. Scored with
   `metrics.depth.depth_metrics`, metric and median-aligned: what a network that has learnt only
   "lower in the image is nearer" gets.
2. Eye-height bound: outdoor scenes draw the camera height log-uniformly (0.3-6 m in the
   first scene distribution, 0.6-1.8 m since 2026-11-28), and the ground plane (most pixels)
   fixes depth only relative to the camera height. A predictor with perfect structure that
   cannot see the height is modelled as depth * c / height with the single c that is best on
   the training split's outdoor heights, scored on the held-out heights (log-uniform heights
   over a ratio r give log(1.25**2) / log(r) in expectation: 0.149 for r = 20, 0.41 for r = 3);
   indoor scenes (rooms of bounded size) are counted as perfect. Its delta1 bounds what such a
   predictor can reach in metric depth; a network can only beat it by reading the height from
   other cues (object sizes, real-world since 2026-11-28; building and fence sizes).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from sharp_depth_ros.data.sample import SyntheticSample
from sharp_depth_ros.data.shards import list_shards, read_shard
from sharp_depth_ros.metrics.depth import depth_metrics

ROWS = 64
DELTA = 1.25


def _samples(root: Path, max_shards: int = 0) -> Iterator[SyntheticSample]:
    """Every sample of the first `max_shards` shards under `root` (0 = all)."""
    shards = list_shards(root)
    for path in shards[:max_shards] if max_shards > 0 else shards:
        yield from read_shard(path)


def _outdoor_height(sample: SyntheticSample) -> float | None:
    """The camera height in metres of an outdoor scene, None indoors."""
    return sample.params["camera"]["height_m"] if sample.params["scene"] == "outdoor" else None


def _share_within(heights: np.ndarray, guess_m: float) -> float:
    """Share of scenes whose height is within a factor DELTA of `guess_m`."""
    return float(np.mean(np.maximum(heights / guess_m, guess_m / heights) < DELTA))


def _row_index(height: int) -> np.ndarray:
    return np.arange(height) * ROWS // height


def _row_map(prior: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return np.repeat(prior[_row_index(shape[0])][:, None], shape[1], axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, required=True, help="training shard folder")
    parser.add_argument("--val", type=Path, required=True, help="held-out shard folder")
    parser.add_argument("--train-shards", type=int, default=0, help="0 = all")
    parser.add_argument("--max-depth", type=float, default=80.0, help="metres, as in eval")
    args = parser.parse_args()

    log_sum, count, train_heights = np.zeros(ROWS), np.zeros(ROWS), []
    for sample in _samples(args.train, args.train_shards):
        mask = sample.valid & (sample.depth_m <= args.max_depth)
        rows = np.broadcast_to(_row_index(mask.shape[0])[:, None], mask.shape)[mask]
        np.add.at(log_sum, rows, np.log(sample.depth_m[mask]))
        np.add.at(count, rows, 1)
        train_heights.append(_outdoor_height(sample))
    prior = np.exp(log_sum / np.maximum(count, 1))

    scores: dict[str, list[tuple[float, float]]] = {"metric": [], "median": []}
    val_heights = []
    for sample in _samples(args.val):
        pred = _row_map(prior, sample.depth_m.shape)
        for alignment, values in scores.items():
            metrics = depth_metrics(
                pred, sample.depth_m, sample.valid, alignment=alignment,
                max_depth_m=args.max_depth,
            )  # fmt: skip
            values.append((float(metrics["delta1"][0]), float(metrics["abs_rel"][0])))
        val_heights.append(_outdoor_height(sample))
    for name, values in scores.items():
        delta1, absrel = np.mean(values, axis=0)
        print(f"row prior, {name}: delta1 {delta1:.3f}, AbsRel {absrel:.3f} ({len(values)} images)")

    train_h = np.asarray([h for h in train_heights if h is not None])
    h = np.asarray([v for v in val_heights if v is not None])
    indoor = len(val_heights) - len(h)
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

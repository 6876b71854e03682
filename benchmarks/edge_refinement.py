"""Boundary F1, delta1 and AbsRel of predicted depth with and without edge refinement.

Scores the network once per image, then its depth unrefined and refined with each radius
(as a fraction of the image width) and regulariser given; boundary F1 only on images whose
depth is valid everywhere (as `sharp-depth eval`). Choose settings on throwaway renders (any
seed outside the training, validation and evaluation sets), then report them on evaluation
sets; real frames have no dense depth, so they cannot score boundaries.

    python benchmarks/edge_refinement.py --shards data/synth/s2000 \
        --radius-fractions 0.0156 0.03125 0.0469 --epsilons 1e-4 1e-3 [--out report.json]
    python benchmarks/edge_refinement.py --folder data/eval/robot
    python benchmarks/edge_refinement.py --time 640x480   # median ms per frame, no data needed
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from sharp_depth_ros.atomic import atomic_write_bytes, atomic_write_text
from sharp_depth_ros.backends.cpu_features import cpu_features
from sharp_depth_ros.data.shards import list_shards, read_shard
from sharp_depth_ros.evaluation.folder import list_samples, load_sample
from sharp_depth_ros.inference.edge_refinement import (
    EPSILON,
    RADIUS_FRACTION,
    SNAP_RATIO,
    refine_depth,
)
from sharp_depth_ros.inference.predictor import DepthPredictor
from sharp_depth_ros.metrics import boundary_f1, depth_metrics

MAX_DEPTH_M = 100.0


def samples(shards: list[Path], folders: list[Path]) -> Iterator[tuple[np.ndarray, ...]]:
    """(rgb uint8, depth_m, valid, focal_px) of every shard sample and folder sample."""
    for root in shards:
        for shard in list_shards(root):
            for sample in read_shard(shard):
                yield sample.rgb, sample.depth_m, sample.valid, float(sample.focal_px)
    for root in folders:
        for name in list_samples(root):
            sample = load_sample(root, name)
            if sample.intrinsics is None:
                raise SystemExit(f"edge_refinement: {root}/{name} has no intrinsics")
            yield sample.rgb, sample.depth_m, sample.valid, float(sample.intrinsics.fx_px)


def picture_row(rgb: np.ndarray, depths: list[np.ndarray], truth: np.ndarray) -> np.ndarray:
    """RGB | each depth | true depth, as turbo inverse depth on the truth's scale (BGR)."""
    low, high = np.percentile(1.0 / truth, [2, 98])
    tiles = [cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)]
    for depth in [*depths, truth]:
        scaled = np.clip((1.0 / np.maximum(depth, 1e-3) - low) / max(high - low, 1e-6), 0, 1)
        tiles.append(cv2.applyColorMap((scaled * 255).astype(np.uint8), cv2.COLORMAP_TURBO))
    return np.concatenate(tiles, axis=1)


def time_refinement(width: int, height: int, repeats: int = 15) -> dict[str, object]:
    """Median and p90 milliseconds of `refine_depth` on a random (height, width) frame."""
    rng = np.random.default_rng(0)
    image = rng.random((height, width, 3), dtype=np.float32)
    depth = rng.uniform(0.5, 10.0, (height, width)).astype(np.float32)
    refine_depth(image, depth)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        refine_depth(image, depth)
        times.append(1000 * (time.perf_counter() - start))
    times.sort()
    return {
        "frame": f"{width}x{height}",
        "median_ms": statistics.median(times),
        "p90_ms": times[int(0.9 * (len(times) - 1))],
        "cpu": cpu_features().summary(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shards", type=Path, nargs="*", default=[])
    parser.add_argument("--folder", type=Path, nargs="*", default=[])
    parser.add_argument("--checkpoint", default=None, help="default: the shipped model")
    parser.add_argument("--radius-fractions", type=float, nargs="+", default=[RADIUS_FRACTION])
    parser.add_argument("--epsilons", type=float, nargs="+", default=[EPSILON])
    parser.add_argument(
        "--snap-ratios",
        type=float,
        nargs="+",
        default=[SNAP_RATIO],
        help="step snapping after the filter (edge_refinement.snap_steps); 0 = none",
    )
    parser.add_argument("--out", type=Path, help="write the rows as JSON here")
    parser.add_argument("--time", metavar="WxH", help="only time the refinement on one frame size")
    parser.add_argument(
        "--pictures",
        type=Path,
        help="JPEG of rgb | unrefined | refined (default settings) | true depth, first 4 images "
        "with depth everywhere",
    )
    args = parser.parse_args()
    if args.time:
        width, height = (int(v) for v in args.time.lower().split("x"))
        print(json.dumps(time_refinement(width, height)))
        return
    predictor = DepthPredictor.from_pretrained(
        checkpoint=args.checkpoint, device="cpu", edge_refinement="none"
    )
    settings = [(None, None, None)] + [
        (r, e, snap or None)
        for r in args.radius_fractions
        for e in args.epsilons
        for snap in args.snap_ratios
    ]
    scores: dict[tuple, list[tuple[float, float, float]]] = {s: [] for s in settings}
    rows: list[np.ndarray] = []
    for rgb, depth_m, valid, focal_px in samples(args.shards, args.folder):
        raw = predictor.predict(rgb, focal_px=focal_px).depth_m
        unit = rgb.astype(np.float32) / 255.0
        dense = bool(valid.all())
        if args.pictures is not None and dense and len(rows) < 4:
            rows.append(picture_row(rgb, [raw, refine_depth(unit, raw)], depth_m))
        for fraction, epsilon, snap in settings:
            if fraction is None:
                depth = raw
            else:
                radius = max(1, round(fraction * rgb.shape[1]))
                depth = refine_depth(unit, raw, radius=radius, epsilon=epsilon, snap_ratio=snap)
            values = depth_metrics(depth, depth_m, valid, max_depth_m=MAX_DEPTH_M)
            f1 = boundary_f1(depth, depth_m) if dense else float("nan")
            scores[(fraction, epsilon, snap)].append(
                (float(values["delta1"][0]), float(values["abs_rel"][0]), f1)
            )
    if rows:
        picture = np.concatenate([r for r in rows if r.shape[1] == rows[0].shape[1]], axis=0)
        ok, encoded = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, 88])
        assert ok
        args.pictures.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(args.pictures, encoded.tobytes())
    table_rows = []
    for (fraction, epsilon, snap), values in scores.items():
        table = np.array(values, dtype=float)
        table_rows.append(
            {
                "radius_fraction": fraction,
                "epsilon": epsilon,
                "snap_ratio": snap,
                "images": len(table),
                "delta1": float(table[:, 0].mean()),
                "abs_rel": float(table[:, 1].mean()),
                "boundary_f1": float(np.nanmean(table[:, 2])),
                "boundary_images": int(np.isfinite(table[:, 2]).sum()),
            }
        )
        print(json.dumps(table_rows[-1]), flush=True)
    if args.out:
        report = {
            "checkpoint": args.checkpoint or "shipped sharp-small",
            "sources": [str(p) for p in args.shards + args.folder],
            "cpu": cpu_features().summary(),
            "rows": table_rows,
        }
        atomic_write_text(args.out, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

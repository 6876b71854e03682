"""Time of every metric on one 1536x1536 image, fast boundary metrics against the reference.

Usage (prints a Markdown table; medians of --repeats runs):
    .venv/bin/python benchmarks/bench_metrics.py --repeats 5 --reference-size 384

The scene is realistic for a depth map: a slanted plane, a step edge, a closer disc and 2%
multiplicative noise on the prediction. `--reference-size` times the slow literal reference
version on a smaller crop (it takes minutes at 1536x1536) for comparison.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from sharp_depth_ros.metrics import boundary_f1, boundary_recall, depth_metrics, focal_metrics
from sharp_depth_ros.metrics.boundary_reference import (
    reference_boundary_f1,
    reference_boundary_recall,
)


def scene(size: int, noise: float, seed: int = 0):
    """Ground-truth depth, a noisy prediction and the disc's foreground mask, (size, size)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:size, :size] / size
    disc = (x - 0.3) ** 2 + (y - 0.6) ** 2 < 0.15**2
    target = 2.0 + 3.0 * y + 2.0 * (x > 0.5)
    target = np.where(disc, 1.0, target)
    pred = target * (1 + noise * rng.standard_normal(target.shape))
    return pred, target, disc.astype(np.float64)


def median_seconds(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--size", type=int, default=1536)
    parser.add_argument("--noise", type=float, default=0.02)
    parser.add_argument("--reference-size", type=int, default=384)
    args = parser.parse_args()
    pred, target, mask = scene(args.size, args.noise)
    rows = [
        ("boundary_f1", lambda: boundary_f1(pred, target)),
        ("boundary_recall", lambda: boundary_recall(pred, mask)),
        ("depth_metrics metric", lambda: depth_metrics(pred, target)),
        ("depth_metrics median", lambda: depth_metrics(pred, target, alignment="median")),
        ("depth_metrics lstsq", lambda: depth_metrics(pred, target, alignment="lstsq")),
        (
            "focal_metrics (1000 images)",
            lambda: focal_metrics(torch.rand(1000) + 1, torch.full((1000,), 1.5)),
        ),
    ]
    print(f"{args.size}x{args.size}, noise {args.noise}, median of {args.repeats}")
    print("| metric | time (ms) |\n|---|---:|")
    for name, function in rows:
        print(f"| {name} | {1000 * median_seconds(function, args.repeats):.0f} |", flush=True)
    size = args.reference_size
    small_pred, small_target, small_mask = scene(size, args.noise)
    print(f"\nFast vs literal reference at {size}x{size} (median of 3):")
    print("| metric | fast (ms) | reference (ms) | same value |\n|---|---:|---:|---|")
    for name, fast, slow, second in (
        ("boundary_f1", boundary_f1, reference_boundary_f1, small_target),
        ("boundary_recall", boundary_recall, reference_boundary_recall, small_mask),
    ):
        fast_time = median_seconds(lambda f=fast, s=second: f(small_pred, s), 3)
        slow_time = median_seconds(lambda f=slow, s=second: f(small_pred, s), 3)
        same = fast(small_pred, second) == slow(small_pred, second)
        print(f"| {name} | {1000 * fast_time:.0f} | {1000 * slow_time:.0f} | {same} |", flush=True)


if __name__ == "__main__":
    main()

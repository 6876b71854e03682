"""Forward + backward time of every depth loss at 2x1x384x384 and 1x1x1536x1536.

Usage (prints a Markdown table; medians of --repeats runs after one warm-up):
    .venv/bin/python benchmarks/bench_losses.py --repeats 5 --device cpu
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from sharp_depth_ros.losses import LOSSES

SHAPES = ((2, 1, 384, 384), (1, 1, 1536, 1536))


def time_loss(loss, shape, repeats: int, device: str) -> float:
    """Median seconds of one forward + backward on random maps with 10% invalid pixels."""
    generator = torch.Generator().manual_seed(0)
    pred = torch.rand(shape, generator=generator).to(device).requires_grad_(True)
    target = torch.rand(shape, generator=generator).to(device)
    mask = (torch.rand(shape, generator=generator) > 0.1).to(device)
    times = []
    for index in range(repeats + 1):
        pred.grad = None
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        start = time.perf_counter()
        loss(pred, target, mask).backward()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        if index > 0:  # the first run is a warm-up
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, device {args.device}")
    print("| loss | " + " | ".join("x".join(map(str, s)) + " (ms)" for s in SHAPES) + " |")
    print("|---|" + "---:|" * len(SHAPES))
    for name, loss in LOSSES.items():
        if name == "fov_l2":
            continue  # acts on (B,) FOV values, not maps
        cells = [
            f"{1000 * time_loss(loss, shape, args.repeats, args.device):.0f}" for shape in SHAPES
        ]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()

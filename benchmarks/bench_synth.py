"""Synthetic-scene throughput: images per second of `generate` with K worker processes.

Usage: python benchmarks/bench_synth.py [--count 24] [--workers 2] [--sizes 256 384x288]
    [--families clutter robot] [--no-denoise | --denoise-guides]

Reports the steady-state rate (samples after the first one per worker, so the one-time start-up
of the workers -- imports and Mitsuba kernel compilation -- is excluded) and the overall rate.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from sharp_depth_ros.data.generate import generate
from sharp_depth_ros.data.renderer import RenderConfig
from sharp_depth_ros.data.scene_sampler import SceneConfig


def measure(
    size: tuple[int, int],
    count: int,
    workers: int,
    spp: int,
    seed: int,
    denoise: bool,
    family: str = "clutter",
    denoise_guides: bool = False,
) -> tuple[float, float]:
    stamps: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as folder:
        start = time.perf_counter()
        generate(
            folder,
            count=count,
            seed=seed,
            scene=SceneConfig(width=size[0], height=size[1], family=family),
            render=RenderConfig(spp=spp, denoise=denoise, denoise_guides=denoise_guides),
            shard_size=8,
            workers=workers,
            progress=lambda n: stamps.append(time.perf_counter()),
        )
        total = time.perf_counter() - start
    warm = stamps[workers - 1 :]
    steady = (len(warm) - 1) / (warm[-1] - warm[0]) if len(warm) > 1 else float("nan")
    return steady, count / total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=24)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sizes", nargs="+", default=["256", "384"], help="N or WxH")
    parser.add_argument("--families", nargs="+", default=["clutter"], help="clutter, robot, mix")
    parser.add_argument("--spp", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--no-denoise", action="store_true", help="raw path-traced RGB")
    parser.add_argument(
        "--denoise-guides", action="store_true", help="albedo and normal for the denoiser"
    )
    args = parser.parse_args()
    for family in args.families:
        for text in args.sizes:
            _report(family, text, args)


def _report(family: str, text: str, args: argparse.Namespace) -> None:
    width, _, height = text.partition("x")
    size = (int(width), int(height or width))
    runs = [
        measure(
            size,
            args.count,
            args.workers,
            args.spp,
            seed,
            not args.no_denoise,
            family,
            args.denoise_guides,
        )
        for seed in range(args.repeats)
    ]
    steady = statistics.median(r[0] for r in runs)
    overall = statistics.median(r[1] for r in runs)
    print(
        f"{family} {size[0]}x{size[1]} spp={args.spp} workers={args.workers} count={args.count} "
        f"denoise={not args.no_denoise} guides={args.denoise_guides}: "
        f"steady {steady:.2f} images/s, overall {overall:.2f} images/s (incl. start-up)"
    )


if __name__ == "__main__":
    main()

"""Latency, peak memory and low-precision accuracy of the full predictor, per precision.

Example (the issue's acceptance run; random weights, 1536x1536 input, CPU, 2 threads):
    .venv/bin/python benchmarks/bench_model.py --preset depth-pro --device cpu \
        --precision fp32,bf16 --repeats 2 --warmup 1 --json /tmp/bench_depth_pro.json

For each precision: median and p95 latency of `DepthPredictor.predict` (focal estimated, so
the FOV head runs) after warm-up, peak memory (CPU: process peak RSS, reset between
precisions through /proc/self/clear_refs; CUDA: peak allocated), and the relative depth
difference from fp32 on the same input. Writes JSON and appends a Markdown table to
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

from sharp_depth_ros.inference import DepthPredictor
from sharp_depth_ros.model import create_model

REPO_ROOT = Path(__file__).resolve().parents[1]


def _reset_peak_memory(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        return
    try:  # Linux: writing 5 resets the process's peak RSS (VmHWM)
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _test_image(size: int, seed: int = 0) -> np.ndarray:
    """A smooth gradient with texture: stands in for a photo (random weights anyway)."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:size, 0:size] / size
    base = np.stack((xs, ys, 0.5 * (xs + ys)), axis=-1) * 200
    return np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run(args: argparse.Namespace) -> list[dict]:
    """Benchmark every requested precision; returns one result dict per precision."""
    torch.manual_seed(0)
    started = time.perf_counter()
    model = create_model(args.preset)
    build_s = time.perf_counter() - started
    size = args.image_size or model.network_resolution
    image = _test_image(size)
    precisions = args.precision.split(",")
    if "fp32" not in precisions:
        precisions.insert(0, "fp32")  # the accuracy reference
    results, reference_depth = [], np.ones(1)
    for precision in precisions:
        predictor = DepthPredictor(model, device=args.device, precision=precision)
        if args.compile:
            predictor.model = torch.compile(predictor.model)
        device = predictor.device
        _reset_peak_memory(device)
        for _ in range(args.warmup):
            predictor.predict(image)
        timings = []
        for _ in range(args.repeats):
            _sync(device)
            start = time.perf_counter()
            prediction = predictor.predict(image)
            _sync(device)
            timings.append(time.perf_counter() - start)
        # Compare on canonical inverse depth C: with a fixed focal length depth is f / (W C), so
        # |D - D32| / D32 = |C32 / C - 1|. (Random-weight FOV heads give meaningless focals.)
        canonical = prediction.canonical_inverse_depth.astype(np.float64)
        if precision == "fp32":
            reference_depth = canonical
        significant = reference_depth > 1e-3 * reference_depth.max()  # away from ReLU zeros
        relative = np.abs(reference_depth[significant] / canonical[significant] - 1.0)
        result = {
            "precision": precision,
            "latency_median_s": statistics.median(timings),
            "latency_p95_s": float(np.percentile(timings, 95)),
            "peak_memory_mb": _peak_memory_mb(device),
            "max_rel_depth_diff_vs_fp32": float(relative.max()),
            "median_rel_depth_diff_vs_fp32": float(np.median(relative)),
            "p99_rel_depth_diff_vs_fp32": float(np.percentile(relative, 99)),
            "repeats": args.repeats,
        }
        print(json.dumps(result), flush=True)
        results.append(result)
    meta = {
        "preset": args.preset,
        "device": str(results and device),
        "image_size": size,
        "threads": torch.get_num_threads(),
        "build_s": build_s,
        "compile": args.compile,
        "torch": torch.__version__,
        "machine": platform.processor() or platform.machine(),
        "command": " ".join(sys.argv),
    }
    return results, meta


def _markdown(results: list[dict], meta: dict) -> str:
    date = datetime.date.today().isoformat()
    lines = [
        f"\n### bench_model: {meta['preset']} on {meta['device']}, {meta['image_size']}px "
        f"({date}, torch {meta['torch']}, {meta['threads']} threads, "
        f"build {meta['build_s']:.1f} s)\n",
        f"Command: `{meta['command']}`\n",
        "| precision | median s | p95 s | peak MB | median rel. diff | p99 rel. diff "
        "| max rel. diff |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['precision']} | {r['latency_median_s']:.3f} | {r['latency_p95_s']:.3f} | "
        f"{r['peak_memory_mb']:.0f} | {r['median_rel_depth_diff_vs_fp32']:.2e} | "
        f"{r['p99_rel_depth_diff_vs_fp32']:.2e} | {r['max_rel_depth_diff_vs_fp32']:.2e} |"
        for r in results
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse arguments, run, write JSON and the Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="test-tiny")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", default="fp32,bf16", help="comma-separated list")
    parser.add_argument("--compile", action="store_true", help="torch.compile the network")
    parser.add_argument("--image-size", type=int, default=0, help="square input side (0: network)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--docs", type=Path, default=REPO_ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-docs", action="store_true", help="do not append to --docs")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    results, meta = run(args)
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    if not args.no_docs:
        with args.docs.open("a") as handle:
            handle.write(_markdown(results, meta))


if __name__ == "__main__":
    main()

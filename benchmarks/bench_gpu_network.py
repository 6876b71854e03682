"""Network latency on a CUDA GPU: one preset, per precision, eager and `torch.compile`d.

Times the network alone (normalised 1536x1536 input for `depth-pro`, random weights: speed does
not depend on them) with CUDA events: median and p95 of `--repeats` forward passes after
warm-up, with and without the FOV head (the node skips it when CameraInfo gives the focal
length). One JSON object per line on stdout, and all of them in `--json`.

    python benchmarks/bench_gpu_network.py --preset depth-pro --precision fp16,bf16 --compile
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import time
from pathlib import Path

import torch

from sharp_depth_ros.model.presets import create_model

DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def time_forward(
    network: torch.nn.Module, images: torch.Tensor, run_fov: bool, repeats: int, warmup: int
) -> list[float]:
    """Milliseconds per forward pass, one per repeat (CUDA events, synchronised)."""
    timings = []
    with torch.inference_mode():
        for i in range(warmup + repeats):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            network(images, run_fov=run_fov)
            end.record()
            torch.cuda.synchronize()
            if i >= warmup:
                timings.append(start.elapsed_time(end))
    return timings


def main() -> None:
    """Parse the arguments, time each configuration and print one JSON row per configuration."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="depth-pro")
    parser.add_argument("--precision", default="fp16,bf16", help="comma-separated: fp32 fp16 bf16")
    parser.add_argument("--compile", action="store_true", help="then time torch.compile as well")
    parser.add_argument(
        "--compile-mode",
        default="default",
        help="torch.compile mode: default, reduce-overhead (CUDA graphs), max-autotune, ...",
    )
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("bench_gpu_network: no CUDA device (this benchmark times GPUs only)")
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = True
    device = torch.device("cuda")
    rows = []
    base = create_model(args.preset).eval()
    size = base.config.network_resolution
    networks = {
        name: copy.deepcopy(base).to(device, DTYPES[name]) for name in args.precision.split(",")
    }
    plans = [("eager", name) for name in networks]
    plans += [("compiled", name) for name in networks] if args.compile else []
    for mode, name in plans:
        if mode == "eager":
            network = networks[name]
        else:
            network = torch.compile(networks[name], mode=args.compile_mode)
        images = torch.rand(1, 3, size, size, device=device, dtype=DTYPES[name]) * 2 - 1
        for run_fov in (False, True):
            started = time.perf_counter()
            ms = time_forward(network, images, run_fov, args.repeats, args.warmup)
            row = {
                "device": torch.cuda.get_device_name(),
                "preset": args.preset,
                "input": f"{size}x{size}",
                "precision": name,
                "mode": mode if mode == "eager" else f"compiled ({args.compile_mode})",
                "fov_head": run_fov,
                "latency_median_ms": round(statistics.median(ms), 2),
                "latency_p95_ms": round(sorted(ms)[int(0.95 * (len(ms) - 1))], 2),
                "peak_memory_mb": round(torch.cuda.max_memory_allocated() / 2**20),
                "wall_s_incl_warmup": round(time.perf_counter() - started, 1),
                "torch": torch.__version__,
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
            if args.json:
                args.json.write_text("\n".join(json.dumps(r) for r in rows) + "\n")


if __name__ == "__main__":
    main()

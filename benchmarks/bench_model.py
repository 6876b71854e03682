"""Latency, peak memory and accuracy of the full predictor per backend and precision.

Example (issue 16: the shipped default model on every backend, CPU, 2 threads):
    nice -n 10 .venv/bin/python benchmarks/bench_model.py --backend torch,onnxruntime,openvino \
        --precision fp32,bf16 --repeats 10 --json /tmp/bench_backends.json --docs

For each backend and precision: median and p95 latency of `DepthPredictor.predict` (focal
estimated, so the FOV head runs) after warm-up, peak memory during the row's build and
warm-up (CPU: process peak RSS, reset per row through /proc/self/clear_refs, and
`added_memory_mb` over the RSS before it; CUDA: peak allocated by torch) and the relative depth
difference from torch fp32 on the same image; `network_median_s` times the backend alone on a
network-sized input (no resizing or metric conversion). int8 rows quantise the model once
(`sharp-depth export --precision int8`, calibrated on `--calibration`). Rows are timed round
robin (one call per row in turn), so load from other jobs hits every row alike. One JSON row
per combination; a combination that cannot run (runtime or provider missing, no native bf16,
int8 without --calibration) is a row with `skipped` holding the reason. `--compile` times the
torch rows through `torch.compile`. Markdown goes to docs/benchmarks.md only with `--docs`.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from sharp_depth_ros.backends.calibration_frames import load_calibration_frames
from sharp_depth_ros.backends.cpu_features import cpu_features
from sharp_depth_ros.backends.factory import open_onnx
from sharp_depth_ros.backends.int8_quantize import quantize_int8
from sharp_depth_ros.backends.onnx_export import export_onnx
from sharp_depth_ros.backends.precision import choose_precision
from sharp_depth_ros.inference import DepthPredictor
from sharp_depth_ros.inference.image_io import load_image
from sharp_depth_ros.inference.predictor import load_network

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_IMAGE = REPO_ROOT / "sharp_depth_ros" / "assets" / "demo" / "frame_000.png"
DOCS = REPO_ROOT / "docs" / "benchmarks.md"


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


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _relative_difference(prediction, reference) -> np.ndarray:
    """|D - D_ref| / D_ref per pixel, where the reference depth is inside the clamp.

    Falls back to canonical inverse depth (|C_ref / C - 1|, the same ratio for a fixed focal
    length) when the estimated focal length is not finite or no reference depth is inside the
    clamp (random weights); [NaN] when neither has a pixel to compare.
    """
    if np.isfinite(prediction.focal_px) and np.isfinite(reference.focal_px):
        actual, expected = prediction.depth_m.astype(np.float64), reference.depth_m
        valid = (expected > 1e-3) & (expected < 1e3)
        if valid.any():
            return np.abs(actual[valid] / expected[valid] - 1.0)
    canonical = prediction.canonical_inverse_depth.astype(np.float64)
    expected = reference.canonical_inverse_depth.astype(np.float64)
    finite = np.isfinite(expected) & np.isfinite(canonical)
    if not finite.any():
        return np.array([np.nan])
    significant = finite & (expected > 1e-3 * expected[finite].max())  # away from ReLU zeros
    return np.abs(expected[significant] / canonical[significant] - 1.0)


def _int8_file(args, model, folder: Path) -> Path:
    """The model quantised to int8 on `--calibration` frames (once per run).

    Raises:
        ValueError: no `--calibration`, or frames that cannot be read.
    """
    path = folder / "model-int8.onnx"
    if path.is_file():
        return path
    if args.calibration is None:
        raise ValueError("int8 needs --calibration FRAMES (a folder of images or shards)")
    frames = load_calibration_frames(args.calibration, args.calibration_frames)
    prepare = DepthPredictor(model, device="cpu").network_input
    result = quantize_int8(model, path, [prepare(frame).numpy() for frame in frames])
    which = "held-out" if result.held_out else "calibration"
    print(f"int8: {100 * result.median_rel_diff:.2f} % median on {result.check_frames} "
          f"{which} frames", flush=True)  # fmt: skip
    return path


def _predictor(args, backend: str, precision: str, model, onnx_path: Path) -> DepthPredictor:
    """Build one row's predictor; raises ValueError with the reason it cannot run."""
    if backend == "torch":
        return DepthPredictor(
            model, device=args.device, precision=precision, compile_network=args.compile
        )
    if precision == "int8":
        onnx_path = _int8_file(args, model, onnx_path.parent)
    threads = args.threads or None
    return DepthPredictor(open_onnx(backend, onnx_path, args.device, precision, threads))


def _current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _timed_predict(predictor: DepthPredictor, image: np.ndarray):
    _sync(predictor.device)
    start = time.perf_counter()
    prediction = predictor.predict(image)
    _sync(predictor.device)
    return time.perf_counter() - start, prediction


@torch.inference_mode()
def _timed_network(predictor: DepthPredictor, network_input: torch.Tensor) -> float:
    _sync(predictor.device)
    start = time.perf_counter()
    predictor.runner.run(network_input, run_fov=True)
    _sync(predictor.device)
    return time.perf_counter() - start


def run(args: argparse.Namespace) -> tuple[list[dict], dict]:
    """Benchmark every backend and precision; returns the rows and the run's metadata."""
    torch.manual_seed(0)
    started = time.perf_counter()
    model = load_network(args.preset, args.checkpoint, args.config)
    build_s = time.perf_counter() - started
    image = load_image(args.image).rgb
    backends, precisions = args.backend.split(","), args.precision.split(",")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_model_") as folder:
        onnx_path = Path(folder) / "model.onnx"
        if any(b != "torch" for b in backends):
            export_onnx(model, onnx_path)
        # torch fp32 first: the reference of every row's depth difference.
        combinations = [("torch", "fp32")] + [
            (b, p) for b in backends for p in precisions if (b, p) != ("torch", "fp32")
        ]
        ready = []  # (row, predictor)
        for backend, precision in combinations:
            row = {"backend": backend, "precision": precision}
            if backend not in backends:
                row["reference_only"] = True
            rows.append(row)
            rss_before = _current_rss_mb()
            try:
                predictor = _predictor(args, backend, precision, model, onnx_path)
                _reset_peak_memory(predictor.device)
                for _ in range(args.warmup):
                    predictor.predict(image)
            except ValueError as error:  # BackendUnavailableError included
                row["skipped"] = str(error)
                print(json.dumps(row), flush=True)
                continue
            row["runs_as"] = predictor.runner.description
            row["peak_memory_mb"] = _peak_memory_mb(predictor.device)
            row["added_memory_mb"] = row["peak_memory_mb"] - rss_before
            ready.append((row, predictor))
        # Round robin: a load spike on a shared machine hits every row alike.
        timings = {id(row): [] for row, _ in ready}
        last = {}
        for _ in range(args.repeats):
            for row, predictor in ready:
                seconds, last[id(row)] = _timed_predict(predictor, image)
                timings[id(row)].append(seconds)
        # The network alone (no resize, focal or metric conversion), also round robin.
        network_timings = {id(row): [] for row, _ in ready}
        network_rounds = args.repeats + 1 if args.network_timing else 0
        if ready and network_rounds:
            size = ready[0][1].network_resolution
            with torch.inference_mode():  # as in predict: no recompilation for a new tensor kind
                network_input = torch.zeros(1, 3, size, size)
        for _ in range(network_rounds):  # the first round is a warm-up
            for row, predictor in ready:
                seconds = _timed_network(predictor, network_input.to(predictor.device))
                network_timings[id(row)].append(seconds)
        for values in network_timings.values():
            del values[:1]
        reference = last[id(ready[0][0])] if ready else None
        for row, _ in ready:
            relative = _relative_difference(last[id(row)], reference)
            row.update(
                {
                    "latency_median_s": statistics.median(timings[id(row)]),
                    "latency_p95_s": float(np.percentile(timings[id(row)], 95)),
                    "network_median_s": (
                        statistics.median(network_timings[id(row)]) if network_rounds else None
                    ),
                    "median_rel_depth_diff_vs_fp32": float(np.median(relative)),
                    "max_rel_depth_diff_vs_fp32": float(relative.max()),
                    "repeats": args.repeats,
                }
            )
            print(json.dumps(row), flush=True)
    features = cpu_features()
    auto = choose_precision("auto", "torch", "cpu", features)
    meta = {
        "model": args.checkpoint or args.preset or "default (sharp-small)",
        "image": f"{args.image.name} {image.shape[1]}x{image.shape[0]}",
        "network_resolution": model.network_resolution,
        "device": args.device,
        "threads": torch.get_num_threads(),
        "build_s": build_s,
        "compile": args.compile,
        "cpu": features.summary(),
        "cpu_auto_precision": f"{auto.precision}: {auto.reason}",
        "versions": _versions(),
        "command": " ".join(sys.argv),
    }
    return rows, meta


def _versions() -> str:
    found = [f"torch {torch.__version__}"]
    for name in ("onnxruntime", "openvino"):
        try:
            found.append(f"{name} {importlib.import_module(name).__version__}")
        except ImportError:
            found.append(f"{name} not installed")
    return ", ".join(found)


def _markdown(rows: list[dict], meta: dict) -> str:
    date = datetime.date.today().isoformat()
    lines = [
        f"\n### bench_model: {meta['model']} by backend ({date})\n",
        f"{meta['image']} input, network {meta['network_resolution']}px, device "
        f"{meta['device']}, {meta['threads']} threads, compile {meta['compile']}; "
        f"{meta['versions']}.\n",
        f"CPU: {meta['cpu']}. Precision `auto` here: {meta['cpu_auto_precision']}.\n",
        f"Command: `{meta['command']}`\n",
        "| backend | precision | runs as | median s | p95 s | network only, median s | peak MB "
        "| vs torch fp32: median | max |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    fp32 = next((r for r in rows if "skipped" not in r), None)
    for r in rows:
        if "skipped" in r:
            lines.append(f"| {r['backend']} | {r['precision']} | not run: {r['skipped']} "
                         "| | | | | | |")  # fmt: skip
            continue
        ratio = f" ({r['latency_median_s'] / fp32['latency_median_s']:.2f}x)" if fp32 else ""
        network = r["network_median_s"]
        network_cell = "not timed" if network is None else f"{network:.3f}"
        if fp32 and network is not None:
            network_cell += f" ({network / fp32['network_median_s']:.2f}x)"

        lines.append(
            f"| {r['backend']} | {r['precision']} | {r['runs_as']} | "
            f"{r['latency_median_s']:.3f}{ratio} | {r['latency_p95_s']:.3f} | "
            f"{network_cell} | "
            f"{r['peak_memory_mb']:.0f} | {r['median_rel_depth_diff_vs_fp32']:.1e} | "
            f"{r['max_rel_depth_diff_vs_fp32']:.1e} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse arguments, run, write JSON and (with --docs) the Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", help="model preset (default: the shipped default model)")
    parser.add_argument("--checkpoint", type=Path, help="checkpoint file")
    parser.add_argument("--config", type=Path, help="JSON model config")
    parser.add_argument("--image", type=Path, default=DEFAULT_IMAGE, help="input image")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--backend", default="torch,onnxruntime,openvino")
    parser.add_argument("--precision", default="fp32,bf16", help="comma-separated list")
    parser.add_argument("--compile", action="store_true", help="torch.compile the torch rows")
    parser.add_argument(
        "--calibration",
        type=Path,
        help="int8 rows: frames to calibrate on (images or synth shards; not the test image)",
    )
    parser.add_argument("--calibration-frames", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="CPU threads of every backend (0: each one's default)",
    )
    parser.add_argument(
        "--no-network-timing",
        dest="network_timing",
        action="store_false",
        help="skip the network-only rounds (each is a forward pass per row: minutes for "
        "depth-pro on a CPU)",
    )
    parser.add_argument("--json", type=Path, help="write the rows and metadata here")
    parser.add_argument("--docs", action="store_true", help=f"append a table to {DOCS}")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    rows, meta = run(args)
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "results": rows}, indent=2))
    if args.docs:
        with DOCS.open("a") as handle:
            handle.write(_markdown(rows, meta))


if __name__ == "__main__":
    main()

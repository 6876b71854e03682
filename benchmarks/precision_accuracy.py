"""How far low precision moves the depth, over many frames: the evidence behind `auto`.

`bench_model.py` compares each row with torch fp32 on one image; this script does it on every
frame of one or more folders (images, or `sharp-depth synth` shards), for each backend and
precision, with the focal length given (the node's case: CameraInfo) and estimated (the FOV
head runs too). Per frame it takes the median relative depth difference from torch fp32; it
reports the median and the worst of those per-frame medians and the pooled 99th percentile.

    python benchmarks/precision_accuracy.py --frames data/synth/robot-val \
        sharp_depth_ros/assets/demo --rows torch:bf16,openvino:bf16 --json out.json

Frames from shards are used at their stored size; a focal length of 0.8 x width stands in for
the given one (the difference between precisions does not depend on which focal is given).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from sharp_depth_ros.backends.calibration_frames import load_calibration_frames
from sharp_depth_ros.backends.cpu_features import cpu_features
from sharp_depth_ros.backends.factory import open_onnx
from sharp_depth_ros.backends.onnx_export import export_onnx
from sharp_depth_ros.inference import DepthPredictor
from sharp_depth_ros.inference.predictor import load_network


def relative_depth_difference(depth: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """|D / D_ref - 1| where the reference depth is finite and positive."""
    valid = np.isfinite(reference) & (reference > 1e-3) & np.isfinite(depth)
    return np.abs(depth[valid].astype(np.float64) / reference[valid] - 1.0)


def build_predictor(model, backend: str, precision: str, onnx_path: Path) -> DepthPredictor:
    """A CPU predictor for one row; raises ValueError when the row cannot run here."""
    if backend == "torch":
        return DepthPredictor(model, device="cpu", precision=precision)
    if not onnx_path.is_file():
        export_onnx(model, onnx_path)
    return DepthPredictor(open_onnx(backend, onnx_path, "cpu", precision, None))


def summarise(per_frame: list[np.ndarray]) -> dict:
    """Median and worst per-frame median, and the pooled 99th percentile."""
    medians = [float(np.median(values)) for values in per_frame]
    return {
        "median_of_frame_medians": float(np.median(medians)),
        "worst_frame_median": float(np.max(medians)),
        "pooled_p99": float(np.percentile(np.concatenate(per_frame), 99)),
    }


def main() -> None:
    """Parse arguments, compare every row with torch fp32 frame by frame, print JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", help="model preset (default: the shipped default model)")
    parser.add_argument("--checkpoint", type=Path)
    parser.add_argument("--config", type=Path)
    parser.add_argument("--frames", type=Path, nargs="+", required=True)
    parser.add_argument("--per-folder", type=int, default=16, help="frames taken per folder")
    parser.add_argument("--rows", default="torch:bf16,openvino:fp32,openvino:bf16")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    model = load_network(args.preset, args.checkpoint, args.config)
    frames = [f for folder in args.frames for f in load_calibration_frames(folder, args.per_folder)]
    rows = [tuple(item.split(":")) for item in args.rows.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="precision_accuracy_") as folder:
        onnx_path = Path(folder) / "model.onnx"
        reference = DepthPredictor(model, device="cpu", precision="fp32")
        cases = {"focal_given": [], "focal_estimated": []}
        for frame in frames:
            focal = 0.8 * frame.shape[1]
            cases["focal_given"].append(reference.predict(frame, focal).depth_m)
            if reference.has_focal_head:
                cases["focal_estimated"].append(reference.predict(frame).depth_m)
        for backend, precision in rows:
            row = {"backend": backend, "precision": precision, "frames": len(frames)}
            try:
                predictor = build_predictor(model, backend, precision, onnx_path)
            except ValueError as error:
                row["skipped"] = str(error)
                print(json.dumps(row), flush=True)
                results.append(row)
                continue
            row["runs_as"] = predictor.runner.description
            for case, references in cases.items():
                if not references:
                    continue
                per_frame = []
                for frame, expected in zip(frames, references, strict=True):
                    focal = 0.8 * frame.shape[1] if case == "focal_given" else None
                    depth = predictor.predict(frame, focal).depth_m
                    per_frame.append(relative_depth_difference(depth, expected))
                row[case] = summarise(per_frame)
            print(json.dumps(row), flush=True)
            results.append(row)
    meta = {
        "model": str(args.checkpoint or args.preset or "default (sharp-small)"),
        "frames": [str(p) for p in args.frames],
        "per_folder": args.per_folder,
        "threads": torch.get_num_threads(),
        "cpu": cpu_features().summary(),
        "command": " ".join(sys.argv),
    }
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2))


if __name__ == "__main__":
    main()

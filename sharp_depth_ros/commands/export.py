"""`sharp-depth export`: write the network as ONNX for onnxruntime, OpenVINO or TensorRT."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

LOGGER = logging.getLogger(__name__)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `export`."""
    parser = subparsers.add_parser(
        "export",
        help="export the network as ONNX",
        description="Writes the network (encoders, decoder, depth and FOV heads) as one ONNX "
        "file (opset 18) whose metadata holds the model config, so `sharp-depth predict "
        "--checkpoint FILE.onnx` needs no --config. Pre- and post-processing stay in the "
        "predictor.",
    )
    parser.add_argument("--out", type=Path, required=True, help="the .onnx file to write")
    parser.add_argument("--preset", help="model preset (default: the shipped default model)")
    parser.add_argument(
        "--config", type=Path, help="JSON model config (ours or the reference format)"
    )
    parser.add_argument(
        "--checkpoint", type=Path, help="checkpoint file (ours or official depth_pro.pt)"
    )
    parser.add_argument(
        "--precision",
        default="fp32",
        choices=("fp32", "fp16"),
        help="weights and compute of the graph (fp16: GPUs/TensorRT); default fp32",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the network and export it; returns 0."""
    from sharp_depth_ros.backends.onnx_export import check_output_path, export_onnx
    from sharp_depth_ros.inference.predictor import load_network

    if args.out.suffix.lower() != ".onnx":
        raise ValueError(f"--out must name a .onnx file, got {args.out}")
    check_output_path(args.out)  # before loading: depth-pro takes a while
    model = load_network(args.preset, args.checkpoint, args.config)
    path = export_onnx(model, args.out, precision=args.precision, preset=args.preset or "")
    print(f"wrote {path}")
    return 0

"""`sharp-depth export`: write the network as ONNX for onnxruntime, OpenVINO or TensorRT.

Writes the network (encoders, decoder, depth and FOV heads) as one ONNX file (opset 18) whose
metadata holds the model config, so `sharp-depth predict --checkpoint FILE.onnx` needs no --config.
Pre- and post-processing stay in the predictor.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from sharp_depth_ros.commands._model_arguments import CHECKPOINT_HELP, add_network_arguments

LOGGER = logging.getLogger(__name__)

HELP = "export the network as ONNX"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `export`."""
    parser.add_argument("--out", type=Path, required=True, help="the .onnx file to write")
    add_network_arguments(parser, checkpoint_help=CHECKPOINT_HELP)
    parser.add_argument(
        "--precision",
        default="fp32",
        choices=("fp32", "fp16"),
        help="weights and compute of the graph (fp16: GPUs/TensorRT); default fp32",
    )


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

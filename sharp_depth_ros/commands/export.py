"""`sharp-depth export`: write the network as ONNX for onnxruntime, OpenVINO or TensorRT.

Writes the network (encoders, decoder, depth and FOV heads) as one ONNX file (opset 18) whose
metadata holds the model config, so `sharp-depth predict --checkpoint FILE.onnx` needs no --config.
Pre- and post-processing stay in the predictor. `--precision int8` quantises it for CPUs,
calibrated on frames like the deployment's (`--calibration`).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from sharp_depth_ros.commands._model_arguments import CHECKPOINT_HELP, add_network_arguments

LOGGER = logging.getLogger(__name__)

HELP = "export the network as ONNX"
DEFAULT_CALIBRATION_FRAMES = 32
INT8_WARN_ABOVE = 0.01  # the accuracy bound of the other low precisions (docs/benchmarks.md)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `export`."""
    parser.add_argument("--out", type=Path, required=True, help="the .onnx file to write")
    add_network_arguments(parser, checkpoint_help=CHECKPOINT_HELP)
    parser.add_argument(
        "--precision",
        default="fp32",
        choices=("fp32", "fp16", "int8"),
        help="weights and compute of the graph (fp16: GPUs/TensorRT; int8: CPUs, needs "
        "--calibration); default fp32",
    )
    parser.add_argument(
        "--calibration",
        type=Path,
        help="int8: a folder of frames like the deployment's (.png/.jpg, searched recursively, "
        "or sharp-depth synth shards)",
    )
    parser.add_argument(
        "--calibration-frames",
        type=int,
        default=DEFAULT_CALIBRATION_FRAMES,
        help=f"int8: frames to take, evenly spaced (default {DEFAULT_CALIBRATION_FRAMES})",
    )


def run(args: argparse.Namespace) -> int:
    """Load the network and export it; returns 0."""
    from sharp_depth_ros.backends.onnx_export import check_output_path, export_onnx
    from sharp_depth_ros.inference.predictor import load_network

    if args.out.suffix.lower() != ".onnx":
        raise ValueError(f"--out must name a .onnx file, got {args.out}")
    int8 = args.precision == "int8"
    if int8 != (args.calibration is not None):
        raise ValueError("--calibration goes with --precision int8, and int8 needs it")
    check_output_path(args.out)  # before loading: depth-pro takes a while
    frames = []
    if int8:
        from sharp_depth_ros.backends.calibration_frames import load_calibration_frames

        frames = load_calibration_frames(args.calibration, args.calibration_frames)
    model = load_network(args.preset, args.checkpoint, args.config)
    if int8:
        from sharp_depth_ros.backends.int8_quantize import quantize_int8
        from sharp_depth_ros.inference import DepthPredictor

        predictor = DepthPredictor(model, device="cpu")  # its input preparation, exactly
        inputs = [predictor.network_input(frame).numpy() for frame in frames]
        result = quantize_int8(model, args.out, inputs, preset=args.preset or "")
        change = 100 * result.median_rel_diff
        which = "held-out" if result.held_out else "calibration (too few to hold some out)"
        print(
            f"wrote {result.path} (int8: canonical inverse depth {change:.2f} % from fp32, "
            f"median over {result.check_frames} {which} frames)"
        )
        if result.median_rel_diff > INT8_WARN_ABOVE:
            LOGGER.warning(
                "int8 moved the depth by more than %.0f %% (median): check it on your frames, or "
                "use fp32",
                100 * INT8_WARN_ABOVE,
            )
        return 0
    path = export_onnx(model, args.out, precision=args.precision, preset=args.preset or "")
    print(f"wrote {path}")
    return 0

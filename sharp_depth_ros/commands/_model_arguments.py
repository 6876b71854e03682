"""The arguments that choose a network, shared by the sub-commands that load one."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sharp_depth_ros.inference import DepthPredictor

CHECKPOINT_HELP = "checkpoint file (ours or official depth_pro.pt)"


def add_network_arguments(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup, checkpoint_help: str
) -> None:
    """--preset, --config and --checkpoint: which network, with which weights."""
    parser.add_argument("--preset", help="model preset (default: the shipped default model)")
    parser.add_argument(
        "--config", type=Path, help="JSON model config (ours or the reference format)"
    )
    parser.add_argument("--checkpoint", type=Path, help=checkpoint_help)


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """The "model" group: the network (`add_network_arguments`) and where and how it runs."""
    group = parser.add_argument_group("model")
    add_network_arguments(
        group,
        checkpoint_help=f"{CHECKPOINT_HELP}, or an .onnx file from `sharp-depth export` "
        "(runs on onnxruntime)",
    )
    group.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default auto)")
    group.add_argument(
        "--precision",
        choices=("auto", "fp32", "bf16", "fp16", "int8"),
        help="default: fp32, or the precision an .onnx file was exported in (int8, fp16); auto: "
        "bf16 on CPUs with native bf16 (avx512_bf16/AMX), fp16 on CUDA, else fp32",
    )
    group.add_argument(
        "--backend",
        default="auto",
        choices=("auto", "torch", "onnxruntime", "openvino"),
        help="auto: onnxruntime for .onnx files, else torch; onnxruntime/openvino convert a "
        "torch checkpoint on the fly",
    )
    group.add_argument(
        "--edge-refinement",
        default="auto",
        choices=("auto", "guided", "none"),
        help="sharpen depth steps along the image's edges (colour guided filter); auto: on for "
        "the convolutional default model, off for the Depth Pro ViT (default auto)",
    )


def predictor_from_args(args: argparse.Namespace) -> DepthPredictor:
    """The predictor that the arguments of `add_model_arguments` describe."""
    from sharp_depth_ros.inference import DepthPredictor

    return DepthPredictor.from_pretrained(
        preset=args.preset,
        checkpoint=args.checkpoint,
        config=args.config,
        device=args.device,
        precision=args.precision,
        backend=args.backend,
        edge_refinement=args.edge_refinement,
    )

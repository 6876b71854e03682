"""`sharp-depth predict`: metric depth for images and folders of images."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sharp_depth_ros.inference import DepthPredictor

LOGGER = logging.getLogger(__name__)


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments that choose the network and where it runs (shared by sub-commands)."""
    group = parser.add_argument_group("model")
    group.add_argument("--preset", help="model preset (default: the shipped default model)")
    group.add_argument(
        "--config", type=Path, help="JSON model config (ours or the reference format)"
    )
    group.add_argument(
        "--checkpoint",
        type=Path,
        help="checkpoint file (ours or official depth_pro.pt), or an .onnx file from "
        "`sharp-depth export` (runs on onnxruntime)",
    )
    group.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default auto)")
    group.add_argument(
        "--precision",
        default="fp32",
        choices=("auto", "fp32", "bf16", "fp16"),
        help="default fp32; auto: bf16 on CPUs with native bf16 (avx512_bf16/AMX), fp16 on CUDA, "
        "else fp32",
    )
    group.add_argument(
        "--backend",
        default="auto",
        choices=("auto", "torch", "onnxruntime", "openvino"),
        help="auto: onnxruntime for .onnx files, else torch; onnxruntime/openvino convert a "
        "torch checkpoint on the fly",
    )


def predictor_from_args(args: argparse.Namespace) -> DepthPredictor:
    """The predictor that the model arguments of `add_model_arguments` describe."""
    from sharp_depth_ros.inference import DepthPredictor

    return DepthPredictor.from_pretrained(
        preset=args.preset,
        checkpoint=args.checkpoint,
        config=args.config,
        device=args.device,
        precision=args.precision,
        backend=args.backend,
    )


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `predict`."""
    parser = subparsers.add_parser(
        "predict",
        help="predict metric depth for images",
        description="Writes NAME.npz (depth [m], focal_px, fov_deg), NAME_depth.png (uint16 mm, "
        "0 = invalid) and NAME_vis.png for every input image.",
    )
    parser.add_argument("inputs", nargs="+", type=str, help="image files or folders")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--focal-px", type=float, help="horizontal focal length in pixels (overrides EXIF)"
    )
    add_model_arguments(parser)
    parser.set_defaults(func=run)


def _output_name(image_path: Path, roots: list[Path]) -> str:
    """Output stem; images found inside an input folder keep their relative sub-folder."""
    for root in roots:
        if root.is_dir() and image_path.is_relative_to(root):
            return str(image_path.relative_to(root).with_suffix(""))
    return image_path.stem


def run(args: argparse.Namespace) -> int:
    """Predict every image; returns 1 if any image failed, else 0."""
    from tqdm import tqdm

    from sharp_depth_ros.inference.image_io import list_images, load_image
    from sharp_depth_ros.inference.outputs import write_prediction

    images = list_images(args.inputs)  # strings: an empty one is refused, not read as "."
    roots = [Path(p) for p in args.inputs]
    if not images:
        raise ValueError(f"no images found in {[str(p) for p in args.inputs]}")
    predictor = predictor_from_args(args)
    failures = 0
    progress = tqdm(images, unit="image", disable=len(images) < 2, file=sys.stderr)
    for image_path in progress:
        try:
            loaded = load_image(image_path)
            focal_px = args.focal_px if args.focal_px is not None else loaded.focal_px
            prediction = predictor.predict(loaded.rgb, focal_px=focal_px)
            write_prediction(prediction, args.out, _output_name(image_path, roots))
        except (OSError, ValueError) as error:
            failures += 1
            progress.write(f"sharp-depth predict: {image_path}: {error}", file=sys.stderr)
    if failures:
        print(f"sharp-depth predict: {failures} of {len(images)} images failed", file=sys.stderr)
    return 1 if failures else 0

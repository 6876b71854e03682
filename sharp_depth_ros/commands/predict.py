"""`sharp-depth predict`: metric depth for images and folders of images.

Writes NAME.npz (depth [m], focal_px, fov_deg), NAME_depth.png (uint16 mm, 0 = invalid) and
NAME_vis.png for every input image.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from sharp_depth_ros.commands._model_arguments import add_model_arguments, predictor_from_args

LOGGER = logging.getLogger(__name__)

HELP = "predict metric depth for images"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `predict`."""
    parser.add_argument("inputs", nargs="+", type=str, help="image files or folders")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--focal-px", type=float, help="horizontal focal length in pixels (overrides EXIF)"
    )
    add_model_arguments(parser)


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

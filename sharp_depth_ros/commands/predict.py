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
    ground = parser.add_argument_group(
        "scale from the floor", "a camera at a known height and tilt fixes the depth's scale"
    )
    ground.add_argument(
        "--camera-height-m",
        type=float,
        help="height of the camera above a flat floor in m; the floor seen in each image is put "
        "at this height (images without a floor keep the network's scale)",
    )
    ground.add_argument(
        "--camera-pitch-deg",
        type=float,
        help="optical axis above the horizon (positive looks up; needed to about 2 deg; default 0)",
    )
    ground.add_argument(
        "--camera-roll-deg", type=float, help="rotation about the optical axis (default 0)"
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

    from sharp_depth_ros.inference.ground_scale import CameraMount, scale_prediction_by_floor
    from sharp_depth_ros.inference.image_io import list_images, load_image
    from sharp_depth_ros.inference.outputs import write_prediction

    mount = None
    if args.camera_height_m is not None:
        mount = CameraMount(
            height_m=args.camera_height_m,
            pitch_deg=args.camera_pitch_deg or 0.0,
            roll_deg=args.camera_roll_deg or 0.0,
        )
    elif args.camera_pitch_deg is not None or args.camera_roll_deg is not None:
        raise ValueError("--camera-pitch-deg and --camera-roll-deg need --camera-height-m")
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
            if mount is not None:
                prediction, fit = scale_prediction_by_floor(prediction, mount)
                found = "no floor found" if fit is None else f"floor scale {fit.scale:.3f}"
                progress.write(f"sharp-depth predict: {image_path}: {found}", file=sys.stderr)
            write_prediction(prediction, args.out, _output_name(image_path, roots))
        except (OSError, ValueError) as error:
            failures += 1
            progress.write(f"sharp-depth predict: {image_path}: {error}", file=sys.stderr)
    if failures:
        print(f"sharp-depth predict: {failures} of {len(images)} images failed", file=sys.stderr)
    return 1 if failures else 0

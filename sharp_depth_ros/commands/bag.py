"""`sharp-depth bag`: add depth, CameraInfo and point clouds to a recorded rosbag2 bag.

Writes --out, a new rosbag2 bag with every input message unchanged plus, per image, NS/depth (32FC1
metres), NS/depth/camera_info and NS/points, each with the image's header and bag timestamp. Same
processing as the node (docs/ros.md). Frames that cannot be decoded are skipped with a warning; the
exit code is then 1.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from sharp_depth_ros.commands._model_arguments import add_model_arguments, predictor_from_args

HELP = "add depth, CameraInfo and point clouds to a rosbag2 bag (MCAP or sqlite3)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `bag`."""
    parser.add_argument("input", type=Path, help="rosbag2 folder (or a single .mcap / .db3 file)")
    parser.add_argument("--out", type=Path, required=True, help="output bag folder")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    parser.add_argument("--image-topic", required=True, help="sensor_msgs/Image topic")
    parser.add_argument(
        "--camera-info-topic",
        help="sensor_msgs/CameraInfo topic (default: the image topic's sibling camera_info, "
        "if recorded)",
    )
    parser.add_argument(
        "--compressed", action="store_true", help="the image topic is sensor_msgs/CompressedImage"
    )
    parser.add_argument(
        "--namespace", default="/sharp_depth", help="prefix of the output topics (/sharp_depth)"
    )
    parser.add_argument(
        "--storage", choices=("mcap", "sqlite3"), help="output format (default: the input's)"
    )
    parser.add_argument(
        "--no-rectify",
        action="store_true",
        help="do not undo CameraInfo's lens distortion (for image_rect topics); node: rectify",
    )
    focal = parser.add_argument_group("focal length (as the node's parameters)")
    focal.add_argument(
        "--focal-source",
        default="auto",
        choices=("auto", "camera_info", "estimate", "fixed"),
        help="default auto: CameraInfo fx when valid, else the network's estimate",
    )
    focal.add_argument(
        "--focal-px", type=float, help="fixed horizontal focal length in pixels (implies fixed)"
    )
    focal.add_argument(
        "--focal-smoothing",
        type=float,
        default=0.9,
        help="weight of the history in the average of estimated focal lengths (default 0.9)",
    )
    ground = parser.add_argument_group("scale from the floor (as the node's parameters)")
    ground.add_argument(
        "--camera-height-m",
        type=float,
        default=0.0,
        help="camera height above a flat floor in m: the floor seen fixes the depth's scale "
        "(default 0: off)",
    )
    ground.add_argument(
        "--camera-pitch-deg", type=float, default=0.0, help="optical axis above the horizon"
    )
    ground.add_argument(
        "--camera-roll-deg", type=float, default=0.0, help="rotation about the optical axis"
    )
    ground.add_argument(
        "--ground-smoothing",
        type=float,
        default=0.5,
        help="weight of the history in the average of floor scale factors (default 0.5)",
    )
    points = parser.add_argument_group("point cloud (as the node's parameters)")
    points.add_argument("--no-points", action="store_true", help="do not write NS/points")
    points.add_argument("--points-stride", type=int, default=1, help="keep every n-th pixel")
    points.add_argument("--min-depth", type=float, default=0.0, help="nearest point in m (0)")
    points.add_argument("--max-depth", type=float, default=100.0, help="farthest point in m (100)")
    points.add_argument(
        "--dense-points", action="store_true", help="valid points only (default: image grid)"
    )
    points.add_argument("--no-points-colour", action="store_true", help="omit the rgb field")
    add_model_arguments(parser)


def options_from_args(args: argparse.Namespace):
    """The `BagDepthOptions` the arguments describe.

    Raises:
        ValueError: contradictory or out-of-range values.
    """
    from sharp_depth_ros.bag.options import BagDepthOptions

    focal_source = args.focal_source
    if focal_source == "fixed" and args.focal_px is None:
        raise ValueError("--focal-source fixed needs --focal-px")
    if args.focal_px is not None:
        if focal_source not in ("auto", "fixed"):
            raise ValueError(f"--focal-px needs --focal-source fixed, not {focal_source}")
        focal_source = "fixed"
    return BagDepthOptions(
        image_topic=args.image_topic,
        camera_info_topic=args.camera_info_topic,
        compressed=args.compressed,
        namespace=args.namespace,
        storage=args.storage,
        rectify=not args.no_rectify,
        focal_source=focal_source,
        fixed_focal_px=args.focal_px or 0.0,
        focal_smoothing=args.focal_smoothing,
        camera_height_m=args.camera_height_m,
        camera_pitch_deg=args.camera_pitch_deg,
        camera_roll_deg=args.camera_roll_deg,
        ground_smoothing=args.ground_smoothing,
        publish_points=not args.no_points,
        points_stride=args.points_stride,
        min_depth=args.min_depth,
        max_depth=args.max_depth,
        points_organised=not args.dense_points,
        points_colour=not args.no_points_colour,
    )


def run(args: argparse.Namespace) -> int:
    """Write the output bag; returns 1 if any frame was skipped, else 0."""
    from tqdm.contrib.logging import logging_redirect_tqdm

    if importlib.util.find_spec("rosbags") is None:
        raise ValueError("sharp-depth bag needs the 'rosbags' package: pip install rosbags")
    from sharp_depth_ros.bag.depth_bag import write_depth_bag
    from sharp_depth_ros.bag.topics import check_input

    options = options_from_args(args)
    # Everything that can be wrong with the arguments is found before the model is loaded.
    if args.out.exists() and not args.overwrite:
        raise FileExistsError(f"{args.out} exists already (pass --overwrite to replace it)")
    check_input(args.input, options)
    predictor = predictor_from_args(args)
    with logging_redirect_tqdm():  # warnings printed above the progress bar, not through it
        report = write_depth_bag(args.input, args.out, options, predictor, overwrite=args.overwrite)
    if report.skipped:
        print(
            f"sharp-depth bag: {report.skipped} of {report.frames} frames skipped "
            f"(no output for them); {report.output} written",
            file=sys.stderr,
        )
        return 1
    return 0

"""`sharp-depth eval`: score a network or saved predictions on an evaluation folder.

Scores a network (--preset/--checkpoint/--config) or saved predictions (--predictions: NAME.npz with
array 'depth' in metres, as `sharp-depth predict` writes) on DATASET (rgb/, depth/, optional
intrinsics/ and masks/; see docs/evaluation.md). Writes metrics.json and metrics.md into --out.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from sharp_depth_ros.commands._model_arguments import add_model_arguments, predictor_from_args

LOGGER = logging.getLogger(__name__)

HELP = "evaluate depth on a data-set folder"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `eval`."""
    parser.add_argument("dataset", type=Path, help="evaluation data-set folder")
    parser.add_argument("--out", type=Path, required=True, help="output folder for the report")
    parser.add_argument(
        "--predictions", type=Path, help="folder of NAME.npz predictions (no network is run)"
    )
    parser.add_argument(
        "--alignment",
        default="metric",
        choices=("metric", "median", "lstsq"),
        help="metric (none), median scale, or least-squares scale+shift in inverse depth",
    )
    parser.add_argument("--min-depth", type=float, help="smallest evaluated depth in m")
    parser.add_argument("--max-depth", type=float, help="largest evaluated depth in m")
    parser.add_argument(
        "--estimate-focal",
        action="store_true",
        help="do not pass intrinsics fx to the network: let its FOV head estimate the focal "
        "length, and score that estimate",
    )
    add_model_arguments(parser)


def _eval_config(args: argparse.Namespace):
    from sharp_depth_ros.evaluation import EvalConfig

    overrides = {}
    if args.min_depth is not None:
        overrides["min_depth_m"] = args.min_depth
    if args.max_depth is not None:
        overrides["max_depth_m"] = args.max_depth
    return EvalConfig(alignment=args.alignment, **overrides)


def _predictor_function(args: argparse.Namespace):
    """A `FolderSample -> PredictedDepth` function running the network."""
    from sharp_depth_ros.evaluation import PredictedDepth
    from sharp_depth_ros.inference import FocalSource

    predictor = predictor_from_args(args)

    def predict(sample) -> PredictedDepth:
        given = sample.intrinsics.fx_px if sample.intrinsics and not args.estimate_focal else None
        prediction = predictor.predict(sample.rgb, focal_px=given)
        estimated = prediction.focal_source == FocalSource.ESTIMATED
        return PredictedDepth(
            depth_m=prediction.depth_m,
            estimated_focal_px=prediction.focal_px if estimated else None,
        )

    return predict


def run(args: argparse.Namespace) -> int:
    """Evaluate and write the report; returns 0."""
    from tqdm import tqdm

    from sharp_depth_ros.evaluation import evaluate_folder, load_prediction_file, write_report

    if not args.dataset.is_dir():
        raise FileNotFoundError(f"no data-set folder {args.dataset}")
    config = _eval_config(args)
    if args.predictions is not None:
        if args.preset or args.checkpoint or args.config:
            raise ValueError("--predictions cannot be combined with --preset/--checkpoint/--config")
        if not args.predictions.is_dir():
            raise FileNotFoundError(f"no predictions folder {args.predictions}")

        def predict(sample):
            return load_prediction_file(args.predictions / f"{sample.name}.npz")

    else:
        predict = _predictor_function(args)
    result = evaluate_folder(
        args.dataset,
        predict,
        config,
        progress=lambda names: tqdm(names, unit="image", disable=len(names) < 2, file=sys.stderr),
    )
    paths = write_report(result, args.out, dataset=str(args.dataset))
    LOGGER.info("wrote %s", ", ".join(str(path) for path in paths))
    print(paths[1].read_text(encoding="utf-8"), end="")
    return 0

"""`sharp-depth train`: run a training recipe (config/train/*.yaml); resumable, torchrun-ready.

Runs the stages of CONFIG (see docs/training.md). Writes checkpoint.pt (resumable), metrics.csv,
validation.csv, model-<stage>.safetensors, best-<stage>.safetensors and model.safetensors into
--out. Multi-GPU / multi-node: torchrun --nproc_per_node N -m sharp_depth_ros.cli train CONFIG ...
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
from pathlib import Path

LOGGER = logging.getLogger(__name__)

HELP = "train or fine-tune a network from a YAML recipe"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `train`."""
    parser.add_argument("config", type=Path, help="training recipe (YAML)")
    parser.add_argument("--out", type=Path, help="output folder (default: runs/<config name>)")
    parser.add_argument(
        "--resume", action="store_true", help="continue exactly from OUT/checkpoint.pt"
    )
    parser.add_argument(
        "--max-steps", type=int, help="stop (with a checkpoint) at this global step"
    )
    parser.add_argument(
        "--checkpoint",
        type=Path,
        help="start from these weights (ours or the official depth_pro.pt); overrides "
        "model.checkpoint of the recipe",
    )
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda (default auto)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Parse the recipe, apply the overrides and train."""
    from sharp_depth_ros.training import TrainConfig, train

    config = TrainConfig.from_yaml(args.config)
    if args.checkpoint is not None:
        if not args.checkpoint.is_file():
            raise FileNotFoundError(f"checkpoint {args.checkpoint} not found")
        model = dataclasses.replace(config.model, checkpoint=str(args.checkpoint))
        config = dataclasses.replace(config, model=model)
    if args.max_steps is not None and args.max_steps < 1:
        raise ValueError(f"--max-steps={args.max_steps} is invalid; expected >= 1")
    out_dir = args.out or Path("runs") / args.config.stem
    result = train(
        config,
        out_dir,
        resume=args.resume,
        max_steps=args.max_steps,
        device=args.device,
        progress=not args.no_progress,
    )
    state = "finished" if result.finished else "stopped (continue with --resume)"
    LOGGER.info("training %s at step %d; outputs in %s", state, result.steps_done, out_dir)
    return 0

"""Export the weights of a training checkpoint (or any checkpoint) in the package format.

Usage:
    python scripts/export_weights.py RECIPE.yaml runs/X/checkpoint.pt OUT.safetensors [--fp16]
    python scripts/export_weights.py RECIPE.yaml runs/X/model.safetensors OUT.safetensors --fp16

A stopped run's `checkpoint.pt` holds its latest weights (with the optimiser state); this writes
them as a `.safetensors` file that `sharp-depth predict --checkpoint` and recipes'
`model.checkpoint` read. `--fp16` stores floats in half precision (the shipped default model:
23 MB instead of 47 MB; loading upcasts to float32).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from sharp_depth_ros.checkpoints import load_checkpoint
from sharp_depth_ros.checkpoints.native import save_native
from sharp_depth_ros.training.config import TrainConfig
from sharp_depth_ros.training.model_init import build_model


def main() -> None:
    """Parse the arguments and write the weights."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipe", type=Path, help="the run's training recipe (names the preset)")
    parser.add_argument("source", type=Path, help="checkpoint.pt or a .safetensors checkpoint")
    parser.add_argument("out", type=Path)
    parser.add_argument("--fp16", action="store_true", help="store floats in half precision")
    args = parser.parse_args()
    config = TrainConfig.from_yaml(args.recipe)
    if args.source.suffix == ".pt":
        payload = torch.load(args.source, map_location="cpu", weights_only=False)
        model = build_model(config.model)
        model.load_state_dict(payload["model"], strict=True)
        print(f"{args.source}: step {payload.get('next_step')}")
    else:
        model = load_checkpoint(args.source).model
    dtype = torch.float16 if args.fp16 else None
    save_native(model, args.out, model.config, preset=config.model.preset, dtype=dtype)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()

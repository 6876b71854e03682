"""Compare checkpoints on validation shards, image by image: should a continuation be shipped?

Scores every checkpoint on the same synthetic validation scenes (true focal length, depth up to
100 m, `sharp_depth_ros.metrics.depth_metrics`) and prints mean delta1 and AbsRel per checkpoint,
and each one's mean delta1 difference from the first with its paired standard error. The model
card chose the shipped continuation this way (docs/default-model.md); real frames play no part.

    python benchmarks/paired_validation.py --shards data/synth/robot-val data/synth/robot-val-2 \
        --checkpoint before.safetensors --checkpoint runs/continue-r2/model.safetensors

`--texture` scores the same scenes with a fine surface texture on every surface
(`augment.add_surface_texture`: 20 % contrast, 1 cm features, one fixed seed per image), where
real near surfaces differ most from the renders (docs/benchmarks.md#texture-by-depth).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import torch

from sharp_depth_ros.data.augment import add_surface_texture
from sharp_depth_ros.data.sample import SyntheticSample
from sharp_depth_ros.data.shards import list_shards, read_shard
from sharp_depth_ros.inference.predictor import DepthPredictor
from sharp_depth_ros.metrics import depth_metrics

MAX_DEPTH_M = 100.0
TEXTURE_CONTRAST, TEXTURE_FEATURE_M = 0.2, 0.01


def textured(sample: SyntheticSample, seed: int) -> np.ndarray:
    """The sample's image with a fine texture on every surface (uint8 RGB)."""
    image = torch.from_numpy(sample.rgb).permute(2, 0, 1).float() / 255.0
    out = add_surface_texture(
        image,
        torch.from_numpy(sample.depth_m)[None],
        torch.from_numpy(sample.valid)[None],
        sample.focal_px,
        TEXTURE_CONTRAST,
        TEXTURE_FEATURE_M,
        torch.Generator().manual_seed(seed),
    )
    return (out.permute(1, 2, 0).numpy() * 255.0 + 0.5).astype(np.uint8)


def scores(
    checkpoint: Path, folders: list[Path], texture: bool = False, edge_refinement: str = "none"
) -> tuple[np.ndarray, np.ndarray]:
    """Per-image metric delta1 and AbsRel of one checkpoint (on textured images if asked)."""
    predictor = DepthPredictor.from_pretrained(
        checkpoint=checkpoint, device="cpu", edge_refinement=edge_refinement
    )
    delta1, abs_rel = [], []
    for folder in folders:
        for shard in list_shards(folder):
            for sample in read_shard(shard):
                rgb = textured(sample, len(delta1)) if texture else sample.rgb
                pred = predictor.predict(rgb, focal_px=sample.focal_px).depth_m
                values = depth_metrics(pred, sample.depth_m, sample.valid, max_depth_m=MAX_DEPTH_M)
                delta1.append(float(values["delta1"][0]))
                abs_rel.append(float(values["abs_rel"][0]))
    return np.array(delta1), np.array(abs_rel)


def main() -> None:
    """Parse the arguments, score each checkpoint and print one JSON row per checkpoint."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shards", type=Path, nargs="+", required=True)
    parser.add_argument("--checkpoint", type=Path, action="append", required=True)
    parser.add_argument(
        "--texture", action="store_true", help="score images with a fine surface texture added"
    )
    parser.add_argument(
        "--edge-refinement",
        default="none",
        choices=("none", "guided", "auto"),
        help="the predictor's refinement (default none: the networks themselves are compared)",
    )
    args = parser.parse_args()
    first = None
    for checkpoint in args.checkpoint:
        delta1, abs_rel = scores(checkpoint, args.shards, args.texture, args.edge_refinement)
        row = {
            "checkpoint": str(checkpoint),
            "images_textured": args.texture,
            "edge_refinement": args.edge_refinement,
            "images": len(delta1),
            "delta1": float(delta1.mean()),
            "abs_rel": float(abs_rel.mean()),
        }
        if first is None:
            first = delta1
        else:
            difference = delta1 - first
            row["delta1_minus_first"] = float(difference.mean())
            row["paired_standard_error"] = float(
                difference.std(ddof=1) / math.sqrt(len(difference))
            )
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()

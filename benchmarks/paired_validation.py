"""Compare checkpoints on validation shards, image by image: should a continuation be shipped?

Scores every checkpoint on the same synthetic validation scenes (true focal length, depth up to
100 m, `sharp_depth_ros.metrics.depth_metrics`) and prints mean delta1, AbsRel and boundary F1
(images with depth everywhere) per checkpoint, and each one's mean differences from the first
with their paired standard errors. The model card chose the shipped continuation this way
(docs/default-model.md); real frames play no part.

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
from sharp_depth_ros.metrics import boundary_f1, depth_metrics

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
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-image metric delta1, AbsRel and boundary F1 of one checkpoint.

    On textured images if asked. Boundary F1 is NaN where the depth is not valid everywhere
    (sky), as `sharp-depth eval` leaves it out there.
    """
    predictor = DepthPredictor.from_pretrained(
        checkpoint=checkpoint, device="cpu", edge_refinement=edge_refinement
    )
    delta1, abs_rel, f1 = [], [], []
    for folder in folders:
        for shard in list_shards(folder):
            for sample in read_shard(shard):
                rgb = textured(sample, len(delta1)) if texture else sample.rgb
                pred = predictor.predict(rgb, focal_px=sample.focal_px).depth_m
                values = depth_metrics(pred, sample.depth_m, sample.valid, max_depth_m=MAX_DEPTH_M)
                delta1.append(float(values["delta1"][0]))
                abs_rel.append(float(values["abs_rel"][0]))
                dense = bool(sample.valid.all())
                f1.append(boundary_f1(pred, sample.depth_m) if dense else math.nan)
    return np.array(delta1), np.array(abs_rel), np.array(f1)


def paired_difference(values: np.ndarray, first: np.ndarray) -> tuple[float, float]:
    """Mean of `values - first` over the images where both are finite, and its standard error."""
    difference = values - first
    difference = difference[np.isfinite(difference)]
    return float(difference.mean()), float(difference.std(ddof=1) / math.sqrt(len(difference)))


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
        nargs="+",
        default=["none"],
        choices=("none", "guided", "auto"),
        help="the predictor's refinement: one for every checkpoint, or one per checkpoint in "
        "order (default none: the networks themselves are compared)",
    )
    args = parser.parse_args()
    refinements = args.edge_refinement
    if len(refinements) == 1:
        refinements = refinements * len(args.checkpoint)
    if len(refinements) != len(args.checkpoint):
        parser.error(
            f"--edge-refinement: give one value or one per checkpoint ({len(args.checkpoint)})"
        )
    first = None
    for checkpoint, refinement in zip(args.checkpoint, refinements, strict=True):
        delta1, abs_rel, f1 = scores(checkpoint, args.shards, args.texture, refinement)
        row = {
            "checkpoint": str(checkpoint),
            "images_textured": args.texture,
            "edge_refinement": refinement,
            "images": len(delta1),
            "delta1": float(delta1.mean()),
            "abs_rel": float(abs_rel.mean()),
            "boundary_f1": float(np.nanmean(f1)),
            "boundary_images": int(np.isfinite(f1).sum()),
        }
        if first is None:
            first = (delta1, abs_rel, f1)
        else:
            row["delta1_minus_first"], row["paired_standard_error"] = paired_difference(
                delta1, first[0]
            )
            row["abs_rel_minus_first"], row["abs_rel_paired_standard_error"] = paired_difference(
                abs_rel, first[1]
            )
            row["boundary_f1_minus_first"], row["boundary_f1_paired_standard_error"] = (
                paired_difference(f1, first[2])
            )
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()

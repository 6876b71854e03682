"""Compare checkpoints on validation shards, image by image: should a continuation be shipped?

Scores every checkpoint on the same synthetic validation scenes (true focal length, depth up to
100 m, `sharp_depth_ros.metrics.depth_metrics`) and prints mean delta1, AbsRel and boundary F1
(images with depth everywhere) per checkpoint, and each one's mean differences from the first
with their paired standard errors. The model card chose the shipped continuation this way
(docs/default-model.md); real frames play no part.

    python benchmarks/paired_validation.py --shards data/synth/robot-val data/synth/robot-val-2 \
        --checkpoint before.safetensors --checkpoint runs/continue-r2/model.safetensors

`--focal` also lets the FOV head estimate each image's focal length and pairs focal delta25
(relative error under 25 %) and the relative focal error, image by image.

`--texture` scores the same scenes with a fine surface texture on every surface
(`augment.add_surface_texture`: 20 % contrast, 1 cm features, one fixed seed per image), where
real near surfaces differ most from the renders (docs/benchmarks.md#texture-by-depth).

`--by-aspect` adds one row per checkpoint and image aspect ratio (W / H, two decimals), for the
shards rendered with `--vary-size`: the network sees every image squashed to a square.
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
from sharp_depth_ros.metrics import boundary_f1, depth_metrics, focal_metrics

MAX_DEPTH_M = 100.0
ASPECT = "aspect"  # per-image W / H in `scores`: a grouping key, not a score
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
    checkpoint: Path,
    folders: list[Path],
    texture: bool = False,
    edge_refinement: str = "none",
    focal: bool = False,
) -> dict[str, np.ndarray]:
    """Per-image scores of one checkpoint, by name.

    `delta1`, `abs_rel` and `boundary_f1`; with `focal` also `focal_delta25` and
    `focal_relative_error` of the FOV head's estimate. On textured images if asked. Boundary
    F1 is NaN where the depth is not valid everywhere (sky), as `sharp-depth eval` leaves it
    out there. `aspect` holds each image's W / H, rounded to two decimals.
    """
    predictor = DepthPredictor.from_pretrained(
        checkpoint=checkpoint, device="cpu", edge_refinement=edge_refinement
    )
    names = ["delta1", "abs_rel", "boundary_f1"]
    names += ["focal_delta25", "focal_relative_error"] if focal else []
    values: dict[str, list[float]] = {name: [] for name in [*names, ASPECT]}
    for folder in folders:
        for shard in list_shards(folder):
            for sample in read_shard(shard):
                rgb = textured(sample, len(values["delta1"])) if texture else sample.rgb
                pred = predictor.predict(rgb, focal_px=sample.focal_px).depth_m
                depth = depth_metrics(pred, sample.depth_m, sample.valid, max_depth_m=MAX_DEPTH_M)
                values["delta1"].append(float(depth["delta1"][0]))
                values["abs_rel"].append(float(depth["abs_rel"][0]))
                dense = bool(sample.valid.all())
                f1 = boundary_f1(pred, sample.depth_m) if dense else math.nan
                values["boundary_f1"].append(f1)
                values[ASPECT].append(round(rgb.shape[1] / rgb.shape[0], 2))
                if focal:
                    estimated = predictor.predict(rgb).focal_px
                    focal_scores = focal_metrics(estimated, sample.focal_px)
                    values["focal_delta25"].append(float(focal_scores["delta25"][0]))
                    values["focal_relative_error"].append(
                        float(focal_scores["focal_relative_error"][0])
                    )
    return {name: np.array(column) for name, column in values.items()}


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
        "--focal", action="store_true", help="also score the FOV head's focal length estimate"
    )
    parser.add_argument(
        "--by-aspect", action="store_true", help="also one row per image aspect ratio W / H"
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
        values = scores(checkpoint, args.shards, args.texture, refinement, args.focal)
        aspects = values.pop(ASPECT)
        groups = [None] + (sorted(set(aspects.tolist())) if args.by_aspect else [])
        for aspect in groups:
            chosen = np.ones(len(aspects), bool) if aspect is None else aspects == aspect
            row = {
                "checkpoint": str(checkpoint),
                "images_textured": args.texture,
                "edge_refinement": refinement,
                **({} if aspect is None else {ASPECT: aspect}),
                "images": int(chosen.sum()),
                "boundary_images": int(np.isfinite(values["boundary_f1"][chosen]).sum()),
            }
            row.update({name: float(np.nanmean(column[chosen])) for name, column in values.items()})
            if first is not None:
                for name, column in values.items():
                    difference, error = paired_difference(column[chosen], first[name][chosen])
                    row[f"{name}_minus_first"] = difference
                    row[f"{name}_paired_standard_error"] = error
            print(json.dumps(row), flush=True)
        if first is None:
            first = values


if __name__ == "__main__":
    main()

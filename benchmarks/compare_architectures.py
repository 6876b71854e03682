"""Same data, same minutes: which fresh network learns image-dependent depth on this CPU?

Usage:
    python benchmarks/compare_architectures.py --minutes 6 --presets sharp-small,sharp-small-vit \
        --train data/synth/robot-train --val data/synth/robot-val --out compare.json

Each preset trains from random weights for the same wall-clock minutes on the same robot-view
shards (L1 on log depth + 0.5 x its scale-invariant form, batch 4, Adam, the rates of its
recipe), then predicts the first `--val-images` validation scenes with the true focal length.
Reported per preset: steps and images seen, metric and median-aligned delta1, the Spearman rank
correlation with the true depth, and the image dependence: the spread (std) of the predicted
log depth within an image, divided by the target's (0 = the same value everywhere).
Run the presets one after the other (`--threads` each) so that they get the same CPU.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from sharp_depth_ros.atomic import atomic_write_text
from sharp_depth_ros.losses import LOSSES
from sharp_depth_ros.metrics import depth_metrics, spearman_rank_correlation
from sharp_depth_ros.training.config import DatasetConfig, ModelConfig
from sharp_depth_ros.training.curriculum import StageConfig
from sharp_depth_ros.training.data_sources import build_dataset
from sharp_depth_ros.training.model_init import build_model
from sharp_depth_ros.training.trainable import parameter_groups

# Each preset's rates and init from its recipe (config/train/sharp-small-robot.yaml and
# sharp-small-vit.yaml).
SETTINGS = {
    "sharp-small": ({}, 1.0e-3, 3.0e-3),
    "sharp-small-vit": ({"init_layer_scale": 1.0}, 3.0e-4, 1.0e-3),
}


def run(preset: str, args: argparse.Namespace) -> dict[str, float]:
    """Train one fresh network for `args.minutes`, then score it on the validation scenes."""
    torch.manual_seed(0)
    overrides, lr_encoder, lr_decoder = SETTINGS.get(preset, ({}, 1e-3, 1e-3))
    model = build_model(ModelConfig(preset=preset, **overrides))
    resolution = model.network_resolution
    train_set = build_dataset(
        DatasetConfig(
            name="robot", kind="metric_synthetic", source="synthetic", path=str(args.train)
        ),
        resolution=resolution,
        training=True,
    )
    val_set = build_dataset(
        DatasetConfig(name="val", kind="metric_synthetic", source="synthetic", path=str(args.val)),
        resolution=resolution,
        training=False,
    )
    stage = StageConfig(name="stage1", steps=1, lr_encoder=lr_encoder, lr_decoder=lr_decoder)
    optimizer = torch.optim.Adam(parameter_groups(model, stage))
    model.train()
    rng = np.random.default_rng(0)
    start, steps = time.perf_counter(), 0
    while time.perf_counter() - start < args.minutes * 60:
        batch = [
            train_set.get(int(i), steps) for i in rng.integers(len(train_set), size=args.batch)
        ]
        images = torch.stack([b["image"] for b in batch])
        target = torch.stack([b["inverse_depth"] for b in batch])
        valid = torch.stack([b["valid"] for b in batch])
        pred = model(images, run_fov=False).canonical_inverse_depth
        loss = LOSSES["log_mae"](pred, target, valid) + 0.5 * LOSSES["silog_mae"](
            pred, target, valid
        )
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        steps += 1
    model.eval()
    rows = []
    with torch.no_grad():
        for index in range(min(args.val_images, len(val_set))):
            sample = val_set.get(index, 0)
            pred = model(sample["image"][None], run_fov=False).canonical_inverse_depth[0, 0]
            mask = sample["valid"][0]
            focal_ratio = float(sample["focal_ratio"])
            pred_depth = (focal_ratio / pred).numpy()
            true_depth = sample["depth_m"][0].numpy()
            m = mask.numpy()
            scores = {
                a: depth_metrics(pred_depth, true_depth, m, alignment=a)["delta1"].item()
                for a in ("metric", "median")
            }
            log_pred, log_true = np.log(pred_depth[m]), np.log(true_depth[m])
            rows.append(
                [
                    scores["metric"],
                    scores["median"],
                    spearman_rank_correlation(pred_depth[m], true_depth[m]),
                    float(log_pred.std() / max(log_true.std(), 1e-6)),
                ]
            )
    metric, median, spearman, spread = np.nanmean(rows, axis=0)
    return {
        "minutes": args.minutes,
        "steps": steps,
        "images_seen": steps * args.batch,
        "metric_delta1": float(metric),
        "median_delta1": float(median),
        "spearman": float(spearman),
        "relative_spread": float(spread),
    }


def main() -> None:
    """Run every preset and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default="sharp-small,sharp-small-vit")
    parser.add_argument("--minutes", type=float, default=6.0)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--val", type=Path, required=True)
    parser.add_argument("--val-images", type=int, default=32)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    report = {}
    for preset in args.presets.split(","):
        report[preset] = run(preset, args)
        print(preset, json.dumps(report[preset]))
    atomic_write_text(args.out, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

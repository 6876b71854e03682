"""The model card's results table: a network against image-independent maps, on three sets.

Usage (one line):
    python benchmarks/model_card_eval.py --checkpoint W.safetensors
        --train data/synth/robot-train --set robot=data/eval/robot --set clutter=data/eval/clutter
        --set real=data/eval/real --out report.json [--pictures docs/images/real-frames.jpg]

For every evaluation folder (`sharp-depth eval` layout) it scores, with the true focal length:
- the network (metric and median-aligned delta1 / AbsRel, Spearman rank correlation with the
  true depth, boundary F1 where the ground truth is dense);
- the row prior: for each of 64 normalised rows the geometric mean canonical inverse depth
  C = (f_px / W) / D over the robot training shards, turned into depth with each image's focal
  length, as the network's output is: what "lower in the image is nearer" alone gives;
- the best constant: the one depth that maximises the set's mean metric delta1 (an oracle,
  chosen on the evaluated set itself, so an upper bound for every constant map). Median-aligned,
  every constant scores the same.
Real frames are scored within 0-10 m (their sensors' range), synthetic ones within 0-100 m.
Each set's report also lists, per image, the network's scores and its depth scale: the median of
predicted / true depth over the scored pixels, and the same over the image's upper and lower
halves (where a scale error lies: near floor, far wall).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from sharp_depth_ros.atomic import atomic_write_text
from sharp_depth_ros.data.shards import list_shards, read_shard
from sharp_depth_ros.evaluation.folder import FolderSample, list_samples, load_sample
from sharp_depth_ros.metrics import boundary_f1, depth_metrics, spearman_rank_correlation

ROWS = 64
REAL_MAX_DEPTH_M = 10.0
SYNTHETIC_MAX_DEPTH_M = 100.0


def row_prior(train: Path, max_shards: int) -> np.ndarray:
    """(ROWS,) geometric-mean canonical inverse depth per normalised row of the training shards."""
    log_sum, count = np.zeros(ROWS), np.zeros(ROWS)
    for path in list_shards(train)[:max_shards]:
        for sample in read_shard(path):
            height, width = sample.depth_m.shape
            rows = np.broadcast_to((np.arange(height) * ROWS // height)[:, None], (height, width))
            mask = sample.valid
            canonical = sample.focal_px / width / sample.depth_m[mask]
            np.add.at(log_sum, rows[mask], np.log(canonical))
            np.add.at(count, rows[mask], 1)
    return np.exp(log_sum / np.maximum(count, 1))


def _scores(pred: np.ndarray, sample: FolderSample, max_depth_m: float) -> dict[str, float]:
    mask = sample.valid & (sample.depth_m <= max_depth_m)
    result = {}
    for alignment in ("metric", "median"):
        values = depth_metrics(
            pred, sample.depth_m, mask, alignment=alignment, max_depth_m=max_depth_m
        )
        result[f"{alignment}_delta1"] = float(values["delta1"][0])
        result[f"{alignment}_abs_rel"] = float(values["abs_rel"][0])
    result["spearman"] = spearman_rank_correlation(pred[mask], sample.depth_m[mask])
    result["boundary_f1"] = boundary_f1(pred, sample.depth_m) if sample.valid.all() else math.nan
    return result


def _scale(pred: np.ndarray, sample: FolderSample, max_depth_m: float) -> dict[str, float]:
    """Median predicted / true depth over the scored pixels, the whole image and each half."""
    mask = sample.valid & (sample.depth_m <= max_depth_m) & np.isfinite(pred)
    upper = np.zeros_like(mask)
    upper[: mask.shape[0] // 2] = True
    regions = {"scale": mask, "scale_upper": mask & upper, "scale_lower": mask & ~upper}
    result = {}
    for name, region in regions.items():
        ratio = pred[region] / sample.depth_m[region]
        result[name] = float(np.median(ratio)) if ratio.size else math.nan
    return result


def _mean(rows: list[dict[str, float]]) -> dict[str, float | None]:
    keys = rows[0].keys()
    means = {
        k: float(np.nanmean([r[k] for r in rows]))
        for k in keys
        if not all(math.isnan(r[k]) for r in rows)
    }
    return {k: means.get(k) for k in keys}


def evaluate_set(
    root: Path, predictor, prior: np.ndarray, max_depth_m: float
) -> tuple[dict[str, dict], dict[str, np.ndarray]]:
    """Scores of the network, the row prior and the best constant on one folder."""
    network, prior_rows, per_image, depths = [], [], [], {}
    samples = [load_sample(root, name) for name in list_samples(root)]
    for sample in samples:
        height, width = sample.depth_m.shape
        focal = sample.intrinsics.fx_px * width / sample.rgb.shape[1]
        pred = predictor.predict(sample.rgb, focal_px=sample.intrinsics.fx_px).depth_m
        if pred.shape != (height, width):
            import cv2

            pred = cv2.resize(pred, (width, height), interpolation=cv2.INTER_LINEAR)
        depths[sample.name] = pred
        network.append(_scores(pred, sample, max_depth_m))
        per_image.append({"name": sample.name, **network[-1], **_scale(pred, sample, max_depth_m)})
        rows = prior[np.arange(height) * ROWS // height]
        prior_map = np.repeat((focal / width / rows)[:, None], width, axis=1)
        prior_rows.append(_scores(prior_map, sample, max_depth_m))
    candidates = np.exp(np.linspace(math.log(0.3), math.log(60.0), 120))
    best, best_rows = -1.0, []
    for value in candidates:
        rows_c = []
        for sample in samples:
            mask = sample.valid & (sample.depth_m <= max_depth_m)
            ratio = np.maximum(value / sample.depth_m[mask], sample.depth_m[mask] / value)
            rows_c.append(float(np.mean(ratio < 1.25)) if mask.any() else math.nan)
        if np.nanmean(rows_c) > best:
            best, best_value = float(np.nanmean(rows_c)), float(value)
    for sample in samples:
        best_rows.append(
            _scores(np.full(sample.depth_m.shape, best_value, np.float32), sample, max_depth_m)
        )
    constant = _mean(best_rows)
    constant["depth_m"] = best_value
    report = {
        "images": len(samples),
        "network": _mean(network),
        "row_prior": _mean(prior_rows),
        "best_constant": constant,
        "per_image": per_image,
    }
    return report, depths


def write_pictures(path: Path, root: Path, depths: dict[str, np.ndarray], names: list[str]) -> None:
    """RGB | predicted depth | true depth rows (turbo inverse depth, one scale per row)."""
    import cv2

    rows = []
    for name in names:
        sample = load_sample(root, name)
        pred = depths[name]
        valid = sample.valid & (sample.depth_m <= REAL_MAX_DEPTH_M)
        low, high = np.percentile(1.0 / sample.depth_m[valid], [2, 98])
        tiles = [cv2.cvtColor(sample.rgb, cv2.COLOR_RGB2BGR)]
        for depth, mask in ((pred, np.isfinite(pred)), (sample.depth_m, valid)):
            inverse = np.where(mask, 1.0 / np.maximum(depth, 1e-3), 0.0)
            scaled = np.clip((inverse - low) / max(high - low, 1e-6), 0, 1)
            colour = cv2.applyColorMap((scaled * 255).astype(np.uint8), cv2.COLORMAP_TURBO)
            colour[~mask] = 0
            tiles.append(colour)
        rows.append(np.concatenate(tiles, axis=1))
    picture = np.concatenate(rows, axis=0)
    picture = cv2.resize(
        picture, (picture.shape[1] // 2, picture.shape[0] // 2), interpolation=cv2.INTER_AREA
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, encoded = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    path.write_bytes(encoded.tobytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default=None, help="default: the shipped model")
    parser.add_argument("--train", type=Path, required=True, help="robot training shards")
    parser.add_argument("--train-shards", type=int, default=16)
    parser.add_argument(
        "--set",
        action="append",
        required=True,
        metavar="NAME=DIR",
        help="evaluation folder; NAME 'real' uses the 10 m range",
    )
    parser.add_argument("--out", type=Path, required=True, help="JSON report")
    parser.add_argument("--pictures", type=Path, help="JPEG of rgb | depth | truth, real frames")
    parser.add_argument("--picture-frames", default="redwood_00000,tum,sun")
    parser.add_argument(
        "--edge-refinement",
        default="auto",
        choices=("auto", "guided", "none"),
        help="the predictor's refinement (default auto: as the node and the CLI run it)",
    )
    args = parser.parse_args()

    import torch

    from sharp_depth_ros import DepthPredictor

    torch.set_num_threads(2)
    predictor = DepthPredictor.from_pretrained(
        checkpoint=args.checkpoint, device="cpu", edge_refinement=args.edge_refinement
    )
    prior = row_prior(args.train, args.train_shards)
    report = {
        "checkpoint": str(args.checkpoint or "shipped sharp-small"),
        "edge_refinement": predictor.edge_refinement,
    }
    for item in args.set:
        name, folder = item.split("=", 1)
        max_depth = REAL_MAX_DEPTH_M if name == "real" else SYNTHETIC_MAX_DEPTH_M
        report[name], depths = evaluate_set(Path(folder), predictor, prior, max_depth)
        if name == "real" and args.pictures is not None:
            write_pictures(args.pictures, Path(folder), depths, args.picture_frames.split(","))
    atomic_write_text(args.out, json.dumps(report, indent=2) + "\n")
    for name, value in report.items():
        if isinstance(value, dict):
            for who in ("network", "row_prior", "best_constant"):
                row = value[who]
                cells = " ".join(f"{k}={v:.3f}" for k, v in row.items() if v is not None)
                print(f"{name:8s} {who:14s} {cells}")
    for image in report.get("real", {}).get("per_image", []):
        print(
            f"real     {image['name']:14s} delta1={image['metric_delta1']:.3f} "
            f"scale={image['scale']:.2f} upper={image['scale_upper']:.2f} "
            f"lower={image['scale_lower']:.2f} spearman={image['spearman']:.3f}"
        )


if __name__ == "__main__":
    main()

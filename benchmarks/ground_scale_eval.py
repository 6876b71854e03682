"""How much a known camera height fixes metric depth: the floor fit on synthetic robot views.

Predicts every image of some synthetic shards (true focal length, as the node with CameraInfo),
then scores the depth as predicted and rescaled by `fit_ground_scale` with the scene's true camera
mount, with the mount's pitch off by a few degrees (a badly known tilt), and with a level mount
assumed (tilt unknown). Prints one JSON object: per condition mean delta1 and AbsRel, the paired
difference from the unscaled depth with its standard error, the share of images where a floor
was found, and the same per scene kind; also the median-aligned delta1 (what a perfect scale
would give) and the fit's time per image.

    python benchmarks/ground_scale_eval.py --shards data/synth/robot-eval > report.json
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from sharp_depth_ros.backends.cpu_features import cpu_features
from sharp_depth_ros.data.shards import list_shards, read_shard
from sharp_depth_ros.inference.ground_scale import CameraMount, fit_ground_scale
from sharp_depth_ros.inference.predictor import DepthPredictor
from sharp_depth_ros.metrics import depth_metrics

MAX_DEPTH_M = 100.0


def mount_of(params: dict, pitch_error_deg: float = 0.0, level: bool = False) -> CameraMount:
    """The scene's camera mount from its render parameters, tilted by an error if asked."""
    camera = params["camera"]
    if level:
        return CameraMount(height_m=camera["height_m"])
    return CameraMount(
        height_m=camera["height_m"],
        pitch_deg=camera["pitch_deg"] + pitch_error_deg,
        roll_deg=camera["roll_deg"],
    )


def conditions(pitch_errors_deg: list[float]) -> dict[str, dict]:
    """Condition name -> keyword arguments of `mount_of`."""
    named = {"true mount": {}}
    for error in pitch_errors_deg:
        if error != 0:
            named[f"pitch off by {error:+g} deg"] = {"pitch_error_deg": error}
    named["level assumed"] = {"level": True}
    return named


def summary(values: np.ndarray, first: np.ndarray) -> dict[str, float]:
    """Mean, and the paired mean difference from `first` with its standard error."""
    difference = values - first
    return {
        "mean": float(values.mean()),
        "minus_unscaled": float(difference.mean()),
        "paired_standard_error": float(difference.std(ddof=1) / math.sqrt(len(values)))
        if len(values) > 1
        else math.nan,
    }


def main() -> None:
    """Score the shards' images under every condition and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shards", type=Path, nargs="+", required=True)
    parser.add_argument("--checkpoint", type=Path, default=None, help="default: shipped model")
    parser.add_argument("--edge-refinement", default="auto", choices=("none", "guided", "auto"))
    parser.add_argument("--pitch-errors-deg", type=float, nargs="*", default=[3.0, -3.0])
    args = parser.parse_args()
    predictor = DepthPredictor.from_pretrained(
        checkpoint=args.checkpoint, device="cpu", edge_refinement=args.edge_refinement
    )
    named = conditions(args.pitch_errors_deg)
    delta1: dict[str, list[float]] = defaultdict(list)
    abs_rel: dict[str, list[float]] = defaultdict(list)
    found: dict[str, list[bool]] = defaultdict(list)
    kinds: list[str] = []
    aligned: list[float] = []
    fit_seconds: list[float] = []
    for folder in args.shards:
        for shard in list_shards(folder):
            for sample in read_shard(shard):
                kinds.append(str(sample.params.get("scene", "?")))
                depth = predictor.predict(sample.rgb, focal_px=sample.focal_px).depth_m
                truth, valid = sample.depth_m, sample.valid
                scored = depth_metrics(depth, truth, valid, max_depth_m=MAX_DEPTH_M)
                delta1["unscaled"].append(float(scored["delta1"][0]))
                abs_rel["unscaled"].append(float(scored["abs_rel"][0]))
                usable = valid & (truth < MAX_DEPTH_M) & np.isfinite(depth) & (depth > 0)
                ratio = np.median(truth[usable] / depth[usable])
                scored = depth_metrics(depth * ratio, truth, valid, max_depth_m=MAX_DEPTH_M)
                aligned.append(float(scored["delta1"][0]))
                for name, options in named.items():
                    start_s = time.perf_counter()
                    mount = mount_of(sample.params, **options)
                    fit = fit_ground_scale(depth, sample.intrinsics, mount)
                    fit_seconds.append(time.perf_counter() - start_s)
                    scale = 1.0 if fit is None else fit.scale
                    scored = depth_metrics(depth * scale, truth, valid, max_depth_m=MAX_DEPTH_M)
                    delta1[name].append(float(scored["delta1"][0]))
                    abs_rel[name].append(float(scored["abs_rel"][0]))
                    found[name].append(fit is not None)
    base_d1, base_ar = np.array(delta1["unscaled"]), np.array(abs_rel["unscaled"])
    kinds_array = np.array(kinds)
    report: dict = {
        "images": len(kinds),
        "shards": [str(folder) for folder in args.shards],
        "edge_refinement": args.edge_refinement,
        "unscaled": {"delta1": float(base_d1.mean()), "abs_rel": float(base_ar.mean())},
        "median_aligned_delta1": float(np.mean(aligned)),
        "fit_ms_median": 1000.0 * float(np.median(fit_seconds)),
        "cpu": cpu_features().summary(),
        "conditions": {},
    }
    for name in named:
        d1, ar = np.array(delta1[name]), np.array(abs_rel[name])
        per_kind = {}
        for kind in sorted(set(kinds)):
            chosen = kinds_array == kind
            per_kind[kind] = {
                "images": int(chosen.sum()),
                "floor_found": float(np.mean(np.array(found[name])[chosen])),
                "delta1": summary(d1[chosen], base_d1[chosen]),
            }
        report["conditions"][name] = {
            "floor_found": float(np.mean(found[name])),
            "delta1": summary(d1, base_d1),
            "abs_rel": summary(ar, base_ar),
            "by_scene": per_kind,
        }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()

"""Does a model's metric scale move with how the camera renders the scene? Synthetic only.

Real cameras differ from the renderer in exposure, tone curve, sensor noise, blur, compression
and white balance, and real surfaces carry more fine texture than the renders. This script
applies each such change to held-out synthetic scenes (exact depth, true focal length) and
reports how the depth moves: the median over images of the scale change against the unchanged
image (median of pred_changed / pred_clean), the same over the pixels nearer than 2 m, metric
delta1 and AbsRel, and the rank correlation with the true depth. A model whose scale shifts
with exposure, noise or texture reads real photos at the wrong distance even when it sees the
layout. Real frames play no part (they are for evaluation only).

    python benchmarks/appearance_sensitivity.py --shards data/synth/robot-val \
        [--checkpoint X.safetensors] [--only texture noise] [--out REPORT.json]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import torch

from sharp_depth_ros.atomic import atomic_write_text
from sharp_depth_ros.backends.cpu_features import cpu_features
from sharp_depth_ros.data.augment import add_surface_texture
from sharp_depth_ros.data.sample import SyntheticSample
from sharp_depth_ros.data.shards import list_shards, read_shard
from sharp_depth_ros.inference.predictor import DepthPredictor
from sharp_depth_ros.metrics import depth_metrics, spearman_rank_correlation

MAX_DEPTH_M = 100.0
NEAR_M = 2.0
Change = Callable[[np.ndarray, np.random.Generator], np.ndarray]
SceneChange = Callable[[SyntheticSample, np.random.Generator], np.ndarray]


def _linear(rgb: np.ndarray) -> np.ndarray:
    """uint8 sRGB -> linear light in [0, 1] (the sRGB curve approximated by gamma 2.2)."""
    return (rgb.astype(np.float32) / 255.0) ** 2.2


def _srgb(linear: np.ndarray) -> np.ndarray:
    return (np.clip(linear, 0.0, 1.0) ** (1 / 2.2) * 255.0 + 0.5).astype(np.uint8)


def _exposure(factor: float) -> Change:
    return lambda rgb, _: _srgb(_linear(rgb) * factor)


def _gamma(power: float) -> Change:
    return lambda rgb, _: (255.0 * (rgb / 255.0) ** power + 0.5).astype(np.uint8)


def _noise(sigma: float) -> Change:
    """Signal-dependent sensor noise (shot + read), sigma relative to full scale at mid-grey."""

    def change(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        linear = _linear(rgb)
        std = sigma * np.sqrt(linear / 0.18 + 0.05)
        return _srgb(linear + rng.normal(size=linear.shape).astype(np.float32) * std)

    return change


def _blur(sigma_px: float) -> Change:
    return lambda rgb, _: cv2.GaussianBlur(rgb, (0, 0), sigma_px)


def _jpeg(quality: int) -> Change:
    def change(rgb: np.ndarray, _: np.random.Generator) -> np.ndarray:
        ok, data = cv2.imencode(".jpg", rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
        assert ok
        return cv2.imdecode(data, cv2.IMREAD_COLOR)[..., ::-1].copy()

    return change


def _saturation(factor: float) -> Change:
    def change(rgb: np.ndarray, _: np.random.Generator) -> np.ndarray:
        grey = rgb.astype(np.float32).mean(axis=2, keepdims=True)
        return np.clip(grey + (rgb - grey) * factor + 0.5, 0, 255).astype(np.uint8)

    return change


def _white_balance(gains: tuple[float, float, float]) -> Change:
    return lambda rgb, _: _srgb(_linear(rgb) * np.asarray(gains, np.float32))


def _vignette(strength: float) -> Change:
    def change(rgb: np.ndarray, _: np.random.Generator) -> np.ndarray:
        h, w = rgb.shape[:2]
        y, x = np.mgrid[:h, :w]
        r2 = ((x - w / 2) ** 2 + (y - h / 2) ** 2) / ((w / 2) ** 2 + (h / 2) ** 2)
        return _srgb(_linear(rgb) * (1 - strength * r2)[..., None])

    return change


CHANGES: dict[str, Change] = {
    "exposure x0.5": _exposure(0.5),
    "exposure x2": _exposure(2.0),
    "gamma 1.3 (flatter shadows)": _gamma(1.3),
    "gamma 0.75 (lifted shadows)": _gamma(0.75),
    "sensor noise 0.03": _noise(0.03),
    "blur sigma 1.5 px": _blur(1.5),
    "JPEG quality 40": _jpeg(40),
    "saturation x0.5": _saturation(0.5),
    "warm white balance": _white_balance((1.15, 1.0, 0.8)),
    "vignette 0.4": _vignette(0.4),
}


def _surface_texture(contrast: float, feature_m: float, nearer_than_m: float) -> SceneChange:
    """`augment.add_surface_texture` on the surfaces nearer than `nearer_than_m` (exact depth)."""

    def change(sample: SyntheticSample, rng: np.random.Generator) -> np.ndarray:
        image = torch.from_numpy(sample.rgb).permute(2, 0, 1).float() / 255.0
        depth = torch.from_numpy(sample.depth_m)[None]
        where = torch.from_numpy(sample.valid & (sample.depth_m < nearer_than_m))[None]
        generator = torch.Generator().manual_seed(int(rng.integers(2**31)))
        out = add_surface_texture(
            image, depth, where, sample.focal_px, contrast, feature_m, generator
        )
        return (out.permute(1, 2, 0).numpy() * 255.0 + 0.5).astype(np.uint8)

    return change


SCENE_CHANGES: dict[str, SceneChange] = {
    "surface texture 0.2, 1 cm, nearer than 2 m": _surface_texture(0.2, 0.01, NEAR_M),
    "surface texture 0.2, 1 cm, everywhere": _surface_texture(0.2, 0.01, np.inf),
}


def evaluate(
    checkpoint: Path | None, folders: list[Path], seed: int, only: list[str] | None = None
) -> list[dict]:
    """One row per change (the first row: no change); `only`: changes whose names contain one."""
    kwargs = {"checkpoint": checkpoint} if checkpoint else {}
    predictor = DepthPredictor.from_pretrained(device="cpu", **kwargs)
    samples = [s for folder in folders for shard in list_shards(folder) for s in read_shard(shard)]
    clean = [predictor.predict(s.rgb, focal_px=s.focal_px).depth_m for s in samples]
    rows = []
    names = [*CHANGES, *SCENE_CHANGES]
    if only:
        names = [n for n in names if any(part in n for part in only)]
    for name in ["none", *names]:
        rng = np.random.default_rng(seed)
        scale, near_scale, delta1, abs_rel, rank = [], [], [], [], []
        for sample, reference in zip(samples, clean, strict=True):
            if name == "none":
                pred = reference
            else:
                rgb = (
                    CHANGES[name](sample.rgb, rng)
                    if name in CHANGES
                    else SCENE_CHANGES[name](sample, rng)
                )
                pred = predictor.predict(rgb, focal_px=sample.focal_px).depth_m
            mask = sample.valid & (sample.depth_m < MAX_DEPTH_M)
            near = sample.valid & (sample.depth_m < NEAR_M)
            values = depth_metrics(pred, sample.depth_m, sample.valid, max_depth_m=MAX_DEPTH_M)
            scale.append(float(np.median(pred[mask] / reference[mask])))
            if near.sum() >= 100:
                near_scale.append(float(np.median(pred[near] / reference[near])))
            delta1.append(float(values["delta1"][0]))
            abs_rel.append(float(values["abs_rel"][0]))
            rank.append(spearman_rank_correlation(pred[mask], sample.depth_m[mask]))
        scale_array = np.array(scale)
        rows.append(
            {
                "change": name,
                "images": len(samples),
                "median_scale_vs_clean": float(np.median(scale_array)),
                "scale_p10_p90": [float(np.percentile(scale_array, q)) for q in (10, 90)],
                "near_images": len(near_scale),
                "median_near_scale_vs_clean": float(np.median(near_scale)),
                "near_scale_p10_p90": [float(np.percentile(near_scale, q)) for q in (10, 90)],
                "delta1": float(np.mean(delta1)),
                "abs_rel": float(np.mean(abs_rel)),
                "spearman": float(np.mean(rank)),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    """Parse the arguments, evaluate each change, optionally write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shards", type=Path, nargs="+", required=True)
    parser.add_argument("--checkpoint", type=Path, default=None, help="default: shipped model")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sensor noise")
    parser.add_argument("--out", type=Path, default=None, help="write the rows as JSON here")
    parser.add_argument(
        "--only", nargs="+", default=None, help="run the changes whose names contain one of these"
    )
    args = parser.parse_args()
    rows = evaluate(args.checkpoint, args.shards, args.seed, args.only)
    if args.out is not None:
        report = {
            "checkpoint": str(args.checkpoint or "shipped sharp-small"),
            "shards": [str(s) for s in args.shards],
            "cpu": cpu_features().summary(),
            "rows": rows,
        }
        atomic_write_text(args.out, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

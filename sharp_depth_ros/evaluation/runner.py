"""Evaluate depth predictions against an evaluation folder, per image and in aggregate."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from sharp_depth_ros.evaluation.folder import FolderSample, list_samples, load_sample
from sharp_depth_ros.metrics import (
    ALIGNMENTS,
    DEPTH_METRIC_NAMES,
    FOCAL_METRIC_NAMES,
    boundary_f1,
    boundary_recall,
    depth_metrics,
    focal_metrics,
)
from sharp_depth_ros.metrics.depth import DEFAULT_MAX_DEPTH_M, DEFAULT_MIN_DEPTH_M

METRIC_NAMES = (*DEPTH_METRIC_NAMES, "boundary_f1", "boundary_recall", *FOCAL_METRIC_NAMES)


@dataclass(frozen=True, kw_only=True)
class EvalConfig:
    """How predictions are compared with ground truth."""

    alignment: str = "metric"
    min_depth_m: float = DEFAULT_MIN_DEPTH_M
    max_depth_m: float = DEFAULT_MAX_DEPTH_M

    def __post_init__(self) -> None:
        if self.alignment not in ALIGNMENTS:
            raise ValueError(f"alignment must be one of {ALIGNMENTS}, got {self.alignment!r}")
        if not 0 < self.min_depth_m < self.max_depth_m:
            raise ValueError(
                f"need 0 < min_depth_m < max_depth_m, got min_depth_m={self.min_depth_m}, "
                f"max_depth_m={self.max_depth_m}"
            )


@dataclass(frozen=True, kw_only=True)
class PredictedDepth:
    """A prediction to score: (H, W) depth in metres and, if it was estimated, the focal length."""

    depth_m: np.ndarray
    estimated_focal_px: float | None = None


@dataclass(frozen=True, kw_only=True)
class EvaluationResult:
    """Per-image metrics (None where not applicable) and their means over images."""

    config: EvalConfig
    per_image: dict[str, dict[str, float | None]] = field(default_factory=dict)
    aggregate: dict[str, float | None] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def load_prediction_file(path: Path) -> PredictedDepth:
    """Read `NAME.npz` as written by `sharp-depth predict` (array `depth` in metres).

    The focal length counts as estimated unless the file says it was given.
    """
    if not path.is_file():
        raise FileNotFoundError(f"no prediction file {path}")
    with np.load(path) as data:
        if "depth" not in data:
            raise ValueError(f"{path}: no array 'depth'")
        depth_m = np.asarray(data["depth"], dtype=np.float32)
        focal = float(data["focal_px"]) if "focal_px" in data else None
        given = "focal_source" in data and str(data["focal_source"]) == "given"
    if depth_m.ndim != 2:
        raise ValueError(f"{path}: depth must be (H, W), got {depth_m.shape}")
    return PredictedDepth(depth_m=depth_m, estimated_focal_px=None if given else focal)


def resize_to(depth_m: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Resize depth by bilinear interpolation of inverse depth (as the predictor resizes)."""
    if depth_m.shape == shape:
        return depth_m
    with np.errstate(divide="ignore"):
        inverse = 1.0 / depth_m.astype(np.float32)
    resized = cv2.resize(inverse, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    with np.errstate(divide="ignore"):
        return 1.0 / resized


def evaluate_sample(
    sample: FolderSample, prediction: PredictedDepth, config: EvalConfig
) -> dict[str, float | None]:
    """Every metric for one sample; None where the data set lacks what a metric needs.

    Boundary F1 needs dense ground truth (every pixel valid, as the synthetic sets of §4);
    boundary recall needs a mask; focal metrics need intrinsics and an estimated focal length.
    """
    pred = resize_to(prediction.depth_m, sample.depth_m.shape)
    values = depth_metrics(
        pred,
        sample.depth_m,
        sample.valid,
        alignment=config.alignment,
        min_depth_m=config.min_depth_m,
        max_depth_m=config.max_depth_m,
    )
    result: dict[str, float | None] = {
        name: _finite_or_none(values[name].item()) for name in values
    }
    # Boundary metrics are scale-invariant and scored on the raw prediction.
    result["boundary_f1"] = boundary_f1(pred, sample.depth_m) if sample.valid.all() else None
    result["boundary_recall"] = (
        boundary_recall(pred, sample.mask) if sample.mask is not None else None
    )
    focal = prediction.estimated_focal_px
    if sample.intrinsics is not None and focal is not None:
        scored = focal_metrics(focal, sample.intrinsics.fx_px)
        # A NaN estimate (impossible FOV) counts as a miss in delta25/50 and has no error value.
        result.update({name: _finite_or_none(scored[name].item()) for name in FOCAL_METRIC_NAMES})
    else:
        result.update(dict.fromkeys(FOCAL_METRIC_NAMES))
    return result


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def aggregate(per_image: dict[str, dict[str, float | None]]) -> tuple[dict, dict]:
    """Mean of every metric over the images that have it, and how many images that is."""
    means: dict[str, float | None] = {}
    counts: dict[str, int] = {}
    for name in METRIC_NAMES:
        values = [row[name] for row in per_image.values() if row.get(name) is not None]
        counts[name] = len(values)
        means[name] = float(np.mean(values)) if values else None
    return means, counts


def evaluate_folder(
    root: str | Path,
    predict: Callable[[FolderSample], PredictedDepth],
    config: EvalConfig,
    progress: Callable | None = None,
) -> EvaluationResult:
    """Evaluate every sample of a folder.

    Args:
        root: evaluation data-set folder (layout in `folder.py`).
        predict: returns the prediction for a sample (from files or a network).
        config: alignment and depth range.
        progress: optional wrapper for the sample-name iterable (e.g. tqdm).
    """
    names = list_samples(root)
    per_image: dict[str, dict[str, float | None]] = {}
    for name in progress(names) if progress is not None else names:
        sample = load_sample(root, name)
        per_image[name] = evaluate_sample(sample, predict(sample), config)
    means, counts = aggregate(per_image)
    return EvaluationResult(config=config, per_image=per_image, aggregate=means, counts=counts)

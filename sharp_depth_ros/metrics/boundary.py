"""Scale-invariant boundary metrics (paper §3.2, App. C.6), vectorised.

Both metrics look at the four neighbour relations of an inverse-depth map d (H, W):
left d[:, :-1] / d[:, 1:], top d[:-1] / d[1:], right d[:, 1:] / d[:, :-1] and
bottom d[1:] / d[:-1]. A relation is an occluding contour when its ratio is strictly above a
threshold t; t runs over linspace(1.05, 1.25, 10) and the final score is the average over t
weighted by t / sum(t). Precision and recall are averaged over the four directions, and a
direction with no ground-truth contour contributes 0 (the reference's quirk: a perfect
prediction of a map with a single kind of edge scores 0.25). Depth is inverted as
1 / max(depth, 1e-6).

The thresholds are nested (an edge at t is an edge at every smaller t), so each direction's
ratios above the smallest t are gathered once and every threshold works on that short list.
The non-maximum suppression of the mask-based recall labels runs of consecutive above-threshold
values with a cumulative sum and takes each run's first arg-max with `np.maximum.reduceat`.
`test/metrics/boundary_reference.py` holds the literal loop version; tests check that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

DEPTH_EPS = 1e-6  # reference `invert_depth` clip
DEFAULT_T_MIN = 1.05
DEFAULT_T_MAX = 1.25
DEFAULT_THRESHOLD_COUNT = 10
DEFAULT_ALPHA_THRESHOLD = 0.1  # foreground = alpha > 0.1 (strict)

ArrayLike = np.ndarray | torch.Tensor


@dataclass(frozen=True)
class BoundaryScores:
    """Boundary F1, precision and recall per threshold, each (N,); all 0 where P + R = 0."""

    thresholds: np.ndarray
    f1: np.ndarray
    precision: np.ndarray
    recall: np.ndarray


def boundary_thresholds(
    t_min: float = DEFAULT_T_MIN,
    t_max: float = DEFAULT_T_MAX,
    count: int = DEFAULT_THRESHOLD_COUNT,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the ratio thresholds (count,) and their weights t / sum(t)."""
    if count < 1:
        raise ValueError(f"count must be >= 1, got {count}")
    if not 1.0 <= t_min <= t_max:
        raise ValueError(f"thresholds must satisfy 1 <= t_min <= t_max, got {t_min}, {t_max}")
    thresholds = np.linspace(t_min, t_max, count)
    return thresholds, thresholds / thresholds.sum()


def _as_2d_array(value: ArrayLike, name: str) -> np.ndarray:
    """A 2-D NumPy array; float32/float64 kept (ties depend on it), others promoted."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        if value.dtype not in (torch.float32, torch.float64, torch.bool):
            value = value.to(torch.float64)  # NumPy has no bfloat16
        value = value.numpy()
    value = np.asarray(value)
    if value.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (H, W) map, got shape {value.shape}")
    return value


def _inverse_depth(depth: np.ndarray) -> np.ndarray:
    if depth.dtype not in (np.float32, np.float64):
        depth = depth.astype(np.float64)
    return 1.0 / depth.clip(min=DEPTH_EPS)


def _maps_of_one_shape(
    pred_depth: ArrayLike, target: ArrayLike, target_name: str
) -> tuple[np.ndarray, np.ndarray]:
    """The prediction and its target as 2-D arrays of the same shape, or ValueError."""
    pred = _as_2d_array(pred_depth, "pred_depth")
    other = _as_2d_array(target, target_name)
    if pred.shape != other.shape:
        raise ValueError(f"shapes differ: pred {pred.shape}, {target_name} {other.shape}")
    return pred, other


def _neighbour_pairs(grid: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """(pixel, neighbour) views of a map, in the order left, top, right, bottom."""
    return (
        (grid[:, :-1], grid[:, 1:]),
        (grid[:-1, :], grid[1:, :]),
        (grid[:, 1:], grid[:, :-1]),
        (grid[1:, :], grid[:-1, :]),
    )


def _ratios(inverse: np.ndarray) -> tuple[np.ndarray, ...]:
    """Neighbour ratio maps, in the order left, top, right, bottom."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return tuple(pixel / neighbour for pixel, neighbour in _neighbour_pairs(inverse))


def _counts_above(values: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Number of values strictly above each threshold, (N,)."""
    candidates = values[values > thresholds[0]]
    return np.array([np.count_nonzero(candidates > t) for t in thresholds], dtype=np.int64)


def boundary_f1_per_threshold(
    pred_depth: ArrayLike,
    target_depth: ArrayLike,
    t_min: float = DEFAULT_T_MIN,
    t_max: float = DEFAULT_T_MAX,
    count: int = DEFAULT_THRESHOLD_COUNT,
) -> BoundaryScores:
    """Depth-based boundary F1, precision and recall at each threshold (no thinning).

    Args:
        pred_depth: (H, W) predicted depth, any unit (only ratios matter).
        target_depth: (H, W) ground-truth depth.
        t_min: smallest ratio threshold.
        t_max: largest ratio threshold.
        count: number of thresholds.

    Raises:
        ValueError: inputs not 2-D or of different shapes.
    """
    pred, target = _maps_of_one_shape(pred_depth, target_depth, "target_depth")
    thresholds, _ = boundary_thresholds(t_min, t_max, count)
    hit_rate_p = np.zeros(len(thresholds))
    hit_rate_r = np.zeros(len(thresholds))
    for pred_ratio, target_ratio in zip(
        _ratios(_inverse_depth(pred)), _ratios(_inverse_depth(target)), strict=True
    ):
        # Thresholds are float64, so comparisons happen in float64 as in the reference.
        predicted = _counts_above(pred_ratio.ravel(), thresholds)
        actual = _counts_above(target_ratio.ravel(), thresholds)
        # p > t and g > t  <=>  min(p, g) > t (NaN stays False on both sides).
        both = _counts_above(np.minimum(pred_ratio, target_ratio).ravel(), thresholds)
        hit_rate_p += both / np.maximum(predicted, 1)
        hit_rate_r += both / np.maximum(actual, 1)
    precision, recall = 0.25 * hit_rate_p, 0.25 * hit_rate_r
    total = precision + recall
    defined = total != 0
    f1 = np.where(defined, 2 * precision * recall / np.where(defined, total, 1.0), 0.0)
    return BoundaryScores(
        thresholds=thresholds,
        f1=f1,
        precision=np.where(defined, precision, 0.0),
        recall=np.where(defined, recall, 0.0),
    )


def boundary_f1(pred_depth: ArrayLike, target_depth: ArrayLike) -> float:
    """Scale-invariant boundary F1 of a depth map against ground-truth depth (§3.2).

    Args:
        pred_depth: (H, W) predicted depth (NumPy array or tensor, any unit).
        target_depth: (H, W) ground-truth depth, dense.

    Returns:
        The F1 score averaged over thresholds 1.05..1.25 with weights proportional to them.
    """
    scores = boundary_f1_per_threshold(pred_depth, target_depth)
    _, weights = boundary_thresholds()
    return float(np.sum(scores.f1 * weights))


def _nms_kept_hits(ratio: np.ndarray, target_edges: np.ndarray, thresholds: np.ndarray):
    """Per threshold, how many NMS survivors along rows of `ratio` lie on a target edge.

    A run is a maximal set of consecutive columns in one row with ratio > t; only its first
    arg-max survives (reference: first max on ties).
    """
    height, width = ratio.shape
    # The threshold is passed to the reference as a Python float, so it takes the map's dtype.
    first = ratio.dtype.type(thresholds[0])
    rows, columns = np.nonzero(ratio > first)
    values = ratio[rows, columns]
    # One padding column per row keeps runs of neighbouring rows apart.
    positions = rows * (width + 1) + columns
    on_target = target_edges[rows, columns]
    hits = np.zeros(len(thresholds), dtype=np.int64)
    if not on_target.any():
        return hits
    # Runs at a larger threshold lie inside runs at the smallest one, so only the smallest
    # threshold's runs that touch a target edge can ever score: drop the others up front
    # (this keeps noisy predictions with many edges fast).
    run_id = np.cumsum(np.concatenate(([True], np.diff(positions) != 1))) - 1
    touches_target = np.zeros(run_id[-1] + 1, dtype=bool)
    touches_target[run_id[on_target]] = True
    keep = touches_target[run_id]
    values, positions, on_target = values[keep], positions[keep], on_target[keep]
    for index, threshold in enumerate(thresholds):
        selected = values > ratio.dtype.type(threshold)
        run_values = values[selected]
        if run_values.size == 0:
            continue
        run_positions = positions[selected]
        starts = np.empty(run_values.size, dtype=bool)
        starts[0] = True
        np.not_equal(np.diff(run_positions), 1, out=starts[1:])
        run_id = np.cumsum(starts) - 1
        run_max = np.maximum.reduceat(run_values, np.flatnonzero(starts))
        at_max = np.flatnonzero(run_values == run_max[run_id])
        first_of_run = np.ones(at_max.size, dtype=bool)
        np.not_equal(run_id[at_max[1:]], run_id[at_max[:-1]], out=first_of_run[1:])
        hits[index] = np.count_nonzero(on_target[selected][at_max[first_of_run]])
    return hits


def boundary_recall_per_threshold(
    pred_depth: ArrayLike,
    target_mask: ArrayLike,
    t_min: float = DEFAULT_T_MIN,
    t_max: float = DEFAULT_T_MAX,
    count: int = DEFAULT_THRESHOLD_COUNT,
    alpha_threshold: float = DEFAULT_ALPHA_THRESHOLD,
) -> np.ndarray:
    """Mask-based boundary recall at each threshold, (count,).

    Ground-truth contours are foreground pixels (alpha > `alpha_threshold`) next to
    background ones; predicted contours are thinned by non-maximum suppression along rows
    (left/right) and columns (top/bottom), which penalises blurry edges.

    Args:
        pred_depth: (H, W) predicted depth, any unit.
        target_mask: (H, W) alpha matte or boolean mask; foreground is closer.
        t_min: smallest ratio threshold.
        t_max: largest ratio threshold.
        count: number of thresholds.
        alpha_threshold: foreground is alpha strictly above this.

    Raises:
        ValueError: inputs not 2-D or of different shapes.
    """
    pred, mask = _maps_of_one_shape(pred_depth, target_mask, "target_mask")
    thresholds, _ = boundary_thresholds(t_min, t_max, count)
    foreground = mask > alpha_threshold
    target_edges = [pixel & ~neighbour for pixel, neighbour in _neighbour_pairs(foreground)]
    recall = np.zeros(len(thresholds))
    for direction, (ratio, edges) in enumerate(
        zip(_ratios(_inverse_depth(pred)), target_edges, strict=True)
    ):
        edge_count = np.count_nonzero(edges)
        if edge_count == 0:
            continue  # contributes 0 / max(0, 1) = 0
        if direction % 2 == 1:  # top and bottom: runs go down the columns
            ratio, edges = np.ascontiguousarray(ratio.T), edges.T
        recall += _nms_kept_hits(ratio, edges, thresholds) / edge_count
    return 0.25 * recall


def boundary_recall(pred_depth: ArrayLike, target_mask: ArrayLike) -> float:
    """Scale-invariant boundary recall of a depth map against a foreground mask (§3.2).

    Args:
        pred_depth: (H, W) predicted depth (NumPy array or tensor, any unit).
        target_mask: (H, W) alpha matte or boolean mask; foreground = alpha > 0.1.

    Returns:
        Recall averaged over thresholds 1.05..1.25 with weights proportional to them.
    """
    _, weights = boundary_thresholds()
    return float(np.sum(boundary_recall_per_threshold(pred_depth, target_mask) * weights))

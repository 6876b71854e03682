"""Slow, literal boundary metrics, kept only to check the fast ones in `boundary.py`.

This follows the written definition step by step (paper §3.2 and App. C.6; the behaviour of the
reference `eval/boundary_metrics.py` as documented in `shared/notes/depth-pro-reference.md` §8),
with Python loops for the non-maximum suppression. It is far too slow for full-size maps; use
`sharp_depth_ros.metrics.boundary` instead. Both must agree exactly (see the tests).
"""

from __future__ import annotations

import numpy as np

DEPTH_EPS = 1e-6


def reference_thresholds(
    t_min: float = 1.05, t_max: float = 1.25, count: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """Ratio thresholds and their weights (proportional to the threshold, summing to 1)."""
    thresholds = np.linspace(t_min, t_max, count)
    return thresholds, thresholds / thresholds.sum()


def _inverse(depth: np.ndarray) -> np.ndarray:
    # Zero and negative depth become 1e6 inverse depth, as in the reference.
    return 1.0 / depth.clip(min=DEPTH_EPS)


def _ratios(inverse: np.ndarray) -> tuple[np.ndarray, ...]:
    """Neighbour ratios in the order left, top, right, bottom."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return (
            inverse[:, :-1] / inverse[:, 1:],
            inverse[:-1, :] / inverse[1:, :],
            inverse[:, 1:] / inverse[:, :-1],
            inverse[1:, :] / inverse[:-1, :],
        )


def _nms_rows(ratio: np.ndarray, threshold: float) -> np.ndarray:
    """Keep only the first maximum of every horizontal run of values above the threshold."""
    kept = np.zeros(ratio.shape, dtype=bool)
    for row in range(ratio.shape[0]):
        column = 0
        while column < ratio.shape[1]:
            if not ratio[row, column] > threshold:
                column += 1
                continue
            best = column
            column += 1
            while column < ratio.shape[1] and ratio[row, column] > threshold:
                if ratio[row, column] > ratio[row, best]:
                    best = column
                column += 1
            kept[row, best] = True
    return kept


def _mask_edges(foreground: np.ndarray) -> tuple[np.ndarray, ...]:
    """Foreground-next-to-background relations, in the order left, top, right, bottom."""
    return (
        foreground[:, :-1] & ~foreground[:, 1:],
        foreground[:-1, :] & ~foreground[1:, :],
        foreground[:, 1:] & ~foreground[:, :-1],
        foreground[1:, :] & ~foreground[:-1, :],
    )


def _mean_over_directions(hits: list[int], totals: list[int]) -> float:
    return 0.25 * sum(hit / max(total, 1) for hit, total in zip(hits, totals, strict=True))


def reference_boundary_f1_per_threshold(
    pred_depth: np.ndarray,
    target_depth: np.ndarray,
    t_min: float = 1.05,
    t_max: float = 1.25,
    count: int = 10,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (f1, precision, recall), each (count,), all 0 where precision + recall = 0."""
    assert pred_depth.ndim == target_depth.ndim == 2
    thresholds, _ = reference_thresholds(t_min, t_max, count)
    pred_ratios = _ratios(_inverse(pred_depth))
    target_ratios = _ratios(_inverse(target_depth))
    f1s, precisions, recalls = [], [], []
    for threshold in thresholds:  # np.float64, as the reference iterates
        predicted = [ratio > threshold for ratio in pred_ratios]
        target = [ratio > threshold for ratio in target_ratios]
        hits = [int(np.count_nonzero(p & g)) for p, g in zip(predicted, target, strict=True)]
        recall = _mean_over_directions(hits, [int(np.count_nonzero(g)) for g in target])
        precision = _mean_over_directions(hits, [int(np.count_nonzero(p)) for p in predicted])
        if precision + recall == 0:
            f1s.append(0.0), precisions.append(0.0), recalls.append(0.0)
            continue
        f1s.append(2 * precision * recall / (precision + recall))
        precisions.append(precision)
        recalls.append(recall)
    return np.array(f1s), np.array(precisions), np.array(recalls)


def reference_boundary_f1(pred_depth: np.ndarray, target_depth: np.ndarray) -> float:
    """Weighted scale-invariant boundary F1 over the default thresholds."""
    _, weights = reference_thresholds()
    f1, _, _ = reference_boundary_f1_per_threshold(pred_depth, target_depth)
    return float(np.sum(f1 * weights))


def reference_boundary_recall_per_threshold(
    pred_depth: np.ndarray,
    target_mask: np.ndarray,
    t_min: float = 1.05,
    t_max: float = 1.25,
    count: int = 10,
    alpha_threshold: float = 0.1,
) -> np.ndarray:
    """Mask-based boundary recall with NMS-thinned predicted edges, (count,)."""
    assert pred_depth.ndim == target_mask.ndim == 2
    thresholds, _ = reference_thresholds(t_min, t_max, count)
    target = _mask_edges(target_mask > alpha_threshold)
    left, top, right, bottom = _ratios(_inverse(pred_depth))
    recalls = []
    for threshold in thresholds:
        threshold = float(threshold)  # a Python float, as the reference passes it
        predicted = (
            _nms_rows(left, threshold),
            _nms_rows(top.T, threshold).T,
            _nms_rows(right, threshold),
            _nms_rows(bottom.T, threshold).T,
        )
        hits = [int(np.count_nonzero(p & g)) for p, g in zip(predicted, target, strict=True)]
        recalls.append(_mean_over_directions(hits, [int(np.count_nonzero(g)) for g in target]))
    return np.array(recalls)


def reference_boundary_recall(pred_depth: np.ndarray, target_mask: np.ndarray) -> float:
    """Weighted scale-invariant boundary recall over the default thresholds."""
    _, weights = reference_thresholds()
    return float(np.sum(reference_boundary_recall_per_threshold(pred_depth, target_mask) * weights))

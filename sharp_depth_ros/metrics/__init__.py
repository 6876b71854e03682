"""Evaluation metrics of the paper: depth, boundary (§3.2) and focal length (Tab. 3).

`boundary_f1` and `boundary_recall` take 2-D NumPy arrays or tensors (depth in any unit) and
return floats; the depth and focal metrics return per-image tensors for the caller to reduce.
"""

from __future__ import annotations

from sharp_depth_ros.metrics.boundary import (
    BoundaryScores,
    boundary_f1,
    boundary_f1_per_threshold,
    boundary_recall,
    boundary_recall_per_threshold,
    boundary_thresholds,
)
from sharp_depth_ros.metrics.depth import (
    ALIGNMENTS,
    DEPTH_METRIC_NAMES,
    depth_metrics,
    spearman_rank_correlation,
)
from sharp_depth_ros.metrics.focal import FOCAL_METRIC_NAMES, focal_metrics

__all__ = [
    "ALIGNMENTS",
    "DEPTH_METRIC_NAMES",
    "FOCAL_METRIC_NAMES",
    "BoundaryScores",
    "boundary_f1",
    "boundary_f1_per_threshold",
    "boundary_recall",
    "boundary_recall_per_threshold",
    "boundary_thresholds",
    "depth_metrics",
    "focal_metrics",
    "spearman_rank_correlation",
]

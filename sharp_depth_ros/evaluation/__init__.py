"""Evaluation on data-set folders: reading samples, scoring predictions, writing reports."""

from sharp_depth_ros.evaluation.folder import FolderSample, Intrinsics, list_samples, load_sample
from sharp_depth_ros.evaluation.report import write_report
from sharp_depth_ros.evaluation.runner import (
    METRIC_NAMES,
    EvalConfig,
    EvaluationResult,
    PredictedDepth,
    evaluate_folder,
    evaluate_sample,
    load_prediction_file,
)

__all__ = [
    "METRIC_NAMES",
    "EvalConfig",
    "EvaluationResult",
    "FolderSample",
    "Intrinsics",
    "PredictedDepth",
    "evaluate_folder",
    "evaluate_sample",
    "list_samples",
    "load_prediction_file",
    "load_sample",
    "write_report",
]

"""Focal-length metrics (paper Tab. 3): relative error, and the share under 25% and 50%."""

from __future__ import annotations

import numpy as np
import torch

FOCAL_METRIC_NAMES = ("focal_relative_error", "delta25", "delta50")


def focal_metrics(
    pred_focal_px: np.ndarray | torch.Tensor | float,
    target_focal_px: np.ndarray | torch.Tensor | float,
) -> dict[str, torch.Tensor]:
    """Per-image focal-length metrics.

    Args:
        pred_focal_px: (B,) or scalar predicted horizontal focal length in pixels.
        target_focal_px: (B,) or scalar true focal length in pixels (> 0).

    Returns:
        (B,) float64 tensors: `focal_relative_error` = |f - f*| / f*, and `delta25` / `delta50`
        = 1 where that error is strictly below 0.25 / 0.5, else 0. Their means over images are
        the paper's "% of images under 25% / 50%" and the mean relative error.

    Raises:
        ValueError: shapes differ or a target focal length is not positive.
    """
    pred = torch.as_tensor(pred_focal_px, dtype=torch.float64).reshape(-1)
    target = torch.as_tensor(target_focal_px, dtype=torch.float64).reshape(-1)
    if pred.shape != target.shape:
        raise ValueError(f"shapes differ: pred {tuple(pred.shape)}, target {tuple(target.shape)}")
    if bool((target <= 0).any()) or not bool(torch.isfinite(target).all()):
        raise ValueError(f"target_focal_px must be finite and > 0, got {target.tolist()}")
    relative_error = (pred - target).abs() / target
    # NaN predictions give a NaN error and count as misses.
    return {
        "focal_relative_error": relative_error,
        "delta25": (relative_error < 0.25).double(),
        "delta50": (relative_error < 0.5).double(),
    }

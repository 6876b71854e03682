"""Per-image depth metrics with optional alignment: AbsRel, SqRel, RMSE, log errors, deltas.

A pixel is evaluated when its target is finite, inside [min_depth_m, max_depth_m] and marked
valid. Alignment, per image, over those pixels:
* `metric`: none (metric depth is compared as is, Tab. 1 of the paper);
* `median`: the prediction is scaled so its median depth equals the target's;
* `lstsq`: least-squares scale and shift of the prediction in inverse depth (MiDaS protocol).
The aligned prediction is then clamped to [min_depth_m, max_depth_m]; NaN counts as max_depth_m.
Metrics are computed in float64 and returned per image; the caller reduces.
"""

from __future__ import annotations

import math

import numpy as np
import torch

ALIGNMENTS = ("metric", "median", "lstsq")
DEFAULT_MIN_DEPTH_M = 1e-3
DEFAULT_MAX_DEPTH_M = 1e4  # the predictor's clamp; set per data set (e.g. 10 m indoors, 80 m KITTI)
DELTA_BASE = 1.25
DEPTH_METRIC_NAMES = (
    "abs_rel",
    "sq_rel",
    "rmse",
    "rmse_log",
    "log10",
    "silog",
    "delta1",
    "delta2",
    "delta3",
)


def _as_batch(value: np.ndarray | torch.Tensor, name: str) -> torch.Tensor:
    """(H, W), (B, H, W) or (B, 1, H, W) -> (B, H, W) float64 or bool CPU/device tensor."""
    tensor = value if isinstance(value, torch.Tensor) else torch.from_numpy(np.asarray(value))
    tensor = tensor.detach()
    if tensor.ndim == 2:
        tensor = tensor.unsqueeze(0)
    elif tensor.ndim == 4 and tensor.shape[1] == 1:
        tensor = tensor[:, 0]
    if tensor.ndim != 3:
        raise ValueError(
            f"{name} must be (H, W), (B, H, W) or (B, 1, H, W), got {tuple(value.shape)}"
        )
    return tensor if tensor.dtype == torch.bool else tensor.to(torch.float64)


def evaluation_mask(
    target_depth: torch.Tensor,
    valid: torch.Tensor | None,
    min_depth_m: float,
    max_depth_m: float,
) -> torch.Tensor:
    """(B, H, W) bool: valid, finite and inside [min_depth_m, max_depth_m]."""
    mask = (
        torch.isfinite(target_depth) & (target_depth >= min_depth_m) & (target_depth <= max_depth_m)
    )
    return mask if valid is None else mask & valid.to(torch.bool)


def _masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    counts = mask.flatten(1).sum(1)
    totals = torch.where(mask, values, 0.0).flatten(1).sum(1)
    return torch.where(counts > 0, totals / counts.clamp_min(1), math.nan)


def _masked_median(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return torch.where(mask, values, math.nan).flatten(1).nanmedian(dim=1).values


def align_prediction(
    pred_depth: torch.Tensor,
    target_depth: torch.Tensor,
    mask: torch.Tensor,
    alignment: str,
) -> torch.Tensor:
    """Align the prediction to the target per image (see the module docstring).

    Args:
        pred_depth: (B, H, W) float64 predicted depth.
        target_depth: (B, H, W) float64 target depth.
        mask: (B, H, W) bool pixels used to fit the alignment.
        alignment: one of `ALIGNMENTS`.

    Returns:
        (B, H, W) aligned depth (may contain non-positive or NaN values before clamping).
    """
    if alignment == "metric":
        return pred_depth
    if alignment == "median":
        scale = _masked_median(target_depth, mask) / _masked_median(pred_depth, mask)
        return pred_depth * scale.view(-1, 1, 1)
    if alignment == "lstsq":
        inverse_pred = 1.0 / pred_depth
        inverse_target = 1.0 / target_depth
        fit = mask & torch.isfinite(inverse_pred)
        count = fit.flatten(1).sum(1).to(torch.float64)
        x = torch.where(fit, inverse_pred, 0.0).flatten(1)
        y = torch.where(fit, inverse_target, 0.0).flatten(1)
        sum_x, sum_y = x.sum(1), y.sum(1)
        sum_xx, sum_xy = (x * x).sum(1), (x * y).sum(1)
        determinant = count * sum_xx - sum_x * sum_x
        # A constant prediction cannot be scaled: fall back to the mean target inverse depth.
        degenerate = determinant.abs() <= 1e-12 * (count * sum_xx).abs().clamp_min(1e-300)
        scale = torch.where(degenerate, 0.0, (count * sum_xy - sum_x * sum_y) / determinant)
        shift = (sum_y - scale * sum_x) / count.clamp_min(1)
        aligned_inverse = scale.view(-1, 1, 1) * inverse_pred + shift.view(-1, 1, 1)
        return 1.0 / aligned_inverse.clamp_min(1e-300)
    raise ValueError(f"alignment must be one of {ALIGNMENTS}, got {alignment!r}")


def depth_metrics(
    pred_depth: np.ndarray | torch.Tensor,
    target_depth: np.ndarray | torch.Tensor,
    valid: np.ndarray | torch.Tensor | None = None,
    *,
    alignment: str = "metric",
    min_depth_m: float = DEFAULT_MIN_DEPTH_M,
    max_depth_m: float = DEFAULT_MAX_DEPTH_M,
) -> dict[str, torch.Tensor]:
    """Standard depth metrics per image.

    Definitions, over the N evaluated pixels with prediction p and target g (depth):
    abs_rel = mean |p - g| / g; sq_rel = mean (p - g)^2 / g; rmse = sqrt(mean (p - g)^2);
    rmse_log = sqrt(mean (ln p - ln g)^2); log10 = mean |log10 p - log10 g|;
    silog = 100 sqrt(mean e^2 - (mean e)^2) with e = ln p - ln g;
    delta_k = fraction with max(p / g, g / p) < 1.25^k.

    Args:
        pred_depth: (H, W), (B, H, W) or (B, 1, H, W) predicted depth.
        target_depth: the same shape, ground-truth depth.
        valid: optional bool map of valid target pixels, same shape.
        alignment: `metric`, `median` or `lstsq`.
        min_depth_m: smallest evaluated target depth (and prediction clamp).
        max_depth_m: largest evaluated target depth (and prediction clamp).

    Returns:
        Name -> (B,) float64 tensor, NaN for an image without evaluated pixels.

    Raises:
        ValueError: bad alignment, depth range or shapes.
    """
    if alignment not in ALIGNMENTS:
        raise ValueError(f"alignment must be one of {ALIGNMENTS}, got {alignment!r}")
    if not 0 < min_depth_m < max_depth_m:
        raise ValueError(
            f"need 0 < min_depth_m < max_depth_m, got min_depth_m={min_depth_m}, "
            f"max_depth_m={max_depth_m}"
        )
    pred = _as_batch(pred_depth, "pred_depth")
    target = _as_batch(target_depth, "target_depth").to(pred.device)
    valid_map = None if valid is None else _as_batch(valid, "valid").to(pred.device)
    if pred.shape != target.shape or (valid_map is not None and valid_map.shape != pred.shape):
        raise ValueError(f"shapes differ: pred {tuple(pred.shape)}, target {tuple(target.shape)}")
    mask = evaluation_mask(target, valid_map, min_depth_m, max_depth_m)
    aligned = align_prediction(pred, target, mask, alignment)
    aligned = torch.nan_to_num(aligned, nan=max_depth_m).clamp(min_depth_m, max_depth_m)
    # Invalid target pixels are replaced so that no NaN/inf/0 enters any arithmetic.
    safe_target = torch.where(mask, target, 1.0)
    difference = aligned - safe_target
    log_error = torch.log(aligned) - torch.log(safe_target)
    ratio = torch.maximum(aligned / safe_target, safe_target / aligned)
    mean_log_error = _masked_mean(log_error, mask)
    mean_squared_log_error = _masked_mean(log_error.square(), mask)
    metrics = {
        "abs_rel": _masked_mean(difference.abs() / safe_target, mask),
        "sq_rel": _masked_mean(difference.square() / safe_target, mask),
        "rmse": _masked_mean(difference.square(), mask).sqrt(),
        "rmse_log": mean_squared_log_error.sqrt(),
        "log10": _masked_mean(log_error.abs() / math.log(10.0), mask),
        "silog": 100.0 * (mean_squared_log_error - mean_log_error.square()).clamp_min(0).sqrt(),
    }
    for power in (1, 2, 3):
        metrics[f"delta{power}"] = _masked_mean((ratio < DELTA_BASE**power).double(), mask)
    return metrics


def spearman_rank_correlation(pred: np.ndarray, target: np.ndarray) -> float:
    """Spearman rank correlation of two 1-D arrays of continuous values (NaN for a flat `pred`).

    Ties are not averaged: with continuous depths they are rare enough not to matter.
    """
    pred, target = np.asarray(pred).ravel(), np.asarray(target).ravel()
    if pred.size < 3 or np.ptp(pred) == 0:
        return math.nan
    ranks = [np.argsort(np.argsort(a)).astype(np.float64) for a in (pred, target)]
    return float(np.corrcoef(*ranks)[0, 1])

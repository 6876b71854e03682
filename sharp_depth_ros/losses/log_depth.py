"""Losses on log depth: L1 of log canonical inverse depth, its scale-invariant form, its gradients.

Canonical inverse depth is C = (f_px / W) / D, so log C = log(f_px / W) - log D: for a known focal
length, |log C - log Chat| = |log D - log Dhat|, an error relative to depth (a 10 % error costs the
same near and far). The scale-invariant form removes the mean log error per image, which also
removes an error in f_px / W (SILog, Eigen et al., NeurIPS 2014, here with an L1 penalty).

All take `pred` and `target` (B, 1, H, W) canonical inverse depth and a bool `mask`, and return
the per-image mean over valid pixels averaged over the images that have any, as `mae_loss`.
The gradient form is MAGE (§3.2) on log depth: a depth step is scored by its ratio, as the
boundary metrics score it (`metrics.boundary`), so far steps count as much as near ones.
"""

from __future__ import annotations

import torch

from sharp_depth_ros.losses.derivatives import DEFAULT_SCALES, mage_loss
from sharp_depth_ros.losses.reduction import (
    check_maps,
    masked_mean_per_image,
    mean_over_images,
    zero_invalid,
)

LOG_FLOOR = 1e-6  # inverse depths below this are clamped before the log (1e6 f/W metres away)


def log_error(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Per-pixel log(pred) - log(target), both floored at `LOG_FLOOR`; 0 where invalid."""
    error = torch.log(pred.clamp_min(LOG_FLOOR)) - torch.log(target.clamp_min(LOG_FLOOR))
    return zero_invalid(error, mask)


def log_mae_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean absolute log error, (1/N) sum_i |log C_i - log Chat_i| = L1 on log depth.

    Args:
        pred: (B, 1, H, W) predicted canonical inverse depth (> 0; floored at 1e-6).
        target: (B, 1, H, W) ground-truth canonical inverse depth.
        mask: (B, 1, H, W) bool, True where the target is valid.

    Returns:
        Scalar loss.
    """
    check_maps(pred, target, mask)
    per_image, has_valid = masked_mean_per_image(log_error(pred, target, mask).abs(), mask)
    return mean_over_images(per_image, has_valid)


def silog_mae_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Scale-invariant mean absolute log error.

    With e_i = log C_i - log Chat_i and ebar the mean of e over the image's valid pixels, the
    loss is (1/N) sum_i |e_i - ebar|: multiplying `pred` by any positive factor leaves it
    unchanged. Shapes as `log_mae_loss`.
    """
    check_maps(pred, target, mask)
    error = log_error(pred, target, mask)
    mean_error, has_valid = masked_mean_per_image(error, mask)
    centred = error - mean_error.view(-1, *([1] * (error.ndim - 1)))
    per_image, _ = masked_mean_per_image(centred.abs(), mask)
    return mean_over_images(per_image, has_valid)


def log_mage_loss(
    pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, scales: int = DEFAULT_SCALES
) -> torch.Tensor:
    """Multi-scale mean absolute gradient error of log canonical inverse depth.

    `mage_loss` applied to log C and log Chat: scale-invariant (a constant factor adds a
    constant to the log, which has no gradient). Shapes as `log_mae_loss`.
    """
    check_maps(pred, target, mask)
    log_pred = torch.log(pred.clamp_min(LOG_FLOOR))
    log_target = torch.log(torch.where(mask, target, torch.ones_like(target)).clamp_min(LOG_FLOOR))
    return mage_loss(log_pred, log_target, mask, scales)

"""Pixel-wise losses on canonical inverse depth: MAE, trimmed MAE, normalised (SSI) MAE, MSE.

All losses take `pred` and `target` (B, 1, H, W) canonical inverse depth and a bool `mask`
(B, 1, H, W) of valid target pixels, and return a scalar: the per-image mean over valid pixels,
averaged over the images that have any (paper §3.2, App. B.5).
"""

from __future__ import annotations

import math

import torch

from sharp_depth_ros.losses.reduction import (
    check_maps,
    masked_mean_per_image,
    mean_over_images,
    zero_invalid,
)

DEFAULT_TRIM_FRACTION = 0.2  # §3.2: "discard pixels with an error in the top 20% per image"
NORMALISATION_EPS = 1e-6  # floor for the mean absolute deviation of a flat image


def mae_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean absolute error over valid pixels, L_MAE = (1/N) sum_i |C_i - Chat_i| (§3.2).

    Args:
        pred: (B, 1, H, W) predicted canonical inverse depth.
        target: (B, 1, H, W) ground-truth canonical inverse depth.
        mask: (B, 1, H, W) bool, True where the target is valid.

    Returns:
        Scalar loss.
    """
    check_maps(pred, target, mask)
    per_image, has_valid = masked_mean_per_image((pred - target).abs(), mask)
    return mean_over_images(per_image, has_valid)


def mse_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean squared error over valid pixels (stage-2 term, App. B.6). Shapes as `mae_loss`."""
    check_maps(pred, target, mask)
    per_image, has_valid = masked_mean_per_image((pred - target).square(), mask)
    return mean_over_images(per_image, has_valid)


def kept_pixel_counts(valid_counts: torch.Tensor, trim_fraction: float) -> torch.Tensor:
    """Number of pixels kept per image: n - floor(trim_fraction * n).

    The tiny epsilon makes e.g. 0.29 * 100 drop 29 pixels despite float rounding.
    """
    dropped = torch.floor(valid_counts.double() * trim_fraction + 1e-9).long()
    return valid_counts - dropped


def trimmed_mae_loss(
    pred: torch.Tensor,
    target: torch.Tensor,
    mask: torch.Tensor,
    trim_fraction: float = DEFAULT_TRIM_FRACTION,
) -> torch.Tensor:
    """MAE after dropping, per image, the floor(trim_fraction * n) valid pixels of largest error.

    For real data sets with imperfect ground truth (§3.2, App. B.5).

    Args:
        pred: (B, 1, H, W) predicted canonical inverse depth.
        target: (B, 1, H, W) ground-truth canonical inverse depth.
        mask: (B, 1, H, W) bool valid pixels.
        trim_fraction: fraction of each image's valid pixels to drop, in [0, 1).

    Raises:
        ValueError: trim_fraction outside [0, 1) or bad shapes.
    """
    if not 0.0 <= trim_fraction < 1.0 or math.isnan(trim_fraction):
        raise ValueError(f"trim_fraction must be in [0, 1), got {trim_fraction}")
    check_maps(pred, target, mask)
    flat_mask = mask.flatten(1)
    errors = zero_invalid((pred - target).abs(), mask).flatten(1)
    # Invalid pixels sort last; ties among valid errors keep exactly n_keep pixels either way.
    sort_keys = torch.where(flat_mask, errors, torch.full_like(errors, math.inf))
    order = torch.argsort(sort_keys.detach(), dim=1)
    sorted_errors = torch.gather(errors, 1, order)
    valid_counts = flat_mask.sum(dim=1)
    kept = kept_pixel_counts(valid_counts, trim_fraction)
    ranks = torch.arange(errors.shape[1], device=errors.device)
    keep = ranks.unsqueeze(0) < kept.unsqueeze(1)
    per_image = zero_invalid(sorted_errors, keep).sum(dim=1) / kept.clamp_min(1)
    return mean_over_images(per_image, kept > 0)


def normalise_inverse_depth(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Per image, subtract the median and divide by the mean absolute deviation from it.

    Both statistics use valid pixels only (MiDaS-style scale-and-shift normalisation, §3.2).
    Invalid pixels come out as 0.

    Args:
        values: (B, 1, H, W) inverse depth.
        mask: (B, 1, H, W) bool valid pixels.

    Returns:
        (B, 1, H, W) normalised values.
    """
    flat = values.flatten(1)
    flat_mask = mask.flatten(1)
    nan = torch.full_like(flat, math.nan)
    median = torch.nanmedian(torch.where(flat_mask, flat, nan), dim=1).values
    median = torch.nan_to_num(median, nan=0.0)  # images without valid pixels
    centred = flat - median.unsqueeze(1)
    deviation, _ = masked_mean_per_image(centred.abs(), flat_mask)
    normalised = centred / deviation.clamp_min(NORMALISATION_EPS).unsqueeze(1)
    return zero_invalid(normalised, flat_mask).view_as(values)


def ssi_mae_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Scale-and-shift-invariant MAE: MAE between per-image normalised maps (§3.2).

    For non-metric data sets. Shapes as `mae_loss`.
    """
    check_maps(pred, target, mask)
    return mae_loss(
        normalise_inverse_depth(pred, mask), normalise_inverse_depth(target, mask), mask
    )


def ssi_trimmed_mae_loss(
    pred: torch.Tensor,
    target: torch.Tensor,
    mask: torch.Tensor,
    trim_fraction: float = DEFAULT_TRIM_FRACTION,
) -> torch.Tensor:
    """Trimmed MAE between per-image normalised maps (non-metric real data sets, §3.2)."""
    check_maps(pred, target, mask)
    return trimmed_mae_loss(
        normalise_inverse_depth(pred, mask),
        normalise_inverse_depth(target, mask),
        mask,
        trim_fraction=trim_fraction,
    )

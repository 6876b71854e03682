"""Input checks and masked reductions shared by the losses."""

from __future__ import annotations

import torch


def check_maps(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> None:
    """Raise ValueError unless pred, target and mask are matching (B, 1, H, W) maps.

    Raises:
        ValueError: wrong rank, mismatched shapes or a non-boolean mask.
    """
    if pred.ndim != 4 or pred.shape[1] != 1:
        raise ValueError(f"pred must be (B, 1, H, W), got {tuple(pred.shape)}")
    if target.shape != pred.shape or mask.shape != pred.shape:
        raise ValueError(
            f"pred, target and mask shapes differ: {tuple(pred.shape)}, "
            f"{tuple(target.shape)}, {tuple(mask.shape)}"
        )
    if mask.dtype != torch.bool:
        raise ValueError(f"mask must be a bool tensor, got {mask.dtype}")


def zero_invalid(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Replace invalid entries by 0 so NaN or inf there can never reach a value or a gradient."""
    return torch.where(mask, values, torch.zeros((), dtype=values.dtype, device=values.device))


def masked_mean_per_image(
    values: torch.Tensor, mask: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean of `values` over the valid entries of each image.

    Args:
        values: (B, ...) per-pixel values.
        mask: (B, ...) bool, same shape.

    Returns:
        (B,) means (0 where an image has no valid entry) and (B,) bool "has any valid entry".
    """
    counts = mask.flatten(1).sum(dim=1)
    totals = zero_invalid(values, mask).flatten(1).sum(dim=1)
    return totals / counts.clamp_min(1), counts > 0


def mean_over_images(per_image: torch.Tensor, has_valid: torch.Tensor) -> torch.Tensor:
    """Average per-image losses over the images that have valid pixels; 0 if none has.

    Each image weighs the same whatever its number of valid pixels. The zero result keeps the
    autograd graph, so `backward()` works on a batch without any valid pixel.
    """
    used = has_valid.to(per_image.dtype)
    return (per_image * used).sum() / used.sum().clamp_min(1)

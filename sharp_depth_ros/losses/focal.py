"""Field-of-view loss for the focal-length head (§3.3, App. C.2: an L2 loss on the FOV)."""

from __future__ import annotations

import torch

from sharp_depth_ros.losses.reduction import mean_over_images


def fov_l2_loss(
    pred_fov_deg: torch.Tensor,
    target_fov_deg: torch.Tensor,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean squared error of the horizontal field of view, in degrees squared.

    Args:
        pred_fov_deg: (B,) predicted horizontal FOV in degrees.
        target_fov_deg: (B,) ground-truth horizontal FOV in degrees.
        mask: optional (B,) bool, True for images whose FOV is known.

    Returns:
        Scalar loss over the images with a known FOV (0 if there are none).

    Raises:
        ValueError: shapes differ or are not (B,), or the mask is not bool.
    """
    if pred_fov_deg.ndim != 1 or target_fov_deg.shape != pred_fov_deg.shape:
        raise ValueError(
            f"pred_fov_deg and target_fov_deg must both be (B,), got "
            f"{tuple(pred_fov_deg.shape)} and {tuple(target_fov_deg.shape)}"
        )
    if mask is None:
        mask = torch.ones_like(pred_fov_deg, dtype=torch.bool)
    if mask.shape != pred_fov_deg.shape or mask.dtype != torch.bool:
        raise ValueError(f"mask must be a (B,) bool tensor, got {mask.dtype} {tuple(mask.shape)}")
    zero = torch.zeros((), dtype=pred_fov_deg.dtype, device=pred_fov_deg.device)
    squared = torch.where(mask, (pred_fov_deg - target_fov_deg).square(), zero)
    return mean_over_images(squared, mask)

"""Training objectives of the paper (§3.2, App. B.5-B.6), on canonical inverse depth.

Every depth loss is `loss(pred, target, mask) -> Tensor` with (B, 1, H, W) maps and a bool mask.
`LOSSES` maps the names a training curriculum uses to these functions.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from sharp_depth_ros.losses.derivatives import mage_loss, male_loss, msge_loss, ssi_mage_loss
from sharp_depth_ros.losses.focal import fov_l2_loss
from sharp_depth_ros.losses.log_depth import log_mae_loss, log_mage_loss, silog_mae_loss
from sharp_depth_ros.losses.mae import (
    mae_loss,
    mse_loss,
    normalise_inverse_depth,
    ssi_mae_loss,
    ssi_trimmed_mae_loss,
    trimmed_mae_loss,
)

LossFunction = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]

LOSSES: dict[str, LossFunction] = {
    "mae": mae_loss,
    "trimmed_mae": trimmed_mae_loss,
    "ssi_mae": ssi_mae_loss,
    "ssi_trimmed_mae": ssi_trimmed_mae_loss,
    "mse": mse_loss,
    "mage": mage_loss,
    "male": male_loss,
    "msge": msge_loss,
    "ssi_mage": ssi_mage_loss,
    "log_mae": log_mae_loss,  # L1 on log depth
    "silog_mae": silog_mae_loss,  # the same, scale-invariant
    "log_mage": log_mage_loss,  # MAGE on log depth: depth steps scored by their ratio
    "fov_l2": fov_l2_loss,  # (B,) FOV in degrees, (B,) bool mask
}

__all__ = [
    "LOSSES",
    "LossFunction",
    "fov_l2_loss",
    "log_mae_loss",
    "log_mage_loss",
    "mae_loss",
    "mage_loss",
    "male_loss",
    "mse_loss",
    "msge_loss",
    "normalise_inverse_depth",
    "silog_mae_loss",
    "ssi_mae_loss",
    "ssi_mage_loss",
    "ssi_trimmed_mae_loss",
    "trimmed_mae_loss",
]

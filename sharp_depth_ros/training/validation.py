"""Validation on held-out data: the paper's depth, boundary and focal metrics (§3.2, Tab. 3)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from sharp_depth_ros.metrics import boundary_f1, depth_metrics, focal_metrics
from sharp_depth_ros.pinhole import focal_ratio_from_fov, span_over_width

VALIDATION_COLUMNS = ("delta1", "abs_rel", "boundary_f1", "focal_delta25", "images")


def depth_from_canonical(canonical: torch.Tensor, focal_ratio: torch.Tensor) -> torch.Tensor:
    """Metric depth D = f_px / (W C) = (f_px / W) / C (§3.2) from (B, 1, S, S) and (B,)."""
    return focal_ratio.view(-1, 1, 1, 1) / canonical.float().clamp_min(1e-6)


def _dense_target(depth_m: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Boundary F1 needs a dense target: invalid pixels (sky) become twice the farthest depth."""
    far = 2.0 * float(depth_m[valid].max()) if valid.any() else 1.0
    return np.where(valid, depth_m, far)


@torch.no_grad()
def validate(
    model: nn.Module,
    dataset: torch.utils.data.Dataset,
    *,
    batch_size: int,
    max_images: int,
    device: torch.device,
) -> dict[str, float]:
    """Mean metrics of `model` over (the first `max_images` of) a validation data set.

    Depth uses the true focal length (so it measures the depth network alone); `focal_delta25`
    uses the FOV head when the network has one (NaN otherwise).

    Returns:
        `delta1`, `abs_rel`, `boundary_f1`, `focal_delta25` (means over images) and `images`.
    """
    # Per module: in the FOV stage only the FOV head is in train mode (training/loop.py).
    modes = {module: module.training for module in model.modules()}
    model.eval()
    count = len(dataset) if max_images == 0 else min(len(dataset), max_images)
    values: dict[str, list[float]] = {name: [] for name in VALIDATION_COLUMNS[:-1]}
    has_fov = getattr(model, "fov", None) is not None
    for start in range(0, count, batch_size):
        samples = [dataset.get(i, 0) for i in range(start, min(start + batch_size, count))]
        batch = {k: torch.stack([s[k] for s in samples]).to(device) for k in samples[0]}
        output = model(batch["image"], run_fov=has_fov)
        pred = depth_from_canonical(output.canonical_inverse_depth, batch["focal_ratio"]).cpu()
        target, valid = batch["depth_m"].cpu(), batch["valid"].cpu()
        metrics = depth_metrics(pred, target, valid)
        values["delta1"] += metrics["delta1"].tolist()
        values["abs_rel"] += metrics["abs_rel"].tolist()
        for i in range(pred.shape[0]):
            dense = _dense_target(target[i, 0].numpy(), valid[i, 0].numpy())
            values["boundary_f1"].append(boundary_f1(pred[i, 0].numpy(), dense))
        known = batch["has_focal"].cpu()
        if has_fov and bool(known.any()):
            # f_px / W: the relative focal error is width-free.
            span = getattr(getattr(model, "config", None), "fov_span", "width")
            aspect = batch["aspect"].cpu()
            pred_ratio = focal_ratio_from_fov(output.fov_deg.float().cpu())
            pred_ratio = pred_ratio * span_over_width(span, aspect)
            focal = focal_metrics(pred_ratio[known], batch["focal_ratio"].cpu()[known])
            values["focal_delta25"] += focal["delta25"].tolist()
    for module, training in modes.items():
        module.training = training
    result = {name: _nanmean(v) for name, v in values.items()}
    result["images"] = float(count)
    return result


def _nanmean(values: Sequence[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return sum(finite) / len(finite) if finite else math.nan


def stage_score(metrics: dict[str, float], trains: str) -> float:
    """The number best-checkpoint tracking maximises: delta1, or focal delta25 for the FOV stage."""
    return metrics["focal_delta25"] if trains == "fov" else metrics["delta1"]

"""One training sample at network resolution, with its targets in canonical inverse depth.

Every data source of the trainer returns this dict (`to_network_sample`): the image squashed to
S x S as at inference, and targets in canonical inverse depth C = (f_px / W) / D (§3.2), a ratio
that does not change when the image is resized, so squashing needs no focal-length correction.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from sharp_depth_ros.training.curriculum import DATASET_KINDS


def to_network_sample(
    rgb: np.ndarray,
    depth_m: np.ndarray,
    valid: np.ndarray,
    focal_px: float | None,
    kind: str,
    size: int,
) -> dict[str, torch.Tensor]:
    """Resize one RGB-D sample to the network input and build its targets.

    Args:
        rgb: (H, W, 3) uint8 image.
        depth_m: (Hd, Wd) depth in metres (any resolution; 0 or non-finite where invalid).
        valid: (Hd, Wd) bool validity of `depth_m`.
        focal_px: horizontal focal length in pixels of `rgb`, or None if unknown.
        kind: one of DATASET_KINDS.
        size: network resolution S.

    Returns:
        `image` (3, S, S) float32 in [-1, 1] (bilinear, aspect not kept, as the predictor);
        `depth_m` (1, S, S) and `valid` (1, S, S) bool (nearest neighbour: never blend depths
        across an occluding edge); `inverse_depth` (1, S, S) canonical target, 0 where invalid;
        `focal_ratio` () f_px / W (NaN if unknown); `fov_deg` () 2 atan(W / 2 f_px);
        `aspect` () W / H of `rgb`; `has_focal` () bool; `kind` () int64 index into
        DATASET_KINDS.
    """
    height, width = rgb.shape[:2]
    image = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1).float() / 255.0
    image = F.interpolate(
        (image[None] - 0.5) / 0.5, size=(size, size), mode="bilinear", align_corners=False
    )[0]
    depth = torch.from_numpy(np.ascontiguousarray(depth_m, dtype=np.float32))[None, None]
    mask = torch.from_numpy(np.ascontiguousarray(valid, dtype=bool))[None, None]
    depth = F.interpolate(depth, size=(size, size), mode="nearest-exact")[0]
    mask = F.interpolate(mask.float(), size=(size, size), mode="nearest-exact")[0] > 0.5
    has_focal = focal_px is not None and math.isfinite(focal_px) and focal_px > 0
    focal_ratio = focal_px / width if has_focal else None
    return with_targets(image, depth, mask, focal_ratio, kind, aspect=width / height)


def with_targets(
    image: torch.Tensor,
    depth_m: torch.Tensor,
    valid: torch.Tensor,
    focal_ratio: float | None,
    kind: str,
    aspect: float = math.nan,
) -> dict[str, torch.Tensor]:
    """Build the training dict of `to_network_sample` from tensors already at S x S.

    Args:
        image: (3, S, S) network input in [-1, 1].
        depth_m: (1, S, S) depth in metres.
        valid: (1, S, S) bool.
        focal_ratio: f_px / W (horizontal focal length over image width), or None if unknown.
        kind: one of DATASET_KINDS.
        aspect: W / H of the image before it was squashed to S x S (NaN if unknown): what a
            FOV head whose angle does not span the width needs (`pinhole.span_over_width`).
    """
    depth, mask = depth_m.float(), valid.bool() & torch.isfinite(depth_m) & (depth_m > 0)
    safe_depth = torch.where(mask, depth, torch.ones_like(depth))
    if focal_ratio is not None:
        inverse = torch.where(mask, focal_ratio / safe_depth, torch.zeros_like(depth))
        fov_deg = math.degrees(2.0 * math.atan(0.5 / focal_ratio))  # 2 atan(W / (2 f_px))
    else:  # non-metric data without intrinsics: SSI losses make the scale irrelevant
        inverse = torch.where(mask, 1.0 / safe_depth, torch.zeros_like(depth))
        fov_deg = math.nan
    return {
        "image": image.float().contiguous(),
        "depth_m": torch.where(mask, depth, torch.zeros_like(depth)),
        "valid": mask,
        "inverse_depth": inverse,
        "focal_ratio": torch.tensor(math.nan if focal_ratio is None else focal_ratio),
        "fov_deg": torch.tensor(fov_deg, dtype=torch.float32),
        "aspect": torch.tensor(aspect, dtype=torch.float32),
        "has_focal": torch.tensor(focal_ratio is not None),
        "kind": torch.tensor(DATASET_KINDS.index(kind), dtype=torch.int64),
    }

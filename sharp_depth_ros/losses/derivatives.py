"""Multi-scale derivative losses on canonical inverse depth: MAGE, MALE, MSGE (§3.2).

L_{*,p,M} = (1/M) sum_j (1/N_j) sum_i |grad*(C^j)_i - grad*(Chat^j)_i|^p, where scale j comes
from blurring and downsampling the maps by 2, j times (App. B.5):
MAGE = L_{Scharr,1,6}, MALE = L_{Laplace,1,6}, MSGE = L_{Scharr,2,6}.

Choices the paper leaves open, made here:
* The blur is the 3x3 binomial kernel [1, 2, 1]^T [1, 2, 1] / 16 with stride 2 and replicate
  padding (H -> ceil(H / 2)). A coarse pixel is valid only if all the in-bounds fine pixels
  under its kernel are valid, so invalid data never leaks into a valid coarse value.
* The Scharr kernels are normalised by 1/32 so a ramp of slope 1 has gradient 1; the Laplace
  kernel is the 4-neighbour one, so x^2 has Laplacian 2. A derivative counts only where its
  whole 3x3 stencil is valid.
* For the two-component Scharr gradient, |.|^p is taken per component and summed:
  |dx - dx^|^p + |dy - dy^|^p (smooth at zero for p = 2, no square root).
* N_j counts valid stencil pixels per image; images average equally, and scales without a
  single valid stencil (tiny inputs) are left out of the 1/M average.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from sharp_depth_ros.losses.mae import normalise_inverse_depth
from sharp_depth_ros.losses.reduction import (
    check_maps,
    masked_mean_per_image,
    mean_over_images,
    zero_invalid,
)

DEFAULT_SCALES = 6  # §3.2: M = 6


def downsample(values: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Blur with a 3x3 binomial kernel and keep every second pixel, with the mask.

    Args:
        values: (B, 1, H, W) map; invalid entries must already be finite (e.g. zeroed).
        mask: (B, 1, H, W) bool valid pixels.

    Returns:
        (B, 1, ceil(H/2), ceil(W/2)) blurred map and the mask of coarse pixels whose every
        in-bounds contributing pixel is valid.
    """
    height, width = values.shape[-2:]
    rows, columns = (height + 1) // 2, (width + 1) // 2
    padded = F.pad(values, (1, 1, 1, 1), mode="replicate")
    # Separable [1, 2, 1] / 4 along each axis with stride 2, written as strided slices: the
    # backward pass of these is far cheaper on CPU than that of a strided convolution.
    vertical = (
        padded[..., 0 : 2 * rows - 1 : 2, :]
        + 2 * padded[..., 1 : 2 * rows : 2, :]
        + padded[..., 2 : 2 * rows + 1 : 2, :]
    )
    coarse = (
        vertical[..., 0 : 2 * columns - 1 : 2]
        + 2 * vertical[..., 1 : 2 * columns : 2]
        + vertical[..., 2 : 2 * columns + 1 : 2]
    ) / 16.0
    # max_pool pads with -inf, so out-of-bounds pixels (replicated in the blur) do not count.
    invalid = F.max_pool2d((~mask).to(values.dtype), 3, stride=2, padding=1)
    return coarse, invalid == 0


def pyramid(
    values: torch.Tensor, mask: torch.Tensor, scales: int = DEFAULT_SCALES
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Return [(map, mask)] for scales 0 (input) to scales - 1, halving each time.

    Stops early once a map is smaller than 3x3 (no derivative stencil fits).
    """
    levels = [(zero_invalid(values, mask), mask)]
    while len(levels) < scales and min(levels[-1][0].shape[-2:]) >= 5:
        levels.append(downsample(*levels[-1]))
    return levels


def _smooth(values: torch.Tensor, dim: int) -> torch.Tensor:
    """Scharr smoothing [3, 10, 3] along `dim` (no padding: that axis shrinks by 2)."""
    size = values.shape[dim]
    return (
        3 * values.narrow(dim, 0, size - 2)
        + 10 * values.narrow(dim, 1, size - 2)
        + 3 * values.narrow(dim, 2, size - 2)
    )


def _central_difference(values: torch.Tensor, dim: int) -> torch.Tensor:
    size = values.shape[dim]
    return values.narrow(dim, 2, size - 2) - values.narrow(dim, 0, size - 2)


def scharr_gradient(values: torch.Tensor) -> torch.Tensor:
    """(B, 1, H, W) -> (B, 2, H-2, W-2) Scharr derivative along x then y (no padding).

    Kernels [[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]] / 32 and its transpose, applied as slices.
    """
    d_dx = _central_difference(_smooth(values, -2), -1) / 32.0
    d_dy = _central_difference(_smooth(values, -1), -2) / 32.0
    return torch.cat([d_dx, d_dy], dim=1)


def laplacian(values: torch.Tensor) -> torch.Tensor:
    """(B, 1, H, W) -> (B, 1, H-2, W-2) 4-neighbour Laplacian (no padding)."""
    centre = values[..., 1:-1, 1:-1]
    return (
        values[..., :-2, 1:-1]
        + values[..., 2:, 1:-1]
        + values[..., 1:-1, :-2]
        + values[..., 1:-1, 2:]
        - 4 * centre
    )


def stencil_mask(mask: torch.Tensor) -> torch.Tensor:
    """(B, 1, H, W) -> (B, 1, H-2, W-2): True where the whole 3x3 neighbourhood is valid."""
    return F.max_pool2d((~mask).float(), 3, stride=1) == 0


def _multiscale_loss(pred, target, mask, operator, power: int, scales: int) -> torch.Tensor:
    check_maps(pred, target, mask)
    if scales < 1:
        raise ValueError(f"scales must be >= 1, got {scales}")
    total = pred.new_zeros(())
    used = 0
    # Blur, downsampling and both derivatives are linear, so the pyramid of the difference
    # gives grad(C^j) - grad(Chat^j) at half the cost of two pyramids.
    for difference_j, mask_j in pyramid(pred - target, mask, scales):
        if min(difference_j.shape[-2:]) < 3:
            continue
        error = operator(difference_j).abs()
        if power != 1:
            error = error.pow(power)
        per_pixel = error.sum(dim=1, keepdim=True)
        per_image, has_valid = masked_mean_per_image(per_pixel, stencil_mask(mask_j))
        if bool(has_valid.any()):
            total = total + mean_over_images(per_image, has_valid)
            used += 1
    if used == 0:
        return zero_invalid(pred, mask).sum() * 0.0  # keeps the graph
    return total / used


def mage_loss(
    pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, scales: int = DEFAULT_SCALES
) -> torch.Tensor:
    """Mean absolute gradient error L_{Scharr,1,6} (§3.2).

    Args:
        pred: (B, 1, H, W) predicted canonical inverse depth.
        target: (B, 1, H, W) ground-truth canonical inverse depth.
        mask: (B, 1, H, W) bool valid pixels.
        scales: number of pyramid scales M.

    Returns:
        Scalar loss.
    """
    return _multiscale_loss(pred, target, mask, scharr_gradient, 1, scales)


def male_loss(
    pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, scales: int = DEFAULT_SCALES
) -> torch.Tensor:
    """Mean absolute Laplace error L_{Laplace,1,6} (§3.2). Arguments as `mage_loss`."""
    return _multiscale_loss(pred, target, mask, laplacian, 1, scales)


def msge_loss(
    pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, scales: int = DEFAULT_SCALES
) -> torch.Tensor:
    """Mean squared gradient error L_{Scharr,2,6} (§3.2). Arguments as `mage_loss`."""
    return _multiscale_loss(pred, target, mask, scharr_gradient, 2, scales)


def ssi_mage_loss(
    pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, scales: int = DEFAULT_SCALES
) -> torch.Tensor:
    """Scale-and-shift-invariant MAGE: MAGE between per-image normalised maps.

    The stage-1 gradient term on synthetic data (App. B.5, Tab. 12 "1C"); the normalisation is
    that of `ssi_mae_loss` (median and mean absolute deviation over valid pixels).
    """
    check_maps(pred, target, mask)
    return mage_loss(
        normalise_inverse_depth(pred, mask), normalise_inverse_depth(target, mask), mask, scales
    )

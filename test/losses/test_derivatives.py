from __future__ import annotations

import math

import pytest
import torch

from sharp_depth_ros.losses.derivatives import (
    downsample,
    laplacian,
    mage_loss,
    male_loss,
    msge_loss,
    pyramid,
    scharr_gradient,
    ssi_mage_loss,
    stencil_mask,
)

DERIVATIVE_LOSSES = [mage_loss, male_loss, msge_loss, ssi_mage_loss]


def _grid(height: int = 12, width: int = 14, dtype=torch.float64):
    y, x = torch.meshgrid(
        torch.arange(height, dtype=dtype), torch.arange(width, dtype=dtype), indexing="ij"
    )
    return y.view(1, 1, height, width), x.view(1, 1, height, width)


def _maps(seed: int = 0, shape=(2, 1, 20, 24), dtype=torch.float64):
    generator = torch.Generator().manual_seed(seed)
    pred = torch.rand(shape, generator=generator, dtype=dtype)
    target = torch.rand(shape, generator=generator, dtype=dtype)
    mask = torch.rand(shape, generator=generator) > 0.1
    return pred, target, mask


def test_linear_ramp_has_constant_scharr_gradient():
    y, x = _grid()
    gradient = scharr_gradient(0.5 * x - 2.0 * y + 3.0)
    assert torch.allclose(gradient[:, 0], torch.tensor(0.5, dtype=torch.float64))
    assert torch.allclose(gradient[:, 1], torch.tensor(-2.0, dtype=torch.float64))


def test_quadratic_has_constant_laplacian():
    y, x = _grid()
    assert torch.allclose(laplacian(x**2 + 3 * y**2 + x * y), torch.tensor(8.0).double())


def test_downsampling_halves_the_size_and_keeps_a_ramp_linear():
    y, x = _grid(13, 16)
    mask = torch.ones_like(x, dtype=torch.bool)
    coarse, coarse_mask = downsample(x, mask)
    assert coarse.shape[-2:] == (7, 8) and coarse_mask.all()
    # Away from the replicated border, blurring keeps a ramp and stride 2 doubles its slope.
    assert torch.allclose(scharr_gradient(coarse)[:, 0, :, 1:-1], torch.tensor(2.0).double())


def test_coarse_pixel_is_invalid_if_any_contributing_pixel_is_invalid():
    values = torch.zeros(1, 1, 8, 8)
    mask = torch.ones(1, 1, 8, 8, dtype=torch.bool)
    mask[0, 0, 3, 3] = False  # under the kernels of coarse pixels (1,1), (1,2), (2,1), (2,2)
    _, coarse_mask = downsample(values, mask)
    invalid = {(int(r), int(c)) for r, c in (~coarse_mask[0, 0]).nonzero()}
    assert invalid == {(1, 1), (1, 2), (2, 1), (2, 2)}


def test_pyramid_has_six_scales_for_a_large_enough_map():
    pred, _, mask = _maps(shape=(1, 1, 96, 128))
    sizes = [tuple(level[0].shape[-2:]) for level in pyramid(pred, mask)]
    assert sizes == [(96, 128), (48, 64), (24, 32), (12, 16), (6, 8), (3, 4)]


def test_stencil_mask_needs_the_whole_neighbourhood():
    mask = torch.ones(1, 1, 5, 5, dtype=torch.bool)
    mask[0, 0, 0, 0] = False
    stencil = stencil_mask(mask)
    assert stencil.shape[-2:] == (3, 3)
    assert not stencil[0, 0, 0, 0] and stencil.sum() == 8


@pytest.mark.parametrize("loss", DERIVATIVE_LOSSES)
def test_identical_maps_give_zero_loss(loss):
    _, target, mask = _maps()
    assert loss(target.clone(), target, mask).item() == pytest.approx(0.0, abs=1e-12)


def test_constant_offset_costs_nothing_for_gradient_losses():
    # A shift leaves every derivative unchanged (blurring is normalised, so at every scale).
    _, target, mask = _maps(1)
    for loss in (mage_loss, male_loss, msge_loss):
        assert loss(target + 5.0, target, mask).item() == pytest.approx(0.0, abs=1e-9)


def test_mage_of_a_ramp_difference_at_a_single_scale_equals_the_slope():
    y, x = _grid(10, 10)
    mask = torch.ones_like(x, dtype=torch.bool)
    pred = 0.25 * x + 0.5 * y
    # Single scale: |0.25 - 0| + |0.5 - 0| everywhere; squared: 0.0625 + 0.25.
    assert mage_loss(pred, torch.zeros_like(pred), mask, scales=1).item() == pytest.approx(0.75)
    assert msge_loss(pred, torch.zeros_like(pred), mask, scales=1).item() == pytest.approx(0.3125)


@pytest.mark.parametrize("loss", DERIVATIVE_LOSSES)
def test_invalid_pixels_never_change_the_loss(loss):
    pred, target, mask = _maps(2)
    reference = loss(pred, target, mask).item()
    changed_pred = torch.where(mask, pred, torch.full_like(pred, 1e6))
    changed_target = torch.where(mask, target, torch.full_like(target, math.nan))
    assert loss(changed_pred, changed_target, mask).item() == pytest.approx(reference)


@pytest.mark.parametrize("loss", DERIVATIVE_LOSSES)
def test_derivative_losses_pass_gradcheck(loss):
    pred, target, mask = _maps(3, shape=(1, 1, 12, 12))
    pred.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda p: loss(p, target, mask, scales=3), (pred,))


@pytest.mark.parametrize("loss", DERIVATIVE_LOSSES)
def test_tiny_inputs_give_zero_loss_and_a_gradient(loss):
    pred = torch.rand(1, 1, 2, 2, dtype=torch.float64, requires_grad=True)
    value = loss(pred, torch.rand(1, 1, 2, 2).double(), torch.ones(1, 1, 2, 2, dtype=torch.bool))
    value.backward()
    assert value.item() == 0.0 and pred.grad is not None

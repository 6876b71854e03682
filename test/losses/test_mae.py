from __future__ import annotations

import math

import pytest
import torch

from sharp_depth_ros.losses import LOSSES, mae

PIXEL_LOSSES = [
    mae.mae_loss,
    mae.mse_loss,
    mae.trimmed_mae_loss,
    mae.ssi_mae_loss,
    mae.ssi_trimmed_mae_loss,
]


def _maps(seed: int = 0, shape=(2, 1, 9, 11), dtype=torch.float32):
    generator = torch.Generator().manual_seed(seed)
    pred = torch.rand(shape, generator=generator, dtype=dtype) + 0.1
    target = torch.rand(shape, generator=generator, dtype=dtype) + 0.1
    mask = torch.rand(shape, generator=generator) > 0.3
    return pred, target, mask


@pytest.mark.parametrize("loss", PIXEL_LOSSES)
def test_identical_maps_give_zero_loss(loss):
    _, target, mask = _maps()
    assert loss(target.clone(), target, mask).item() == pytest.approx(0.0, abs=1e-6)


def test_mae_and_mse_equal_hand_computed_values():
    pred = torch.tensor([1.0, 2.0, 3.0, 10.0]).view(1, 1, 2, 2)
    target = torch.tensor([1.5, 2.0, 1.0, 0.0]).view(1, 1, 2, 2)
    mask = torch.tensor([True, True, True, False]).view(1, 1, 2, 2)
    assert mae.mae_loss(pred, target, mask).item() == pytest.approx((0.5 + 0 + 2) / 3)
    assert mae.mse_loss(pred, target, mask).item() == pytest.approx((0.25 + 0 + 4) / 3)


def test_mae_averages_images_equally():
    pred = torch.zeros(2, 1, 2, 2)
    target = torch.stack([torch.full((1, 2, 2), 1.0), torch.full((1, 2, 2), 3.0)])
    mask = torch.ones(2, 1, 2, 2, dtype=torch.bool)
    mask[1, 0, 0, 0] = False  # fewer pixels in image 1 must not change its weight
    assert mae.mae_loss(pred, target, mask).item() == pytest.approx(2.0)


@pytest.mark.parametrize("loss", PIXEL_LOSSES)
def test_invalid_pixels_never_change_the_loss(loss):
    pred, target, mask = _maps(1)
    reference = loss(pred, target, mask)
    changed_pred = torch.where(mask, pred, torch.full_like(pred, 1e6))
    changed_target = torch.where(mask, target, torch.full_like(target, math.nan))
    assert loss(changed_pred, changed_target, mask).item() == pytest.approx(reference.item())


@pytest.mark.parametrize("loss", PIXEL_LOSSES)
def test_empty_mask_gives_zero_loss_with_a_gradient_path(loss):
    pred, target, _ = _maps(2)
    pred.requires_grad_(True)
    value = loss(pred, target, torch.zeros_like(pred, dtype=torch.bool))
    value.backward()
    assert value.item() == 0.0
    assert torch.all(pred.grad == 0)


@pytest.mark.parametrize("valid_count, fraction", [(10, 0.2), (7, 0.2), (100, 0.29), (5, 0.0)])
def test_trimmed_mae_drops_exactly_the_intended_number_of_pixels(valid_count, fraction):
    # Errors 1, 2, ..., n (shuffled); dropping the top k leaves the mean of 1..n-k.
    errors = torch.randperm(valid_count, generator=torch.Generator().manual_seed(0)) + 1.0
    pred = torch.cat([errors, torch.full((3,), 1000.0)]).view(1, 1, 1, -1)
    target = torch.zeros_like(pred)
    mask = torch.zeros_like(pred, dtype=torch.bool)
    mask[..., :valid_count] = True
    dropped = math.floor(valid_count * fraction + 1e-9)
    kept = valid_count - dropped
    expected = sum(range(1, kept + 1)) / kept
    assert mae.trimmed_mae_loss(pred, target, mask, trim_fraction=fraction).item() == pytest.approx(
        expected
    )
    assert mae.kept_pixel_counts(torch.tensor([valid_count]), fraction).item() == kept


def test_trimmed_mae_keeps_the_count_exact_with_tied_errors():
    pred = torch.ones(1, 1, 1, 10)
    target = torch.zeros_like(pred)
    target[..., :4] = -1.0  # four errors of 2, six errors of 1
    mask = torch.ones_like(pred, dtype=torch.bool)
    # Drop 2 of the four 2s: (2 + 2 + 6 * 1) / 8.
    assert mae.trimmed_mae_loss(pred, target, mask).item() == pytest.approx(10 / 8)


def test_trimmed_mae_rejects_a_fraction_outside_unit_interval():
    pred, target, mask = _maps()
    with pytest.raises(ValueError, match="trim_fraction"):
        mae.trimmed_mae_loss(pred, target, mask, trim_fraction=1.0)


def test_normalisation_gives_zero_median_and_unit_mean_absolute_deviation():
    pred, _, mask = _maps(3, dtype=torch.float64)
    normalised = mae.normalise_inverse_depth(pred, mask)
    for image in range(pred.shape[0]):
        values = normalised[image][mask[image]]
        assert values.median().item() == pytest.approx(0.0, abs=1e-12)
        assert values.abs().mean().item() == pytest.approx(1.0)
        assert torch.all(normalised[image][~mask[image]] == 0)


@pytest.mark.parametrize("loss", PIXEL_LOSSES)
def test_pixel_losses_pass_gradcheck(loss):
    pred, target, mask = _maps(4, shape=(2, 1, 4, 5), dtype=torch.float64)
    pred.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda p: loss(p, target, mask), (pred,))


def test_losses_table_holds_every_curriculum_name():
    assert set(LOSSES) >= {"mae", "trimmed_mae", "ssi_mae", "ssi_trimmed_mae", "mse", "mage"}
    assert LOSSES["mae"] is mae.mae_loss


def test_shape_mismatch_is_rejected():
    pred, target, mask = _maps()
    with pytest.raises(ValueError, match="shapes differ"):
        mae.mae_loss(pred, target[:, :, :-1], mask)
    with pytest.raises(ValueError, match="bool"):
        mae.mae_loss(pred, target, mask.float())

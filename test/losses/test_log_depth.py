"""Log-depth losses: analytic values, scale invariance, masking, the floor inside the log."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from sharp_depth_ros.losses import LOSSES, log_mae_loss, log_mage_loss, mage_loss, silog_mae_loss


def _maps(*values: list[float]) -> torch.Tensor:
    """(B, 1, 1, N) maps from one list of values per image."""
    return torch.tensor(values, dtype=torch.float32)[:, None, None, :]


def test_identical_maps_give_zero():
    pred = torch.rand(2, 1, 4, 4) + 0.1
    mask = torch.ones_like(pred, dtype=torch.bool)
    assert log_mae_loss(pred, pred.clone(), mask).item() == 0.0
    assert silog_mae_loss(pred, pred.clone(), mask).item() == 0.0


def test_log_mae_is_the_mean_absolute_log_ratio():
    # Image 0: ratios 2 and 1/4 -> (log 2 + log 4) / 2; image 1: ratio e everywhere -> 1.
    pred = _maps([2.0, 1.0], [math.e, math.e])
    target = _maps([1.0, 4.0], [1.0, 1.0])
    mask = torch.ones_like(pred, dtype=torch.bool)
    expected = ((math.log(2) + math.log(4)) / 2 + 1.0) / 2
    assert log_mae_loss(pred, target, mask).item() == pytest.approx(expected, rel=1e-6)


def test_log_mae_is_l1_on_log_depth():
    # C = (f/W) / D: for the same focal ratio, |log C - log Chat| = |log D - log Dhat|.
    depth, depth_true = torch.rand(1, 1, 8, 8) + 0.5, torch.rand(1, 1, 8, 8) + 0.5
    mask = torch.ones_like(depth, dtype=torch.bool)
    expected = (depth.log() - depth_true.log()).abs().mean()
    torch.testing.assert_close(log_mae_loss(0.8 / depth, 0.8 / depth_true, mask), expected)


def test_silog_mae_removes_the_mean_log_error_per_image():
    # Image 0: log errors log 2, log 8 -> mean log 4, deviations log 2 each. Image 1: log errors
    # log 2, log 2, log 8 -> mean (5/3) log 2, deviations (2/3, 2/3, 4/3) log 2 -> (8/9) log 2.
    pred = _maps([2.0, 8.0, 1.0], [2.0, 2.0, 8.0])
    target = _maps([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
    mask = torch.tensor([[True, True, False], [True, True, True]])[:, None, None, :]
    expected = (math.log(2) + 8 / 9 * math.log(2)) / 2
    assert silog_mae_loss(pred, target, mask).item() == pytest.approx(expected, rel=1e-6)


def test_silog_mae_ignores_the_scale_of_the_prediction():
    pred, target = torch.rand(3, 1, 6, 6) + 0.1, torch.rand(3, 1, 6, 6) + 0.1
    mask = torch.rand(3, 1, 6, 6) > 0.3
    base = silog_mae_loss(pred, target, mask)
    for scale in (0.01, 0.5, 7.0):
        torch.testing.assert_close(silog_mae_loss(scale * pred, target, mask), base)
    assert log_mae_loss(2.0 * pred, target, mask) != log_mae_loss(pred, target, mask)


def test_invalid_pixels_and_empty_images_do_not_count():
    pred = _maps([2.0, 1000.0], [5.0, 5.0])
    target = _maps([1.0, 0.0], [1.0, 1.0])
    mask = torch.tensor([[True, False], [False, False]])[:, None, None, :]
    assert log_mae_loss(pred, target, mask).item() == pytest.approx(math.log(2), rel=1e-6)
    assert silog_mae_loss(pred, target, mask).item() == 0.0


def test_values_below_the_floor_are_clamped_and_gradients_stay_finite():
    pred = _maps([0.0, 1.0]).requires_grad_()
    target = _maps([1.0, 1.0])
    mask = torch.ones_like(target, dtype=torch.bool)
    loss = log_mae_loss(pred, target, mask)
    assert loss.item() == pytest.approx(-math.log(1e-6) / 2, rel=1e-5)
    loss.backward()
    assert torch.isfinite(pred.grad).all()


def test_registered_for_the_curriculum():
    assert LOSSES["log_mae"] is log_mae_loss
    assert LOSSES["silog_mae"] is silog_mae_loss


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match=r"\(B, 1, H, W\)"):
        log_mae_loss(torch.ones(2, 4), torch.ones(2, 4), torch.ones(2, 4, dtype=torch.bool))


def test_log_mage_is_mage_of_the_log_maps_and_zero_for_identical_maps():
    generator = torch.Generator().manual_seed(0)
    pred = torch.rand(2, 1, 16, 16, generator=generator) + 0.1
    target = torch.rand(2, 1, 16, 16, generator=generator) + 0.1
    mask = torch.ones_like(pred, dtype=torch.bool)
    torch.testing.assert_close(
        log_mage_loss(pred, target, mask), mage_loss(pred.log(), target.log(), mask)
    )
    assert log_mage_loss(pred, pred.clone(), mask).item() == 0.0
    assert "log_mage" in LOSSES


@settings(max_examples=25, deadline=None)
@given(
    scale=st.floats(min_value=1e-3, max_value=1e3),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_log_mage_ignores_the_scale_of_the_prediction(scale, seed):
    generator = torch.Generator().manual_seed(seed)
    pred = torch.rand(1, 1, 12, 12, generator=generator, dtype=torch.float64) + 0.1
    target = torch.rand(1, 1, 12, 12, generator=generator, dtype=torch.float64) + 0.1
    mask = torch.rand(1, 1, 12, 12, generator=generator) > 0.2
    torch.testing.assert_close(
        log_mage_loss(pred * scale, target, mask), log_mage_loss(pred, target, mask)
    )


def test_log_mage_ignores_invalid_target_pixels():
    pred = torch.full((1, 1, 12, 12), 0.5)
    target = pred.clone()
    mask = torch.ones_like(pred, dtype=torch.bool)
    target[..., :, 6:] = 0.0  # invalid (sky): no log of zero reaches the loss
    mask[..., :, 6:] = False
    assert log_mage_loss(pred, target, mask).item() == 0.0

from __future__ import annotations

import pytest
import torch

from sharp_depth_ros.losses.focal import fov_l2_loss


def test_fov_l2_loss_is_the_mean_squared_error_in_degrees():
    pred = torch.tensor([50.0, 60.0, 90.0])
    target = torch.tensor([52.0, 60.0, 80.0])
    assert fov_l2_loss(pred, target).item() == pytest.approx((4 + 0 + 100) / 3)


def test_fov_l2_loss_ignores_images_without_a_known_fov():
    pred = torch.tensor([50.0, 60.0])
    target = torch.tensor([52.0, float("nan")])
    assert fov_l2_loss(pred, target, torch.tensor([True, False])).item() == pytest.approx(4.0)


def test_fov_l2_loss_passes_gradcheck():
    pred = torch.tensor([40.0, 70.0], dtype=torch.float64, requires_grad=True)
    target = torch.tensor([45.0, 65.0], dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda p: fov_l2_loss(p, target), (pred,))


def test_fov_l2_loss_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"\(B,\)"):
        fov_l2_loss(torch.zeros(2), torch.zeros(3))

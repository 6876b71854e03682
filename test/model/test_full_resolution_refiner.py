"""The full-resolution refiner of ConvDepthPro: a no-op at start, saved with its width, and able
to put a depth step where the half-resolution head cannot."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from sharp_depth_ros.checkpoints import load_checkpoint, save_native
from sharp_depth_ros.config import ConvDepthConfig
from sharp_depth_ros.losses import log_mae_loss, log_mage_loss
from sharp_depth_ros.metrics import boundary_f1
from sharp_depth_ros.model import ConvDepthPro, create_model
from sharp_depth_ros.model.full_resolution_refiner import FullResolutionRefiner


def _images(count: int, size: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(count, 3, size, size, generator=generator) * 2 - 1


def _perturbed(module: torch.nn.Module, seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.add_(0.1 * torch.randn(parameter.shape, generator=generator))


def test_adding_a_refiner_leaves_the_output_unchanged_and_records_its_width():
    torch.manual_seed(0)
    network = create_model("test-tiny-conv").eval()
    images = _images(2, 128, seed=1)
    with torch.no_grad():
        before = network(images).canonical_inverse_depth
        network.add_refiner(8)
        network.eval()
        after = network(images).canonical_inverse_depth
    assert network.config.refiner_channels == 8
    torch.testing.assert_close(after, before, rtol=0, atol=0)


def test_a_network_built_with_a_refiner_predicts_positive_depth_at_the_input_side():
    torch.manual_seed(0)
    config = dataclasses.replace(
        ConvDepthConfig(resolution=128, decoder_features=16), refiner_channels=8
    )
    network = ConvDepthPro(config).eval()
    _perturbed(network.refiner, seed=2)
    with torch.no_grad():
        output = network(_images(2, 128, seed=3))
    assert output.canonical_inverse_depth.shape == (2, 1, 128, 128)
    assert bool((output.canonical_inverse_depth > 0).all())


def test_refined_weights_round_trip_through_the_checkpoint_format(tmp_path):
    torch.manual_seed(0)
    network = create_model("test-tiny-conv").eval()
    network.add_refiner(8)
    _perturbed(network.refiner, seed=4)
    network.eval()
    path = tmp_path / "refined.safetensors"
    save_native(network, path, network.config, preset="test-tiny-conv")
    loaded = load_checkpoint(path).model.eval()
    assert loaded.config.refiner_channels == 8
    images = _images(1, 128, seed=5)
    with torch.no_grad():
        torch.testing.assert_close(
            loaded(images).canonical_inverse_depth, network(images).canonical_inverse_depth
        )


def test_configs_stored_before_the_refiner_existed_load_without_one():
    stored = ConvDepthConfig(resolution=128, decoder_features=16).to_dict()
    del stored["refiner_channels"]
    config = ConvDepthConfig.from_dict(stored)
    assert config.refiner_channels == 0
    assert ConvDepthPro(config).refiner is None


def test_a_second_refiner_or_a_zero_width_is_refused():
    network = create_model("test-tiny-conv")
    with pytest.raises(ValueError, match="channels must be >= 1"):
        network.add_refiner(0)
    network.add_refiner(8)
    with pytest.raises(ValueError, match="already has a 8-channel refiner"):
        network.add_refiner(8)


def test_trained_refiner_puts_a_step_on_the_image_edge_the_half_resolution_head_smears():
    """Wall edges at odd columns: a 64 px map cannot place them, the 128 px refiner can.

    The head's input to the refiner is the best a half-resolution map can do: the true log
    inverse depth averaged over 2 x 2 pixels.
    """
    torch.manual_seed(0)
    size, columns = 128, (37, 53, 71, 89)
    images, targets = [], []
    for column in columns:
        rgb = torch.full((3, size, size), -0.6)
        rgb[:, :, :column] = 0.7
        inverse = torch.full((1, size, size), 0.2)
        inverse[:, :, :column] = 0.6
        images.append(rgb)
        targets.append(inverse)
    images, targets = torch.stack(images), torch.stack(targets)
    mask = torch.ones_like(targets, dtype=torch.bool)
    z_half = torch.nn.functional.avg_pool2d(targets.log(), 2)
    head_features = torch.zeros(len(columns), 4, size // 2, size // 2)
    refiner = FullResolutionRefiner(head_channels=4, channels=8, norm="batch")
    with torch.no_grad():
        unrefined = refiner.eval()(images, head_features, z_half).exp()
    refiner.train()
    optimizer = torch.optim.Adam(refiner.parameters(), lr=1e-2)
    for _ in range(60):
        pred = refiner(images, head_features, z_half).exp()
        loss = log_mae_loss(pred, targets, mask) + 2 * log_mage_loss(pred, targets, mask)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        refined = refiner.eval()(images, head_features, z_half).exp()

    def mean_f1(inverse: torch.Tensor) -> float:
        pairs = zip(inverse, targets, strict=True)
        return float(np.mean([boundary_f1(1 / p[0].numpy(), 1 / t[0].numpy()) for p, t in pairs]))

    exact = mean_f1(targets)  # 0.25: a vertical step counts in one of the four directions
    assert mean_f1(unrefined) < 0.5 * exact
    assert mean_f1(refined) > 0.85 * exact
    assert log_mae_loss(refined, targets, mask) < log_mae_loss(unrefined, targets, mask)


def test_high_pass_removes_constants_and_ramps_keeps_a_dipole():
    from sharp_depth_ros.model.full_resolution_refiner import high_pass

    constant = torch.full((1, 1, 32, 32), 3.0)
    torch.testing.assert_close(high_pass(constant, 4), torch.zeros_like(constant))
    ramp = torch.arange(32.0).view(1, 1, 1, 32).expand(1, 1, 32, 32)
    inner = high_pass(ramp, 4)[..., 4:-4, 4:-4]  # a linear ramp equals its window mean inside
    torch.testing.assert_close(inner, torch.zeros_like(inner))
    dipole = torch.zeros(1, 1, 32, 32)
    dipole[..., 15], dipole[..., 16] = 1.0, -1.0
    assert high_pass(dipole, 4)[..., 15].mean() > 0.8

"""Initialising a fresh network (`training.model_init.build_model`, `ModelConfig.conv_init`)."""

from __future__ import annotations

import math

import pytest
import torch

from sharp_depth_ros.model import ConvDepthPro, create_model
from sharp_depth_ros.model.decoder import ResidualBlock
from sharp_depth_ros.training.config import ModelConfig
from sharp_depth_ros.training.model_init import build_model


def _probe(conv_init: str) -> dict[str, torch.Tensor]:
    """Inputs and outputs of the finest upsampler and the last head convolution, two images."""
    torch.manual_seed(0)
    model = build_model(ModelConfig(preset="test-tiny", conv_init=conv_init)).eval()
    seen: dict[str, torch.Tensor] = {}

    def keep(name: str):
        def hook(module, inputs, output):
            seen[f"{name}.in"], seen[f"{name}.out"] = inputs[0], output

        return hook

    model.encoder.upsample_latent0.register_forward_hook(keep("upsampler"))
    model.head[-2].register_forward_hook(keep("head"))
    generator = torch.Generator().manual_seed(1)
    size = model.network_resolution
    images = torch.rand(2, 3, size, size, generator=generator) * 2 - 1
    with torch.no_grad():
        seen["depth"] = model(images, run_fov=False).canonical_inverse_depth
    return seen


def test_fan_in_init_keeps_the_scale_of_the_three_step_upsampler():
    fan_in, default = _probe("fan_in"), _probe("torch")
    gain = fan_in["upsampler.out"].std() / fan_in["upsampler.in"].std()
    shrunk = default["upsampler.out"].std() / default["upsampler.in"].std()
    assert 0.5 < gain < 2.0
    assert shrunk < 0.1  # PyTorch's transposed-convolution default: about 1/3.5 per step


def _image_spread(head_input: torch.Tensor) -> float:
    """How much the two images' head inputs differ, relative to their spread."""
    return float((head_input[0] - head_input[1]).abs().mean() / head_input.std())


def test_fan_in_init_lets_the_image_reach_the_depth_head():
    assert _image_spread(_probe("fan_in")["head.in"]) > 0.2
    assert _image_spread(_probe("torch")["head.in"]) < 0.05


def test_fan_in_init_starts_residual_units_as_identities_and_the_map_flat():
    torch.manual_seed(0)
    model = build_model(ModelConfig(preset="test-tiny"))
    for block in (m for m in model.modules() if isinstance(m, ResidualBlock)):
        assert not block.residual[-1].weight.any()
    depth = _probe("fan_in")["depth"]
    assert torch.allclose(depth, torch.full_like(depth, 0.3))  # the default head bias


def test_conv_init_rejects_unknown_names():
    with pytest.raises(ValueError, match="conv_init"):
        ModelConfig(conv_init="xavier")


def test_fresh_conv_network_gets_the_log_depth_bias_and_the_fov_bias():
    torch.manual_seed(0)
    model = build_model(
        ModelConfig(preset="test-tiny-conv", init_inverse_depth=0.5, init_fov_deg=50.0)
    )
    assert isinstance(model, ConvDepthPro)
    assert model.head["out"].bias.item() == pytest.approx(math.log(0.5))
    assert model.fov.linear.bias.item() == pytest.approx(50.0)


def test_vit_init_options_leave_the_conv_network_as_it_builds_itself():
    torch.manual_seed(0)
    reference = create_model("test-tiny-conv").state_dict()
    for conv_init in ("fan_in", "torch"):
        torch.manual_seed(0)
        config = ModelConfig(preset="test-tiny-conv", conv_init=conv_init, init_layer_scale=0.5)
        built = build_model(config).state_dict()
        for key, value in reference.items():
            assert torch.equal(built[key], value), key


def _saved(path, preset: str) -> torch.nn.Module:
    """A fresh network of `preset` (seed 0), saved to `path` in our checkpoint format."""
    from sharp_depth_ros.checkpoints import save_native

    torch.manual_seed(0)
    model = create_model(preset)
    save_native(model, path, model.config, preset=preset)
    return model


def test_add_refiner_applies_to_a_checkpoint_only(tmp_path):
    with pytest.raises(ValueError, match="applies to a checkpoint"):
        build_model(ModelConfig(preset="test-tiny-conv", add_refiner=8))
    _saved(tmp_path / "vit.safetensors", "test-tiny")
    with pytest.raises(ValueError, match="only the convolutional networks"):
        build_model(ModelConfig(checkpoint=str(tmp_path / "vit.safetensors"), add_refiner=8))


def test_fov_grid_replaces_the_head_of_a_checkpoint_only(tmp_path):
    with pytest.raises(ValueError, match="fov_grid applies to a checkpoint"):
        build_model(ModelConfig(preset="test-tiny-conv", fov_grid=2))
    base = _saved(tmp_path / "conv.safetensors", "test-tiny-conv")
    built = build_model(
        ModelConfig(checkpoint=str(tmp_path / "conv.safetensors"), fov_grid=2, init_fov_deg=70.0)
    )
    assert built.config.fov_grid == 2
    torch.testing.assert_close(built.fov.linear.bias, torch.tensor([70.0]))
    depth_keys = [k for k in base.state_dict() if not k.startswith("fov.")]
    for key in depth_keys:
        assert torch.equal(built.state_dict()[key], base.state_dict()[key]), key
    kept = build_model(ModelConfig(checkpoint=str(tmp_path / "conv.safetensors"), fov_grid=1))
    assert torch.equal(kept.fov.linear.weight, base.fov.linear.weight)
    _saved(tmp_path / "vit.safetensors", "test-tiny")
    with pytest.raises(ValueError, match="only the convolutional networks"):
        build_model(ModelConfig(checkpoint=str(tmp_path / "vit.safetensors"), fov_grid=2))


def test_fov_encoder_stages_give_a_checkpoint_an_encoder_copied_from_its_backbone(tmp_path):
    """And a fresh convolutional network one that starts random (a focal stage copies it)."""
    from sharp_depth_ros.checkpoints import load_checkpoint, save_native

    fresh = build_model(ModelConfig(preset="test-tiny-conv", fov_encoder_stages=3))
    assert fresh.config.fov_encoder_stages == 3 and fresh.fov.encoder is not None
    with pytest.raises(ValueError, match="not a convolutional network"):
        build_model(ModelConfig(preset="test-tiny", fov_encoder_stages=3))
    base = _saved(tmp_path / "conv.safetensors", "test-tiny-conv")
    built = build_model(
        ModelConfig(checkpoint=str(tmp_path / "conv.safetensors"), fov_encoder_stages=3)
    )
    assert built.config.fov_encoder_stages == 3
    for key, value in base.state_dict().items():  # depth and the head's own layers kept
        assert torch.equal(built.state_dict()[key], value), key
    copied = built.fov.encoder.backbone.state_dict()
    for key in ("conv1.weight", "layer3.0.conv1.weight"):
        assert torch.equal(copied[key], base.state_dict()[f"backbone.{key}"]), key
    save_native(built, tmp_path / "with.safetensors", built.config, preset="test-tiny-conv")
    loaded = load_checkpoint(tmp_path / "with.safetensors").model
    assert loaded.config.fov_encoder_stages == 3
    assert torch.equal(
        loaded.fov.encoder.backbone.conv1.weight, built.fov.encoder.backbone.conv1.weight
    )
    _saved(tmp_path / "vit.safetensors", "test-tiny")
    with pytest.raises(ValueError, match="only the convolutional networks"):
        build_model(ModelConfig(checkpoint=str(tmp_path / "vit.safetensors"), fov_encoder_stages=3))


def test_fov_span_switches_what_a_checkpoints_head_means_and_is_saved(tmp_path):
    """The weights stay; the saved config keeps the span; the ViT has no such option."""
    from sharp_depth_ros.checkpoints import load_checkpoint, save_native

    fresh = build_model(ModelConfig(preset="test-tiny-conv", fov_span="geometric_mean"))
    assert fresh.config.fov_span == "geometric_mean"
    with pytest.raises(ValueError, match="not a convolutional network"):
        build_model(ModelConfig(preset="test-tiny", fov_span="geometric_mean"))
    base = _saved(tmp_path / "conv.safetensors", "test-tiny-conv")
    assert base.config.fov_span == "width"  # the default: the reference's horizontal FOV
    built = build_model(
        ModelConfig(checkpoint=str(tmp_path / "conv.safetensors"), fov_span="geometric_mean")
    )
    assert built.config.fov_span == "geometric_mean"
    for key, value in base.state_dict().items():
        assert torch.equal(built.state_dict()[key], value), key
    save_native(built, tmp_path / "gm.safetensors", built.config, preset="test-tiny-conv")
    assert load_checkpoint(tmp_path / "gm.safetensors").model.config.fov_span == "geometric_mean"
    _saved(tmp_path / "vit.safetensors", "test-tiny")
    with pytest.raises(ValueError, match="only the convolutional networks"):
        build_model(ModelConfig(checkpoint=str(tmp_path / "vit.safetensors"), fov_span="width"))

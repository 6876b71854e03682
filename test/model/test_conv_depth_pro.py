"""ConvDepthPro: shapes, positive output, FOV head, image dependence at init, config checks."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from torch import nn

from sharp_depth_ros.config import ConvDepthConfig, network_config_from_dict
from sharp_depth_ros.losses import log_mae_loss
from sharp_depth_ros.model import ConvDepthPro, build_network, create_model, get_preset
from sharp_depth_ros.model.conv_depth_pro import PyramidBatchNorm2d
from sharp_depth_ros.training.analytic_scenes import AnalyticDataset


@pytest.fixture(scope="module")
def tiny() -> ConvDepthPro:
    torch.manual_seed(0)
    return create_model("test-tiny-conv").eval()


def _images(count: int, size: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(count, 3, size, size, generator=generator) * 2 - 1


def test_output_is_positive_inverse_depth_at_input_size_with_a_fov(tiny):
    with torch.no_grad():
        output = tiny(_images(2, 128, seed=0))
    assert output.canonical_inverse_depth.shape == (2, 1, 128, 128)
    assert output.canonical_inverse_depth.dtype == torch.float32
    assert (output.canonical_inverse_depth > 0).all()
    assert output.fov_deg.shape == (2,)


def test_fresh_network_starts_near_its_initial_depth_and_fov(tiny):
    with torch.no_grad():
        output = tiny(_images(1, 128, seed=1))
    torch.testing.assert_close(
        output.canonical_inverse_depth, torch.full((1, 1, 128, 128), 0.3), rtol=0.05, atol=0
    )
    torch.testing.assert_close(output.fov_deg, torch.tensor([60.0]), rtol=0.01, atol=0)


def test_fresh_output_depends_on_the_image(tiny):
    with torch.no_grad():
        first = tiny(_images(1, 128, seed=2)).canonical_inverse_depth
        second = tiny(_images(1, 128, seed=3)).canonical_inverse_depth
    spread = (first - second).abs().mean() / first.std()
    assert spread > 0.1  # differences between images are of the size of the map's own spread


def test_fov_head_is_optional_and_skippable(tiny):
    with torch.no_grad():
        assert tiny(_images(1, 128, seed=0), run_fov=False).fov_deg is None
    headless = create_model("test-tiny-conv", use_fov_head=False).eval()
    assert headless.fov is None
    with torch.no_grad():
        assert headless(_images(1, 128, seed=0)).fov_deg is None


def test_fov_head_works_at_other_resolutions():
    model = create_model("test-tiny-conv", resolution=256).eval()
    with torch.no_grad():
        output = model(_images(1, 256, seed=0))
    assert output.canonical_inverse_depth.shape == (1, 1, 256, 256)
    assert output.fov_deg.shape == (1,)


def test_fov_head_sees_detached_depth_features(tiny):
    model = create_model("test-tiny-conv")
    model(_images(1, 128, seed=0)).fov_deg.sum().backward()
    assert all(p.grad is None for p in model.backbone.parameters())
    assert model.fov.linear.weight.grad is not None


@pytest.mark.parametrize("preset", ["sharp-small", "test-tiny-conv"])
def test_no_transposed_convolutions(preset):
    model = create_model(preset)
    assert isinstance(model, ConvDepthPro)
    assert not any(isinstance(m, nn.ConvTranspose2d) for m in model.modules())


def test_wrong_input_size_is_refused(tiny):
    with pytest.raises(ValueError, match=r"expected images of shape \(B, 3, 128, 128\)"):
        tiny(torch.zeros(1, 3, 256, 256))


def test_encoder_modules_are_the_backbone(tiny):
    assert tiny.encoder_modules() == [tiny.backbone]
    with_encoder = create_model("test-tiny-conv", fov_encoder_stages=2)
    assert with_encoder.encoder_modules() == [
        with_encoder.backbone,
        with_encoder.fov.encoder.backbone,
    ]


def test_pyramid_options_of_the_vit_are_refused(tiny):
    tiny.set_inference_options()  # the defaults are fine
    with pytest.raises(ValueError, match="ViT Depth Pro only"):
        tiny.set_inference_options(reduced_pyramid=True)
    with pytest.raises(ValueError, match="ViT Depth Pro only"):
        tiny.set_inference_options(patch_micro_batch=4)


def test_init_output_biases_sets_log_inverse_depth_and_fov():
    model = create_model("test-tiny-conv").eval()
    model.init_output_biases(0.5, 45.0)
    assert model.head["out"].bias.item() == pytest.approx(math.log(0.5))
    with torch.no_grad():
        output = model(_images(1, 128, seed=0))
    assert output.canonical_inverse_depth.mean().item() == pytest.approx(0.5, rel=0.05)
    assert output.fov_deg.item() == pytest.approx(45.0, rel=0.01)


def test_config_round_trips_and_refuses_bad_values():
    config = get_preset("test-tiny-conv")
    assert ConvDepthConfig.from_dict(config.to_dict()) == config
    assert network_config_from_dict(config.to_dict(), "conv_depth_pro") == config
    with pytest.raises(ValueError, match=r"^model config\.depth: unknown key \(allowed"):
        ConvDepthConfig.from_dict({**config.to_dict(), "depth": 3})
    with pytest.raises(ValueError, match=r"^model config\.resolution='384' is invalid: .*integer"):
        ConvDepthConfig.from_dict({**config.to_dict(), "resolution": "384"})
    with pytest.raises(ValueError, match="resolution=200"):
        ConvDepthConfig(resolution=200)
    with pytest.raises(ValueError, match=r"model config\.norm='layer' is invalid: .*'batch'"):
        ConvDepthConfig.from_dict({**config.to_dict(), "norm": "layer"})
    with pytest.raises(ValueError, match="architecture='unet'"):
        network_config_from_dict(config.to_dict(), "unet")


def test_unknown_backbone_is_refused():
    with pytest.raises(ValueError, match="not a timm model name"):
        build_network(dataclasses.replace(get_preset("test-tiny-conv"), backbone="resnet_nope"))


def test_batch_norm_variant_builds_and_runs():
    model = create_model("test-tiny-conv", norm="batch").eval()
    assert any(isinstance(m, nn.BatchNorm2d) for m in model.modules())  # the decoder's
    assert any(isinstance(m, PyramidBatchNorm2d) for m in model.backbone.modules())
    with torch.no_grad():
        assert (model(_images(1, 128, seed=0)).canonical_inverse_depth > 0).all()


def test_backbone_batch_norm_keeps_running_statistics_per_pyramid_level():
    torch.manual_seed(0)
    model = create_model("test-tiny-conv", norm="batch").train()
    norm = next(m for m in model.backbone.modules() if isinstance(m, PyramidBatchNorm2d))
    assert norm.running_mean.shape[0] == 3
    model(_images(4, 128, seed=1), run_fov=False)
    means = norm.running_mean.clone()
    # Every level updated its own row, and the rows differ (the levels see other statistics).
    assert (means.abs().sum(dim=1) > 0).all()
    assert not torch.allclose(means[0], means[2])


def test_batch_norm_eval_matches_training_statistics_per_level():
    # With momentum 1 the running statistics are exactly the last batch's, per level: the eval
    # output on that batch must then equal the training-mode output (a shared running mean
    # averaged over the three levels would not).
    torch.manual_seed(0)
    model = create_model("test-tiny-conv", norm="batch")
    for module in model.modules():
        if isinstance(module, PyramidBatchNorm2d | nn.BatchNorm2d):
            module.momentum = 1.0
    images = _images(4, 128, seed=2)
    with torch.no_grad():
        trained = model.train()(images, run_fov=False).canonical_inverse_depth
        evaluated = model.eval()(images, run_fov=False).canonical_inverse_depth
    # Batch statistics use the biased variance, running ones the unbiased: a small difference.
    torch.testing.assert_close(evaluated, trained, rtol=2e-2, atol=1e-4)


def test_thirty_steps_overfit_two_analytic_images():
    torch.manual_seed(0)
    model = create_model("test-tiny-conv").train()
    dataset = AnalyticDataset(kind="metric_synthetic", size=2, resolution=128, seed=1)
    samples = [dataset[i] for i in range(2)]
    images = torch.stack([s["image"] for s in samples])
    target = torch.stack([s["inverse_depth"] for s in samples])
    valid = torch.stack([s["valid"] for s in samples])
    backbone = {id(p) for p in model.backbone.parameters()}
    optimizer = torch.optim.Adam(
        [
            {"params": [p for p in model.parameters() if id(p) in backbone], "lr": 1e-3},
            {"params": [p for p in model.parameters() if id(p) not in backbone], "lr": 1e-2},
        ]
    )
    losses = []
    for _ in range(30):
        loss = log_mae_loss(model(images, run_fov=False).canonical_inverse_depth, target, valid)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0]


def test_grid_fov_head_sees_where_features_are_and_the_mean_head_does_not():
    from sharp_depth_ros.model.conv_depth_pro import ConvFovHead

    features = torch.zeros(1, 4, 8, 8)
    features[..., :4, :] = 1.0  # something in the top half only
    flipped = features.flip(-2)  # the same in the bottom half
    heads = {grid: ConvFovHead(16, grid=grid) for grid in (1, 2)}
    with torch.no_grad():
        for head in heads.values():
            head.convs = nn.Identity()  # the pooling alone: 4 channels reach the linear layer
            head.linear = nn.Linear(4 * head.grid**2, 1)
        mean_head, grid_head = heads[1], heads[2]
        assert grid_head.linear.in_features == 4 * mean_head.linear.in_features
        torch.testing.assert_close(mean_head(features), mean_head(flipped), rtol=0, atol=0)
        assert (grid_head(features) - grid_head(flipped)).abs() > 1e-3


def test_replace_fov_head_keeps_the_depth_and_records_the_grid():
    torch.manual_seed(0)
    model = create_model("test-tiny-conv").eval()
    images = _images(1, 128, seed=4)
    with torch.no_grad():
        before = model(images).canonical_inverse_depth
        model.replace_fov_head(2)
        output = model(images)
    torch.testing.assert_close(output.canonical_inverse_depth, before, rtol=0, atol=0)
    assert model.config.fov_grid == 2 and model.fov.grid == 2
    assert output.fov_deg.shape == (1,)
    rebuilt = ConvDepthPro(model.config)
    rebuilt.load_state_dict(model.state_dict())  # the recorded config gives matching shapes
    headless = create_model("test-tiny-conv", use_fov_head=False)
    with pytest.raises(ValueError, match="no FOV head"):
        headless.replace_fov_head(2)


def test_configs_without_fov_grid_build_the_mean_head():
    config = network_config_from_dict(
        {"backbone": "resnet18", "resolution": 256, "norm": "batch"}, "conv_depth_pro"
    )
    assert config.fov_grid == 1
    with pytest.raises(ValueError, match="fov_grid"):
        dataclasses.replace(config, fov_grid=0)


def test_add_fov_encoder_copies_the_backbone_and_changes_nothing_until_trained():
    torch.manual_seed(0)
    model = create_model("test-tiny-conv").eval()
    images = _images(2, 128, seed=5)
    with torch.no_grad():
        before = model(images)
        model.add_fov_encoder(3)
        after = model(images)
    torch.testing.assert_close(after.canonical_inverse_depth, before.canonical_inverse_depth)
    torch.testing.assert_close(after.fov_deg, before.fov_deg, rtol=0, atol=0)
    assert model.config.fov_encoder_stages == 3
    encoder = model.fov.encoder.backbone
    assert not hasattr(encoder, "layer4")  # timm stops at the last stage asked for
    depth_weights = model.backbone.state_dict()
    for key, value in encoder.state_dict().items():
        assert torch.equal(value, depth_weights[key]), key
    # Trained (a nonzero projection), the head reads the image through the encoder.
    with torch.no_grad():
        model.fov.encoder.projection.weight.normal_(std=0.5)
        changed = model(images).fov_deg
        flipped = model(images.flip(-1)).fov_deg
    assert (changed - before.fov_deg).abs().max() > 1e-4
    assert (changed - flipped).abs().max() > 1e-6
    rebuilt = ConvDepthPro(model.config).eval()
    rebuilt.load_state_dict(model.state_dict())  # the recorded config gives matching shapes
    with torch.no_grad():
        torch.testing.assert_close(rebuilt(images).fov_deg, changed)


def test_fov_encoder_loss_reaches_the_encoder_and_not_the_depth_network():
    torch.manual_seed(0)
    model = create_model("test-tiny-conv", fov_encoder_stages=2)
    with torch.no_grad():
        model.fov.encoder.projection.weight.normal_(std=0.1)
    model(_images(2, 128, seed=6)).fov_deg.sum().backward()
    assert model.fov.encoder.backbone.conv1.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.backbone.parameters())
    assert all(p.grad is None for p in model.projections.parameters())


def test_fov_encoder_is_refused_where_it_cannot_go():
    torch.manual_seed(0)
    model = create_model("test-tiny-conv", fov_encoder_stages=1)
    with pytest.raises(ValueError, match="already has a 1-stage image encoder"):
        model.add_fov_encoder(2)
    with pytest.raises(ValueError, match="no FOV head"):
        create_model("test-tiny-conv", use_fov_head=False).add_fov_encoder(2)
    with pytest.raises(ValueError, match="stages must be 1-4"):
        create_model("test-tiny-conv").add_fov_encoder(5)
    with pytest.raises(ValueError, match="fov_encoder_stages"):
        dataclasses.replace(model.config, fov_encoder_stages=5)
    with pytest.raises(ValueError, match="pass the images"):
        model.fov(torch.zeros(1, 16, 4, 4))
    assert ConvDepthConfig().fov_encoder_stages == 0  # old files build the head without one

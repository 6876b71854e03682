"""Which parameters train in a stage and at which rate, for both architectures."""

from __future__ import annotations

import pytest

from sharp_depth_ros.model import create_model
from sharp_depth_ros.training.config import OptimConfig
from sharp_depth_ros.training.curriculum import StageConfig
from sharp_depth_ros.training.trainable import parameter_groups, set_trainable

DEPTH = StageConfig(name="depth", steps=1, lr_encoder=1e-4, lr_decoder=1e-3)
FOCAL = StageConfig(name="focal", steps=1, objective="focal", trains="fov", lr_decoder=5e-4)


def _ids(parameters) -> set[int]:
    return {id(p) for p in parameters}


@pytest.mark.parametrize("preset", ["test-tiny", "test-tiny-conv"])
def test_encoders_take_the_encoder_rate_and_the_rest_the_decoder_rate(preset):
    model = create_model(preset)
    set_trainable(model, DEPTH, OptimConfig())
    groups = {group["name"]: group for group in parameter_groups(model, DEPTH)}
    fov = _ids(model.fov.parameters())  # frozen in a depth stage (the FOV ViT included)
    encoder = _ids(p for module in model.encoder_modules() for p in module.parameters()) - fov
    assert encoder and _ids(groups["encoder"]["params"]) == encoder
    assert groups["encoder"]["lr"] == 1e-4 and groups["decoder"]["lr"] == 1e-3
    assert _ids(groups["decoder"]["params"]) == _ids(model.parameters()) - encoder - fov


def test_conv_encoder_group_is_exactly_the_backbone():
    model = create_model("test-tiny-conv")
    set_trainable(model, DEPTH, OptimConfig())
    groups = {group["name"]: group for group in parameter_groups(model, DEPTH)}
    assert _ids(groups["encoder"]["params"]) == _ids(model.backbone.parameters())


@pytest.mark.parametrize("preset", ["test-tiny", "test-tiny-conv"])
def test_focal_stage_trains_only_the_fov_head(preset):
    model = create_model(preset)
    set_trainable(model, FOCAL, OptimConfig())
    trainable = _ids(p for p in model.parameters() if p.requires_grad)
    assert trainable == _ids(model.fov.parameters())
    groups = parameter_groups(model, FOCAL)
    assert _ids(p for group in groups for p in group["params"]) == trainable

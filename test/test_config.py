"""Tests of the network configs: strict parsing, presets and the reference fixture's JSON."""

from __future__ import annotations

import dataclasses
import json

import pytest

from sharp_depth_ros.config import (
    ConvDepthConfig,
    DepthProConfig,
    ViTConfig,
    network_config_from_json,
)
from sharp_depth_ros.model.presets import PRESETS


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_round_trips_through_json(name):
    config = PRESETS[name]
    data = json.loads(json.dumps({"architecture": config.architecture, **config.to_dict()}))
    assert network_config_from_json(data) == config


def test_reduced_reference_fixture_loads(fixtures_dir):
    data = json.loads((fixtures_dir / "reduced_config.json").read_text())
    config = network_config_from_json(data)
    assert isinstance(config, DepthProConfig)
    assert config.patch_encoder == ViTConfig(embed_dim=64, depth=8, num_heads=4, img_size=384)
    assert config.hook_block_ids == (1, 3)
    assert config.encoder_feature_dims == (24, 40, 56, 64)
    assert config.decoder_features == 32


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"decoder_features": "32"}, r"^model config\.decoder_features='32' is invalid: .*integer"),
        ({"decoder_features": 32.0}, r"^model config\.decoder_features=32\.0 is invalid"),
        ({"use_fov_head": "yes"}, r"^model config\.use_fov_head='yes' is invalid: .*boolean"),
        ({"hook_block_ids": [1]}, r"^model config\.hook_block_ids\[1\]: missing"),
        ({"encoder_feature_dims": [8, 8, 8, 0]}, r"encoder_feature_dims\[3\]=0 is invalid"),
        ({"wings": 2}, r"^model config\.wings: unknown key \(allowed keys: patch_encoder,"),
    ],
)
def test_depth_pro_config_refuses_wrong_types_and_keys_naming_the_path(change, expected):
    data = {**PRESETS["test-tiny"].to_dict(), **change}
    with pytest.raises(ValueError, match=expected):
        DepthProConfig.from_dict(data)


def test_nested_vit_errors_name_the_encoder():
    data = PRESETS["test-tiny"].to_dict()
    data["fov_encoder"] = {**data["fov_encoder"], "depth": 2.5, "heads": 2}
    with pytest.raises(ValueError) as error:
        DepthProConfig.from_dict(data)
    message = str(error.value)
    assert "model config.fov_encoder.depth=2.5 is invalid" in message
    assert "model config.fov_encoder.heads: unknown key" in message


def test_cross_field_checks_still_apply():
    data = PRESETS["test-tiny"].to_dict()
    data["hook_block_ids"] = [3, 1]
    with pytest.raises(ValueError, match=r"^model config: hook_block_ids=\(3, 1\) is invalid"):
        DepthProConfig.from_dict(data)
    with pytest.raises(ValueError, match="resolution=200"):
        dataclasses.replace(ConvDepthConfig(), resolution=200)

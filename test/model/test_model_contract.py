"""The contract every small preset keeps: shapes, determinism, save/load, official converter.

The official-format converter applies to the ViT Depth Pro presets only: ConvDepthPro has no
official counterpart.
"""

from __future__ import annotations

import pytest
import torch

from sharp_depth_ros.checkpoints import load_checkpoint, native_to_official, save_native
from sharp_depth_ros.config import DepthProConfig
from sharp_depth_ros.model import DepthPro, create_model, get_preset, list_presets

SMALL_PRESETS = [name for name in list_presets() if name != "depth-pro"]
SMALL_VIT_PRESETS = [name for name in SMALL_PRESETS if isinstance(get_preset(name), DepthProConfig)]


@pytest.fixture(params=SMALL_PRESETS)
def preset(request):
    return request.param


def test_forward_shapes_and_dtypes(preset):
    torch.manual_seed(0)
    model = create_model(preset).eval()
    size = model.network_resolution
    with torch.no_grad():
        output = model(torch.randn(2, 3, size, size))
    assert output.canonical_inverse_depth.shape == (2, 1, size, size)
    assert output.canonical_inverse_depth.dtype == torch.float32
    assert (output.canonical_inverse_depth >= 0).all()
    assert output.fov_deg.shape == (2,)


def test_seeded_construction_and_forward_are_deterministic(preset):
    outputs = []
    for _ in range(2):
        torch.manual_seed(3)
        model = create_model(preset).eval()
        x = torch.randn(1, 3, model.network_resolution, model.network_resolution)
        with torch.no_grad():
            outputs.append(model(x))
    assert torch.equal(outputs[0].canonical_inverse_depth, outputs[1].canonical_inverse_depth)
    assert torch.equal(outputs[0].fov_deg, outputs[1].fov_deg)


def test_save_load_gives_identical_outputs(preset, tmp_path):
    torch.manual_seed(4)
    model = create_model(preset).eval()
    loaded = load_checkpoint(save_native(model, tmp_path / "m.safetensors", model.config, preset))
    x = torch.randn(1, 3, model.network_resolution, model.network_resolution)
    with torch.no_grad():
        assert torch.equal(
            model(x).canonical_inverse_depth, loaded.model(x).canonical_inverse_depth
        )


@pytest.mark.parametrize("preset", SMALL_VIT_PRESETS)  # overrides the fixture's list
def test_official_converter_round_trips(preset, tmp_path):
    model = create_model(preset)
    path = tmp_path / "official.pt"
    torch.save(native_to_official(model.state_dict()), path)
    loaded = load_checkpoint(path, preset=preset).model
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value.half().float()), key


def test_fov_head_is_skipped_on_request(preset):
    model = create_model(preset).eval()
    size = model.network_resolution
    with torch.no_grad():
        assert model(torch.randn(1, 3, size, size), run_fov=False).fov_deg is None


def test_wrong_input_size_is_refused():
    model = create_model("test-tiny")
    with pytest.raises(ValueError, match=r"expected images of shape \(B, 3, 512, 512\)"):
        model(torch.zeros(1, 3, 256, 256))


def test_official_layout_has_the_reference_key_count_and_parameters():
    # Building on the meta device avoids allocating 952 M parameters.
    with torch.device("meta"):
        model = DepthPro(get_preset("depth-pro"))
    state = model.state_dict()
    assert len(state) == 1119  # reference notes §6
    assert sum(v.numel() for v in state.values()) == 951_991_330
    assert state["fov.head.4.weight"].shape == (1, 32, 6, 6)
    assert state["encoder.upsample_latent0.1.weight"].shape == (256, 256, 2, 2)


def test_the_default_is_the_conv_network_and_the_vit_keeps_its_name():
    assert get_preset("sharp-small").architecture == "conv_depth_pro"
    assert get_preset("sharp-small-vit").architecture == "depth_pro"
    assert {"sharp-small", "sharp-small-vit", "test-tiny-conv"} <= set(SMALL_PRESETS)


def test_unknown_preset_lists_the_valid_ones():
    with pytest.raises(KeyError, match="valid presets: .*test-tiny"):
        create_model("nope")

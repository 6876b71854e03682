"""Checkpoint loading: strict keys and shapes, safe formats, native round trip."""

from __future__ import annotations

import collections
import dataclasses
import json
import os

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from sharp_depth_ros.checkpoints import (
    CheckpointError,
    CheckpointFormat,
    detect_format,
    load_checkpoint,
    native_to_official,
    official_to_native,
    save_native,
)
from sharp_depth_ros.checkpoints.bundled import DEFAULT_MODEL_NAME, bundled_checkpoint
from sharp_depth_ros.checkpoints.native import read_metadata
from sharp_depth_ros.model import ConvDepthPro, DepthPro, create_model, get_preset


@pytest.fixture(scope="module")
def tiny_state_dict():
    torch.manual_seed(0)
    return create_model("test-tiny").state_dict()


def _save_official(state_dict, path):
    torch.save(collections.OrderedDict(native_to_official(state_dict)), path)
    return path


def test_official_pt_is_detected_and_loads_exactly(tmp_path, tiny_state_dict):
    path = _save_official(tiny_state_dict, tmp_path / "depth_pro.pt")
    assert detect_format(path) is CheckpointFormat.OFFICIAL_TORCH
    loaded = load_checkpoint(path, preset="test-tiny")
    for key, value in loaded.model.state_dict().items():
        assert torch.equal(value, tiny_state_dict[key].half().float()), key


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("head.0.bias", None, r"missing keys \[head\.0\.bias\]"),
        ("head.9.weight", torch.zeros(1), r"unexpected keys \[head\.9\.weight\]"),
        ("head.0.bias", torch.zeros(3), r"head\.0\.bias: checkpoint \(3,\) vs network \(8,\)"),
    ],
    ids=["missing", "unexpected", "shape"],
)
def test_a_missing_unexpected_or_misshapen_key_is_named(
    tmp_path, tiny_state_dict, key, value, message
):
    """`value` None deletes `key`; a tensor adds or replaces it."""
    broken = dict(tiny_state_dict)
    if value is None:
        del broken[key]
    else:
        broken[key] = value
    path = _save_official(broken, tmp_path / "broken.pt")
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(path, preset="test-tiny")


def test_wrong_size_official_checkpoint_says_to_pass_a_config(tmp_path, tiny_state_dict):
    path = _save_official(tiny_state_dict, tmp_path / "depth_pro.pt")
    other = dataclasses.replace(get_preset("test-tiny"), encoder_feature_dims=(16, 24, 32, 48))
    with pytest.raises(CheckpointError, match="--config"):
        load_checkpoint(path, config=other)
    with pytest.raises(CheckpointError, match="--config"):
        load_checkpoint(path)  # defaults to the official depth-pro layout, which does not fit


class _RunsCodeWhenUnpickled:
    def __reduce__(self):
        return (print, ("arbitrary code ran while loading",))


def test_pickled_code_is_refused_not_run(tmp_path, capsys):
    path = tmp_path / "evil.pt"
    payload = {"encoder.patch_encoder.cls_token": torch.zeros(1), "x": _RunsCodeWhenUnpickled()}
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match="cannot read"):
        load_checkpoint(path, preset="test-tiny")
    assert "arbitrary code ran" not in capsys.readouterr().out


def test_missing_and_garbage_files_have_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_checkpoint(tmp_path / "nope.pt")
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x00\x01 definitely not a checkpoint")
    with pytest.raises(CheckpointError, match="neither a safetensors file nor"):
        load_checkpoint(garbage)


def test_native_round_trip_is_exact_and_carries_the_config(tmp_path):
    torch.manual_seed(1)
    model = create_model("test-tiny").eval()
    path = save_native(model, tmp_path / "tiny.safetensors", model.config, preset="test-tiny")
    assert detect_format(path) is CheckpointFormat.NATIVE
    loaded = load_checkpoint(path)
    assert loaded.preset == "test-tiny"
    assert loaded.model.config == model.config
    x = torch.randn(1, 3, 512, 512)
    with torch.no_grad():
        a, b = model(x), loaded.model(x)
    assert torch.equal(a.canonical_inverse_depth, b.canonical_inverse_depth)
    assert torch.equal(a.fov_deg, b.fov_deg)


def test_saved_weights_are_readable_by_others_like_any_new_file(tmp_path):
    model = create_model("test-tiny-conv")
    mask = os.umask(0o022)
    try:
        path = save_native(model, tmp_path / "w.safetensors", model.config)
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600: a node user reads it
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_official_safetensors_needs_no_pickle(tmp_path, tiny_state_dict):
    path = tmp_path / "official.safetensors"
    save_file({k: v.contiguous() for k, v in tiny_state_dict.items()}, str(path))
    assert detect_format(path) is CheckpointFormat.OFFICIAL_SAFETENSORS
    assert load_checkpoint(path, preset="test-tiny").preset == "test-tiny"


def test_converters_round_trip_and_strip_wrapper_prefixes(tiny_state_dict):
    wrapped = {f"module.{k}": v for k, v in native_to_official(tiny_state_dict).items()}
    back = official_to_native(wrapped)
    assert set(back) == set(tiny_state_dict)
    for key, value in back.items():
        assert value.dtype == torch.float32
        assert torch.equal(value, tiny_state_dict[key].half().float())


def test_conv_checkpoint_stores_float16_and_loads_float32(tmp_path):
    torch.manual_seed(1)
    model = create_model("test-tiny-conv").eval()
    full = save_native(model, tmp_path / "conv32.safetensors", model.config, "test-tiny-conv")
    half = save_native(
        model, tmp_path / "conv16.safetensors", model.config, "test-tiny-conv", dtype=torch.float16
    )
    assert read_metadata(half)["architecture"] == "conv_depth_pro"
    assert half.stat().st_size < 0.55 * full.stat().st_size
    with safe_open(str(half), framework="pt") as handle:
        stored = {key: handle.get_tensor(key).dtype for key in handle.keys()}
    assert {dtype for dtype in stored.values() if dtype.is_floating_point} == {torch.float16}
    loaded = load_checkpoint(half)
    assert isinstance(loaded.model, ConvDepthPro)
    assert loaded.model.config == model.config and loaded.preset == "test-tiny-conv"
    for key, value in model.state_dict().items():
        restored = loaded.model.state_dict()[key]
        expected = value.half().float() if value.is_floating_point() else value
        assert restored.dtype == expected.dtype and torch.equal(restored, expected), key
    x = torch.randn(1, 3, 128, 128)
    with torch.no_grad():
        torch.testing.assert_close(
            loaded.model(x).canonical_inverse_depth,
            model(x).canonical_inverse_depth,
            rtol=1e-2,
            atol=0,
        )


def test_conv_checkpoint_keys_are_checked_strictly(tmp_path):
    model = create_model("test-tiny-conv")
    path = save_native(model, tmp_path / "conv.safetensors", model.config, "test-tiny-conv")
    tensors = {k: v.contiguous() for k, v in model.state_dict().items() if k != "head.out.bias"}
    save_file(tensors, str(path), metadata=read_metadata(path))
    with pytest.raises(CheckpointError, match=r"missing keys \[head\.out\.bias\]"):
        load_checkpoint(path)


def test_version_1_files_without_architecture_load_as_depth_pro(tmp_path):
    torch.manual_seed(2)
    model = create_model("test-tiny")
    path = tmp_path / "v1.safetensors"
    metadata = {
        "format": "sharp_depth_ros",
        "format_version": "1",
        "preset": "test-tiny",
        "config": json.dumps(model.config.to_dict()),
    }
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path), metadata)
    loaded = load_checkpoint(path)
    assert isinstance(loaded.model, DepthPro) and loaded.model.config == model.config
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.model.state_dict()[key], value), key


def test_shipped_default_weights_load_and_run():
    path = bundled_checkpoint(DEFAULT_MODEL_NAME)
    if path is None:
        pytest.skip("no shipped default weights")
    assert path.stat().st_size < 50 * 2**20
    model = load_checkpoint(path).model
    size = model.network_resolution
    with torch.no_grad():
        output = model(torch.zeros(1, 3, size, size), run_fov=False)
    assert torch.isfinite(output.canonical_inverse_depth).all()


def test_official_checkpoints_cannot_hold_a_conv_network(tmp_path, tiny_state_dict):
    path = _save_official(tiny_state_dict, tmp_path / "depth_pro.pt")
    with pytest.raises(CheckpointError, match="preset 'test-tiny-conv' describes a conv_depth_pro"):
        load_checkpoint(path, preset="test-tiny-conv")

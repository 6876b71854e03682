"""ONNX export: config metadata round trip, outputs, one-line errors."""

from __future__ import annotations

import os

import numpy as np
import onnx
import pytest
import torch

from sharp_depth_ros.backends.onnx_export import export_onnx, read_onnx_info
from sharp_depth_ros.cli import main
from sharp_depth_ros.inference import DepthPredictor
from sharp_depth_ros.model import create_model, get_preset


@pytest.fixture(scope="module")
def tiny_onnx(tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("onnx") / "tiny.onnx"
    export_onnx(create_model("test-tiny"), path, preset="test-tiny")
    return path


@pytest.mark.parametrize("preset", ["test-tiny", "test-tiny-conv"])
def test_export_round_trips_the_config_through_the_metadata(tmp_path, preset):
    path = export_onnx(create_model(preset), tmp_path / "m.onnx", preset=preset)
    info = read_onnx_info(path)
    assert info.config == get_preset(preset)
    assert (info.preset, info.precision, info.has_fov_head) == (preset, "fp32", True)
    assert [p for p in os.listdir(tmp_path)] == ["m.onnx"]  # no temporary files left


def test_graph_has_opset_17_or_newer_and_named_outputs(tiny_onnx):
    proto = onnx.load(str(tiny_onnx))
    onnx.checker.check_model(proto)
    assert max(op.version for op in proto.opset_import if op.domain in ("", "ai.onnx")) >= 17
    assert [o.name for o in proto.graph.output] == ["canonical_inverse_depth", "fov_deg"]
    size = get_preset("test-tiny").network_resolution
    dims = [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim]
    assert dims == [1, 3, size, size]


def test_export_leaves_a_running_predictor_unchanged(tmp_path):
    # The exporter restores its module's train/eval mode afterwards; it must not switch the
    # caller's network to batch statistics (this once changed the focal estimate by 14 %).
    torch.manual_seed(0)
    model = create_model("test-tiny-conv")
    predictor = DepthPredictor(model, device="cpu")
    image = np.random.default_rng(0).integers(0, 256, size=(40, 56, 3), dtype=np.uint8)
    before = predictor.predict(image)
    export_onnx(model, tmp_path / "m.onnx")
    after = predictor.predict(image)
    assert not model.training
    np.testing.assert_array_equal(after.depth_m, before.depth_m)
    assert after.focal_px == before.focal_px


def test_fp16_export_records_its_precision_and_keeps_float32_io(tmp_path):
    path = export_onnx(create_model("test-tiny"), tmp_path / "h.onnx", precision="fp16")
    proto = onnx.load(str(path))
    assert read_onnx_info(path).precision == "fp16"
    float32, float16 = onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16
    assert proto.graph.input[0].type.tensor_type.elem_type == float32
    assert {o.type.tensor_type.elem_type for o in proto.graph.output} == {float32}
    assert any(t.data_type == float16 for t in proto.graph.initializer)


def test_a_file_without_our_metadata_is_refused(tmp_path, tiny_onnx):
    proto = onnx.load(str(tiny_onnx))
    del proto.metadata_props[:]
    onnx.save(proto, str(tmp_path / "plain.onnx"))
    with pytest.raises(ValueError, match="no sharp_depth config.*sharp-depth export"):
        read_onnx_info(tmp_path / "plain.onnx")


def _run_export(capsys, *args):
    code = main(["export", *args])
    return code, capsys.readouterr().err.strip()


def test_cli_unknown_preset_is_one_line(tmp_path, capsys):
    code, err = _run_export(capsys, "--preset", "nope", "--out", str(tmp_path / "m.onnx"))
    assert code == 2 and "\n" not in err and "nope" in err and "test-tiny" in err
    assert not (tmp_path / "m.onnx").exists()


def test_cli_checkpoint_that_does_not_fit_its_config_is_one_line(tmp_path, capsys, fixtures_dir):
    code, err = _run_export(
        capsys,
        "--checkpoint",
        str(fixtures_dir / "reduced_depth_pro_fp16.pt"),
        "--preset",
        "test-tiny",
        "--out",
        str(tmp_path / "m.onnx"),
    )
    assert code == 2 and "\n" not in err and "does not fit the network" in err


def test_cli_unwritable_output_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder")
    code, err = _run_export(capsys, "--preset", "test-tiny", "--out", str(blocker / "m.onnx"))
    assert code == 2 and "\n" not in err and "cannot write" in err


def test_cli_export_writes_a_runnable_file(tmp_path, capsys):
    ort = pytest.importorskip("onnxruntime")
    out = tmp_path / "sub" / "m.onnx"
    code, _ = _run_export(capsys, "--preset", "test-tiny", "--out", str(out))
    assert code == 0 and read_onnx_info(out).preset == "test-tiny"
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    size = get_preset("test-tiny").network_resolution
    depth, fov = session.run(None, {"image": np.zeros((1, 3, size, size), np.float32)})
    assert depth.shape == (1, 1, size, size) and fov.shape == (1,)


def test_fov_head_with_an_image_encoder_exports_and_matches_torch(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    torch.manual_seed(0)
    model = create_model("test-tiny-conv", fov_encoder_stages=2).eval()
    with torch.no_grad():
        model.fov.encoder.projection.weight.normal_(std=0.5)  # as if trained: it reads the image
    path = export_onnx(model, tmp_path / "m.onnx", preset="test-tiny-conv")
    assert read_onnx_info(path).config.fov_encoder_stages == 2
    size = model.network_resolution
    images = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(3)) * 2 - 1
    with torch.no_grad():
        expected = model(images).fov_deg.numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    _, fov = session.run(None, {"image": images.numpy()})
    np.testing.assert_allclose(fov, expected, rtol=1e-4)


def test_an_exported_geometric_mean_fov_head_gives_the_torch_focal_length(tmp_path):
    # The span travels in the metadata, so ONNX Runtime turns the angle into f_px as torch does.
    pytest.importorskip("onnxruntime")
    torch.manual_seed(0)
    model = create_model("test-tiny-conv", fov_span="geometric_mean").eval()
    path = export_onnx(model, tmp_path / "m.onnx", preset="test-tiny-conv")
    assert read_onnx_info(path).config.fov_span == "geometric_mean"
    image = np.random.default_rng(0).integers(0, 256, size=(36, 64, 3), dtype=np.uint8)
    from_torch = DepthPredictor(model, device="cpu").predict(image)
    from_onnx = DepthPredictor.from_pretrained(checkpoint=path, device="cpu").predict(image)
    assert from_onnx.focal_px == pytest.approx(from_torch.focal_px, rel=1e-4)
    model.set_fov_span("width")  # the same head read across the width: a longer focal length
    wide = DepthPredictor(model, device="cpu").predict(image).focal_px
    assert from_torch.focal_px == pytest.approx(wide * (36 / 64) ** 0.5, rel=1e-4)

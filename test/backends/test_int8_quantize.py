"""int8 export: which convolutions stay in fp32, the file it writes, and who may run it."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from sharp_depth_ros.backends.calibration_frames import load_calibration_frames
from sharp_depth_ros.backends.onnx_export import METADATA_PREFIX, export_onnx, read_onnx_info
from sharp_depth_ros.cli import main
from sharp_depth_ros.inference import DepthPredictor
from sharp_depth_ros.model import create_model

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
from sharp_depth_ros.backends.int8_quantize import (  # noqa: E402
    _check_split,
    fp32_nodes,
    quantize_int8,
    quantize_qdq,
)


def _model(preset: str = "test-tiny-conv"):
    torch.manual_seed(0)
    return create_model(preset)  # its FOV head starts at a plausible FOV


def _frames(count: int, size: int) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [rng.uniform(-1, 1, (1, 3, size, size)).astype(np.float32) for _ in range(count)]


@pytest.fixture(scope="module")
def conv_int8(tmp_path_factory):
    model = _model()
    path = tmp_path_factory.mktemp("int8") / "conv.onnx"
    return model, quantize_int8(model, path, _frames(4, model.network_resolution)).path


def test_stems_and_depth_head_are_found_in_the_graph(tmp_path):
    path = export_onnx(_model(), tmp_path / "m.onnx")
    graph = onnx.load(str(path)).graph
    kept = fp32_nodes(graph)
    convs = [n.name for n in graph.node if n.op_type in ("Conv", "Gemm")]
    stems = [name for name in kept if "backbone/conv1" in name]
    assert len(stems) == 3  # one ResNet stem per pyramid level, each reading the image
    assert convs[-1] in kept and "/model/out/Conv" in kept  # the depth head's last convolution
    assert len(kept) == len(set(kept)) and set(kept) <= set(convs)
    assert any("/fov/" in name for name in kept)  # the small FOV head: focal scales all depth
    assert not any("/fov/" in name for name in kept[: len(stems) + 1])
    assert len(kept) < len(convs) // 3  # most of the network is left to int8


def test_op_types_limit_quantisation_to_those_operators(tmp_path):
    model = _model()
    source = export_onnx(model, tmp_path / "m.onnx")
    frames = _frames(2, model.network_resolution)

    def quantisations_away_from_convs(out) -> int:
        """QuantizeLinear nodes that neither read a Conv's output nor feed a Conv."""
        graph = onnx.load(str(out)).graph
        producer = {o: n for n in graph.node for o in n.output}
        consumers: dict[str, list] = {}
        for node in graph.node:
            for name in node.input:
                consumers.setdefault(name, []).append(node)
        count = 0
        for q in (n for n in graph.node if n.op_type == "QuantizeLinear"):
            dq = [n for n in consumers.get(q.output[0], []) if n.op_type == "DequantizeLinear"]
            fed = {c.op_type for d in dq for c in consumers.get(d.output[0], [])}
            source = producer.get(q.input[0])
            count += "Conv" not in fed and (source is None or source.op_type != "Conv")
        return count

    quantize_qdq(source, tmp_path / "conv.onnx", frames, [], op_types=["Conv"])
    quantize_qdq(source, tmp_path / "all.onnx", frames, [])
    assert quantisations_away_from_convs(tmp_path / "conv.onnx") == 0
    assert quantisations_away_from_convs(tmp_path / "all.onnx") > 0  # Add, Resize, ... too


def test_int8_file_records_precision_and_runs_as_int8_on_both_cpu_runtimes(conv_int8):
    model, path = conv_int8
    info = read_onnx_info(path)
    assert info.precision == "int8" and info.config == model.config
    proto = onnx.load(str(path))
    metadata = {p.key: p.value for p in proto.metadata_props}
    assert json.loads(metadata[f"{METADATA_PREFIX}int8_fp32_nodes"])
    assert 0 <= float(metadata[f"{METADATA_PREFIX}int8_median_rel_diff"]) < 1
    ops = {n.op_type for n in proto.graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops
    image = np.random.default_rng(0).integers(0, 256, size=(40, 56, 3), dtype=np.uint8)
    reference = DepthPredictor(model, device="cpu").predict(image, focal_px=50.0)
    for backend in ("onnxruntime", "openvino"):
        if backend == "openvino":
            pytest.importorskip("openvino")
        predictor = DepthPredictor.from_pretrained(checkpoint=path, backend=backend)
        assert predictor.precision == "int8"
        prediction = predictor.predict(image, focal_px=50.0)
        assert prediction.depth_m.shape == (40, 56) and np.isfinite(prediction.depth_m).all()
        # Quantised, not broken: random weights, so only a loose agreement with fp32.
        ratio = prediction.depth_m / reference.depth_m
        assert 0.5 < float(np.median(ratio)) < 2.0


def test_int8_files_run_only_as_int8_on_cpus(conv_int8, tmp_path):
    _, path = conv_int8
    with pytest.raises(ValueError, match="precision int8 or auto"):
        DepthPredictor.from_pretrained(checkpoint=path, precision="fp32")
    fp32 = export_onnx(_model(), tmp_path / "fp32.onnx")
    with pytest.raises(ValueError, match="needs an int8 ONNX file"):
        DepthPredictor.from_pretrained(checkpoint=fp32, precision="int8")
    with pytest.raises(ValueError, match="int8 ONNX file"):
        DepthPredictor(_model(), device="cpu", precision="int8")
    assert DepthPredictor.from_pretrained(checkpoint=path, precision="auto").precision == "int8"


def test_every_fourth_frame_checks_and_few_frames_do_both():
    frames = [np.full((1,), i) for i in range(8)]
    calibrate, check = _check_split(frames)
    assert [int(f[0]) for f in check] == [3, 7] and len(calibrate) == 6
    calibrate, check = _check_split(frames[:5])
    assert len(calibrate) == len(check) == 5


def test_too_few_or_misshapen_calibration_frames_are_refused(tmp_path):
    model = _model()
    size = model.network_resolution
    with pytest.raises(ValueError, match="at least 4"):
        quantize_int8(model, tmp_path / "m.onnx", _frames(2, size))
    with pytest.raises(ValueError, match="network inputs"):
        quantize_int8(model, tmp_path / "m.onnx", _frames(4, size + 8))
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_calibration_frames_are_spread_over_a_folder_of_images(tmp_path):
    import cv2

    camera = tmp_path / "camera"
    camera.mkdir()
    for i in range(10):
        cv2.imwrite(str(camera / f"{i:02d}.png"), np.full((8, 12, 3), i * 20, np.uint8))
    frames = load_calibration_frames(tmp_path, 4)  # found recursively
    assert [int(f[0, 0, 0]) for f in frames] == [0, 60, 120, 180]  # frames 0, 3, 6, 9 of 10
    assert len(load_calibration_frames(tmp_path, 50)) == 10
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no .png/.jpg"):
        load_calibration_frames(empty, 4)
    with pytest.raises(FileNotFoundError):
        load_calibration_frames(tmp_path / "missing", 4)


def test_cli_int8_export_needs_calibration_and_writes_a_runnable_file(tmp_path, capsys):
    out = tmp_path / "m.onnx"
    assert main(["export", "--preset", "test-tiny-conv", "--out", str(out), "--precision",
                 "int8"]) == 2  # fmt: skip
    assert "--calibration" in capsys.readouterr().err
    import cv2

    frames = tmp_path / "frames"
    frames.mkdir()
    rng = np.random.default_rng(2)
    for i in range(5):
        cv2.imwrite(str(frames / f"{i}.jpg"), rng.integers(0, 256, (30, 40, 3), dtype=np.uint8))
    argv = ["export", "--preset", "test-tiny-conv", "--out", str(out), "--precision", "int8",
            "--calibration", str(frames)]  # fmt: skip
    assert main(argv) == 0
    assert "over 5 calibration (too few to hold some out) frames" in capsys.readouterr().out
    assert read_onnx_info(out).precision == "int8"
    image = tmp_path / "image.png"
    cv2.imwrite(str(image), rng.integers(0, 256, (30, 40, 3), dtype=np.uint8))
    # No --precision: the file's own (int8) is used.
    assert main(["predict", str(image), "--checkpoint", str(out), "--out", str(tmp_path / "p"),
                 "--focal-px", "40"]) == 0  # fmt: skip
    assert (tmp_path / "p" / "image.npz").is_file()

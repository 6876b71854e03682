"""The node's model loading: backends, ONNX checkpoints and precision fall-backs."""

from __future__ import annotations

import numpy as np
import pytest

from sharp_depth_ros.backends import precision as precision_module
from sharp_depth_ros.backends.cpu_features import parse_cpuinfo
from sharp_depth_ros.backends.onnx_export import export_onnx
from sharp_depth_ros.model import create_model
from sharp_depth_ros.ros import model_loading
from sharp_depth_ros.ros.model_loading import (
    faster_backend_hint,
    load_predictor,
    resolve_device_and_precision,
)
from sharp_depth_ros.ros.parameters import NodeParams

AVX2_ONLY = parse_cpuinfo("model name: EPYC\nflags: avx2 fma\n")
NATIVE_BF16 = parse_cpuinfo("model name: Xeon\nflags: avx2 avx512_bf16\n")


@pytest.fixture()
def avx2_only(monkeypatch):
    monkeypatch.setattr(model_loading, "cpu_features", lambda: AVX2_ONLY)
    monkeypatch.setattr(precision_module, "cpu_features", lambda: AVX2_ONLY)


@pytest.mark.parametrize(
    ("choice", "refusal"),
    [
        ({"device": "cpu", "precision": "bf16"}, "bf16 is not native.*require_device"),
        ({"device": "cuda", "backend": "openvino"}, "openvino backend runs on cpu"),
    ],
    ids=["bf16-without-native-bf16", "openvino-on-cuda"],
)
def test_an_unsupported_choice_falls_back_to_cpu_fp32_unless_the_device_is_required(
    avx2_only, choice, refusal
):
    params = NodeParams(preset="test-tiny", **choice)
    assert resolve_device_and_precision(params) == ("cpu", "fp32")
    with pytest.raises(ValueError, match=refusal):
        resolve_device_and_precision(params.replace(require_device=True))


def test_bf16_is_kept_on_a_cpu_with_native_bf16(monkeypatch):
    monkeypatch.setattr(model_loading, "cpu_features", lambda: NATIVE_BF16)
    params = NodeParams(preset="test-tiny", device="cpu", precision="bf16")
    assert resolve_device_and_precision(params) == ("cpu", "bf16")
    onnx_params = params.replace(backend="onnxruntime")  # no bf16 kernels there
    assert resolve_device_and_precision(onnx_params) == ("cpu", "fp32")


def test_an_onnx_checkpoint_loads_on_onnxruntime(tmp_path):
    pytest.importorskip("onnxruntime")
    path = export_onnx(create_model("test-tiny"), tmp_path / "tiny.onnx")
    predictor = load_predictor(NodeParams(checkpoint=str(path), device="cpu"))
    assert predictor.backend == "onnxruntime"
    depth = predictor.predict(np.zeros((24, 32, 3), np.uint8), focal_px=30.0).depth_m
    assert depth.shape == (24, 32) and np.isfinite(depth).all()


def test_an_onnx_checkpoint_on_torch_names_the_file(tmp_path):
    path = tmp_path / "tiny.onnx"
    with pytest.raises(ValueError, match="tiny.onnx is an ONNX file"):
        load_predictor(NodeParams(checkpoint=str(path), backend="torch", device="cpu"))


def test_an_int8_checkpoint_loads_with_precision_int8_and_fp32_is_refused(tmp_path):
    pytest.importorskip("onnxruntime")
    from sharp_depth_ros.backends.int8_quantize import quantize_int8

    model = create_model("test-tiny-conv")
    size = model.network_resolution
    frames = [np.random.default_rng(i).uniform(-1, 1, (1, 3, size, size)).astype(np.float32)
              for i in range(4)]  # fmt: skip
    path = quantize_int8(model, tmp_path / "int8.onnx", frames).path
    params = NodeParams(checkpoint=str(path), device="cpu", precision="int8")
    predictor = load_predictor(params)
    assert (predictor.backend, predictor.precision) == ("onnxruntime", "int8")
    assert load_predictor(params.replace(precision="auto")).precision == "int8"
    with pytest.raises(ValueError, match="precision int8 or auto"):
        load_predictor(params.replace(precision="fp32"))
    fp32 = export_onnx(model, tmp_path / "fp32.onnx")
    with pytest.raises(ValueError, match="needs an int8 ONNX file"):
        load_predictor(params.replace(checkpoint=str(fp32)))


@pytest.mark.parametrize(
    ("backend", "device", "cpu", "openvino_installed", "hinted"),
    [
        ("torch", "cpu", NATIVE_BF16, True, True),
        ("torch", "cpu", AVX2_ONLY, True, False),
        ("torch", "cpu", NATIVE_BF16, False, False),
        ("torch", "cuda", NATIVE_BF16, True, False),
        ("openvino", "cpu", NATIVE_BF16, True, False),
        ("onnxruntime", "cpu", NATIVE_BF16, True, False),
    ],
)
def test_the_openvino_hint_comes_only_where_it_holds(
    backend, device, cpu, openvino_installed, hinted
):
    hint = faster_backend_hint(backend, device, cpu, openvino_installed)
    assert (hint is not None) == hinted
    if hinted:
        assert "backend:=openvino precision:=auto" in hint and "avx512_bf16" in hint


class _Logger:
    def __init__(self) -> None:
        self.infos: list[str] = []

    def info(self, message: str) -> None:
        self.infos.append(message)

    def warning(self, message: str) -> None:
        pass


class _Node:
    def __init__(self) -> None:
        self.logger = _Logger()

    def get_logger(self) -> _Logger:
        return self.logger


def test_load_predictor_logs_the_hint_on_a_native_bf16_cpu(monkeypatch):
    monkeypatch.setattr(model_loading, "cpu_features", lambda: NATIVE_BF16)
    monkeypatch.setattr(precision_module, "cpu_features", lambda: NATIVE_BF16)
    node = _Node()
    load_predictor(NodeParams(preset="test-tiny", device="cpu"), node)
    installed = model_loading.importlib.util.find_spec("openvino") is not None
    assert any("backend:=openvino" in line for line in node.logger.infos) == installed
    quiet = _Node()
    load_predictor(NodeParams(preset="test-tiny", device="cpu", backend="openvino"), quiet)
    assert not any("backend:=openvino" in line for line in quiet.logger.infos)

"""Every installed backend behind `DepthPredictor`, and the errors for missing ones."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

from sharp_depth_ros.backends.onnx_export import export_onnx
from sharp_depth_ros.backends.onnxruntime_runner import CPU_PROVIDER, choose_providers
from sharp_depth_ros.backends.runtime_imports import BackendUnavailableError
from sharp_depth_ros.cli import main
from sharp_depth_ros.inference import DepthPredictor, FocalSource
from sharp_depth_ros.model import create_model

ONNX_BACKENDS = ["onnxruntime", "openvino"]


def _tiny_model():
    torch.manual_seed(0)
    model = create_model("test-tiny")
    with torch.no_grad():
        model.fov.head[-1].bias.fill_(60.0)  # a plausible FOV so the estimated focal is finite
    return model


@pytest.fixture(scope="module")
def tiny_onnx(tmp_path_factory):
    return export_onnx(_tiny_model(), tmp_path_factory.mktemp("onnx") / "tiny.onnx")


@pytest.fixture(scope="module")
def image():
    return np.random.default_rng(0).integers(0, 256, size=(48, 64, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def torch_prediction(image):
    return DepthPredictor(_tiny_model(), device="cpu").predict(image)


@pytest.mark.parametrize("backend", ["torch", *ONNX_BACKENDS])
def test_every_installed_backend_returns_finite_depth_of_the_input_size(backend, tiny_onnx, image):
    if backend != "torch":
        pytest.importorskip(backend)
        predictor = DepthPredictor.from_pretrained(checkpoint=tiny_onnx, backend=backend)
    else:
        predictor = DepthPredictor(_tiny_model(), device="cpu")
    assert (predictor.backend, predictor.precision) == (backend, "fp32")
    for focal_px in (None, 50.0):
        prediction = predictor.predict(image, focal_px=focal_px)
        assert prediction.depth_m.shape == (48, 64) and prediction.depth_m.dtype == np.float32
        assert np.isfinite(prediction.depth_m).all()
        expected = FocalSource.ESTIMATED if focal_px is None else FocalSource.GIVEN
        assert prediction.focal_source is expected


@pytest.mark.parametrize("backend", ONNX_BACKENDS)
def test_onnx_backends_agree_with_torch(backend, tiny_onnx, image, torch_prediction):
    pytest.importorskip(backend)
    predictor = DepthPredictor.from_pretrained(checkpoint=tiny_onnx, backend=backend)
    prediction = predictor.predict(image)
    np.testing.assert_allclose(
        prediction.canonical_inverse_depth,
        torch_prediction.canonical_inverse_depth,
        rtol=1e-4,
        atol=1e-6,
    )
    assert prediction.focal_px == pytest.approx(torch_prediction.focal_px, rel=1e-5)


@pytest.mark.parametrize("backend", ONNX_BACKENDS)
def test_a_torch_checkpoint_is_converted_on_the_fly(backend, image):
    pytest.importorskip(backend)
    predictor = DepthPredictor.from_pretrained(preset="test-tiny-conv", backend=backend)
    assert predictor.backend == backend
    assert np.isfinite(predictor.predict(image, focal_px=40.0).depth_m).all()


@pytest.mark.parametrize(
    ("module", "package"), [("onnxruntime", "onnxruntime"), ("openvino", "openvino")]
)
def test_a_missing_runtime_names_the_package_to_install(module, package, tiny_onnx, monkeypatch):
    monkeypatch.setitem(sys.modules, module, None)  # import now raises ImportError
    with pytest.raises(BackendUnavailableError, match=f"pip install {package}\\b"):
        DepthPredictor.from_pretrained(checkpoint=tiny_onnx, backend=module)


def test_a_missing_runtime_is_one_line_in_the_cli(tiny_onnx, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    image_path = tmp_path / "x.png"
    image_path.write_bytes(b"")  # never read: the model fails first
    code = main(
        ["predict", str(image_path), "--out", str(tmp_path), "--checkpoint", str(tiny_onnx)]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and "pip install onnxruntime" in err


def test_a_missing_gpu_provider_names_onnxruntime_gpu():
    with pytest.raises(BackendUnavailableError, match="pip install onnxruntime-gpu"):
        choose_providers("cuda", [CPU_PROVIDER])
    assert choose_providers("auto", [CPU_PROVIDER]) == [CPU_PROVIDER]
    providers = ["TensorrtExecutionProvider", "CUDAExecutionProvider", CPU_PROVIDER]
    assert choose_providers("cuda:1", providers) == providers
    assert choose_providers("cpu", providers) == [CPU_PROVIDER]


def test_backend_and_file_mismatches_are_refused(tiny_onnx):
    with pytest.raises(ValueError, match="is an ONNX file: run it with backend onnxruntime"):
        DepthPredictor.from_pretrained(checkpoint=tiny_onnx, backend="torch")
    with pytest.raises(ValueError, match="carries its config"):
        DepthPredictor.from_pretrained(checkpoint=tiny_onnx, preset="test-tiny")
    with pytest.raises(ValueError, match="need the torch backend"):
        DepthPredictor.from_pretrained(checkpoint=tiny_onnx, compile_network=True)
    with pytest.raises(ValueError, match="backend must be one of"):
        DepthPredictor.from_pretrained(checkpoint=tiny_onnx, backend="tensorflow")


def test_onnxruntime_refuses_bf16_and_openvino_refuses_cuda(tiny_onnx):
    pytest.importorskip("onnxruntime")
    with pytest.raises(ValueError, match="onnxruntime has no bf16"):
        DepthPredictor.from_pretrained(checkpoint=tiny_onnx, device="cpu", precision="bf16")
    pytest.importorskip("openvino")
    with pytest.raises(ValueError, match="openvino backend runs on cpu"):
        DepthPredictor.from_pretrained(checkpoint=tiny_onnx, backend="openvino", device="cuda")


@pytest.mark.gpu
@pytest.mark.parametrize("precision", ["fp32", "auto"])
def test_onnxruntime_on_a_gpu_provider_agrees_with_torch(
    precision, tiny_onnx, image, torch_prediction
):
    ort = pytest.importorskip("onnxruntime")
    if not {"CUDAExecutionProvider", "TensorrtExecutionProvider"} & set(
        ort.get_available_providers()
    ):
        pytest.skip("no CUDA or TensorRT execution provider (pip install onnxruntime-gpu)")
    predictor = DepthPredictor.from_pretrained(
        checkpoint=tiny_onnx, device="cuda", precision=precision
    )
    assert predictor.runner.session.get_providers()[0] != CPU_PROVIDER
    prediction = predictor.predict(image)
    relative = np.abs(
        prediction.canonical_inverse_depth / torch_prediction.canonical_inverse_depth - 1
    )
    # fp32 on CUDA (TF32 convolutions allowed) or fp16 TensorRT engines with auto.
    assert np.median(relative) < (1e-3 if predictor.precision == "fp32" else 1e-2)

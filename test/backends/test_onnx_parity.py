"""ONNX parity with the reference fixtures: `sharp-depth export` of the reduced official
checkpoint, run on onnxruntime and OpenVINO, reproduces the reference outputs to 1e-4."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from sharp_depth_ros.cli import main
from sharp_depth_ros.inference import DepthPredictor, FocalSource

RTOL = 1e-4  # fixtures README: float32 agrees to about 1e-4 relative
SIGNIFICANT_INVERSE_DEPTH = 0.05  # away from the final ReLU's zeros, as test_reference_parity


@pytest.fixture(scope="module")
def reference(fixtures_dir):
    return np.load(fixtures_dir / "reduced_model_outputs.npz")


@pytest.fixture(scope="module")
def reduced_onnx(fixtures_dir, tmp_path_factory):
    pytest.importorskip("onnx")
    out = tmp_path_factory.mktemp("export") / "reduced.onnx"
    code = main(
        [
            "export",
            "--config",
            str(fixtures_dir / "reduced_config.json"),
            "--checkpoint",
            str(fixtures_dir / "reduced_depth_pro_fp16.pt"),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    return out


def _assert_depth_close(depth, expected, focal_px, width):
    significant = float(focal_px) / (width * expected) > SIGNIFICANT_INVERSE_DEPTH
    assert significant.mean() > 0.99
    np.testing.assert_allclose(depth[significant], expected[significant], rtol=RTOL)


@pytest.mark.parametrize("backend", ["onnxruntime", "openvino"])
def test_case_a_and_c_match_the_reference(backend, reduced_onnx, reference):
    pytest.importorskip(backend)
    predictor = DepthPredictor.from_pretrained(
        checkpoint=reduced_onnx, backend=backend, device="cpu", precision="fp32"
    )
    a = predictor.predict(reference["imageA_uint8"])
    canonical, expected = a.canonical_inverse_depth, reference["A_canonical_inverse_depth"]
    significant = expected > SIGNIFICANT_INVERSE_DEPTH
    np.testing.assert_allclose(canonical[significant], expected[significant], rtol=RTOL)
    assert np.abs(canonical - expected).max() <= 2e-5
    assert a.fov_deg == pytest.approx(float(reference["A_fov_deg"]), rel=1e-5)
    _assert_depth_close(
        a.depth_m[::4, ::4], reference["A_depth_stride4"], reference["A_focallength_px"], 1536
    )
    focal_px = float(reference["C_focallength_px"])
    c = predictor.predict(reference["imageB_uint8"], focal_px=focal_px)
    assert c.focal_source is FocalSource.GIVEN
    _assert_depth_close(c.depth_m, reference["C_depth"], focal_px, 640)


def test_cli_predict_with_the_onnx_file_reproduces_case_b(reduced_onnx, reference, tmp_path):
    pytest.importorskip("onnxruntime")
    image_path = tmp_path / "caseB.png"
    cv2.imwrite(str(image_path), reference["imageB_uint8"][:, :, ::-1])
    out = tmp_path / "out"
    code = main(["predict", str(image_path), "--checkpoint", str(reduced_onnx), "--device",
                 "cpu", "--out", str(out)])  # fmt: skip
    assert code == 0
    saved = np.load(out / "caseB.npz")
    assert float(saved["fov_deg"]) == pytest.approx(float(reference["B_fov_deg"]), rel=1e-5)
    _assert_depth_close(saved["depth"], reference["B_depth"], reference["B_focallength_px"], 640)

"""`sharp-depth predict` end to end, with the reference fixtures."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from sharp_depth_ros.cli import main
from sharp_depth_ros.inference.outputs import depth_to_png_mm

SIGNIFICANT_INVERSE_DEPTH = 0.05


@pytest.fixture(scope="module")
def reference(fixtures_dir):
    return np.load(fixtures_dir / "reduced_model_outputs.npz")


@pytest.fixture()
def inputs(tmp_path, reference):
    folder = tmp_path / "images"
    folder.mkdir()
    cv2.imwrite(str(folder / "caseB.png"), reference["imageB_uint8"][:, :, ::-1])
    (folder / "broken.png").write_text("not an image")
    return folder


def _model_args(fixtures_dir):
    return [
        "--checkpoint",
        str(fixtures_dir / "reduced_depth_pro_fp16.pt"),
        "--config",
        str(fixtures_dir / "reduced_config.json"),
        "--device",
        "cpu",
    ]


def _assert_depth_matches(depth, expected, focal_px, width=640):
    significant = float(focal_px) / (width * expected) > SIGNIFICANT_INVERSE_DEPTH
    np.testing.assert_allclose(depth[significant], expected[significant], rtol=1e-4)


def test_predict_reproduces_the_reference_and_reports_failures(
    fixtures_dir, reference, inputs, tmp_path, capsys
):
    out = tmp_path / "out"
    code = main(["predict", str(inputs), "--out", str(out), *_model_args(fixtures_dir)])
    assert code == 1  # one unreadable image
    assert "broken.png" in capsys.readouterr().err
    saved = np.load(out / "caseB.npz")
    assert float(saved["fov_deg"]) == pytest.approx(float(reference["B_fov_deg"]), rel=1e-5)
    assert float(saved["focal_px"]) == pytest.approx(float(reference["B_focallength_px"]), rel=1e-5)
    _assert_depth_matches(saved["depth"], reference["B_depth"], reference["B_focallength_px"])
    png = cv2.imread(str(out / "caseB_depth.png"), cv2.IMREAD_UNCHANGED)
    assert png.dtype == np.uint16
    np.testing.assert_array_equal(png, depth_to_png_mm(saved["depth"]))
    vis = cv2.imread(str(out / "caseB_vis.png"))
    assert vis.shape == (480, 640, 3)
    assert not [p for p in out.iterdir() if ".tmp" in p.name]  # atomic writes leave no temp files


def test_given_focal_reproduces_case_c(fixtures_dir, reference, inputs, tmp_path):
    out = tmp_path / "out"
    focal = float(reference["C_focallength_px"])
    code = main(
        [
            "predict",
            str(inputs / "caseB.png"),
            "--out",
            str(out),
            "--focal-px",
            str(focal),
            *_model_args(fixtures_dir),
        ]
    )
    assert code == 0
    saved = np.load(out / "caseB.npz")
    assert str(saved["focal_source"]) == "given"
    _assert_depth_matches(saved["depth"], reference["C_depth"], focal)


def test_depth_png_marks_invalid_and_out_of_range_pixels_zero():
    depth = np.array([[1.2345, np.nan, 70.0, 1e4]], np.float32)
    np.testing.assert_array_equal(depth_to_png_mm(depth), [[1234, 0, 0, 0]])


def test_bad_checkpoint_is_one_line_error(tmp_path, capsys):
    (tmp_path / "a.png").write_bytes(cv2.imencode(".png", np.zeros((8, 8, 3), np.uint8))[1])
    code = main(
        [
            "predict",
            str(tmp_path / "a.png"),
            "--out",
            str(tmp_path / "o"),
            "--checkpoint",
            str(tmp_path / "missing.pt"),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing.pt does not exist" in err[0]


def test_every_command_builds_its_predictor_from_the_same_model_arguments() -> None:
    import argparse

    from sharp_depth_ros.commands._model_arguments import add_model_arguments, predictor_from_args

    parser = argparse.ArgumentParser()
    add_model_arguments(parser)
    args = parser.parse_args(["--preset", "test-tiny-conv", "--backend", "onnxruntime"])
    predictor = predictor_from_args(args)
    assert predictor.backend == "onnxruntime"
    depth = predictor.predict(np.full((48, 64, 3), 128, np.uint8), focal_px=60.0).depth_m
    assert depth.shape == (48, 64) and np.isfinite(depth).all()


def test_an_empty_input_is_a_one_line_error_not_the_current_folder(tmp_path, capsys) -> None:
    assert main(["predict", "", "--out", str(tmp_path / "o")]) == 2
    assert "empty input path" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_known_camera_height_rescales_the_depth_by_the_floor(tmp_path, capsys):
    from sharp_depth_ros.inference.ground_scale import CameraMount, fit_ground_scale

    demo = Path(__file__).parents[2] / "sharp_depth_ros" / "assets" / "demo" / "frame_000.png"
    focal = 260.0  # the demo camera (assets/demo/camera.json); the shipped model
    image = [str(demo), "--focal-px", str(focal), "--device", "cpu"]
    assert main(["predict", *image, "--out", str(tmp_path / "plain")]) == 0
    mount = ["--camera-height-m", "1.2", "--camera-pitch-deg", "-5"]
    assert main(["predict", *image, *mount, "--out", str(tmp_path / "floor")]) == 0
    plain = np.load(tmp_path / "plain" / "frame_000.npz")["depth"]
    scaled = np.load(tmp_path / "floor" / "frame_000.npz")["depth"]
    height, width = plain.shape
    intrinsics = np.array([[focal, 0, (width - 1) / 2], [0, focal, (height - 1) / 2], [0, 0, 1]])
    fit = fit_ground_scale(plain, intrinsics, CameraMount(height_m=1.2, pitch_deg=-5.0))
    assert fit is not None and fit.scale != pytest.approx(1.0, abs=1e-3)
    np.testing.assert_allclose(scaled, plain * np.float32(fit.scale), rtol=1e-6)
    assert f"floor scale {fit.scale:.3f}" in capsys.readouterr().err


def test_an_impossible_camera_height_is_a_one_line_error(inputs, tmp_path, capsys):
    code = main(
        [
            "predict",
            str(inputs / "caseB.png"),
            "--out",
            str(tmp_path / "o"),
            "--camera-height-m",
            "-1",
        ]
    )
    assert code == 2
    assert "camera height must be finite and > 0" in capsys.readouterr().err


def test_a_camera_tilt_without_a_height_is_refused(inputs, tmp_path, capsys):
    image = [str(inputs / "caseB.png"), "--out", str(tmp_path / "o")]
    assert main(["predict", *image, "--camera-pitch-deg", "-10"]) == 2
    assert "need --camera-height-m" in capsys.readouterr().err

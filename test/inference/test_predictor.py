"""The predictor: input handling, focal policy, metric conversion, precisions."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from sharp_depth_ros.backends import precision as precision_module
from sharp_depth_ros.backends.cpu_features import parse_cpuinfo
from sharp_depth_ros.inference import DepthPredictor, FocalSource
from sharp_depth_ros.inference.predictor import load_config_file
from sharp_depth_ros.model import create_model
from sharp_depth_ros.pinhole import (
    f35mm_to_focal_px,
    focal_px_to_fov_deg,
    fov_deg_to_focal_px,
)


def _tiny_model_with_plausible_fov():
    torch.manual_seed(0)
    model = create_model("test-tiny")
    with torch.no_grad():
        model.fov.head[-1].bias.fill_(60.0)  # random FOV heads output ~0 deg; aim near 60 deg
    return model


@pytest.fixture(scope="module")
def predictor():
    return DepthPredictor(_tiny_model_with_plausible_fov(), device="cpu")


@pytest.fixture(scope="module")
def image():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(48, 64, 3), dtype=np.uint8)


def test_output_has_the_input_size_and_is_finite_metric_depth(predictor, image):
    prediction = predictor.predict(image, focal_px=50.0)
    assert prediction.depth_m.shape == (48, 64)
    assert prediction.depth_m.dtype == np.float32
    assert np.isfinite(prediction.depth_m).all()
    assert (prediction.depth_m >= 1e-4).all() and (prediction.depth_m <= 1e4).all()
    assert prediction.canonical_inverse_depth.shape == (512, 512)


def test_depth_is_proportional_to_the_focal_length(predictor, image):
    # §3.2: D = f_px / (w C). Where the clamp is inactive, doubling f doubles depth.
    a = predictor.predict(image, focal_px=40.0).depth_m
    b = predictor.predict(image, focal_px=80.0).depth_m
    inside = (a > 1e-3) & (b < 1e3)
    np.testing.assert_allclose(b[inside], 2 * a[inside], rtol=1e-5)


def test_estimated_focal_matches_the_reported_fov(predictor, image):
    prediction = predictor.predict(image)
    assert prediction.focal_source is FocalSource.ESTIMATED
    assert 30 < prediction.fov_deg < 90 and np.isfinite(prediction.depth_m).all()
    assert prediction.fov_deg == pytest.approx(
        focal_px_to_fov_deg(prediction.focal_px, image.shape[1]), rel=1e-9
    )


def test_uint16_images_are_rescaled_not_fed_raw(predictor, image):
    eight_bit = predictor.predict(image, focal_px=50.0).depth_m
    sixteen_bit = predictor.predict(image.astype(np.uint16) * 257, focal_px=50.0).depth_m
    np.testing.assert_allclose(sixteen_bit, eight_bit, rtol=1e-5)


@pytest.mark.parametrize("focal", [0.0, -3.0, math.nan, math.inf])
def test_invalid_focal_lengths_are_refused(predictor, image, focal):
    with pytest.raises(ValueError, match="focal_px must be a finite positive"):
        predictor.predict(image, focal_px=focal)


def test_python_and_numpy_focal_types_are_accepted(predictor, image):
    a = predictor.predict(image, focal_px=50).depth_m
    b = predictor.predict(image, focal_px=np.float64(50.0)).depth_m
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((4, 4), np.uint8),
        np.zeros((4, 4, 4), np.uint8),
        np.zeros((0, 4, 3), np.uint8),
        np.zeros((4, 4, 3), np.int32),
        np.full((4, 4, 3), 2.0, np.float32),
    ],
)
def test_bad_images_raise_value_errors(predictor, bad):
    with pytest.raises(ValueError, match="expected|must"):
        predictor.predict(bad, focal_px=10.0)


def test_fp16_on_cpu_is_refused_with_advice():
    with pytest.raises(ValueError, match="fp16 is not supported on CPU.*use fp32 or auto"):
        DepthPredictor(create_model("test-tiny"), device="cpu", precision="fp16")


def test_cuda_without_cuda_is_refused():
    if torch.cuda.is_available():
        pytest.skip("CUDA present")
    with pytest.raises(ValueError, match="CUDA is not available"):
        DepthPredictor(create_model("test-tiny"), device="cuda")


def test_bf16_on_cpu_stays_close_to_fp32(monkeypatch):
    # Numerics only: pretend the CPU has native bf16 (this one may emulate it, slowly). Trained
    # weights (the shipped model): random ones make relative errors meaningless. Measured on
    # this frame: median 0.39 %, p99 2.5 %. The bound is issue 16's (1 % median) and p99 5 %,
    # far below what a wrong result gives; a non-zero difference shows that bf16 really ran.
    from sharp_depth_ros.ros.demo import load_frames

    native = parse_cpuinfo("model name: test\nflags: avx2 avx512_bf16\n")
    monkeypatch.setattr(precision_module, "cpu_features", lambda: native)
    frames, camera = load_frames()
    fp32_predictor = DepthPredictor.from_pretrained(device="cpu")
    fp32 = fp32_predictor.predict(frames[0], focal_px=camera["fx_px"]).depth_m
    bf16_predictor = DepthPredictor(fp32_predictor.model, device="cpu", precision="bf16")
    assert bf16_predictor.runner.compute_dtype == torch.bfloat16
    bf16 = bf16_predictor.predict(frames[0], focal_px=camera["fx_px"]).depth_m
    assert bf16.dtype == np.float32 and np.isfinite(bf16).all()
    relative = np.abs(bf16 - fp32) / fp32
    assert 0.0 < np.median(relative) < 0.01 and np.percentile(relative, 99) < 0.05


def test_non_finite_network_output_becomes_nan(image, monkeypatch):
    torch.manual_seed(0)
    model = create_model("test-tiny")
    with torch.no_grad():
        model.head[4].bias.fill_(math.nan)
    prediction = DepthPredictor(model, device="cpu").predict(image, focal_px=50.0)
    assert np.isnan(prediction.depth_m).all()


def test_focal_conversions_are_inverse_and_match_the_exif_convention():
    assert fov_deg_to_focal_px(focal_px_to_fov_deg(500.0, 640), 640) == pytest.approx(500.0)
    assert fov_deg_to_focal_px(90.0, 640) == pytest.approx(320.0)
    # Reference fixture case C: 26 mm at 640x480 -> 480.740 px (diagonal convention).
    assert f35mm_to_focal_px(26.0, 640, 480) == pytest.approx(480.740, abs=1e-3)


def test_default_model_missing_gives_an_actionable_error(monkeypatch):
    import sharp_depth_ros.inference.predictor as predictor_module

    monkeypatch.setattr(predictor_module, "bundled_checkpoint", lambda name: None)
    with pytest.raises(FileNotFoundError, match="pass a preset or a checkpoint"):
        DepthPredictor.from_pretrained(device="cpu")


def test_patch_micro_batches_give_the_same_depth(image):
    torch.manual_seed(0)
    model = create_model("test-tiny")
    whole = DepthPredictor(model, device="cpu").predict(image, focal_px=50.0).depth_m
    chunked = DepthPredictor(model, device="cpu", patch_micro_batch=4).predict(image, focal_px=50.0)
    np.testing.assert_allclose(chunked.depth_m, whole, rtol=1e-5)


def test_invalid_micro_batch_is_refused():
    with pytest.raises(ValueError, match="patch_micro_batch"):
        DepthPredictor(create_model("test-tiny"), device="cpu", patch_micro_batch=0)


def test_warmup_runs_the_whole_network(predictor):
    calls = []
    hooks = [
        module.register_forward_hook(lambda m, i, o, name=name: calls.append((name, i[0].shape)))
        for name, module in (("network", predictor.model), ("fov", predictor.model.fov))
    ]
    try:
        predictor.warmup((24, 32))
    finally:
        for hook in hooks:
            hook.remove()
    side = predictor.network_resolution
    assert [name for name, _ in calls] == ["fov", "network"]  # the FOV head runs inside
    assert calls[-1][1] == (1, 3, side, side)  # a network-sized frame went all the way through


def test_impossible_fov_estimate_gives_nan_depth_not_garbage(image):
    torch.manual_seed(0)
    model = create_model("test-tiny")
    with torch.no_grad():
        model.fov.head[-1].bias.fill_(-30.0)  # pushes the FOV estimate below 0 degrees
    prediction = DepthPredictor(model, device="cpu").predict(image)
    assert math.isnan(prediction.focal_px)
    assert np.isnan(prediction.depth_m).all()


def test_conv_network_predicts_metric_depth_and_its_fov(image):
    torch.manual_seed(0)
    predictor = DepthPredictor(create_model("test-tiny-conv"), device="cpu")
    given = predictor.predict(image, focal_px=50.0)
    assert given.depth_m.shape == (48, 64) and np.isfinite(given.depth_m).all()
    assert given.canonical_inverse_depth.shape == (128, 128)
    # A fresh ConvDepthPro starts at C = 0.3 everywhere: D = f / (W C) = 50 / (64 * 0.3).
    np.testing.assert_allclose(given.depth_m, 50.0 / (64 * 0.3), rtol=0.05)
    estimated = predictor.predict(image)
    assert estimated.focal_source is FocalSource.ESTIMATED
    assert estimated.fov_deg == pytest.approx(60.0, rel=0.01)  # the FOV head's initial output


def test_conv_network_refuses_the_vit_pyramid_options():
    with pytest.raises(ValueError, match="ViT Depth Pro only"):
        DepthPredictor(create_model("test-tiny-conv"), device="cpu", reduced_pyramid=True)
    with pytest.raises(ValueError, match="ViT Depth Pro only"):
        DepthPredictor(create_model("test-tiny-conv"), device="cpu", patch_micro_batch=4)


def test_a_json_config_can_name_the_conv_architecture(tmp_path):
    from sharp_depth_ros.model import ConvDepthPro, get_preset

    path = tmp_path / "conv.json"
    config = get_preset("test-tiny-conv")
    path.write_text(json.dumps({"architecture": "conv_depth_pro", **config.to_dict()}))
    assert load_config_file(path) == config
    predictor = DepthPredictor.from_pretrained(config=path, device="cpu")
    assert isinstance(predictor.model, ConvDepthPro)


def test_a_geometric_mean_fov_head_gives_the_focal_length_across_sqrt_w_h(image):
    # The fresh head says 60 deg; across sqrt(W H) pixels of the 64 x 48 frame that is
    # f = sqrt(64 * 48) / (2 tan 30 deg), not the width's 64 / (2 tan 30 deg).
    torch.manual_seed(0)
    model = create_model("test-tiny-conv")
    width_focal = DepthPredictor(model, device="cpu").predict(image).focal_px
    model.set_fov_span("geometric_mean")
    estimate = DepthPredictor(model, device="cpu").predict(image)
    head_fov = math.degrees(2 * math.atan(64 / (2 * width_focal)))
    expected = math.sqrt(64 * 48) / (2 * math.tan(math.radians(head_fov) / 2))
    assert estimate.focal_px == pytest.approx(expected, rel=1e-5)
    assert estimate.focal_px == pytest.approx(width_focal * math.sqrt(48 / 64), rel=1e-5)
    # The reported FOV stays horizontal, for the focal length actually used.
    assert estimate.fov_deg == pytest.approx(math.degrees(2 * math.atan(32 / estimate.focal_px)))

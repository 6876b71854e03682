from __future__ import annotations

import json

import numpy as np
import pytest

from sharp_depth_ros.cli import main
from sharp_depth_ros.evaluation import METRIC_NAMES, load_sample
from sharp_depth_ros.evaluation.report import format_value
from sharp_depth_ros.metrics import boundary_f1, boundary_recall, depth_metrics, focal_metrics

PRED_FOCAL_PX = 33.0  # 10% above the data set's fx = 30


def _write_predictions(dataset_dir, out_dir):
    """Predictions: GT scaled by 1.1 with a blurred edge; `a` has an estimated focal length."""
    out_dir.mkdir()
    predictions = {}
    for name in ("a", "b"):
        depth = np.nan_to_num(load_sample(dataset_dir, name).depth_m, nan=3.0)
        depth = np.where(depth > 0, depth, 3.0) * 1.1
        depth[:, 15] = 0.5 * (depth[:, 14] + depth[:, 16])
        predictions[name] = depth.astype(np.float32)
    np.savez(
        out_dir / "a.npz",
        depth=predictions["a"],
        focal_px=PRED_FOCAL_PX,
        focal_source=np.array("estimated"),
    )
    np.savez(
        out_dir / "b.npz", depth=predictions["b"], focal_px=40.0, focal_source=np.array("given")
    )
    return predictions


def _expected(dataset_dir, predictions, alignment):
    expected = {}
    for name, pred in predictions.items():
        sample = load_sample(dataset_dir, name)
        row = {
            key: value.item()
            for key, value in depth_metrics(
                pred, sample.depth_m, sample.valid, alignment=alignment
            ).items()
        }
        row["boundary_f1"] = boundary_f1(pred, sample.depth_m) if sample.valid.all() else None
        row["boundary_recall"] = boundary_recall(pred, sample.mask) if name == "a" else None
        focal = {k: v.item() for k, v in focal_metrics(PRED_FOCAL_PX, 30.0).items()}
        row.update(focal if name == "a" else dict.fromkeys(focal))
        expected[name] = row
    return expected


def _eval_predictions(dataset_dir, tmp_path, *options: str) -> int:
    """`sharp-depth eval` of the predictions in tmp_path/pred, report into tmp_path/r."""
    predictions = ["--predictions", str(tmp_path / "pred")]
    return main(["eval", str(dataset_dir), "--out", str(tmp_path / "r"), *predictions, *options])


@pytest.mark.parametrize("alignment", ["metric", "lstsq"])
def test_eval_on_predictions_matches_the_metric_functions(dataset_dir, tmp_path, alignment):
    predictions = _write_predictions(dataset_dir, tmp_path / "pred")
    out = tmp_path / "r"
    assert _eval_predictions(dataset_dir, tmp_path, "--alignment", alignment) == 0
    report = json.loads((out / "metrics.json").read_text())
    expected = _expected(dataset_dir, predictions, alignment)
    assert report["alignment"] == alignment and report["image_count"] == 2
    for name, row in expected.items():
        for metric in METRIC_NAMES:
            if row[metric] is None:
                assert report["per_image"][name][metric] is None, (name, metric)
            else:
                assert report["per_image"][name][metric] == pytest.approx(row[metric], abs=1e-12)
    if alignment == "metric":
        # One GT edge per row (left direction only); the blurred column makes two predicted
        # edges per row, one of them right: P = 0.25 * 1/2, R = 0.25 * 1, F1 = 1/6.
        assert report["per_image"]["a"]["boundary_f1"] == pytest.approx(1 / 6)
    assert report["aggregate"]["abs_rel"] == pytest.approx(
        np.mean([row["abs_rel"] for row in expected.values()])
    )
    assert report["counts"]["boundary_recall"] == 1

    table = (out / "metrics.md").read_text().splitlines()
    header = [cell.strip() for cell in table[4].strip("|").split("|")]
    assert header == ["image", *METRIC_NAMES]
    for line in table[6:8]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert cells[1:] == [format_value(expected[cells[0]][m]) for m in METRIC_NAMES]


def test_eval_metric_mode_of_a_scaled_prediction_has_abs_rel_of_the_scale(dataset_dir, tmp_path):
    _write_predictions(dataset_dir, tmp_path / "pred")
    code = _eval_predictions(dataset_dir, tmp_path, "--min-depth", "0.1", "--max-depth", "10")
    assert code == 0
    report = json.loads((tmp_path / "r" / "metrics.json").read_text())
    # Every pixel but the blurred column is exactly 10% too far.
    assert 0.1 <= report["per_image"]["a"]["abs_rel"] < 0.12
    assert report["min_depth_m"] == 0.1 and report["max_depth_m"] == 10.0


def test_missing_prediction_file_is_a_one_line_error(dataset_dir, tmp_path, capsys):
    (tmp_path / "pred").mkdir()
    assert _eval_predictions(dataset_dir, tmp_path) == 2
    assert "no prediction file" in capsys.readouterr().err
    assert not (tmp_path / "r" / "metrics.json").exists()


def test_predictions_and_a_preset_together_are_rejected(dataset_dir, tmp_path, capsys):
    (tmp_path / "pred").mkdir()
    assert _eval_predictions(dataset_dir, tmp_path, "--preset", "test-tiny") == 2
    assert "--predictions" in capsys.readouterr().err


def _tiny_checkpoint_with_fov(path, fov_deg: float):
    """A test-tiny checkpoint whose FOV head always says `fov_deg` (random depth weights)."""
    import torch

    from sharp_depth_ros.checkpoints.native import save_native
    from sharp_depth_ros.model import create_model
    from sharp_depth_ros.model.presets import get_preset

    torch.manual_seed(0)
    model = create_model("test-tiny")
    with torch.no_grad():
        model.fov.head[-1].weight.zero_()
        model.fov.head[-1].bias.fill_(fov_deg)
    save_native(model, path, get_preset("test-tiny"), preset="test-tiny")
    return path


@pytest.mark.parametrize("fov_deg", [70.0, 150.0])
def test_eval_runs_the_network_and_scores_its_focal_estimate(dataset_dir, tmp_path, fov_deg):
    import math

    from sharp_depth_ros.inference import DepthPredictor

    for path in (dataset_dir / "rgb" / "b.png", dataset_dir / "depth" / "b.npy"):
        path.unlink()  # one image keeps the test short
    checkpoint = _tiny_checkpoint_with_fov(tmp_path / "tiny.safetensors", fov_deg)
    out = tmp_path / "report"
    code = main(
        ["eval", str(dataset_dir), "--out", str(out), "--checkpoint", str(checkpoint)]
        + ["--device", "cpu", "--estimate-focal"]
    )
    assert code == 0
    report = json.loads((out / "metrics.json").read_text())
    assert sorted(report["per_image"]) == ["a"]
    row = report["per_image"]["a"]
    # Independently: the same network on the same pixels, the focal length from the FOV, and
    # delta1 and the focal error written out in numpy.
    sample = load_sample(dataset_dir, "a")
    width = sample.rgb.shape[1]
    focal_px = 0.5 * width / math.tan(math.radians(fov_deg) / 2)
    prediction = DepthPredictor.from_pretrained(checkpoint=checkpoint, device="cpu").predict(
        sample.rgb, focal_px=None
    )
    assert prediction.focal_px == pytest.approx(focal_px, rel=1e-5)
    pred, true = prediction.depth_m[sample.valid], sample.depth_m[sample.valid]
    delta1 = float(np.mean(np.maximum(pred / true, true / pred) < 1.25))
    assert row["delta1"] == pytest.approx(delta1, abs=1e-12)
    focal_error = abs(focal_px - 30.0) / 30.0  # the data set's fx is 30 px
    assert row["delta25"] == float(focal_error < 0.25)
    assert row["delta50"] == float(focal_error < 0.5)
    assert row["boundary_recall"] is not None and row["boundary_f1"] is not None


def test_eval_passes_known_intrinsics_so_no_focal_metric_is_reported(dataset_dir, tmp_path):
    for path in (dataset_dir / "rgb" / "b.png", dataset_dir / "depth" / "b.npy"):
        path.unlink()
    out = tmp_path / "report"
    assert main(["eval", str(dataset_dir), "--out", str(out), "--preset", "test-tiny"]) == 0
    row = json.loads((out / "metrics.json").read_text())["per_image"]["a"]
    assert row["focal_relative_error"] is None and row["abs_rel"] is not None

"""Validation and best-checkpoint selection, the code that chose the shipped weights.

`validate` is checked against analytic metrics of prepared predictions on two images; the
trainer's best-<stage>.safetensors against its own validation log on a two-image validation set,
in an uninterrupted run and in one stopped at its best step and resumed.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from sharp_depth_ros.checkpoints import load_checkpoint
from sharp_depth_ros.data.sample import SyntheticSample
from sharp_depth_ros.data.shards import shard_path, write_shard
from sharp_depth_ros.training import TrainConfig, train
from sharp_depth_ros.training.data_sources import build_dataset
from sharp_depth_ros.training.network_samples import to_network_sample
from sharp_depth_ros.training.validation import stage_score, validate

SIZE = 16  # network resolution of the analytic cases
FOCAL_RATIO = 0.8  # f_px / W of both validation images


class TwoWalls(torch.utils.data.Dataset):
    """Image 0: a wall at 2 m; image 1: a wall at 5 m whose left quarter is invalid."""

    def __len__(self) -> int:
        return 2

    def get(self, index: int, seed: int) -> dict[str, torch.Tensor]:
        depth = np.full((32, 32), 2.0 if index == 0 else 5.0, np.float32)
        valid = np.ones((32, 32), bool)
        if index == 1:
            valid[:, :8] = False
        rgb = np.full((32, 32, 3), 60 + 100 * index, np.uint8)
        return to_network_sample(rgb, depth, valid, FOCAL_RATIO * 32, "metric_synthetic", SIZE)


def fov_of(focal_ratio: float) -> float:
    """FOV in degrees of a camera with f_px / W = focal_ratio."""
    return math.degrees(2 * math.atan(0.5 / focal_ratio))


class Replay(nn.Module):
    """A stand-in network that returns prepared depth maps and FOVs, in the order it is called."""

    def __init__(self, depth_m: list[torch.Tensor], fov_deg: list[float] | None) -> None:
        super().__init__()
        self.canonical = [FOCAL_RATIO / d for d in depth_m]  # C = (f_px / W) / D
        self.fov_deg = fov_deg
        self.fov = nn.Linear(1, 1) if fov_deg is not None else None
        self.body = nn.BatchNorm2d(1)
        self.calls = 0

    def forward(self, image: torch.Tensor, run_fov: bool = False) -> SimpleNamespace:
        first, count = self.calls, image.shape[0]
        self.calls += count
        fov = None
        if run_fov and self.fov_deg is not None:
            fov = torch.tensor(self.fov_deg[first : first + count])
        canonical = torch.stack(self.canonical[first : first + count])[:, None]
        return SimpleNamespace(canonical_inverse_depth=canonical, fov_deg=fov)


def predictions() -> list[torch.Tensor]:
    """Image 0: 2 m, but 3 m (ratio 1.5, a miss) on the top quarter; image 1: 4.5 m where valid
    and 100 m on the invalid strip (must not count)."""
    first = torch.full((SIZE, SIZE), 2.0)
    first[: SIZE // 4] = 3.0
    second = torch.full((SIZE, SIZE), 4.5)
    second[:, : SIZE // 4] = 100.0
    return [first, second]


@pytest.mark.parametrize("batch_size", [1, 2])
def test_validate_gives_the_analytic_means_over_the_two_images(batch_size):
    # delta1: image 0 has 3/4 of its pixels within 1.25x, image 1 all (5 / 4.5 = 1.11).
    # abs_rel: image 0: 1/4 * |3 - 2| / 2 = 0.125; image 1: |4.5 - 5| / 5 = 0.1.
    # Focal: image 0 predicts f/W 10 % too long (a hit under 25 %), image 1 40 % (a miss).
    model = Replay(predictions(), [fov_of(FOCAL_RATIO * 1.1), fov_of(FOCAL_RATIO * 1.4)])
    metrics = validate(
        model, TwoWalls(), batch_size=batch_size, max_images=0, device=torch.device("cpu")
    )
    assert metrics["delta1"] == pytest.approx((0.75 + 1.0) / 2)
    assert metrics["abs_rel"] == pytest.approx((0.125 + 0.1) / 2)
    assert metrics["focal_delta25"] == pytest.approx(0.5)
    assert metrics["images"] == 2
    assert stage_score(metrics, "depth") == metrics["delta1"]
    assert stage_score(metrics, "fov") == metrics["focal_delta25"]


class WideWalls(TwoWalls):
    """The two walls in 64 x 16 images (W / H = 4), f_px / W = FOCAL_RATIO."""

    def get(self, index: int, seed: int) -> dict[str, torch.Tensor]:
        depth = np.full((16, 64), 2.0 + 3.0 * index, np.float32)
        rgb = np.full((16, 64, 3), 60 + 100 * index, np.uint8)
        valid = np.ones((16, 64), bool)
        return to_network_sample(rgb, depth, valid, FOCAL_RATIO * 64, "metric_synthetic", SIZE)


@pytest.mark.parametrize(("span", "hits"), [("geometric_mean", 1.0), ("width", 0.0)])
def test_validate_reads_the_fov_across_the_span_of_the_networks_config(span, hits):
    # The head gives the exact angle across sqrt(W H) = W / 2 pixels: read as that, f/W is exact;
    # read as the horizontal FOV, f/W comes out half the truth (a miss).
    angle = math.degrees(2 * math.atan(0.25 / FOCAL_RATIO))
    model = Replay([torch.full((SIZE, SIZE), 2.0), torch.full((SIZE, SIZE), 5.0)], [angle] * 2)
    model.config = SimpleNamespace(fov_span=span)
    metrics = validate(model, WideWalls(), batch_size=2, max_images=0, device=torch.device("cpu"))
    assert metrics["focal_delta25"] == pytest.approx(hits)


def test_validate_stops_at_max_images_and_has_no_focal_score_without_a_fov_head():
    model = Replay(predictions(), None)
    metrics = validate(model, TwoWalls(), batch_size=2, max_images=1, device=torch.device("cpu"))
    assert metrics["images"] == 1 and model.calls == 1
    assert metrics["delta1"] == pytest.approx(0.75)
    assert metrics["abs_rel"] == pytest.approx(0.125)
    assert math.isnan(metrics["focal_delta25"])


def test_validate_restores_each_module_mode_as_in_the_focal_stage():
    model = Replay(predictions(), [60.0, 60.0])
    model.eval()
    model.fov.train()  # the FOV stage: only the head trains (training/loop.py)
    validate(model, TwoWalls(), batch_size=2, max_images=0, device=torch.device("cpu"))
    assert model.fov.training and not model.training and not model.body.training


# ---- best-checkpoint selection in the trainer -------------------------------------------------
RESOLUTION = 128  # test-tiny-conv
VAL_DEPTH_M = 4.0
TRAIN_DEPTH_M = 8.0
STEPS = 4


class FarScenes(torch.utils.data.Dataset):
    """Training scenes at 8 m: the fresh network starts near 2.7 m (f/W 0.8 at canonical 0.3)
    and moves out past the 4 m validation walls, so the validation delta1 rises, then falls."""

    def __len__(self) -> int:
        return 2

    def get(self, index: int, seed: int) -> dict[str, torch.Tensor]:
        rgb, depth, valid, focal_px = wall_scene(index, TRAIN_DEPTH_M)
        return to_network_sample(rgb, depth, valid, focal_px, "metric_synthetic", RESOLUTION)


def wall_scene(index: int, depth_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    rgb = np.full((32, 32, 3), 60, np.uint8)
    rgb[:, : 12 + 8 * index] = 200
    return rgb, np.full((32, 32), depth_m, np.float32), np.ones((32, 32), bool), 25.6


def write_validation_shards(root: Path) -> None:
    samples = []
    for index in range(2):
        rgb, depth, valid, focal_px = wall_scene(index, VAL_DEPTH_M)
        samples.append(
            SyntheticSample(
                rgb=rgb,
                depth_m=depth,
                valid=valid,
                instance=np.zeros(depth.shape, np.uint16),
                foreground_alpha=np.zeros(depth.shape, np.float32),
                intrinsics=np.array([[focal_px, 0, 15.5], [0, focal_px, 15.5], [0, 0, 1]]),
                seed=index,
            )
        )
    write_shard(shard_path(root, 0), [0, 1], samples)


def selection_recipe(validation_root: Path) -> TrainConfig:
    stage = {
        "name": "s",
        "steps": STEPS,
        "objective": "custom",
        "losses": {"metric_synthetic": ["log_mae"]},
        "lr_encoder": 0.05,
        "lr_decoder": 0.05,
        "schedule": {"warmup_fraction": 0.0, "constant_fraction": 1.0},
    }
    val_set = {"name": "val", "kind": "metric_synthetic", "source": "synthetic"}
    return TrainConfig.from_dict(
        {
            "model": {"preset": "test-tiny-conv"},
            "data": {
                "datasets": [{"name": "far", "kind": "metric_synthetic", "source": "analytic"}],
                "batch_size": 2,
            },
            "curriculum": {"stages": [stage]},
            "validation": {
                "datasets": [{**val_set, "path": str(validation_root)}],
                "every_steps": 1,
            },
            "log_every_steps": 1,
            "checkpoint_every_steps": 1000,
        }
    )


def validation_log(out_dir: Path) -> dict[int, float]:
    with open(out_dir / "validation.csv", newline="") as handle:
        return {int(row["step"]): float(row["delta1"]) for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    root = tmp_path_factory.mktemp("selection")
    write_validation_shards(root / "val")
    config = selection_recipe(root / "val")
    result = train(config, root / "a", device="cpu", progress=False, datasets=[FarScenes()])
    return SimpleNamespace(config=config, root=root, out=root / "a", result=result)


def rescore(path: Path, config: TrainConfig) -> float:
    """Validation delta1 of the weights in `path`, as the trainer computes it."""
    model = load_checkpoint(path).model.eval()
    dataset = build_dataset(config.validation.datasets[0], resolution=RESOLUTION, training=False)
    metrics = validate(model, dataset, batch_size=2, max_images=0, device=torch.device("cpu"))
    return metrics["delta1"]


def test_best_checkpoint_holds_the_weights_of_the_best_validation_step(uninterrupted):
    scores = validation_log(uninterrupted.out)
    assert sorted(scores) == list(range(1, STEPS + 1))  # validated after every step
    best_step = max(scores, key=lambda step: (scores[step], -step))  # the first of equal bests
    # The case is meaningful only if the best is neither the first nor the last validation.
    assert 1 < best_step < STEPS, scores
    assert uninterrupted.result.best_scores == {"s": pytest.approx(scores[best_step])}
    best_file = uninterrupted.out / "best-s.safetensors"
    assert rescore(best_file, uninterrupted.config) == pytest.approx(scores[best_step], abs=1e-6)
    final = rescore(uninterrupted.out / "model.safetensors", uninterrupted.config)
    assert final == pytest.approx(scores[STEPS], abs=1e-6) and final < scores[best_step]


def test_resume_after_the_best_step_keeps_the_best_checkpoint(uninterrupted):
    scores = validation_log(uninterrupted.out)
    best_step = max(scores, key=lambda step: (scores[step], -step))
    config, out = uninterrupted.config, uninterrupted.root / "b"
    stopped = train(
        config, out, max_steps=best_step, device="cpu", progress=False, datasets=[FarScenes()]
    )
    assert not stopped.finished and stopped.best_scores == uninterrupted.result.best_scores
    resumed = train(config, out, resume=True, device="cpu", progress=False, datasets=[FarScenes()])
    assert resumed.finished
    # The later, worse validations neither replace the best score nor the best file.
    assert resumed.best_scores == uninterrupted.result.best_scores
    assert validation_log(out) == pytest.approx(scores)
    expected = load_checkpoint(uninterrupted.out / "best-s.safetensors").model.state_dict()
    got = load_checkpoint(out / "best-s.safetensors").model.state_dict()
    for name, value in expected.items():
        torch.testing.assert_close(got[name], value, rtol=1e-5, atol=1e-7, msg=name)

"""Tests of the curriculum: per-kind objectives, step lookup and the batch loss."""

from __future__ import annotations

import math

import pytest
import torch

from sharp_depth_ros.losses import LOSSES
from sharp_depth_ros.training.curriculum import (
    DATASET_KINDS,
    OBJECTIVES,
    CurriculumConfig,
    LossTerm,
    StageConfig,
    stage_loss,
)


def names(objective: str, kind: str) -> list[str]:
    return [t.name for t in OBJECTIVES[objective].get(kind, ())]


def test_stage1_uses_the_papers_objective_for_each_kind():
    assert names("stage1", "metric_synthetic") == ["mae", "ssi_mage"]
    assert names("stage1", "metric_real") == ["trimmed_mae"]
    assert names("stage1", "nonmetric_synthetic") == ["ssi_mae", "ssi_mage"]
    assert names("stage1", "nonmetric_real") == ["ssi_trimmed_mae"]


def test_stage2_trains_on_metric_synthetic_data_only_with_all_five_losses():
    assert set(OBJECTIVES["stage2"]) == {"metric_synthetic"}
    assert names("stage2", "metric_synthetic") == ["mae", "mse", "mage", "male", "msge"]


def test_focal_stage_uses_only_the_fov_l2_loss_and_trains_the_fov_head():
    assert all(names("focal", kind) == ["fov_l2"] for kind in DATASET_KINDS)
    assert StageConfig(name="f", steps=1, objective="focal", trains="fov").trains == "fov"
    with pytest.raises(ValueError, match="trains"):
        StageConfig(name="f", steps=1, objective="focal")  # would train depth on an FOV loss


def test_stage_at_maps_global_steps_to_stages():
    curriculum = CurriculumConfig(
        stages=(
            StageConfig(name="a", steps=3),
            StageConfig(name="b", steps=2, objective="stage2"),
        )
    )
    assert curriculum.total_steps == 5
    assert [curriculum.stage_at(s) for s in range(5)] == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]
    assert curriculum.stage_start(1) == 3
    with pytest.raises(ValueError):
        curriculum.stage_at(5)


def test_unknown_loss_or_kind_is_rejected():
    with pytest.raises(ValueError, match="loss name"):
        LossTerm(name="l1")
    with pytest.raises(ValueError, match="losses"):  # "metric" is not a data-set kind
        StageConfig(name="c", steps=1, objective="custom", losses=(("metric", ()),))


def valid_with_holes(batch_size: int, size: int) -> torch.Tensor:
    """Valid maps with an invalid block of a different size in each image.

    Contiguous holes keep valid derivative stencils at every scale in every image: the
    multi-scale losses average each scale over the images that have any, so only then is the
    loss of a batch exactly the mean of per-image losses.
    """
    valid = torch.ones(batch_size, 1, size, size, dtype=torch.bool)
    for i in range(batch_size):
        valid[i, :, : 2 + i, : 3 + 2 * i] = False
    return valid


def make_batch(kinds: list[str], size: int = 16) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    batch_size = len(kinds)
    return {
        "inverse_depth": torch.rand(batch_size, 1, size, size, generator=generator) + 0.1,
        "valid": valid_with_holes(batch_size, size),
        "fov_deg": torch.full((batch_size,), 60.0),
        "has_focal": torch.ones(batch_size, dtype=torch.bool),
        "kind": torch.tensor([DATASET_KINDS.index(k) for k in kinds]),
    }


def test_stage1_batch_loss_applies_each_kinds_terms_to_its_images_only():
    kinds = ["metric_synthetic", "metric_real", "nonmetric_real", "metric_synthetic"]
    batch = make_batch(kinds)
    pred = torch.rand(4, 1, 16, 16, generator=torch.Generator().manual_seed(1)) + 0.1
    total, terms = stage_loss(StageConfig(name="s", steps=1), pred, None, batch)
    synthetic, real, nonmetric = [0, 3], [1], [2]

    def term(name, rows):
        return LOSSES[name](pred[rows], batch["inverse_depth"][rows], batch["valid"][rows])

    expected = (
        2 / 4 * (term("mae", synthetic) + term("ssi_mage", synthetic))
        + 1 / 4 * term("trimmed_mae", real)
        + 1 / 4 * term("ssi_trimmed_mae", nonmetric)
    )
    assert sorted(terms) == [
        "metric_real/trimmed_mae",
        "metric_synthetic/mae",
        "metric_synthetic/ssi_mage",
        "nonmetric_real/ssi_trimmed_mae",
    ]
    assert total.item() == pytest.approx(expected.item(), rel=1e-6)


def test_stage2_ignores_images_of_kinds_it_does_not_train_on():
    batch = make_batch(["metric_real", "nonmetric_synthetic"])
    pred = torch.rand(2, 1, 16, 16, requires_grad=True)
    total, terms = stage_loss(StageConfig(name="s", steps=1, objective="stage2"), pred, None, batch)
    assert terms == {} and total.item() == 0.0
    total.backward()  # the empty loss still has a graph


def test_mean_of_the_loss_over_batch_halves_equals_the_whole_batch_loss():
    """What DistributedDataParallel's gradient averaging relies on."""
    kinds = ["metric_synthetic", "metric_real", "metric_real", "metric_synthetic"]
    batch = make_batch(kinds)
    pred = torch.rand(4, 1, 16, 16, generator=torch.Generator().manual_seed(2)) + 0.1
    stage = StageConfig(name="s", steps=1)
    whole, _ = stage_loss(stage, pred, None, batch)
    halves = [
        stage_loss(stage, pred[rows], None, {k: v[rows] for k, v in batch.items()})[0]
        for rows in (slice(0, 2), slice(2, 4))
    ]
    assert ((halves[0] + halves[1]) / 2).item() == pytest.approx(whole.item(), rel=1e-6)


def test_focal_stage_loss_is_the_squared_fov_error_in_degrees():
    batch = make_batch(["metric_synthetic", "metric_real"])
    stage = StageConfig(name="f", steps=1, objective="focal", trains="fov")
    total, _ = stage_loss(stage, torch.zeros(2, 1, 16, 16), torch.tensor([62.0, 57.0]), batch)
    assert total.item() == pytest.approx((4.0 + 9.0) / 2)


def test_a_geometric_mean_fov_head_is_judged_by_the_angle_across_sqrt_w_h():
    # f / W = 0.5 for a 16:9 and a 1:1 image: the horizontal FOV is 90 deg for both, the angle
    # across sqrt(W H) = W sqrt(9 / 16) pixels 2 atan(0.75) for the first and 90 deg for the second.
    batch = make_batch(["metric_synthetic", "metric_synthetic"])
    batch["focal_ratio"] = torch.tensor([0.5, 0.5])
    batch["aspect"] = torch.tensor([16 / 9, 1.0])
    batch["fov_deg"] = torch.tensor([90.0, 90.0])
    stage = StageConfig(name="f", steps=1, objective="focal", trains="fov")
    depth = torch.zeros(2, 1, 16, 16)
    exact = torch.tensor([math.degrees(2 * math.atan(0.75)), 90.0])
    total, _ = stage_loss(stage, depth, exact, batch, fov_span="geometric_mean")
    assert total.item() == pytest.approx(0.0, abs=1e-8)
    horizontal, _ = stage_loss(stage, depth, exact, batch)  # the width span: the 90 deg target
    assert horizontal.item() == pytest.approx((90.0 - exact[0].item()) ** 2 / 2, rel=1e-5)


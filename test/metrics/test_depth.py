from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from sharp_depth_ros.metrics import ALIGNMENTS, DEPTH_METRIC_NAMES, depth_metrics


def _target(seed: int = 0, shape=(2, 10, 12)) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(shape, generator=generator, dtype=torch.float64) * 9 + 1


@pytest.mark.parametrize("alignment", ALIGNMENTS)
def test_perfect_prediction_has_zero_error_and_deltas_of_one(alignment):
    target = _target()
    metrics = depth_metrics(target.clone(), target, alignment=alignment)
    assert set(metrics) == set(DEPTH_METRIC_NAMES)
    for name in ("delta1", "delta2", "delta3"):
        assert torch.all(metrics[name] == 1.0)
    for name in ("abs_rel", "sq_rel", "rmse", "rmse_log", "log10", "silog"):
        assert torch.allclose(metrics[name], torch.zeros(2, dtype=torch.float64), atol=1e-6)


def test_metrics_equal_hand_computed_values():
    pred = torch.tensor([[2.0, 4.0]])
    target = torch.tensor([[1.0, 4.0]])
    metrics = depth_metrics(pred.view(1, 1, 2), target.view(1, 1, 2))
    assert metrics["abs_rel"].item() == pytest.approx(0.5)
    assert metrics["sq_rel"].item() == pytest.approx(0.5)
    assert metrics["rmse"].item() == pytest.approx(math.sqrt(0.5))
    assert metrics["rmse_log"].item() == pytest.approx(math.sqrt(math.log(2) ** 2 / 2))
    assert metrics["log10"].item() == pytest.approx(math.log10(2) / 2)
    assert metrics["silog"].item() == pytest.approx(100 * math.log(2) / 2)
    assert metrics["delta1"].item() == pytest.approx(0.5)
    assert metrics["delta3"].item() == pytest.approx(0.5)  # 2 > 1.25^3 = 1.953


def test_median_alignment_removes_a_global_scale():
    target = _target(1)
    metrics = depth_metrics(target * 3.7, target, alignment="median")
    assert torch.allclose(metrics["abs_rel"], torch.zeros(2, dtype=torch.float64), atol=1e-12)
    assert depth_metrics(target * 3.7, target)["abs_rel"].min() > 2.0


@settings(max_examples=25, deadline=None)
@given(
    scale=st.floats(min_value=0.05, max_value=20.0),
    shift=st.floats(min_value=0.0, max_value=5.0),
    seed=st.integers(0, 1000),
)
def test_lstsq_alignment_removes_scale_and_shift_in_inverse_depth(scale, shift, seed):
    target = _target(seed)
    pred = 1.0 / (scale / target + shift)
    metrics = depth_metrics(pred, target, alignment="lstsq")
    assert torch.all(metrics["delta1"] == 1.0)
    assert torch.allclose(metrics["abs_rel"], torch.zeros(2, dtype=torch.float64), atol=1e-8)


def test_invalid_and_out_of_range_pixels_never_change_a_value():
    target = _target(2)
    noise = torch.randn(target.shape, generator=torch.Generator().manual_seed(0))
    pred = target * (1 + 0.1 * noise)
    valid = torch.ones_like(target, dtype=torch.bool)
    valid[:, :3] = False
    target_with_junk = target.clone()
    target_with_junk[:, 3, :4] = 50.0  # beyond max_depth_m
    for alignment in ALIGNMENTS:
        reference = depth_metrics(
            pred, target_with_junk, valid, alignment=alignment, max_depth_m=20.0
        )
        changed_pred = pred.clone()
        changed_pred[:, :3] = 1e3
        changed_pred[:, 3, :4] = -1.0
        changed_target = target_with_junk.clone()
        changed_target[:, :3] = math.nan
        changed_target[:, 3, :4] = 70.0
        changed = depth_metrics(
            changed_pred, changed_target, valid, alignment=alignment, max_depth_m=20.0
        )
        for name in DEPTH_METRIC_NAMES:
            torch.testing.assert_close(changed[name], reference[name], msg=name)


def test_zero_target_pixels_are_not_evaluated():
    target = np.array([[0.0, 2.0], [2.0, 2.0]])
    pred = np.array([[5.0, 2.0], [2.0, 2.0]])
    assert depth_metrics(pred, target)["abs_rel"].item() == 0.0


def test_image_without_valid_pixels_gives_nan():
    target = _target(3, shape=(1, 4, 4))
    metrics = depth_metrics(target, target, torch.zeros_like(target, dtype=torch.bool))
    assert all(math.isnan(value.item()) for value in metrics.values())


def test_bad_alignment_and_range_are_rejected():
    target = _target()
    with pytest.raises(ValueError, match="alignment"):
        depth_metrics(target, target, alignment="mean")
    with pytest.raises(ValueError, match="min_depth_m"):
        depth_metrics(target, target, min_depth_m=5.0, max_depth_m=1.0)


def test_spearman_rank_correlation_matches_scipy_and_ignores_monotone_warps():
    from scipy.stats import spearmanr

    from sharp_depth_ros.metrics import spearman_rank_correlation

    rng = np.random.default_rng(0)
    target = rng.uniform(0.5, 10.0, 500)
    noisy = target + rng.normal(0.0, 2.0, 500)
    assert spearman_rank_correlation(noisy, target) == pytest.approx(spearmanr(noisy, target)[0])
    assert spearman_rank_correlation(np.exp(target), target) == pytest.approx(1.0)
    assert spearman_rank_correlation(1.0 / target, target) == pytest.approx(-1.0)
    assert np.isnan(spearman_rank_correlation(np.full(10, 2.0), target[:10]))

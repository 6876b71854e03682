from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from sharp_depth_ros.metrics import (
    boundary_f1,
    boundary_f1_per_threshold,
    boundary_recall,
    boundary_recall_per_threshold,
    boundary_thresholds,
)


def _load_oracle():
    """The literal-loop oracle next to this file (a test module, not part of the package)."""
    path = Path(__file__).with_name("boundary_reference.py")
    spec = importlib.util.spec_from_file_location("boundary_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_ORACLE = _load_oracle()
reference_boundary_f1 = _ORACLE.reference_boundary_f1
reference_boundary_f1_per_threshold = _ORACLE.reference_boundary_f1_per_threshold
reference_boundary_recall = _ORACLE.reference_boundary_recall
reference_boundary_recall_per_threshold = _ORACLE.reference_boundary_recall_per_threshold


@pytest.fixture(scope="module")
def cases(fixtures_dir):
    with np.load(fixtures_dir / "boundary_metrics.npz") as data:
        return {key: data[key] for key in data.files}


def _depth_cases(cases):
    return [(f"depth{i:02d}", str(name)) for i, name in enumerate(cases["depth_case_names"])]


def _mask_cases(cases):
    return [(f"mask{i:02d}", str(name)) for i, name in enumerate(cases["mask_case_names"])]


def test_thresholds_and_weights_match_the_fixture(cases):
    thresholds, weights = boundary_thresholds()
    np.testing.assert_array_equal(thresholds, cases["thresholds"])
    np.testing.assert_allclose(weights, cases["weights"], atol=1e-15)


def test_boundary_f1_matches_every_fixture_case(cases):
    for prefix, name in _depth_cases(cases):
        pred, target = cases[f"{prefix}_pred"], cases[f"{prefix}_target"]
        scores = boundary_f1_per_threshold(pred, target)
        for field, key in (("f1", "f1_per_t"), ("precision", "p_per_t"), ("recall", "r_per_t")):
            np.testing.assert_allclose(
                getattr(scores, field), cases[f"{prefix}_{key}"], atol=1e-6, err_msg=name
            )
        expected = float(cases[f"{prefix}_si_boundary_f1"])
        assert boundary_f1(pred, target) == pytest.approx(expected, abs=1e-6), name


def test_boundary_recall_matches_every_fixture_case(cases):
    for prefix, name in _mask_cases(cases):
        pred, mask = cases[f"{prefix}_pred"], cases[f"{prefix}_mask"]
        np.testing.assert_allclose(
            boundary_recall_per_threshold(pred, mask),
            cases[f"{prefix}_recall_per_t"],
            atol=1e-6,
            err_msg=name,
        )
        expected = float(cases[f"{prefix}_si_boundary_recall"])
        assert boundary_recall(pred, mask) == pytest.approx(expected, abs=1e-6), name


def test_reference_version_matches_the_fixture_too(cases):
    for prefix, name in _depth_cases(cases):
        expected = float(cases[f"{prefix}_si_boundary_f1"])
        got = reference_boundary_f1(cases[f"{prefix}_pred"], cases[f"{prefix}_target"])
        assert got == pytest.approx(expected, abs=1e-6), name
    for prefix, name in _mask_cases(cases):
        expected = float(cases[f"{prefix}_si_boundary_recall"])
        got = reference_boundary_recall(cases[f"{prefix}_pred"], cases[f"{prefix}_mask"])
        assert got == pytest.approx(expected, abs=1e-6), name


def test_metrics_accept_tensors_and_give_the_same_value(cases):
    pred, target = cases["depth02_pred"], cases["depth02_target"]
    assert boundary_f1(torch.from_numpy(pred), torch.from_numpy(target)) == boundary_f1(
        pred, target
    )
    pred, mask = cases["mask08_pred"], cases["mask08_mask"]
    assert boundary_recall(torch.from_numpy(pred), torch.from_numpy(mask)) == boundary_recall(
        pred, mask
    )


def test_perfect_prediction_of_a_single_edge_direction_scores_a_quarter():
    depth = np.ones((6, 8))
    depth[:, 4:] = 2.0  # only "left is closer" edges
    assert boundary_f1(depth, depth) == pytest.approx(0.25)


def test_inputs_must_be_two_dimensional_and_equal_in_shape():
    with pytest.raises(ValueError, match="2-D"):
        boundary_f1(np.ones((1, 4, 4)), np.ones((1, 4, 4)))
    with pytest.raises(ValueError, match="shapes differ"):
        boundary_recall(np.ones((4, 4)), np.ones((4, 5)))


def _blocky_depth(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Piecewise-constant depth with noise and exact ties (quantised values)."""
    coarse = rng.integers(1, 6, size=(height // 3 + 1, width // 3 + 1)).astype(np.float64)
    depth = np.kron(coarse, np.ones((3, 3)))[:height, :width]
    depth = depth * (1 + np.round(rng.normal(0, 0.05, depth.shape), 2))
    return depth


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    height=st.integers(1, 14),
    width=st.integers(1, 14),
    as_float32=st.booleans(),
)
def test_fast_and_reference_versions_agree_exactly(seed, height, width, as_float32):
    rng = np.random.default_rng(seed)
    pred = _blocky_depth(rng, height, width)
    target = _blocky_depth(rng, height, width)
    alpha = np.round(rng.random((height, width)), 1)  # includes values exactly at 0.1
    if as_float32:
        pred, target = pred.astype(np.float32), target.astype(np.float32)
    fast = boundary_f1_per_threshold(pred, target)
    slow = reference_boundary_f1_per_threshold(pred, target)
    np.testing.assert_array_equal(fast.f1, slow[0])
    np.testing.assert_array_equal(fast.precision, slow[1])
    np.testing.assert_array_equal(fast.recall, slow[2])
    np.testing.assert_array_equal(
        boundary_recall_per_threshold(pred, alpha),
        reference_boundary_recall_per_threshold(pred, alpha),
    )


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), exponent=st.integers(-15, 20))
def test_boundary_metrics_are_invariant_to_scaling_depth(seed, exponent):
    # Powers of two scale exactly in floating point, so the invariance must be exact (scales
    # keep depth above the 1e-6 clip of the inversion, where the metric stops being invariant).
    rng = np.random.default_rng(seed)
    pred = rng.uniform(0.5, 5.0, size=(12, 12))
    target = _blocky_depth(rng, 12, 12)
    mask = rng.random((12, 12))
    scale = 2.0**exponent
    assert boundary_f1(pred * scale, target) == boundary_f1(pred, target)
    assert boundary_f1(pred, target * scale) == boundary_f1(pred, target)
    assert boundary_recall(pred * scale, mask) == boundary_recall(pred, mask)

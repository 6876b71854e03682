"""The colour guided filter that sharpens predicted depth along image edges."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sharp_depth_ros.inference.edge_refinement import (
    fast_guided_filter,
    guided_filter,
    refine_depth,
    snap_steps,
)
from sharp_depth_ros.metrics import boundary_f1


def brute_force(guide, source, radius, epsilon, y, x):
    """The filter at (y, x) from its definition: the mean of the ridge fits of every window
    that covers the pixel (population covariances, as box means give)."""
    values = []
    for cy in range(y - radius, y + radius + 1):
        for cx in range(x - radius, x + radius + 1):
            window = (slice(cy - radius, cy + radius + 1), slice(cx - radius, cx + radius + 1))
            colours = guide[window].reshape(-1, 3).astype(np.float64)
            target = source[window].ravel().astype(np.float64)
            mean_c, mean_t = colours.mean(axis=0), target.mean()
            covariance = (colours - mean_c).T @ (colours - mean_c) / len(target)
            cross = (colours - mean_c).T @ (target - mean_t) / len(target)
            slope = np.linalg.solve(covariance + epsilon * np.eye(3), cross)
            values.append(slope @ guide[y, x] + mean_t - slope @ mean_c)
    return float(np.mean(values))


def test_the_filter_is_its_definition_at_interior_pixels():
    rng = np.random.default_rng(0)
    guide = rng.random((40, 48, 3), dtype=np.float32)
    source = rng.normal(size=(40, 48)).astype(np.float32)
    radius, epsilon = 3, 1e-3
    out = guided_filter(guide, source, radius, epsilon)
    for y, x in [(10, 10), (20, 30), (25, 17)]:
        assert out[y, x] == pytest.approx(
            brute_force(guide, source, radius, epsilon, y, x), abs=2e-4
        )


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), value=st.floats(-5.0, 5.0))
def test_a_constant_source_stays_constant_whatever_the_image(seed, value):
    guide = np.random.default_rng(seed).random((24, 32, 3), dtype=np.float32)
    out = guided_filter(guide, np.full((24, 32), value, np.float32), 4)
    np.testing.assert_allclose(out, value, atol=1e-4)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), factor=st.floats(0.01, 100.0))
def test_refinement_is_scale_invariant(seed, factor):
    rng = np.random.default_rng(seed)
    image = rng.random((30, 40, 3), dtype=np.float32)
    depth = rng.uniform(0.5, 10.0, (30, 40)).astype(np.float32)
    np.testing.assert_allclose(
        refine_depth(image, factor * depth), factor * refine_depth(image, depth), rtol=1e-4
    )


def step_scene(width: int = 96, height: int = 64, edge: int = 40, ramp_px: int = 10):
    """A dark wall at 1 m left of column `edge`, a bright one at 2 m right of it; the predicted
    depth blurs the step over `ramp_px` pixels, as a coarse network does."""
    columns = np.arange(width)
    image = np.zeros((height, width, 3), np.float32)
    image[:, :edge] = (0.15, 0.2, 0.25)
    image[:, edge:] = (0.8, 0.7, 0.6)
    exact = np.where(columns < edge, 1.0, 2.0)[None].repeat(height, axis=0).astype(np.float32)
    blend = np.clip((columns - edge + ramp_px / 2) / ramp_px, 0.0, 1.0)
    blurred = np.exp((1 - blend) * np.log(1.0) + blend * np.log(2.0))
    return image, exact, blurred[None].repeat(height, axis=0).astype(np.float32)


def test_a_blurred_depth_step_becomes_sharp_at_the_image_edge():
    image, exact, blurred = step_scene()
    refined = refine_depth(image, blurred, radius=6)
    # The blurred map steps by 2 ** (1 / 10) per pixel over 10 pixels; the refined one puts
    # most of the step between the two pixels at the image edge, and little anywhere else.
    ratios = refined[:, 1:] / refined[:, :-1]
    assert (np.argmax(ratios, axis=1) == 39).all()
    assert ratios[:, 39].min() > 1.4 and np.delete(ratios, 39, axis=1).max() < 1.03
    assert blurred[32, 40] / blurred[32, 39] < 1.08
    # Away from the edge the walls keep their depth.
    np.testing.assert_allclose(refined[:, :25], 1.0, rtol=0.01)
    np.testing.assert_allclose(refined[:, 55:], 2.0, rtol=0.01)
    # Boundary F1 of the exact map itself (0.25 here: the edge shows in one of its four
    # directions, a quirk of the reference metric), against nearly 0 before.
    assert boundary_f1(refined, exact) == pytest.approx(boundary_f1(exact, exact))
    assert boundary_f1(blurred, exact) < 0.01


def test_without_image_edges_a_depth_ramp_is_kept():
    image = np.full((48, 64, 3), 0.5, np.float32)
    depth = np.exp(np.linspace(0.0, 1.0, 64))[None].repeat(48, axis=0).astype(np.float32)
    refined = refine_depth(image, depth, radius=4)
    np.testing.assert_allclose(refined[8:-8, 8:-8], depth[8:-8, 8:-8], rtol=1e-3)


def test_the_fast_filter_is_the_exact_one_at_scale_one_and_close_above():
    image, _, blurred = step_scene(width=128, height=96, edge=60, ramp_px=12)
    source = -np.log(blurred)
    exact = guided_filter(image, source, 8)
    np.testing.assert_array_equal(fast_guided_filter(image, source, 8, 1e-4, 1.0), exact)
    coarse = fast_guided_filter(image, source, 8, 1e-4, 2.0)
    assert np.abs(coarse - exact).mean() < 0.01 * np.abs(source).max()


def test_bad_maps_are_left_alone_or_refused():
    image, _, blurred = step_scene()
    holes = blurred.copy()
    holes[3, 4] = np.nan
    assert refine_depth(image, holes) is holes
    with pytest.raises(ValueError, match="size"):
        refine_depth(image[:10], blurred)


def test_the_predictor_refines_convolutional_networks_by_default_and_never_the_vit():
    from sharp_depth_ros.inference.predictor import DepthPredictor

    image = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    conv = DepthPredictor.from_pretrained(preset="test-tiny-conv", device="cpu")
    vit = DepthPredictor.from_pretrained(preset="test-tiny", device="cpu")
    assert (conv.edge_refinement, vit.edge_refinement) == ("guided", "none")
    plain = DepthPredictor(conv.model, device="cpu", edge_refinement="none")
    raw = plain.predict(image, focal_px=50.0).depth_m
    refined = conv.predict(image, focal_px=50.0).depth_m
    np.testing.assert_allclose(refined, refine_depth(image / np.float32(255.0), raw), rtol=1e-5)
    with pytest.raises(ValueError, match="edge_refinement must be one of"):
        DepthPredictor(conv.model, device="cpu", edge_refinement="bilateral")


def test_the_cli_chooses_the_refinement():
    import argparse

    from sharp_depth_ros.commands._model_arguments import add_model_arguments

    parser = argparse.ArgumentParser()
    add_model_arguments(parser)
    assert parser.parse_args([]).edge_refinement == "auto"
    assert parser.parse_args(["--edge-refinement", "none"]).edge_refinement == "none"


def test_snapping_makes_a_three_pixel_step_one_pixel_wide_without_flying_pixels():
    # 1 m wall, two pixels between, 2 m wall: the in-between pixels are "flying".
    row = np.array([1.0] * 10 + [1.2, 1.7] + [2.0] * 10, np.float32)
    depth = row[None].repeat(5, axis=0)
    snapped = snap_steps(depth, radius=1)
    np.testing.assert_array_equal(snapped[2], [1.0] * 11 + [2.0] * 11)
    assert set(np.unique(snapped)) == {1.0, 2.0}


def test_snapping_leaves_smooth_surfaces_and_gentle_ramps_alone():
    # A floor receding at 3 % per pixel: its 3 x 3 windows span 6 %, below the 10 % of a step.
    depth = np.exp(0.03 * np.arange(40, dtype=np.float32))[None].repeat(6, axis=0)
    np.testing.assert_array_equal(snap_steps(depth, radius=1), depth)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**16), factor=st.floats(0.01, 100.0))
def test_snapping_is_scale_invariant_and_only_takes_values_of_the_window(seed, factor):
    rng = np.random.default_rng(seed)
    depth = np.exp(rng.uniform(0.0, 1.0, (12, 12))).astype(np.float32)
    snapped = snap_steps(depth, radius=1)
    np.testing.assert_allclose(snap_steps(depth * factor, radius=1), snapped * factor, rtol=1e-5)
    padded = np.pad(depth, 1, mode="edge")
    for y, x in [(0, 0), (5, 7), (11, 3)]:
        window = padded[y : y + 3, x : x + 3]
        assert window.min() * (1 - 1e-6) <= snapped[y, x] <= window.max() * (1 + 1e-6)


def test_refinement_snaps_after_the_filter_and_steepens_its_step():
    image, exact, blurred = step_scene()
    filtered = refine_depth(image, blurred, radius=6, snap_ratio=None)
    snapped = refine_depth(image, blurred, radius=6)
    radius = 1  # SNAP_RADIUS_FRACTION of a 96 px width, at least 1
    np.testing.assert_array_equal(snapped, snap_steps(filtered, radius))
    step_ratio = lambda depth: (depth[:, 40] / depth[:, 39]).min()  # noqa: E731
    assert step_ratio(snapped) > step_ratio(filtered) * 1.02

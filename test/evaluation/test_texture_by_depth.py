"""The texture-by-depth measure: texture counts, object outlines and holes do not."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def measure(benchmark_script):
    return benchmark_script("texture_by_depth")


def test_a_textured_surface_scores_higher_than_a_plain_one(measure):
    rng = np.random.default_rng(0)
    plain = np.full((64, 64, 3), 128, np.uint8)
    speckle = rng.normal(0, 30, (32, 32, 1)).repeat(2, axis=0).repeat(2, axis=1)  # 2 px features
    textured = np.clip(128 + speckle, 0, 255).astype(np.uint8).repeat(3, axis=2)
    assert measure.band_energy(plain).max() == pytest.approx(0.0, abs=1e-6)
    assert np.median(measure.band_energy(textured)) > 0.01


def test_pixels_near_a_depth_step_or_a_hole_are_left_out(measure):
    depth = np.full((40, 60), 2.0, np.float32)
    depth[:, 30:] = 4.0  # a step at column 30
    valid = np.ones_like(depth, dtype=bool)
    valid[35:, :5] = False  # a hole in a corner
    keep = measure.away_from_depth_edges(depth, valid)
    margin = measure.EDGE_MARGIN_PX
    assert not keep[:, 30 - margin : 30 + margin].any()
    assert keep[:20, : 30 - margin - 1].any() and keep[:20, 30 + margin + 1 :].any()
    assert not keep[35 - margin :, : 5 + margin].any()
    # A slanted floor changes depth smoothly and stays in.
    floor = np.linspace(1.0, 1.5, 40, dtype=np.float32)[:, None].repeat(60, axis=1)
    assert measure.away_from_depth_edges(floor, np.ones_like(floor, dtype=bool))[10:30].all()

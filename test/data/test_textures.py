"""Procedural textures: deterministic per seed, in range; dead leaves with natural statistics."""

from __future__ import annotations

import numpy as np
import pytest

from sharp_depth_ros.data.textures import (
    TEXTURE_SIZE,
    dead_leaves_texture,
    procedural_texture,
    random_texture,
)


@pytest.mark.parametrize("make", [dead_leaves_texture, procedural_texture])
def test_textures_are_deterministic_per_seed_and_in_range(make) -> None:
    first = make(np.random.default_rng(7))
    again = make(np.random.default_rng(7))
    other = make(np.random.default_rng(8))
    assert first.shape == (TEXTURE_SIZE, TEXTURE_SIZE, 3) and first.dtype == np.float32
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    assert np.isfinite(first).all() and first.min() >= 0.0 and first.max() <= 1.0


def test_dead_leaves_cover_the_texture_with_edges_at_every_scale() -> None:
    texture = dead_leaves_texture(np.random.default_rng(3)).mean(axis=2)
    # Edges at several scales: the texture keeps contrast after 2x and 4x box downsampling,
    # as natural images do (a regular pattern or a plain colour loses it or has none).
    contrasts = []
    for factor in (1, 2, 4):
        small = texture.reshape(TEXTURE_SIZE // factor, factor, -1, factor).mean(axis=(1, 3))
        contrasts.append(np.abs(np.diff(small, axis=1)).mean())
    assert min(contrasts) > 0.2 * max(contrasts), contrasts
    # Many regions, not a background with a few discs: many distinct grey levels.
    assert len(np.unique(np.round(texture, 3))) > 100


def test_random_texture_mixes_both_kinds_by_probability() -> None:
    rng = np.random.default_rng(0)
    names = [random_texture(rng, dead_leaves_probability=0.4)[1] for _ in range(200)]
    share = names.count("dead-leaves") / len(names)
    assert set(names) == {"dead-leaves", "procedural"} and 0.3 < share < 0.5
    assert {random_texture(rng, 0.0)[1] for _ in range(20)} == {"procedural"}

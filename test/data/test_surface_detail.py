"""The opt-in surface detail of the robot-view materials (`SceneConfig.surface_detail`)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sharp_depth_ros.data import materials
from sharp_depth_ros.data.generate import generate
from sharp_depth_ros.data.robot_scenes import sample_robot_scene
from sharp_depth_ros.data.scene_sampler import SceneConfig

from .test_generate import RENDER, fake_render

ROBOT = SceneConfig(width=48, height=36, family="robot")
DETAILED = replace(ROBOT, surface_detail=True)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), cells=st.sampled_from([4, 16, 64]))
def test_tileable_noise_wraps_as_smoothly_as_it_varies_inside(seed, cells):
    noise = materials.tileable_noise(np.random.default_rng(seed), 128, cells)
    assert noise.shape == (128, 128) and 0.0 <= noise.min() and noise.max() <= 1.0
    # Tiled twice, the seam steps are no larger than the steps elsewhere in the tile.
    tiled = np.concatenate([noise, noise], axis=1)
    steps = np.abs(np.diff(tiled, axis=1))
    assert steps[:, 127].max() <= steps.max() + 1e-6
    rows = np.abs(np.diff(np.concatenate([noise, noise], axis=0), axis=0))
    assert rows[127].max() <= rows.max() + 1e-6


def test_the_grain_is_normalised_and_finest_where_the_spectrum_says():
    grain = materials.surface_grain(np.random.default_rng(0))
    assert grain.shape == (materials.DETAIL_TEXTURE_SIZE,) * 2
    assert abs(float(grain.mean())) < 1e-4 and abs(float(grain.std()) - 1.0) < 1e-4
    # Texel-to-texel steps carry a real part of the contrast: it is a grain, not blotches.
    assert float(np.abs(np.diff(grain, axis=1)).mean()) > 0.2


def test_detail_keeps_the_material_its_repeat_and_its_mean_colour():
    rng = np.random.default_rng(3)
    for factory in (materials.plaster, materials.asphalt, materials.tile, materials.wood):
        plain = factory(rng)
        detailed = materials.with_surface_detail(plain, rng)
        assert detailed.name == plain.name and detailed.repeat_m == plain.repeat_m
        assert detailed.texture.shape == (materials.DETAIL_TEXTURE_SIZE,) * 2 + (3,)
        assert detailed.texture.dtype == np.float32
        assert 0.0 <= detailed.texture.min() and detailed.texture.max() <= 1.0
        np.testing.assert_allclose(
            detailed.texture.mean(axis=(0, 1)),
            plain.texture.mean(axis=(0, 1)),
            rtol=0.05,
            atol=0.01,
        )


def test_gritty_materials_get_more_grain_than_plaster():
    def grain_of(material: materials.SurfaceMaterial) -> float:
        base = materials._upsampled_tile(material.texture, materials.DETAIL_TEXTURE_SIZE)
        detailed = materials.with_surface_detail(material, np.random.default_rng(1)).texture
        return float(np.std(detailed.mean(axis=2) / np.maximum(base.mean(axis=2), 1e-3)))

    rng = np.random.default_rng(2)
    plaster, asphalt = materials.plaster(rng), materials.asphalt(rng)
    assert grain_of(plaster) == pytest.approx(materials.DETAIL_CONTRAST["plaster"], rel=0.2)
    assert grain_of(asphalt) > 2.5 * grain_of(plaster)


def test_detail_changes_the_textures_and_nothing_else_of_the_scene():
    for seed in range(6):
        plain, detailed = sample_robot_scene(seed, ROBOT), sample_robot_scene(seed, DETAILED)
        assert detailed.params == plain.params | {"surface_detail": True}
        assert "surface_detail" not in plain.params  # the default records stay as they were
        np.testing.assert_array_equal(detailed.camera.position_m, plain.camera.position_m)
        np.testing.assert_array_equal(
            detailed.camera.world_from_camera, plain.camera.world_from_camera
        )
        for a, b in zip(plain.objects, detailed.objects, strict=True):
            np.testing.assert_array_equal(a.mesh.vertices, b.mesh.vertices)
            assert a.material_index == b.material_index and a.uv_scale == b.uv_scale
        for a, b in zip(plain.materials, detailed.materials, strict=True):
            assert (a.glossy, a.roughness) == (b.glossy, b.roughness)
            assert a.texture.shape[0] < b.texture.shape[0] == materials.DETAIL_TEXTURE_SIZE
    again = sample_robot_scene(4, DETAILED)
    for a, b in zip(again.materials, sample_robot_scene(4, DETAILED).materials, strict=True):
        np.testing.assert_array_equal(a.texture, b.texture)


def test_the_clutter_family_ignores_the_detail():
    clutter = SceneConfig(width=48, height=36)
    from sharp_depth_ros.data.scene_sampler import sample_clutter_scene

    a = sample_clutter_scene(5, clutter)
    b = sample_clutter_scene(5, replace(clutter, surface_detail=True))
    assert a.params == b.params
    for x, y in zip(a.materials, b.materials, strict=True):
        np.testing.assert_array_equal(x.texture, y.texture)


def test_the_detail_enters_the_manifest_only_when_on_so_older_folders_still_resume(tmp_path):
    kwargs = dict(count=2, seed=5, render=RENDER, workers=0, render_fn=fake_render)
    generate(tmp_path / "plain", scene=ROBOT, **kwargs)
    manifest = json.loads((tmp_path / "plain" / "manifest.json").read_text())
    assert "surface_detail" not in manifest["scene"]
    generate(tmp_path / "detail", scene=DETAILED, **kwargs)
    manifest = json.loads((tmp_path / "detail" / "manifest.json").read_text())
    assert manifest["scene"]["surface_detail"] is True
    with pytest.raises(ValueError, match="scene"):
        generate(tmp_path / "plain", scene=DETAILED, **kwargs)


def test_synth_command_passes_the_flag():
    import argparse

    from sharp_depth_ros.commands import synth

    parser = argparse.ArgumentParser()
    synth.add_arguments(parser)
    assert parser.parse_args(["--surface-detail"]).surface_detail is True
    assert parser.parse_args([]).surface_detail is False

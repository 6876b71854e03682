from __future__ import annotations

import math

import numpy as np
import pytest

from sharp_depth_ros.data.robot_scenes import (
    CAMERA_CLEARANCE_M,
    LIGHT_AREA_M2,
    sample_robot_scene,
)
from sharp_depth_ros.data.scene_families import sample_scene
from sharp_depth_ros.data.scene_sampler import (
    MATERIAL_SLOTS,
    SceneConfig,
    sample_clutter_scene,
)

from .conftest import pixel_rays

ROBOT = SceneConfig(width=48, height=36, family="robot")
SEEDS = range(40)
STANDING_KINDS = ("table_legs", "chair_legs", "shelf", "cabinet", "counter", "sofa", "boxes",
                  "bin", "person", "pallet", "rack", "wheels", "pole", "bollard", "bench_legs",
                  "trunk")  # fmt: skip


@pytest.fixture(scope="module")
def scenes():
    return [sample_robot_scene(seed, ROBOT) for seed in SEEDS]


def test_same_seed_gives_the_same_robot_scene():
    a, b = sample_robot_scene(7, ROBOT), sample_robot_scene(7, ROBOT)
    assert a.params == b.params
    for x, y in zip(a.objects, b.objects, strict=True):
        np.testing.assert_array_equal(x.mesh.vertices, y.mesh.vertices)
    assert sample_robot_scene(8, ROBOT).params != a.params


def test_all_scene_kinds_occur(scenes):
    kinds = {s.params["scene"] for s in scenes}
    assert kinds == {"room", "closeup", "corridor", "warehouse", "street"}


def test_cameras_are_upright_at_robot_heights_and_pitches(scenes):
    for spec in scenes:
        rotation = spec.camera.world_from_camera
        right, forward = rotation[:, 0], rotation[:, 2]
        # Roll: the image x axis tilts out of the horizontal plane by at most 3 degrees.
        assert abs(math.degrees(math.asin(right[2]))) <= 3.0 + 1e-9
        pitch = math.degrees(math.asin(forward[2]))
        assert -30.0 - 1e-9 <= pitch <= 10.0 + 1e-9
        assert 0.15 - 1e-9 <= spec.params["camera"]["height_m"] <= 1.8 + 1e-9
        assert 45.0 <= spec.camera.hfov_deg <= 110.0


def test_heights_cover_floor_robots_and_humanoids(scenes):
    heights = np.array([s.params["camera"]["height_m"] for s in scenes])
    assert heights.min() < 0.5 and heights.max() > 1.2


def test_structure_matches_the_renderer_slots(scenes):
    for spec in scenes:
        assert len(spec.materials) == MATERIAL_SLOTS
        assert [m.glossy for m in spec.materials] == [False] * 9 + [True] * 3
        lights = [o for o in spec.objects if o.emitter_radiance is not None]
        assert 1 <= len(lights) <= 4 if spec.params["scene"] != "street" else not lights
        for light in lights:
            v = light.mesh.vertices
            area = np.linalg.norm(np.cross(v[1] - v[0], v[3] - v[0]))
            assert area == pytest.approx(LIGHT_AREA_M2)


def test_tables_have_real_heights_and_furniture_stands_on_the_ground(scenes):
    tops = [o.mesh.vertices[:, 2].max() for s in scenes for o in s.objects if o.kind == "table"]
    assert tops and all(0.72 - 1e-9 <= top <= 0.76 + 1e-9 for top in tops)
    for spec in scenes:
        ground = 0.0
        if spec.params["scene"] == "street":
            ground = min(o.mesh.vertices[:, 2].max() for o in spec.objects if o.kind == "kerb")
        for o in spec.objects:
            if o.kind in STANDING_KINDS:
                bottom = o.mesh.vertices[:, 2].min()
                # Rooms stand on z = 0; street objects on the road (0) or the sidewalk (kerb).
                assert min(abs(bottom), abs(bottom - ground)) < 1e-6, (o.kind, bottom)


def test_nothing_comes_nearer_to_the_camera_than_its_clearance(scenes):
    for spec in scenes:
        eye = spec.camera.position_m
        for o in spec.objects:
            if o.mesh is None or o.emitter_radiance is not None:
                continue
            low, high = o.mesh.vertices.min(axis=0), o.mesh.vertices.max(axis=0)
            gap = np.linalg.norm(np.maximum(0.0, np.maximum(low - eye, eye - high)))
            # Floors: the camera height (>= 0.15 m); walls: >= 0.35 m minus a door frame's
            # 3 cm; furniture: the footprint clearance.
            limit = 0.15 if o.kind in ("floor", "road", "sidewalk", "ground", "grass") else 0.3
            assert gap >= min(limit, CAMERA_CLEARANCE_M) - 1e-6, (spec.params["seed"], o.kind, gap)


def test_clutter_family_is_the_unchanged_generator():
    clutter = SceneConfig(width=48, height=36, family="clutter")
    default = SceneConfig(width=48, height=36)
    for seed in range(5):
        a, b = sample_scene(seed, clutter), sample_clutter_scene(seed, default)
        assert a.params == b.params
        np.testing.assert_array_equal(a.materials[3].texture, b.materials[3].texture)


def test_mix_draws_both_families_and_each_scene_as_its_family_would():
    mix = SceneConfig(width=48, height=36, family="mix", robot_fraction=0.5)
    families = [sample_scene(seed, mix).params.get("family", "clutter") for seed in range(40)]
    assert 10 < families.count("robot") < 30
    seed = families.index("robot")
    assert sample_scene(seed, mix).params == sample_robot_scene(seed, mix).params


def test_scene_config_rejects_an_unknown_family():
    with pytest.raises(ValueError, match="family"):
        SceneConfig(family="forest")


def test_rendered_floor_depth_matches_the_ray_plane_closed_form():
    pytest.importorskip("mitsuba")
    from sharp_depth_ros.data.renderer import RenderConfig, render_sample

    config = SceneConfig(width=64, height=48, family="robot")
    checked = 0
    for seed in range(12):
        spec = sample_robot_scene(seed, config)
        if spec.params["scene"] == "street":
            continue
        sample = render_sample(spec, RenderConfig(spp=1, max_bounces=2, alpha_grid=1), seed)
        floor_ids = [i + 1 for i, o in enumerate(spec.objects) if o.kind == "floor"]
        on_floor = np.isin(sample.instance, floor_ids) & sample.valid
        rays = pixel_rays(spec.camera) @ spec.camera.world_from_camera.T  # world, camera z = 1
        # The floor is z = 0: camera height + t * ray_z = 0, and the planar depth is t.
        expected = -spec.camera.position_m[2] / rays[..., 2]
        np.testing.assert_allclose(sample.depth_m[on_floor], expected[on_floor], rtol=1e-4)
        checked += int(on_floor.sum())
        assert sample.foreground_alpha.shape == sample.depth_m.shape
        assert sample.instance.max() <= len(spec.objects)
        if checked > 2000:
            break
    assert checked > 500

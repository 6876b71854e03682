from __future__ import annotations

import numpy as np
import pytest

from sharp_depth_ros.data.scene_families import sample_scene
from sharp_depth_ros.data.scene_sampler import (
    SOLID_KINDS,
    THIN_KINDS,
    SceneConfig,
    sample_seed,
)


def test_sample_seed_depends_on_global_seed_and_index():
    seeds = {sample_seed(g, i) for g in range(3) for i in range(50)}
    assert len(seeds) == 150
    assert sample_seed(4, 9) == sample_seed(4, 9)


def test_same_seed_gives_the_same_scene():
    config = SceneConfig(width=32, height=32)
    a, b = sample_scene(123, config), sample_scene(123, config)
    assert a.params == b.params
    for x, y in zip(a.objects, b.objects, strict=True):
        if x.mesh is not None:
            np.testing.assert_array_equal(x.mesh.vertices, y.mesh.vertices)
    np.testing.assert_array_equal(a.materials[0].texture, b.materials[0].texture)
    assert sample_scene(124, config).params != a.params


def test_scenes_hold_configured_counts_and_thin_foreground_structures():
    config = SceneConfig(width=32, height=32, object_count=(10, 40), thin_count=(2, 7))
    kinds_seen = set()
    for seed in range(12):
        spec = sample_scene(seed, config)
        kinds = [o.kind for o in spec.objects]
        kinds_seen |= set(kinds)
        thin = [o for o in spec.objects if o.kind in THIN_KINDS]
        assert 2 <= len(thin) <= 7 and all(o.foreground for o in thin)
        assert spec.camera.width == 32
        assert 30 <= spec.params["camera"]["hfov_deg"] <= 110
    assert {"fence", "wire", "strands", "panel", "branch", "pole"} <= kinds_seen
    assert {"ground", "floor"} <= kinds_seen  # both outdoor and indoor scenes occur


def test_vary_size_keeps_pixel_count_and_draws_aspects():
    config = SceneConfig(width=64, height=64, vary_size=True)
    sizes = {
        (s.camera.width, s.camera.height) for s in (sample_scene(i, config) for i in range(20))
    }
    assert len(sizes) > 2
    assert all(abs(w * h - 4096) / 4096 < 0.1 for w, h in sizes)


def test_metric_scale_cues_camera_height_and_object_size_do_not_follow_distance():
    config = SceneConfig(width=32, height=32, outdoor_eye_height_m=(0.6, 1.8))
    solids, heights = [], []
    for seed in range(30):
        spec = sample_scene(seed, config)
        if spec.params["scene"] == "outdoor":
            heights.append(spec.params["camera"]["height_m"])
        for o in spec.objects:
            if o.kind in ("box", "cylinder", "torus", "extrusion") and not o.foreground:
                extent = np.ptp(o.mesh.vertices, axis=0).max()
                distance = np.linalg.norm(o.mesh.vertices[:, :2].mean(axis=0))
                solids.append((distance, extent))
    assert heights and all(0.6 <= h <= 1.8 for h in heights)
    distance, extent = np.asarray(solids).T
    far, near = extent[distance > 15.0], extent[distance < 3.0]
    # Real-world sizes: a far object is no bigger than a near one (sizes were once ~ distance).
    assert len(far) > 10 and len(near) > 10
    assert np.median(far) < 2 * np.median(near)
    assert extent.max() < 2.0 * np.sqrt(3) * 2.0  # at most the diagonal of a 2 m (x2) solid


def test_no_solid_or_occluder_reaches_the_camera():
    # Sizes drawn without regard to distance once put the camera inside a 2 m solid 0.8 m away
    # (a gap of -0.57 m over these seeds): frames of blur with depths of a few centimetres.
    config = SceneConfig(width=32, height=32)
    gaps = []
    for seed in range(40):
        spec = sample_scene(seed, config)
        camera = spec.camera.position_m
        for o in spec.objects:
            if o.kind not in SOLID_KINDS:
                continue
            if o.sphere_center_m is not None:
                gaps.append(np.linalg.norm(o.sphere_center_m - camera) - o.sphere_radius_m)
                continue
            # Distance to the bounding sphere: a lower bound on the distance to the surface.
            centre = (o.mesh.vertices.max(axis=0) + o.mesh.vertices.min(axis=0)) / 2
            radius = np.linalg.norm(o.mesh.vertices - centre, axis=1).max()
            gaps.append(np.linalg.norm(centre - camera) - radius)
    assert len(gaps) > 500
    assert min(gaps) > 0.15


def test_occluder_sizes_are_metric_and_capped_by_distance():
    config = SceneConfig(width=32, height=32, occluder_size_m=(0.3, 0.3))
    diameters = []
    for seed in range(200):  # about 60 occluders: a share measured on a few would be noise
        spec = sample_scene(seed, config)
        for o in spec.objects:
            if o.kind == "sphere" and o.foreground:
                distance = np.linalg.norm(o.sphere_center_m - spec.camera.position_m)
                diameters.append(2 * o.sphere_radius_m)
                # The drawn 0.3 m, or half the distance (depth <= distance) if that is smaller.
                assert diameters[-1] <= min(0.3, config.max_size_per_distance * distance) + 1e-9
    # Not a fraction of the distance any more: most occluders keep the drawn size exactly.
    assert len(diameters) >= 30
    assert np.mean(np.isclose(diameters, 0.3)) > 0.5


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("object_count", (5, 2)),
        ("hfov_range_deg", (0.5, 90.0)),
        ("depth_range_m", (0.0, 10.0)),
        ("outdoor_eye_height_m", (2.0, 1.0)),
        ("object_size_m", (0.0, 1.0)),
        ("occluder_size_m", (0.5, 0.1)),
        ("max_size_per_distance", 0.0),
        ("width", 4),
    ],
)
def test_scene_config_rejects_out_of_range_values(field, value):
    with pytest.raises(ValueError, match=field):
        SceneConfig(**{field: value})

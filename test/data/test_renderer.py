from __future__ import annotations

import numpy as np
import pytest

from sharp_depth_ros.data.camera import Camera

pytest.importorskip("mitsuba")

from sharp_depth_ros.data.renderer import RenderConfig, render_sample  # noqa: E402

from .conftest import analytic_spec, pixel_rays  # noqa: E402

FAST = RenderConfig(spp=2, max_bounces=2, alpha_grid=2)


def plane_depth(rays: np.ndarray, point: np.ndarray, normal: np.ndarray) -> np.ndarray:
    # Ray s * (x, y, 1) meets n . X = n . p at s = n . p / n . (x, y, 1); z = s.
    return (normal @ point) / (rays @ normal)


def sphere_depth(
    rays: np.ndarray, centre: np.ndarray, radius: float
) -> tuple[np.ndarray, np.ndarray]:
    a = np.sum(rays * rays, axis=-1)
    b = rays @ centre
    disc = b * b - a * (centre @ centre - radius**2)
    z = (b - np.sqrt(np.maximum(disc, 0.0))) / a
    return np.where(disc >= 0, z, np.inf), disc / a


def test_tilted_plane_depth_matches_closed_form_at_every_pixel_centre(tilted_camera):
    point, normal = np.array([0.3, -0.2, 4.0]), np.array([0.4, -0.3, -1.0])
    sample = render_sample(analytic_spec(tilted_camera, (point, normal), None), FAST, seed=1)
    expected = plane_depth(pixel_rays(tilted_camera), point, normal)
    assert sample.valid.all()
    np.testing.assert_allclose(sample.depth_m, expected, rtol=1e-4)
    np.testing.assert_allclose(sample.intrinsics, tilted_camera.intrinsics())


def test_sphere_depth_is_planar_z_not_ray_distance(tilted_camera):
    centre, radius = np.array([0.2, 0.1, 3.0]), 1.2
    sample = render_sample(analytic_spec(tilted_camera, None, (centre, radius)), FAST, seed=1)
    expected, _ = sphere_depth(pixel_rays(tilted_camera), centre, radius)
    hit = np.isfinite(expected)
    np.testing.assert_array_equal(sample.valid, hit)
    np.testing.assert_allclose(sample.depth_m[hit], expected[hit], rtol=1e-4)
    assert (sample.depth_m[~hit] == 0).all()


def test_edge_pixels_hold_foreground_or_background_depth_never_a_blend():
    camera = Camera(width=64, height=48, hfov_deg=60.0)
    point, normal = np.array([0.0, 0.0, 6.0]), np.array([0.1, 0.0, -1.0])
    centre, radius = np.array([0.3, -0.2, 2.5]), 0.6
    sample = render_sample(analytic_spec(camera, (point, normal), (centre, radius)), FAST, seed=3)
    rays = pixel_rays(camera)
    background = plane_depth(rays, point, normal)
    foreground, margin = sphere_depth(rays, centre, radius)
    is_fg = np.isclose(sample.depth_m, foreground, rtol=1e-4)
    is_bg = np.isclose(sample.depth_m, background, rtol=1e-4)
    assert (is_fg | is_bg).all(), "some depth is neither the sphere's nor the plane's"
    clear = np.abs(margin) > 1e-3  # pixel centres not grazing the silhouette
    np.testing.assert_array_equal(is_fg[clear], np.isfinite(foreground)[clear])
    # The silhouette really crosses pixels here, so both depths meet along an edge.
    edges = is_fg[:, 1:] != is_fg[:, :-1]
    assert edges.sum() > 10
    # The sphere is the foreground: instance 2, mask and alpha cover it.
    np.testing.assert_array_equal(sample.foreground_mask, is_fg)
    assert ((sample.foreground_alpha > 0) | ~is_fg).all()
    assert ((sample.foreground_alpha > 0) & (sample.foreground_alpha < 1)).any()  # soft edges


def test_rgb_is_antialiased_but_depth_is_not():
    camera = Camera(width=48, height=48, hfov_deg=50.0)
    spec = analytic_spec(camera, None, (np.array([0.0, 0.0, 3.0]), 0.8))
    sample = render_sample(spec, RenderConfig(spp=16, max_bounces=2, alpha_grid=4), seed=0)
    grey = sample.rgb.mean(axis=-1)
    on_edge = sample.foreground_alpha[
        (sample.foreground_alpha > 0.2) & (sample.foreground_alpha < 0.8)
    ]
    assert on_edge.size > 0
    assert len(np.unique(grey)) > 3  # mixed edge colours exist in RGB
    depth_values = np.unique(sample.depth_m[sample.valid])
    expected, _ = sphere_depth(pixel_rays(camera), np.array([0.0, 0.0, 3.0]), 0.8)
    np.testing.assert_allclose(
        np.sort(sample.depth_m[sample.valid]), np.sort(expected[np.isfinite(expected)]), rtol=1e-4
    )
    assert depth_values.min() > 2.1


def test_same_seed_renders_identical_sample_and_other_seed_differs(tilted_camera):
    from sharp_depth_ros.data.scene_families import sample_scene
    from sharp_depth_ros.data.scene_sampler import SceneConfig

    config = SceneConfig(width=24, height=16)
    first = render_sample(sample_scene(11, config), FAST, seed=11)
    second = render_sample(sample_scene(11, config), FAST, seed=11)
    other = render_sample(sample_scene(12, config), FAST, seed=12)
    for name in ("rgb", "depth_m", "valid", "instance", "foreground_alpha", "intrinsics"):
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))
    assert first.params == second.params
    assert not np.array_equal(first.rgb, other.rgb)


def test_denoiser_guides_hold_the_albedo_and_world_normal_of_the_first_hit(tilted_camera):
    from sharp_depth_ros.data import ray_passes
    from sharp_depth_ros.data.renderer import build_scene

    # The sphere fills part of the view; the rest of the rays miss everything (sky).
    centre, radius = np.array([0.0, 0.0, 3.0]), 0.8
    spec = analytic_spec(tilted_camera, None, (centre, radius))
    albedo, normal = ray_passes.trace_guides(build_scene(spec).scene, tilted_camera, 2)
    _, margin = sphere_depth(pixel_rays(tilted_camera), centre, radius)
    inside, outside = margin > 0.05, margin < -0.05  # clear of the silhouette's mixed pixels
    assert inside.sum() > 50 and outside.sum() > 50
    np.testing.assert_allclose(albedo[inside], 0.5, atol=1e-5)  # the grey material
    np.testing.assert_allclose(albedo[outside], 1.0)
    np.testing.assert_allclose(normal[outside], 0.0)
    # At the sphere's centre pixel the normal points back at the camera (world frame).
    k = tilted_camera.intrinsics()
    u, v = (k[:2, :2] @ centre[:2] / centre[2] + k[:2, 2]).round().astype(int)
    towards_camera = -tilted_camera.world_from_camera @ (centre / np.linalg.norm(centre))
    assert float(normal[v, u] @ towards_camera) > 0.95


def test_guided_denoising_renders_and_records_itself_and_needs_denoising():
    pytest.importorskip("pyoidn")
    from sharp_depth_ros.data.scene_families import sample_scene
    from sharp_depth_ros.data.scene_sampler import SceneConfig

    spec = sample_scene(5, SceneConfig(width=32, height=24, family="robot"))
    sample = render_sample(spec, RenderConfig(spp=2, denoise_guides=True), seed=5)
    assert sample.params["render"]["denoise"] == "oidn+albedo+normal"
    plain = render_sample(spec, RenderConfig(spp=2), seed=5)
    assert plain.params["render"]["denoise"] == "oidn"
    assert not np.array_equal(sample.rgb, plain.rgb)
    np.testing.assert_array_equal(sample.depth_m, plain.depth_m)
    with pytest.raises(ValueError, match="denoise_guides"):
        RenderConfig(denoise=False, denoise_guides=True)


def test_render_config_rejects_bad_spp():
    with pytest.raises(ValueError, match="spp"):
        RenderConfig(spp=0)


def test_denoising_brings_a_low_spp_room_closer_to_a_converged_render():
    pytest.importorskip("pyoidn")
    from sharp_depth_ros.data.scene_families import sample_scene
    from sharp_depth_ros.data.scene_sampler import SceneConfig

    config = SceneConfig(width=64, height=48)
    seed = next(s for s in range(50) if sample_scene(s, config).params["scene"] == "indoor")
    spec = sample_scene(seed, config)

    def rgb(spp: int, denoise: bool) -> np.ndarray:
        sample = render_sample(spec, RenderConfig(spp=spp, denoise=denoise), seed=seed)
        assert sample.params["render"]["denoise"] == ("oidn" if denoise else "none")
        return sample.rgb.astype(np.float32)

    reference = rgb(256, denoise=False)
    raw_error = np.abs(rgb(2, denoise=False) - reference).mean()
    denoised_error = np.abs(rgb(2, denoise=True) - reference).mean()
    assert denoised_error < 0.3 * raw_error, (denoised_error, raw_error)

"""Render a `SceneSpec` with Mitsuba 3: anti-aliased RGB, exact planar depth, instances, alpha.

All three passes trace rays that this module builds itself through the camera of `camera.py`,
so RGB, depth and masks share one pixel convention by construction:
- RGB: `spp` jittered rays per pixel through Mitsuba's path tracer, averaged with a box filter
  (a fixed-order block sum, so the result is bit-for-bit reproducible).
- Depth and instance id: ONE ray through each pixel centre, intersected exactly
  (`Scene.ray_intersect`); depth = t * cos(angle to the optical axis), never a blend of surfaces.
- Foreground alpha: the fraction of an n x n grid of sub-pixel rays that hit a foreground object.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from sharp_depth_ros.data.backend import is_vectorised, load_mitsuba
from sharp_depth_ros.data.sample import SyntheticSample
from sharp_depth_ros.data.scene import Lighting, Material, SceneObject, SceneSpec
from sharp_depth_ros.data.textures import linear_to_srgb

# Mitsuba cameras look along local +z with local +x to the image LEFT and +y UP; OpenCV's
# camera has x right, y down. This flips the two axes when a Mitsuba sensor is needed.
_MITSUBA_FROM_OPENCV = np.diag([-1.0, -1.0, 1.0])


@dataclass(frozen=True, kw_only=True)
class RenderConfig:
    """Sampling settings.

    Attributes:
        spp: RGB samples per pixel (1..1024).
        max_bounces: path length of the path tracer (2 = direct light only).
        alpha_grid: the foreground alpha uses alpha_grid**2 sub-pixel rays (1..16).
        middle_grey: the auto-exposure maps the median luminance to this value.
    """

    spp: int = 8
    max_bounces: int = 3
    alpha_grid: int = 4
    middle_grey: float = 0.18

    def __post_init__(self) -> None:
        if not 1 <= self.spp <= 1024:
            raise ValueError(f"RenderConfig.spp must be in 1..1024, got {self.spp}")
        if not 2 <= self.max_bounces <= 64:
            raise ValueError(f"RenderConfig.max_bounces must be in 2..64, got {self.max_bounces}")
        if not 1 <= self.alpha_grid <= 16:
            raise ValueError(f"RenderConfig.alpha_grid must be in 1..16, got {self.alpha_grid}")
        if not 0.01 <= self.middle_grey <= 0.9:
            raise ValueError(
                f"RenderConfig.middle_grey must be in [0.01, 0.9], got {self.middle_grey}"
            )


def _bsdf(mi: ModuleType, material: Material) -> object:
    texture = {
        "type": "bitmap",
        "bitmap": mi.Bitmap(np.ascontiguousarray(material.texture, dtype=np.float32)),
        "raw": True,  # already linear
    }
    if material.glossy:
        inner = {
            "type": "roughplastic",
            "diffuse_reflectance": texture,
            "alpha": material.roughness,
        }
    else:
        inner = {"type": "diffuse", "reflectance": texture}
    return mi.load_dict({"type": "twosided", "bsdf": inner})


def _shape(mi: ModuleType, obj: SceneObject, bsdfs: list[object]) -> object:
    if obj.sphere_center_m is not None:
        return mi.load_dict(
            {
                "type": "sphere",
                "center": [float(v) for v in obj.sphere_center_m],
                "radius": obj.sphere_radius_m,
                "bsdf": bsdfs[obj.material_index],
            }
        )
    mesh = obj.mesh
    props = mi.Properties()
    props["bsdf"] = bsdfs[obj.material_index]
    if obj.emitter_radiance is not None:
        props["emitter"] = mi.load_dict(
            {"type": "area", "radiance": {"type": "rgb", "value": list(obj.emitter_radiance)}}
        )
    shape = mi.Mesh(
        obj.name,
        len(mesh.vertices),
        len(mesh.faces),
        props=props,
        has_vertex_normals=False,
        has_vertex_texcoords=True,
    )
    params = mi.traverse(shape)
    params["vertex_positions"] = np.ascontiguousarray(mesh.vertices, dtype=np.float32).ravel()
    params["faces"] = np.ascontiguousarray(mesh.faces, dtype=np.uint32).ravel()
    uv = mesh.uv * obj.uv_scale
    params["vertex_texcoords"] = np.ascontiguousarray(uv, dtype=np.float32).ravel()
    params.update()
    return shape


def _sky(mi: ModuleType, lighting: Lighting) -> dict:
    """A latitude-longitude gradient environment map with world +z up."""
    rows = 32
    theta = (np.arange(rows) + 0.5) / rows * math.pi  # 0 = zenith
    up = np.clip(np.cos(theta), 0.0, 1.0)[:, None]
    colour = np.array(lighting.sky_horizon) * (1 - up) + np.array(lighting.sky_zenith) * up
    colour[theta > math.pi / 2] *= 0.3  # below the horizon (rarely seen: ground is there)
    image = np.repeat(colour[:, None, :], 2 * rows, axis=1).astype(np.float32)
    # Mitsuba's environment maps use +y as up; rotate it onto the world's +z.
    to_world = mi.ScalarTransform4f().rotate([1.0, 0.0, 0.0], 90.0)
    return {"type": "envmap", "bitmap": mi.Bitmap(image), "to_world": to_world}


def build_scene(spec: SceneSpec) -> object:
    """Load the spec into a Mitsuba scene (the variant chosen by `load_mitsuba`)."""
    mi = load_mitsuba()
    scene: dict = {"type": "scene", "sky": _sky(mi, spec.lighting)}
    if spec.lighting.sun_direction is not None:
        scene["sun"] = {
            "type": "directional",
            "direction": [float(v) for v in spec.lighting.sun_direction],
            "irradiance": {"type": "rgb", "value": list(spec.lighting.sun_irradiance)},
        }
    bsdfs = [_bsdf(mi, material) for material in spec.materials]
    for obj in spec.objects:
        scene[obj.name] = _shape(mi, obj, bsdfs)
    return mi.load_dict(scene)


def instance_lookup(scene: object, spec: SceneSpec) -> dict[int, int]:
    """Map Mitsuba's per-shape ids (what `ray_intersect` reports) to instance ids (1-based)."""
    mi = load_mitsuba()
    import drjit as dr

    index_of = {obj.name: i + 1 for i, obj in enumerate(spec.objects)}
    shape_ids = np.array(dr.reinterpret_array(mi.UInt32, scene.shapes_dr()))
    return {
        int(s): index_of[shape.id()] for s, shape in zip(shape_ids, scene.shapes(), strict=True)
    }


def tone_map(radiance: np.ndarray, exposure_ev: float, middle_grey: float) -> np.ndarray:
    """Linear (H, W, 3) radiance -> uint8 sRGB with auto-exposure, then an EV offset."""
    luminance = radiance @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
    median = float(np.median(luminance)) if luminance.size else 1.0
    scale = 2.0**exposure_ev * middle_grey / max(median, 1e-6)
    return np.round(linear_to_srgb(radiance * scale) * 255.0).astype(np.uint8)


def render_sample(spec: SceneSpec, config: RenderConfig, seed: int) -> SyntheticSample:
    """Render one scene into a sample with exact ground truth.

    Args:
        spec: the scene (see `scene_sampler.sample_scene`).
        config: sampling settings.
        seed: seeds Mitsuba's sampler; equal inputs give bit-identical samples.

    Returns:
        The sample; `params` records the scene, the render settings and the Mitsuba variant.
    """
    mi = load_mitsuba()
    if not is_vectorised(mi):
        from sharp_depth_ros.data.scalar_passes import render_scalar

        return render_scalar(spec, config, seed)
    from sharp_depth_ros.data import ray_passes

    scene = build_scene(spec)
    lookup = instance_lookup(scene, spec)
    depth_m, shape_id = ray_passes.trace_centres(scene, spec.camera)
    to_instance = np.vectorize(lambda s: lookup.get(int(s), 0), otypes=[np.uint16])
    instance = to_instance(shape_id) if shape_id.size else shape_id.astype(np.uint16)
    foreground = np.array([0] + [o.foreground for o in spec.objects], dtype=bool)
    grid_ids = ray_passes.trace_grid(scene, spec.camera, config.alpha_grid)
    alpha = foreground[to_instance(grid_ids)].mean(axis=-1).astype(np.float32)
    radiance = ray_passes.render_radiance(scene, spec.camera, config.spp, config.max_bounces, seed)
    return finish_sample(spec, config, seed, radiance, depth_m, instance, alpha, mi.variant())


def finish_sample(
    spec: SceneSpec,
    config: RenderConfig,
    seed: int,
    radiance: np.ndarray,
    depth_m: np.ndarray,
    instance: np.ndarray,
    alpha: np.ndarray,
    variant: str,
) -> SyntheticSample:
    """Validity, tone mapping and the params record, shared by both render paths."""
    valid = np.isfinite(depth_m) & (depth_m > 0) & (depth_m <= spec.valid_range_m)
    params = dict(spec.params)
    params["render"] = {
        "spp": config.spp,
        "max_bounces": config.max_bounces,
        "alpha_grid": config.alpha_grid,
        "variant": variant,
        "valid_range_m": spec.valid_range_m,
    }
    return SyntheticSample(
        rgb=tone_map(radiance, spec.exposure_ev, config.middle_grey),
        depth_m=np.where(valid, depth_m, 0.0).astype(np.float32),
        valid=valid,
        instance=instance.astype(np.uint16),
        foreground_alpha=alpha,
        intrinsics=spec.camera.intrinsics(),
        seed=seed,
        params=params,
    )

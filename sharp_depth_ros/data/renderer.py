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

from sharp_depth_ros.data import meshes
from sharp_depth_ros.data.backend import is_vectorised, load_mitsuba
from sharp_depth_ros.data.meshes import Mesh
from sharp_depth_ros.data.sample import SyntheticSample
from sharp_depth_ros.data.scene import Lighting, Material, SceneSpec
from sharp_depth_ros.data.textures import linear_to_srgb

# Mitsuba cameras look along local +z with local +x to the image LEFT and +y UP; OpenCV's
# camera has x right, y down. This flips the two axes when a Mitsuba sensor is needed.
_MITSUBA_FROM_OPENCV = np.diag([-1.0, -1.0, 1.0])
GUIDE_GRID = 2  # the denoiser's albedo and normal: 2 x 2 sub-pixel rays, anti-aliased as the RGB


@dataclass(frozen=True, kw_only=True)
class RenderConfig:
    """Sampling settings.

    Attributes:
        spp: RGB samples per pixel (1..1024).
        max_bounces: path length of the path tracer (2 = direct light only).
        alpha_grid: the foreground alpha uses alpha_grid**2 sub-pixel rays (1..16).
        middle_grey: the auto-exposure maps the median luminance to this value.
        denoise: run Open Image Denoise on the radiance before tone mapping (`denoise.py`);
            at low spp, rooms are otherwise mostly noise.
        denoise_guides: give the denoiser albedo and normal images (2x2 sub-pixel rays,
            `ray_passes.trace_guides`), so it keeps surface texture and edges that the
            colour-only pass smooths away; needs `denoise`. Off by default, so existing data
            sets render as before.
    """

    spp: int = 8
    max_bounces: int = 3
    alpha_grid: int = 3
    middle_grey: float = 0.18
    denoise: bool = True
    denoise_guides: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.spp <= 1024:
            raise ValueError(f"RenderConfig.spp must be in 1..1024, got {self.spp}")
        if not 2 <= self.max_bounces <= 64:
            raise ValueError(f"RenderConfig.max_bounces must be in 2..64, got {self.max_bounces}")
        if not 1 <= self.alpha_grid <= 16:
            raise ValueError(f"RenderConfig.alpha_grid must be in 1..16, got {self.alpha_grid}")
        if self.denoise_guides and not self.denoise:
            raise ValueError("RenderConfig.denoise_guides needs denoise=True")
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
    inner = {"type": "diffuse", "reflectance": texture}
    if material.glossy:
        # A diffuse base blended with a rough metal lobe: Mitsuba's roughplastic would be closer,
        # but it precomputes tables for ~0.2 s per instance, longer than a whole 256 px render.
        inner = {"type": "blendbsdf", "weight": 0.25, "bsdf_0": inner,
                 "bsdf_1": {"type": "roughconductor", "alpha": material.roughness}}  # fmt: skip
    return mi.load_dict({"type": "twosided", "bsdf": inner})


def _mesh(
    mi: ModuleType, name: str, mesh: Mesh, bsdf: object, emitter: object | None = None
) -> object:
    props = mi.Properties()
    props["bsdf"] = bsdf
    if emitter is not None:
        props["emitter"] = emitter
    shape = mi.Mesh(
        name, len(mesh.vertices), len(mesh.faces), props=props,
        has_vertex_normals=False, has_vertex_texcoords=True,
    )  # fmt: skip
    params = mi.traverse(shape)
    params["vertex_positions"] = np.ascontiguousarray(mesh.vertices, dtype=np.float32).ravel()
    params["faces"] = np.ascontiguousarray(mesh.faces, dtype=np.uint32).ravel()
    params["vertex_texcoords"] = np.ascontiguousarray(mesh.uv, dtype=np.float32).ravel()
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


@dataclass(frozen=True)
class BuiltScene:
    """A loaded Mitsuba scene and the map from (shape, triangle) hits to instance ids.

    Attributes:
        scene: the `mitsuba.Scene`.
        owners: (N,) uint16 instance id of every triangle of every shape, concatenated.
        offsets: Mitsuba shape id -> offset of that shape's first triangle in `owners`.
    """

    scene: object
    owners: np.ndarray
    offsets: dict[int, int]

    def instance_ids(self, shape_id: np.ndarray, prim_index: np.ndarray) -> np.ndarray:
        """Instance ids for hits given as Mitsuba shape ids (0 = miss) and triangle indices."""
        table = np.full(max(self.offsets, default=0) + 2, -1, dtype=np.int64)
        for key, offset in self.offsets.items():
            table[key] = offset
        start = table[np.minimum(shape_id, len(table) - 1)]
        hit = start >= 0
        ids = np.zeros(shape_id.shape, dtype=np.uint16)
        ids[hit] = self.owners[start[hit] + prim_index[hit]]
        return ids


# Far below the ground: where unused fixed slots (spheres, material meshes) are parked.
_PARKED_M = np.array([0.0, 0.0, -1.0e5])
_BOUNDS_M = 2.0e5


def build_scene(spec: SceneSpec) -> BuiltScene:
    """Load the spec into a Mitsuba scene (the variant chosen by `load_mitsuba`).

    Dr.Jit compiles one kernel per scene STRUCTURE: the number and types of shapes, materials
    and emitters. Recompiling costs about a second, far more than rendering a 256 px image, so
    every scene has the same structure: one merged mesh per material slot, a fixed number of
    sphere slots (unused ones parked far below the ground), one merged emissive mesh, a sky and
    a sun. Instance ids come back through per-triangle owner tables.
    """
    from sharp_depth_ros.data.scene_sampler import (
        LIGHT_HALF_SIZE_M,
        LIGHT_RADIANCE,
        LIGHT_SLOTS,
        MAX_SPHERES,
    )

    mi = load_mitsuba()
    import drjit as dr

    bsdfs = [_bsdf(mi, material) for material in spec.materials]
    black = mi.load_dict({"type": "diffuse", "reflectance": {"type": "rgb", "value": 0.0}})
    sun = spec.lighting.sun_direction if spec.lighting.sun_direction is not None else (0, 0, -1)
    scene: dict = {
        "type": "scene", "sky": _sky(mi, spec.lighting),
        "sun": {"type": "directional", "direction": [float(v) for v in sun],
                "irradiance": {"type": "rgb", "value": list(spec.lighting.sun_irradiance)}},
    }  # fmt: skip
    owners: dict[str, np.ndarray] = {}
    parked = meshes.Mesh(_PARKED_M + np.eye(3) * 1e-3, np.array([[0, 1, 2]]), np.zeros((3, 2)))
    groups: list[tuple[str, list[tuple[int, meshes.Mesh]], object, object | None]] = []
    for slot, bsdf in enumerate(bsdfs):
        members = [
            (i + 1, o.mesh)
            for i, o in enumerate(spec.objects)
            if o.mesh is not None and o.emitter_radiance is None and o.material_index == slot
        ]
        members = [(i, meshes.Mesh(m.vertices, m.faces, m.uv * spec.objects[i - 1].uv_scale))
                   for i, m in members]  # fmt: skip
        groups.append((f"material_{slot:02d}", members, bsdf, None))
    lights = [(i + 1, o.mesh) for i, o in enumerate(spec.objects) if o.emitter_radiance is not None]
    # Unused light slots are parked far below the ground, so every scene has the same emitter
    # area (Mitsuba bakes it into the kernel as 1 / area) and radiance.
    h = LIGHT_HALF_SIZE_M
    slot = np.array([[-h, -h, 0.0], [-h, h, 0.0], [h, h, 0.0], [h, -h, 0.0]]) + _PARKED_M
    parked_light = meshes.Mesh(slot, np.array([[0, 1, 2], [0, 2, 3]]), np.zeros((4, 2)))
    lights += [(0, parked_light)] * (LIGHT_SLOTS - len(lights))
    value = list(LIGHT_RADIANCE)
    emitter = mi.load_dict({"type": "area", "radiance": {"type": "rgb", "value": value}})
    groups.append(("lights", lights, black, emitter))
    # Two specks at fixed far corners pin the scene's bounding sphere, which the sun and sky
    # bake into the kernel: without them every scene's extent would force a recompile.
    corners = np.concatenate([np.eye(3) * 1e-3 - _BOUNDS_M, np.eye(3) * 1e-3 + _BOUNDS_M])
    groups.append(
        (
            "bounds",
            [(0, meshes.Mesh(corners, np.array([[0, 1, 2], [3, 4, 5]]), np.zeros((6, 2))))],
            black,
            None,
        )
    )
    for name, members, bsdf, light in groups:
        mesh = meshes.merge([m for _, m in members]) if members else parked
        owners[name] = (np.concatenate([np.full(len(m.faces), i, np.uint16) for i, m in members])
                        if members else np.zeros(1, np.uint16))  # fmt: skip
        scene[name] = _mesh(mi, name, mesh, bsdf, light)
    spheres = [(i + 1, o) for i, o in enumerate(spec.objects) if o.sphere_center_m is not None]
    for slot in range(max(MAX_SPHERES, len(spheres))):
        name = f"sphere_{slot:02d}"
        index, obj = spheres[slot] if slot < len(spheres) else (0, None)
        centre = _PARKED_M if obj is None else obj.sphere_center_m
        scene[name] = {
            "type": "sphere", "center": [float(v) for v in centre],
            "radius": 1e-3 if obj is None else obj.sphere_radius_m,
            "bsdf": bsdfs[0 if obj is None else obj.material_index],
        }  # fmt: skip
        owners[name] = np.array([index], np.uint16)
    loaded = mi.load_dict(scene)
    shape_ids = np.array(dr.reinterpret_array(mi.UInt32, loaded.shapes_dr()))
    offsets, table, position = {}, [], 0
    for shape_id, shape in zip(shape_ids, loaded.shapes(), strict=True):
        offsets[int(shape_id)] = position
        table.append(owners[shape.id()])
        position += len(owners[shape.id()])
    return BuiltScene(loaded, np.concatenate(table), offsets)


def tone_map(radiance: np.ndarray, exposure_ev: float, middle_grey: float) -> np.ndarray:
    """Linear (H, W, 3) radiance -> uint8 sRGB with auto-exposure, then an EV offset."""
    luminance = radiance @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
    median = float(np.median(luminance)) if luminance.size else 1.0
    scale = 2.0**exposure_ev * middle_grey / max(median, 1e-6)
    return np.round(linear_to_srgb(radiance * scale) * 255.0).astype(np.uint8)


def render_sample(spec: SceneSpec, config: RenderConfig, seed: int) -> SyntheticSample:
    """Render one scene into a sample with exact ground truth.

    Args:
        spec: the scene (see `scene_families.sample_scene`).
        config: sampling settings.
        seed: seeds Mitsuba's sampler; equal inputs give bit-identical samples.

    Returns:
        The sample; `params` records the scene, the render settings and the Mitsuba variant.
    """
    mi = load_mitsuba()
    if not is_vectorised(mi):
        # The passes trace whole wavefronts; Mitsuba's scalar variant traces one ray per call,
        # which from Python would take minutes per image.
        raise RuntimeError(
            f"Mitsuba variant {mi.variant()} cannot render samples: install Debian's libllvm19 "
            "(scripts/setup.sh) or set DRJIT_LIBLLVM_PATH to a libLLVM 17-19"
        )
    from sharp_depth_ros.data import ray_passes

    built = build_scene(spec)
    depth_m, shape_id, prim_index = ray_passes.trace_centres(built.scene, spec.camera)
    instance = built.instance_ids(shape_id, prim_index)
    foreground = np.array([False] + [o.foreground for o in spec.objects], dtype=bool)
    grid_shape, grid_prim = ray_passes.trace_grid(built.scene, spec.camera, config.alpha_grid)
    alpha = foreground[built.instance_ids(grid_shape, grid_prim)].mean(axis=-1).astype(np.float32)
    radiance = ray_passes.render_radiance(
        built.scene, spec.camera, config.spp, config.max_bounces, seed
    )
    guides = (
        ray_passes.trace_guides(built.scene, spec.camera, GUIDE_GRID)
        if config.denoise_guides
        else None
    )
    return finish_sample(
        spec, config, seed, radiance, depth_m, instance, alpha, mi.variant(), guides
    )


def finish_sample(
    spec: SceneSpec,
    config: RenderConfig,
    seed: int,
    radiance: np.ndarray,
    depth_m: np.ndarray,
    instance: np.ndarray,
    alpha: np.ndarray,
    variant: str,
    guides: tuple[np.ndarray, np.ndarray] | None = None,
) -> SyntheticSample:
    """Validity, tone mapping and the params record, shared by both render paths.

    `guides` are the (albedo, normal) images for the denoiser when `config.denoise_guides`.
    """
    valid = np.isfinite(depth_m) & (depth_m > 0) & (depth_m <= spec.valid_range_m)
    if config.denoise:
        from sharp_depth_ros.data.denoise import denoise_radiance

        radiance = denoise_radiance(radiance, *(guides or ()))
    params = dict(spec.params)
    params["render"] = {
        "denoise": ("oidn+albedo+normal" if guides else "oidn") if config.denoise else "none",
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

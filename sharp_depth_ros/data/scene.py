"""Renderer-independent description of a synthetic scene: camera, objects, materials, lights."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sharp_depth_ros.data.camera import Camera
from sharp_depth_ros.data.meshes import Mesh


@dataclass(frozen=True, kw_only=True)
class Material:
    """A textured diffuse surface, optionally with a glossy (rough metal) lobe.

    Attributes:
        texture: (h, w, 3) float32 linear RGB albedo in [0, 1].
        glossy: blend a rough specular lobe (25 %) into the diffuse texture.
        roughness: GGX alpha of the specular lobe, used when `glossy`.
    """

    texture: np.ndarray
    glossy: bool = False
    roughness: float = 0.2


@dataclass(frozen=True, kw_only=True)
class SceneObject:
    """One object: a mesh, or an analytic sphere when `sphere_center_m` is set.

    Attributes:
        name: unique name; its position in `SceneSpec.objects` + 1 is the instance id.
        kind: e.g. "ground", "wall", "box", "sphere", "fence", "wire", "strands".
        material_index: index into `SceneSpec.materials` (a small shared palette keeps scene
            building fast: each Mitsuba texture costs about 10 ms to load).
        uv_scale: texture repeats per metre of mesh surface.
        mesh: triangles in world metres (None for spheres).
        sphere_center_m: (3,) centre of an analytic sphere.
        sphere_radius_m: radius of the analytic sphere.
        foreground: thin structure or near occluder; counted in the soft foreground alpha.
        emitter_radiance: RGB radiance if this object is an area light, else None.
    """

    name: str
    kind: str
    material_index: int
    uv_scale: float = 1.0
    mesh: Mesh | None = None
    sphere_center_m: np.ndarray | None = None
    sphere_radius_m: float = 0.0
    foreground: bool = False
    emitter_radiance: tuple[float, float, float] | None = None


@dataclass(frozen=True, kw_only=True)
class Lighting:
    """Sky dome (gradient environment map) plus an optional sun; area lights are objects.

    Attributes:
        sky_zenith: linear RGB radiance at the zenith.
        sky_horizon: linear RGB radiance at and below the horizon.
        sun_direction: (3,) unit vector pointing FROM the sun, or None for no sun.
        sun_irradiance: RGB irradiance of the sun.
    """

    sky_zenith: tuple[float, float, float]
    sky_horizon: tuple[float, float, float]
    sun_direction: np.ndarray | None = None
    sun_irradiance: tuple[float, float, float] = (0.0, 0.0, 0.0)


@dataclass(frozen=True, kw_only=True)
class SceneSpec:
    """Everything needed to render one sample.

    Attributes:
        camera: the pinhole camera (fixes image size and K).
        objects: the scene's objects; instance id = index + 1, 0 = nothing hit.
        materials: the palette the objects refer to.
        lighting: sky and sun.
        valid_range_m: depth beyond this (and sky) is marked invalid.
        exposure_ev: exposure offset applied after auto-exposure.
        params: JSON-friendly record of the random choices (stored with the sample).
    """

    camera: Camera
    objects: tuple[SceneObject, ...]
    materials: tuple[Material, ...]
    lighting: Lighting
    valid_range_m: float
    exposure_ev: float = 0.0
    params: dict[str, Any] = field(default_factory=dict)


def object_records(objects: tuple[SceneObject, ...] | list[SceneObject]) -> list[dict[str, Any]]:
    """The JSON-friendly `params["objects"]` list: name, kind and foreground flag per object."""
    return [{"name": o.name, "kind": o.kind, "foreground": o.foreground} for o in objects]


def scene_params(
    seed: int,
    scene: str,
    size: tuple[int, int],
    camera: dict[str, float],
    objects: tuple[SceneObject, ...] | list[SceneObject],
    textures: list[str],
    family: str | None = None,
) -> dict[str, Any]:
    """The JSON-friendly `params` record of a sampled scene (the same layout for every family).

    Args:
        seed: the sample seed.
        scene: the kind of scene (e.g. "indoor", "corridor").
        size: (width, height) in pixels.
        camera: hfov_deg, yaw_deg, pitch_deg, roll_deg and height_m.
        objects: the scene's objects (see `object_records`).
        textures: names of the textures used.
        family: the scene family; None leaves the key out (the clutter family's records).
    """
    params: dict[str, Any] = {"seed": int(seed)}
    if family is not None:
        params["family"] = family
    width, height = size
    params |= {"scene": scene, "width": width, "height": height, "camera": camera}
    return params | {"objects": object_records(objects), "textures": textures}

"""Wavefront ray passes on Mitsuba's vectorised (LLVM) variant: RGB, depth/instance, alpha.

Rays are generated in Dr.Jit from a flat index, so a whole pass compiles to one kernel.
Pixel (u, v) has its centre at integer coordinates (see `camera.py`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sharp_depth_ros.data.backend import load_mitsuba
from sharp_depth_ros.data.camera import Camera


def _rays(camera: Camera, per_pixel: int, offsets: Callable[[object], tuple[object, object]]):
    """Rays for `per_pixel` samples of every pixel (pixel-major order).

    Args:
        camera: the camera.
        per_pixel: samples per pixel.
        offsets: maps the sample index within its pixel (UInt32) to (dx, dy) sub-pixel offsets.

    Returns:
        (ray, inverse_norm): the world rays and 1 / |(x, y, 1)|, the cosine to the optical axis.
    """
    mi = load_mitsuba()
    import drjit as dr

    # Camera numbers are read from memory with gathers, not written into the kernel as
    # literals: Dr.Jit folds literals into the code and would recompile the path tracer
    # (about a second) for every new camera.
    values = [*camera.principal_point_px, 1.0 / camera.focal_px]
    values += [*camera.world_from_camera.ravel(), *camera.position_m]
    table = mi.Float(np.asarray(values, dtype=np.float32))
    dr.eval(table)

    def parameter(position: int) -> object:
        return dr.gather(mi.Float, table, dr.opaque(mi.UInt32, position))

    width, height = camera.width, camera.height
    index = dr.arange(mi.UInt32, width * height * per_pixel)
    pixel = index // per_pixel
    dx, dy = offsets(index - pixel * per_pixel)
    cx, cy, inverse_f = parameter(0), parameter(1), parameter(2)
    x = (mi.Float(pixel % width) + dx - cx) * inverse_f
    y = (mi.Float(pixel // width) + dy - cy) * inverse_f
    inverse_norm = dr.rsqrt(x * x + y * y + 1.0)
    r = [[parameter(3 + 3 * row + col) for col in range(3)] for row in range(3)]
    direction = (
        mi.Vector3f(
            r[0][0] * x + r[0][1] * y + r[0][2],
            r[1][0] * x + r[1][1] * y + r[1][2],
            r[2][0] * x + r[2][1] * y + r[2][2],
        )
        * inverse_norm
    )
    origin = mi.Point3f(parameter(12), parameter(13), parameter(14))
    return mi.Ray3f(origin, direction), inverse_norm


def _pixel_centres(sub: object) -> tuple[float, float]:
    return 0.0, 0.0


def trace_centres(scene: object, camera: Camera) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One exact ray per pixel centre.

    Returns:
        (depth_m, shape_id, prim_index): (H, W) float32 planar depth (inf where nothing is hit),
        (H, W) uint32 Mitsuba shape ids (0 where nothing is hit) and triangle indices.
    """
    mi = load_mitsuba()
    import drjit as dr

    ray, inverse_norm = _rays(camera, 1, _pixel_centres)
    hit = scene.ray_intersect(ray)
    # Planar depth: distance along the ray times the cosine to the optical axis (not ray length).
    depth = dr.select(hit.is_valid(), hit.t * inverse_norm, dr.inf)
    shape_id = dr.select(hit.is_valid(), dr.reinterpret_array(mi.UInt32, hit.shape), 0)
    prim = dr.select(hit.is_valid(), hit.prim_index, 0)
    dr.eval(depth, shape_id, prim)
    shape = (camera.height, camera.width)
    return (np.array(depth).reshape(shape), np.array(shape_id).reshape(shape),
            np.array(prim).reshape(shape))  # fmt: skip


def _grid_hits(scene: object, camera: Camera, grid: int) -> tuple[object, object]:
    """The rays of a grid x grid sub-pixel pattern (pixel-major) and their first hits."""
    mi = load_mitsuba()

    def offsets(sub: object) -> tuple[object, object]:
        return (
            (mi.Float(sub % grid) + 0.5) / grid - 0.5,
            (mi.Float(sub // grid) + 0.5) / grid - 0.5,
        )

    ray, _ = _rays(camera, grid * grid, offsets)
    return ray, scene.ray_intersect(ray)


def trace_grid(scene: object, camera: Camera, grid: int) -> tuple[np.ndarray, np.ndarray]:
    """Shape ids and triangle indices of a grid x grid sub-pixel pattern, each (H, W, grid**2)."""
    mi = load_mitsuba()
    import drjit as dr

    _, hit = _grid_hits(scene, camera, grid)
    shape_id = dr.select(hit.is_valid(), dr.reinterpret_array(mi.UInt32, hit.shape), 0)
    prim = dr.select(hit.is_valid(), hit.prim_index, 0)
    dr.eval(shape_id, prim)
    shape = (camera.height, camera.width, grid * grid)
    return np.array(shape_id).reshape(shape), np.array(prim).reshape(shape)


def trace_guides(scene: object, camera: Camera, grid: int) -> tuple[np.ndarray, np.ndarray]:
    """Albedo and shading normal, each the mean over a grid x grid sub-pixel pattern, (H, W, 3).

    Open Image Denoise's auxiliary images: given them, it keeps the texture and edges that a
    colour-only pass smooths away. The albedo is the BSDF's diffuse reflectance (1 where a ray
    meets nothing, as OIDN suggests for backgrounds); normals are in world space (0 there).
    """
    load_mitsuba()  # selects the variant before Dr.Jit is used
    import drjit as dr

    ray, hit = _grid_hits(scene, camera, grid)
    valid = hit.is_valid()
    albedo = dr.select(valid, hit.bsdf(ray).eval_diffuse_reflectance(hit, valid), 1.0)
    normal = dr.select(valid, hit.sh_frame.n, 0.0)
    dr.eval(albedo, normal)
    shape = (camera.height, camera.width, grid * grid, 3)
    images = []
    for value in (albedo, normal):
        channels = np.stack([np.array(value[c]) for c in range(3)], axis=-1).reshape(shape)
        images.append(np.nan_to_num(channels.mean(axis=2, dtype=np.float32)))
    return images[0], images[1]


def render_radiance(
    scene: object, camera: Camera, spp: int, max_bounces: int, seed: int
) -> np.ndarray:
    """Path-traced linear RGB, a box-filtered mean of `spp` jittered rays per pixel, (H, W, 3)."""
    mi = load_mitsuba()
    import drjit as dr

    count = camera.width * camera.height * spp
    sampler = mi.load_dict({"type": "independent"})
    sampler.seed(dr.opaque(mi.UInt32, seed), count)

    def offsets(sub: object) -> tuple[object, object]:
        jitter = sampler.next_2d()
        return jitter.x - 0.5, jitter.y - 0.5

    ray, _ = _rays(camera, spp, offsets)
    integrator = mi.load_dict({"type": "path", "max_depth": max_bounces})
    radiance, _, _ = integrator.sample(scene, sampler, ray, None, True)
    dr.eval(radiance)  # one path-tracing kernel for all three channels
    samples = np.stack([np.array(radiance[c]) for c in range(3)], axis=-1)
    samples = np.nan_to_num(samples, nan=0.0, posinf=0.0).reshape(
        camera.height, camera.width, spp, 3
    )
    # Clamp rare very bright paths (fireflies from small lights at low spp) before the box-filter
    # mean; NumPy's fixed reduction order keeps the image bit-for-bit reproducible.
    luminance = samples @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
    ceiling = 8.0 * max(float(np.median(luminance)), 1e-3)
    scale = np.minimum(1.0, ceiling / np.maximum(luminance, 1e-12))[..., None]
    return (samples * scale).mean(axis=2, dtype=np.float32)

"""Triangle meshes built with NumPy: boxes, cylinders, tori, extrusions, tubes, perforated panels.

Every object of a scene is one mesh (or one analytic sphere), so one instance id per object and few
shapes for the ray tracer even when a fence has dozens of slats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Mesh:
    """Triangles with texture coordinates.

    Attributes:
        vertices: (V, 3) float64 positions in metres.
        faces: (F, 3) int64 vertex indices, counter-clockwise seen from outside.
        uv: (V, 2) float64 texture coordinates.
    """

    vertices: np.ndarray
    faces: np.ndarray
    uv: np.ndarray

    def transformed(self, rotation: np.ndarray, translation_m: np.ndarray) -> Mesh:
        """Return the mesh rotated by (3, 3) `rotation` then moved by (3,) `translation_m`."""
        return Mesh(self.vertices @ np.asarray(rotation).T + translation_m, self.faces, self.uv)


def merge(meshes: list[Mesh]) -> Mesh:
    """Concatenate meshes into one."""
    offsets = np.cumsum([0] + [len(m.vertices) for m in meshes[:-1]])
    return Mesh(
        np.concatenate([m.vertices for m in meshes]),
        np.concatenate([m.faces + o for m, o in zip(meshes, offsets, strict=True)]),
        np.concatenate([m.uv for m in meshes]),
    )


def _grid(rows: int, cols: int, closed_cols: bool) -> np.ndarray:
    """Faces of a (rows x cols) vertex grid; `closed_cols` wraps the last column to the first."""
    faces = []
    last = cols if closed_cols else cols - 1
    for r in range(rows - 1):
        for c in range(last):
            a, b = r * cols + c, r * cols + (c + 1) % cols
            d, e = a + cols, b + cols
            faces += [(a, b, e), (a, e, d)]
    return np.array(faces, dtype=np.int64).reshape(-1, 3)


def box(size_m: tuple[float, float, float]) -> Mesh:
    """Axis-aligned box centred at the origin with edge lengths `size_m`."""
    half = np.asarray(size_m, dtype=np.float64) / 2.0
    vertices, faces, uv = [], [], []
    for axis in range(3):
        for sign in (-1.0, 1.0):
            u_axis, v_axis = [a for a in range(3) if a != axis]
            if sign < 0:
                u_axis, v_axis = v_axis, u_axis  # keep the winding outward
            base = len(vertices)
            for du, dv in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
                p = np.zeros(3)
                p[axis], p[u_axis], p[v_axis] = (
                    sign * half[axis],
                    du * half[u_axis],
                    dv * half[v_axis],
                )
                vertices.append(p)
                uv.append(((du + 1) / 2 * size_m[u_axis], (dv + 1) / 2 * size_m[v_axis]))
            faces += [(base, base + 1, base + 2), (base, base + 2, base + 3)]
    return Mesh(np.array(vertices), np.array(faces), np.array(uv))


def tube(points_m: np.ndarray, radius_m: float | np.ndarray, sides: int = 6) -> Mesh:
    """A tube of (N,) radii around an (N, 3) polyline (poles, wires, branches, strands)."""
    points = np.asarray(points_m, dtype=np.float64)
    radii = np.broadcast_to(np.asarray(radius_m, dtype=np.float64), (len(points),))
    tangents = np.gradient(points, axis=0)
    tangents /= np.linalg.norm(tangents, axis=1, keepdims=True)
    reference = np.array([0.0, 0.0, 1.0])
    if abs(tangents[0] @ reference) > 0.9:
        reference = np.array([1.0, 0.0, 0.0])
    normals = _transported_normals(tangents, np.cross(tangents[0], reference))
    binormals = np.cross(tangents, normals)
    angles = np.linspace(0.0, 2.0 * math.pi, sides, endpoint=False)
    offsets = (
        np.cos(angles)[None, :, None] * normals[:, None, :]
        + np.sin(angles)[None, :, None] * binormals[:, None, :]
    )
    vertices = (points[:, None, :] + radii[:, None, None] * offsets).reshape(-1, 3)
    lengths = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))])
    uv = np.stack(
        [np.tile(np.arange(sides) / sides, len(points)), np.repeat(lengths, sides)], axis=1
    )
    return Mesh(vertices, _grid(len(points), sides, closed_cols=True), uv)


def _transported_normals(tangents: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Ring normals along unit (N, 3) tangents by parallel transport (rings do not twist).

    The recurrence is sequential, so it runs on Python floats: NumPy's per-call overhead on
    3-vectors made this loop the largest cost of sampling a scene with many strands.
    """
    nx, ny, nz = (float(v) for v in start)
    normals = np.empty_like(tangents)
    for i, (tx, ty, tz) in enumerate(tangents.tolist()):
        along = nx * tx + ny * ty + nz * tz
        nx, ny, nz = nx - along * tx, ny - along * ty, nz - along * tz
        norm = math.sqrt(nx * nx + ny * ny + nz * nz)
        nx, ny, nz = nx / norm, ny / norm, nz / norm
        normals[i] = (nx, ny, nz)
    return normals


def cylinder(radius_m: float, height_m: float, sides: int = 24) -> Mesh:
    """Closed vertical cylinder standing on the origin (caps included)."""
    body = tube(np.array([[0.0, 0.0, 0.0], [0.0, 0.0, height_m]]), radius_m, sides)
    caps = [_fan(body.vertices[:sides][::-1]), _fan(body.vertices[sides:])]
    return merge([body, *caps])


def _fan(ring: np.ndarray) -> Mesh:
    """Close a planar counter-clockwise ring with a triangle fan around its centroid."""
    vertices = np.concatenate([ring.mean(axis=0, keepdims=True), ring])
    n = len(ring)
    faces = np.array([(0, 1 + i, 1 + (i + 1) % n) for i in range(n)])
    return Mesh(vertices, faces, vertices[:, :2].copy())


def torus(major_m: float, minor_m: float, segments: int = 32, sides: int = 12) -> Mesh:
    """Torus around the z axis centred at the origin."""
    angles = np.linspace(0.0, 2.0 * math.pi, segments + 1)[:-1]
    ring = np.stack([major_m * np.cos(angles), major_m * np.sin(angles), np.zeros(segments)], 1)
    closed = np.concatenate([ring, ring[:1]])
    mesh = tube(closed, minor_m, sides)
    return mesh


def extrusion(polygon_m: np.ndarray, height_m: float) -> Mesh:
    """Extrude a counter-clockwise (N, 2) star-shaped polygon along +z (side walls and caps)."""
    polygon = np.asarray(polygon_m, dtype=np.float64)
    n = len(polygon)
    bottom = np.concatenate([polygon, np.zeros((n, 1))], axis=1)
    top = bottom + [0.0, 0.0, height_m]
    vertices = np.concatenate([bottom, top])
    sides = np.array(
        [
            f
            for i in range(n)
            for f in ((i, (i + 1) % n, n + (i + 1) % n), (i, n + (i + 1) % n, n + i))
        ]
    )
    walls = Mesh(vertices, sides, np.stack([np.tile(np.arange(n) / n, 2), vertices[:, 2]], 1))
    return merge([walls, _fan(bottom[::-1]), _fan(top)])


def star_polygon(points: int, outer_m: float, inner_m: float) -> np.ndarray:
    """A counter-clockwise star (or, with inner == outer, a regular polygon) as (2N, 2)."""
    angles = np.linspace(0.0, 2.0 * math.pi, 2 * points, endpoint=False)
    radii = np.where(np.arange(2 * points) % 2 == 0, outer_m, inner_m)
    return np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)


def perforated_panel(
    width_m: float, height_m: float, cells: tuple[int, int], keep: np.ndarray
) -> Mesh:
    """A flat panel in the x-z plane made of (cols, rows) square cells; `keep` (rows, cols) bool.

    Cells where `keep` is False are holes, so the panel shows the background through them.
    Single-sided: the renderer wraps every material in a two-sided BSDF.
    """
    cols, rows = cells
    keep = np.asarray(keep, dtype=bool)
    if not keep.any():
        keep = np.ones_like(keep)
    quads = []
    for r in range(rows):
        for c in range(cols):
            if keep[r, c]:
                x0, x1 = (c / cols - 0.5) * width_m, ((c + 1) / cols - 0.5) * width_m
                z0, z1 = r / rows * height_m, (r + 1) / rows * height_m
                quads.append(np.array([[x0, 0, z0], [x1, 0, z0], [x1, 0, z1], [x0, 0, z1]]))
    vertices = np.concatenate(quads)
    base = np.arange(len(quads))[:, None] * 4
    faces = np.concatenate([base + [0, 2, 1], base + [0, 3, 2]])
    return Mesh(vertices, faces, vertices[:, [0, 2]].copy())


def uv_sphere(radius_m: float, segments: int = 12) -> Mesh:
    """A closed sphere mesh centred at the origin (crowns, heads: analytic spheres have 8 slots)."""
    rings = segments // 2 + 1
    theta = np.linspace(0.0, math.pi, rings)
    phi = np.linspace(0.0, 2.0 * math.pi, segments, endpoint=False)
    vertices = radius_m * np.stack(
        [
            np.outer(np.sin(theta), np.cos(phi)).ravel(),
            np.outer(np.sin(theta), np.sin(phi)).ravel(),
            np.repeat(np.cos(theta), segments),
        ],
        axis=1,
    )
    uv = np.stack([np.tile(phi * radius_m, rings), np.repeat(theta * radius_m, segments)], axis=1)
    return Mesh(vertices, _grid(rings, segments, closed_cols=True), uv)

"""Tube geometry (poles, wires, strands): rings sit on the surface and do not twist."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sharp_depth_ros.data.meshes import tube

SIDES = 6


@st.composite
def polylines(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """A random walk of 2-30 points with steps of 0.1-1 m and radii of 1-200 mm."""
    count = draw(st.integers(2, 30))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    steps = rng.normal(size=(count, 3))
    steps *= rng.uniform(0.1, 1.0, (count, 1)) / np.linalg.norm(steps, axis=1, keepdims=True)
    return np.cumsum(steps, axis=0), rng.uniform(0.001, 0.2, count)


@settings(max_examples=60, deadline=None)
@given(polylines())
def test_rings_lie_at_the_radius_perpendicular_to_the_polyline(case) -> None:
    points, radii = case
    mesh = tube(points, radii, SIDES)
    rings = mesh.vertices.reshape(len(points), SIDES, 3)
    offsets = rings - points[:, None, :]
    np.testing.assert_allclose(np.linalg.norm(offsets, axis=2), radii[:, None].repeat(SIDES, 1))
    tangents = np.gradient(points, axis=0)
    tangents /= np.linalg.norm(tangents, axis=1, keepdims=True)
    along = np.einsum("nsk,nk->ns", offsets, tangents)
    np.testing.assert_allclose(along, 0.0, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.floats(0.2, 2.0 * np.pi), st.floats(0.2, 3.0))
def test_a_gently_bent_tube_does_not_twist(turn: float, length: float) -> None:
    # A planar arc in z = 0: the first ring's frame starts in that plane, and parallel transport
    # keeps every ring's first vertex in it instead of spinning it around the axis.
    angles = np.linspace(0.0, turn / 4.0, 20)
    points = np.stack([length * np.cos(angles), length * np.sin(angles), np.zeros(20)], axis=1)
    mesh = tube(points, 0.05, SIDES)
    first = mesh.vertices.reshape(20, SIDES, 3)[:, 0] - points
    first /= np.linalg.norm(first, axis=1, keepdims=True)
    np.testing.assert_allclose(first[:, 2], 0.0, atol=1e-9)


def test_faces_index_existing_vertices_and_uv_runs_along_the_length() -> None:
    points = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 3.0]])
    mesh = tube(points, 0.1, SIDES)
    assert mesh.faces.min() == 0 and mesh.faces.max() == len(mesh.vertices) - 1
    np.testing.assert_allclose(mesh.uv[::SIDES, 1], [0.0, 1.0, 3.0])

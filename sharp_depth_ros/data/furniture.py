"""Furniture and street objects of real sizes, built from boxes, cylinders and spheres.

Every builder works in a local frame: the footprint is centred on the origin, the floor is
z = 0, the front faces -y and the back (the side that goes against a wall) +y. It returns
`Part`s: one mesh per material role, so an object such as a table becomes a top and a set of
legs. Sizes follow common furniture standards (a table top at 0.72-0.76 m, a seat at 0.45 m).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from sharp_depth_ros.data import meshes
from sharp_depth_ros.data.meshes import Mesh


class Part(NamedTuple):
    """One piece of an object: its kind, its mesh (local frame) and its material role."""

    kind: str
    mesh: Mesh
    role: str


def box_at(size_m: tuple[float, float, float], centre_m: tuple[float, float, float]) -> Mesh:
    """An axis-aligned box of `size_m` centred at `centre_m`."""
    return meshes.box(tuple(float(s) for s in size_m)).transformed(np.eye(3), np.asarray(centre_m))


def yaw_matrix(angle_rad: float) -> np.ndarray:
    """Rotation about +z."""
    c, s = math.cos(angle_rad), math.sin(angle_rad)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def table(rng: np.random.Generator, width: float, depth: float, top_role: str) -> list[Part]:
    """A table: top at 0.72-0.76 m on four legs."""
    height, thick, leg = rng.uniform(0.72, 0.76), rng.uniform(0.025, 0.05), rng.uniform(0.04, 0.07)
    top = box_at((width, depth, thick), (0, 0, height - thick / 2))
    inset_x, inset_y = width / 2 - leg, depth / 2 - leg
    legs = [
        box_at((leg, leg, height - thick), (sx * inset_x, sy * inset_y, (height - thick) / 2))
        for sx in (-1, 1)
        for sy in (-1, 1)
    ]
    legs_role = "metal" if rng.uniform() < 0.5 else top_role
    return [Part("table", top, top_role), Part("table_legs", meshes.merge(legs), legs_role)]


def chair(rng: np.random.Generator) -> list[Part]:
    """A chair: seat at 0.42-0.48 m, back to 0.8-0.95 m, four legs."""
    seat_h, width = rng.uniform(0.42, 0.48), rng.uniform(0.42, 0.5)
    leg = 0.03
    seat = box_at((width, width, 0.05), (0, 0, seat_h))
    back_h = rng.uniform(0.8, 0.95) - seat_h
    back = box_at((width, 0.04, back_h), (0, width / 2 - 0.02, seat_h + back_h / 2))
    legs = [
        box_at((leg, leg, seat_h), (sx * (width / 2 - leg), sy * (width / 2 - leg), seat_h / 2))
        for sx in (-1, 1)
        for sy in (-1, 1)
    ]
    role = ("fabric", "wood", "gloss_b")[int(rng.integers(3))]
    return [
        Part("chair", meshes.merge([seat, back]), role),
        Part("chair_legs", meshes.merge(legs), "metal"),
    ]


def shelf(rng: np.random.Generator, width: float, depth: float, height: float) -> list[Part]:
    """An open shelf or bookcase with 3-6 boards, most of them holding books or boxes."""
    t = 0.02
    boards = int(rng.integers(3, 7))
    levels = np.linspace(0.05, height - t, boards)
    frame = [
        box_at((t, depth, height), (sx * (width / 2 - t / 2), 0, height / 2)) for sx in (-1, 1)
    ]
    frame += [box_at((width, depth, t), (0, 0, z)) for z in levels]
    frame.append(box_at((width, t, height), (0, depth / 2 - t / 2, height / 2)))
    items = []
    for z0, z1 in zip(levels[:-1], levels[1:], strict=True):
        x = -width / 2 + t
        while x < width / 2 - t - 0.05:
            w = rng.uniform(0.02, 0.08) if rng.uniform() < 0.7 else rng.uniform(0.15, 0.35)
            h = min(rng.uniform(0.15, 0.35), z1 - z0 - t - 0.02)
            d = rng.uniform(0.5, 0.95) * (depth - t)
            if rng.uniform() < 0.8 and x + w < width / 2 - t and h > 0.03:
                items.append(
                    box_at((w, d, h), (x + w / 2, depth / 2 - t - d / 2, z0 + t / 2 + h / 2))
                )
            x += w + (rng.uniform(0.0, 0.01) if rng.uniform() < 0.85 else rng.uniform(0.1, 0.3))
    frame_role = ("wood", "painted", "metal", "white_gloss")[int(rng.integers(4))]
    parts = [Part("shelf", meshes.merge(frame), frame_role)]
    if items:
        parts.append(
            Part(
                "books",
                meshes.merge(items),
                ("fabric", "cardboard", "gloss_b")[int(rng.integers(3))],
            )
        )
    return parts


def cabinet(rng: np.random.Generator, width: float, depth: float, height: float) -> list[Part]:
    """A closed cabinet or wardrobe with handles."""
    body = box_at((width, depth, height), (0, 0, height / 2))
    doors = max(1, round(width / 0.5))
    handles = [
        box_at(
            (0.02, 0.03, 0.12),
            (
                -width / 2 + (i + 0.5) * width / doors + 0.15 * width / doors,
                -depth / 2 - 0.015,
                min(height - 0.15, 0.9),
            ),
        )
        for i in range(doors)
    ]
    role = ("painted", "white_gloss", "wood")[int(rng.integers(3))]
    return [Part("cabinet", body, role), Part("handles", meshes.merge(handles), "metal")]


def counter(rng: np.random.Generator, width: float) -> list[Part]:
    """A kitchen counter (0.86-0.92 m) with a worktop, optionally wall cupboards above it."""
    height, depth = rng.uniform(0.86, 0.92), rng.uniform(0.55, 0.65)
    base = box_at((width, depth, height - 0.04), (0, 0, (height - 0.04) / 2))
    top = box_at((width + 0.02, depth + 0.03, 0.04), (0, -0.015, height - 0.02))
    parts = [
        Part("counter", base, ("painted", "white_gloss", "wood")[int(rng.integers(3))]),
        Part("worktop", top, "gloss_a"),
    ]
    if rng.uniform() < 0.5:
        upper = box_at((width, 0.35, 0.7), (0, depth / 2 - 0.175, rng.uniform(1.45, 1.55) + 0.35))
        parts.append(Part("wall_cupboard", upper, parts[0].role))
    parts += small_items(rng, width * 0.9, depth * 0.8, height)
    return parts


def sofa(rng: np.random.Generator) -> list[Part]:
    """A sofa: seat 0.42 m, back 0.8 m, arms."""
    width, depth = rng.uniform(1.5, 2.3), rng.uniform(0.8, 0.95)
    seat = box_at((width, depth, 0.42), (0, 0, 0.21))
    back = box_at((width, 0.2, 0.8), (0, depth / 2 - 0.1, 0.4))
    arms = [box_at((0.18, depth, 0.62), (sx * (width / 2 - 0.09), 0, 0.31)) for sx in (-1, 1)]
    return [Part("sofa", meshes.merge([seat, back, *arms]), "fabric")]


def small_items(
    rng: np.random.Generator, width: float, depth: float, surface_z: float
) -> list[Part]:
    """Clutter on a surface: mugs, bottles, books, boxes, a monitor or a laptop."""
    meshes_by_role: dict[str, list[Mesh]] = {"gloss_b": [], "cardboard": [], "gloss_a": []}
    for _ in range(int(rng.integers(1, 7))):
        x, y = (
            rng.uniform(-width / 2 + 0.08, width / 2 - 0.08),
            rng.uniform(-depth / 2 + 0.08, depth / 2 - 0.08),
        )
        kind = rng.uniform()
        if kind < 0.35:  # mug or bottle
            radius, height = rng.uniform(0.03, 0.05), rng.uniform(0.08, 0.3)
            mesh = meshes.cylinder(radius, height, 12).transformed(np.eye(3), [x, y, surface_z])
            meshes_by_role["gloss_b"].append(mesh)
        elif kind < 0.7:  # book, box
            size = (rng.uniform(0.1, 0.35), rng.uniform(0.1, 0.3), rng.uniform(0.03, 0.25))
            meshes_by_role["cardboard"].append(box_at(size, (x, y, surface_z + size[2] / 2)))
        else:  # monitor on a stand, or a laptop
            w = rng.uniform(0.3, 0.7)
            if rng.uniform() < 0.6:
                h = w * rng.uniform(0.55, 0.65)
                screen = box_at((w, 0.03, h), (x, y, surface_z + 0.12 + h / 2))
                stand = box_at((0.05, 0.05, 0.12), (x, y + 0.02, surface_z + 0.06))
                meshes_by_role["gloss_a"] += [screen, stand]
            else:
                meshes_by_role["gloss_a"].append(
                    box_at((w * 0.6, w * 0.45, 0.02), (x, y, surface_z + 0.01))
                )
    return [Part("items", meshes.merge(m), role) for role, m in meshes_by_role.items() if m]


def desk(rng: np.random.Generator, width: float) -> list[Part]:
    """A desk with things on it (monitors, books, mugs)."""
    depth = rng.uniform(0.6, 0.8)
    parts = table(rng, width, depth, ("wood", "white_gloss", "painted")[int(rng.integers(3))])
    height = float(parts[0].mesh.vertices[:, 2].max())
    return parts + small_items(rng, width, depth, height)


def boxes(rng: np.random.Generator) -> list[Part]:
    """A stack of 1-4 cardboard boxes."""
    stack, z = [], 0.0
    width, depth = rng.uniform(0.25, 0.7), rng.uniform(0.25, 0.6)
    for _ in range(int(rng.integers(1, 5))):
        h = rng.uniform(0.2, 0.5)
        stack.append(
            box_at((width, depth, h), (rng.normal(0, 0.02), rng.normal(0, 0.02), z + h / 2))
        )
        z += h
        width, depth = width * rng.uniform(0.8, 1.0), depth * rng.uniform(0.8, 1.0)
    return [Part("boxes", meshes.merge(stack), "cardboard")]


def bin_(rng: np.random.Generator) -> list[Part]:
    """A bin or barrel."""
    radius, height = rng.uniform(0.15, 0.32), rng.uniform(0.4, 0.95)
    return [
        Part("bin", meshes.cylinder(radius, height, 20), ("gloss_b", "metal")[int(rng.integers(2))])
    ]


def person(rng: np.random.Generator) -> list[Part]:
    """A standing person as a body cylinder and a head (1.5-1.95 m tall)."""
    height = rng.uniform(1.5, 1.95)
    radius = rng.uniform(0.16, 0.24)
    body = meshes.cylinder(radius, height - 0.25, 16)
    head = meshes.uv_sphere(0.11, 10).transformed(np.eye(3), [0.0, 0.0, height - 0.12])
    return [Part("person", meshes.merge([body, head]), "fabric")]


def pallet(rng: np.random.Generator, with_load: bool = True) -> list[Part]:
    """A 1.2 x 0.8 m pallet (0.144 m high), optionally loaded with boxes."""
    runners = [box_at((1.2, 0.1, 0.1), (0, y, 0.05)) for y in (-0.35, 0.0, 0.35)]
    slats = [box_at((0.1, 0.8, 0.022), (x, 0, 0.133)) for x in np.linspace(-0.55, 0.55, 7)]
    parts = [Part("pallet", meshes.merge(runners + slats), "wood")]
    if with_load:
        height = rng.uniform(0.3, 1.4)
        load = box_at(
            (rng.uniform(0.9, 1.2), rng.uniform(0.6, 0.8), height), (0, 0, 0.144 + height / 2)
        )
        parts.append(Part("load", load, "cardboard"))
    return parts


def rack(rng: np.random.Generator, length: float, depth: float, height: float) -> list[Part]:
    """A pallet rack: uprights, beams every 1.2-1.8 m and pallets on some levels."""
    bays = max(1, round(length / 2.7))
    xs = np.linspace(-length / 2, length / 2, bays + 1)
    uprights = [
        box_at((0.08, 0.08, height), (x, sy * (depth / 2 - 0.04), height / 2))
        for x in xs
        for sy in (-1, 1)
    ]
    spacing = rng.uniform(1.2, 1.8)
    levels = np.arange(spacing, height - 0.3, spacing)
    beams = [
        box_at((length, 0.05, 0.12), (0, sy * (depth / 2 - 0.04), z))
        for z in levels
        for sy in (-1, 1)
    ]
    loads = []
    for z in [0.0, *levels]:
        for x0, x1 in zip(xs[:-1], xs[1:], strict=True):
            for x in (x0 + (x1 - x0) * 0.27, x0 + (x1 - x0) * 0.73):
                if rng.uniform() < 0.7:
                    h = rng.uniform(0.3, min(1.3, spacing - 0.25))
                    loads.append(box_at((1.0, depth * 0.85, h), (x, 0, z + 0.06 + 0.144 + h / 2)))
    parts = [
        Part("rack", meshes.merge(uprights), "metal"),
        Part("rack_beams", meshes.merge(beams), "accent"),
    ]
    if loads:
        parts.append(Part("rack_loads", meshes.merge(loads), "cardboard"))
    return parts


def door_panel(rng: np.random.Generator, width: float, height: float) -> list[Part]:
    """A closed door (slightly recessed panel, frame, handle) in the local x-z plane at y = 0."""
    panel = box_at((width, 0.04, height), (0, 0.03, height / 2))
    frame = [
        box_at((0.06, 0.06, height), (sx * (width / 2 + 0.03), 0, height / 2)) for sx in (-1, 1)
    ]
    frame.append(box_at((width + 0.12, 0.06, 0.06), (0, 0, height + 0.03)))
    handle = box_at((0.12, 0.05, 0.02), (width / 2 - 0.1, -0.0, 1.0))
    role = ("wood", "painted", "white_gloss")[int(rng.integers(3))]
    return [
        Part("door", panel, role),
        Part("door_frame", meshes.merge([*frame, handle]), "white_gloss"),
    ]


def car(rng: np.random.Generator) -> list[Part]:
    """A parked car as a box assembly: body, cabin with windows, four wheels (long axis x)."""
    length, width = rng.uniform(3.8, 4.9), rng.uniform(1.65, 1.9)
    body_h, clearance = rng.uniform(0.55, 0.75), rng.uniform(0.25, 0.35)
    body = box_at((length, width, body_h), (0, 0, clearance + body_h / 2))
    cabin_l, cabin_h = length * rng.uniform(0.45, 0.6), rng.uniform(0.45, 0.6)
    cabin = box_at(
        (cabin_l, width * 0.9, cabin_h),
        (rng.uniform(-0.3, 0.1), 0, clearance + body_h + cabin_h / 2),
    )
    radius = rng.uniform(0.3, 0.36)
    side = np.array([[1.0, 0, 0], [0, 0, -1.0], [0, 1.0, 0]])  # cylinder axis z -> -y
    wheels = [
        meshes.cylinder(radius, 0.22, 16).transformed(
            side, [sx * length * 0.33, sy * (width / 2 - 0.11) + 0.11, radius]
        )
        for sx in (-1, 1)
        for sy in (-1, 1)
    ]
    return [
        Part("car", body, "car"),
        Part("car_cabin", cabin, "glass"),
        Part("wheels", meshes.merge(wheels), "metal"),
    ]


def tree(rng: np.random.Generator) -> list[Part]:
    """A tree: trunk and 1-3 spherical crown parts."""
    trunk_h, radius = rng.uniform(1.5, 3.5), rng.uniform(0.08, 0.3)
    trunk = meshes.cylinder(radius, trunk_h + 0.5, 10)
    crown_r = rng.uniform(1.0, 3.0)
    crowns = [
        meshes.uv_sphere(crown_r * rng.uniform(0.6, 1.0), 12).transformed(
            np.eye(3),
            [
                rng.normal(0, crown_r * 0.3),
                rng.normal(0, crown_r * 0.3),
                trunk_h + crown_r * rng.uniform(0.6, 1.2),
            ],
        )
        for _ in range(int(rng.integers(1, 4)))
    ]
    return [Part("trunk", trunk, "bark"), Part("crown", meshes.merge(crowns), "foliage")]


def street_pole(rng: np.random.Generator) -> list[Part]:
    """A lamp post or sign pole (3-8 m)."""
    height, radius = rng.uniform(3.0, 8.0), rng.uniform(0.05, 0.12)
    parts = [meshes.cylinder(radius, height, 10)]
    if rng.uniform() < 0.6:
        parts.append(box_at((0.1, rng.uniform(0.8, 1.8), 0.1), (0, -0.5, height)))
    else:
        parts.append(
            box_at((0.05, rng.uniform(0.5, 0.8), rng.uniform(0.4, 0.8)), (0, -0.1, height * 0.75))
        )
    return [Part("pole", meshes.merge(parts), "metal")]


def bollard(rng: np.random.Generator) -> list[Part]:
    """A bollard (0.8-1.0 m)."""
    return [
        Part(
            "bollard", meshes.cylinder(rng.uniform(0.07, 0.12), rng.uniform(0.8, 1.0), 12), "metal"
        )
    ]


def fence(rng: np.random.Generator, length: float) -> list[Part]:
    """A fence along local x: posts, rails and slats or bars (0.9-2 m high)."""
    height = rng.uniform(0.9, 2.0)
    gap = rng.uniform(0.08, 0.25)
    slat = rng.uniform(0.02, 0.09)
    slats = [
        box_at((slat, 0.02, height), (x, 0, height / 2))
        for x in np.arange(-length / 2, length / 2, gap + slat)
    ]
    rails = [box_at((length, 0.04, 0.05), (0, 0.03, z)) for z in (0.15, height - 0.1)]
    return [Part("fence", meshes.merge(slats + rails), ("metal", "wood")[int(rng.integers(2))])]


def bench(rng: np.random.Generator) -> list[Part]:
    """A bench: seat at 0.45 m, back rest."""
    width = rng.uniform(1.2, 2.0)
    seat = box_at((width, 0.45, 0.05), (0, 0, 0.45))
    back = box_at((width, 0.05, 0.4), (0, 0.2, 0.7))
    legs = [box_at((0.06, 0.4, 0.45), (sx * (width / 2 - 0.1), 0, 0.225)) for sx in (-1, 1)]
    return [
        Part("bench", meshes.merge([seat, back]), "wood"),
        Part("bench_legs", meshes.merge(legs), "metal"),
    ]

"""Robot-view scenes: homes, offices, corridors, warehouses, close-ups and streets.

The clutter family (`scene_sampler.py`) teaches sharp edges but carries few of the cues that
depth from one image is learnt from (../shared/notes/layout-priors.md). These scenes carry them:
a floor, upright walls and a ceiling, doors and windows, furniture and objects of real sizes
standing on the floor or against walls, real surface materials at their real scale, and a
camera as robots carry it (upright, 0.15-1.8 m high, pitch -30..+10 deg). Close-ups (a desk,
a shelf, a counter or a wall at 0.5-3 m) are as frequent as whole rooms.

The scene structure matches the clutter family (12 material slots, the last three glossy, 4
light slots of 4 m^2 each): the renderer's compiled kernels stay valid across both families.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sharp_depth_ros.data import furniture, materials, meshes
from sharp_depth_ros.data.camera import Camera, rotation_from_angles
from sharp_depth_ros.data.furniture import Part, box_at, yaw_matrix
from sharp_depth_ros.data.meshes import Mesh
from sharp_depth_ros.data.scene import (
    Lighting,
    Material,
    SceneObject,
    SceneSpec,
    scene_params,
)
from sharp_depth_ros.data.scene_sampler import (
    GLOSSY_ROUGHNESS,
    LIGHT_HALF_SIZE_M,
    LIGHT_RADIANCE,
    LIGHT_SLOTS,
    MATERIAL_SLOTS,
    SceneConfig,
    sky_lighting,
)

LIGHT_AREA_M2 = (2.0 * LIGHT_HALF_SIZE_M) ** 2  # every light slot has this area (kernel reuse)
CAMERA_CLEARANCE_M = 0.45  # no object's footprint comes nearer to the camera than this
HEIGHT_BANDS_M = ((0.15, 0.5), (0.5, 1.2), (1.2, 1.8))  # floor robots, arms/tables, humanoids
INDOOR_KINDS = ("room", "closeup", "corridor", "warehouse")
INDOOR_WEIGHTS = (0.3, 0.3, 0.2, 0.2)
OUTDOOR_PROBABILITY = 0.3

Factory = Callable[[np.random.Generator], materials.SurfaceMaterial]


def _one_of(*factories: Factory) -> Factory:
    return lambda rng: materials.pick(rng, factories)


# Material slots by role; the last three are glossy (scene_sampler.GLOSSY_ROUGHNESS).
INDOOR_ROLES: tuple[tuple[str, Factory], ...] = (
    (
        "floor",
        _one_of(
            materials.tile,
            lambda r: materials.wood(r, planks=True),
            materials.carpet,
            materials.concrete,
        ),
    ),
    ("wall", materials.plaster),
    ("ceiling", lambda r: materials.plaster(r, white=True)),
    ("wood", materials.wood),
    ("painted", materials.painted),
    ("cardboard", materials.cardboard),
    ("fabric", materials.fabric),
    ("metal", materials.metal),
    ("accent", _one_of(materials.painted, materials.brick, materials.wood, materials.plaster)),
    ("white_gloss", lambda r: materials.plaster(r, white=True)),
    ("gloss_a", _one_of(materials.painted, materials.concrete, materials.glass)),
    ("gloss_b", materials.painted),
)
OUTDOOR_ROLES: tuple[tuple[str, Factory], ...] = (
    ("asphalt", materials.asphalt),
    ("sidewalk", _one_of(materials.pavers, lambda r: materials.concrete(r, light=True))),
    ("grass", materials.grass),
    ("facade_a", _one_of(materials.brick, materials.plaster, materials.concrete)),
    ("facade_b", _one_of(materials.brick, materials.plaster, materials.concrete)),
    ("bark", materials.bark),
    ("foliage", materials.foliage),
    ("metal", materials.metal),
    ("accent", lambda r: materials.plaster(r, white=True)),
    ("car", materials.painted),
    ("glass", materials.glass),
    ("gloss_b", materials.painted),
)
# Roles a builder may ask for that the other family names differently.
_ALIASES = {
    "indoor": {
        "car": "gloss_b",
        "glass": "gloss_a",
        "bark": "wood",
        "foliage": "fabric",
        "facade_a": "wall",
        "facade_b": "accent",
    },
    "outdoor": {
        "wood": "bark",
        "cardboard": "facade_b",
        "fabric": "accent",
        "painted": "car",
        "white_gloss": "gloss_b",
        "gloss_a": "glass",
        "wall": "facade_a",
    },
}


class _Builder:
    """Collects the objects, material slots, lights and floor footprints of one scene."""

    def __init__(
        self,
        rng: np.random.Generator,
        family: str,
        detail_rng: np.random.Generator | None = None,
    ) -> None:
        self.rng, self.family = rng, family
        roles = INDOOR_ROLES if family == "indoor" else OUTDOOR_ROLES
        assert len(roles) == MATERIAL_SLOTS
        self.slots: dict[str, int] = {}
        self.materials: list[Material] = []
        self.repeats: list[float] = []
        self.names: list[str] = []
        first_glossy = MATERIAL_SLOTS - len(GLOSSY_ROUGHNESS)
        for slot, (role, factory) in enumerate(roles):
            surface = factory(rng)
            if detail_rng is not None:
                surface = materials.with_surface_detail(surface, detail_rng)
            glossy = slot >= first_glossy
            roughness = GLOSSY_ROUGHNESS[slot - first_glossy] if glossy else 0.2
            self.materials.append(
                Material(texture=surface.texture, glossy=glossy, roughness=roughness)
            )
            self.slots[role] = slot
            self.repeats.append(surface.repeat_m)
            self.names.append(f"{role}:{surface.name}")
        self.objects: list[SceneObject] = []
        self.footprints: list[tuple[float, float, float, float]] = []
        self.lights = 0
        self.windows = False  # sun and sky light the scene (outdoors, or through windows)

    def slot(self, role: str) -> int:
        return self.slots[_ALIASES[self.family].get(role, role)]

    def add(self, kind: str, mesh: Mesh, role: str, foreground: bool = False) -> None:
        slot = self.slot(role)
        self.objects.append(
            SceneObject(
                name=f"{len(self.objects) + 1:03d}_{kind}",
                kind=kind,
                mesh=mesh,
                uv_scale=1.0 / self.repeats[slot],
                material_index=slot,
                foreground=foreground,
            )
        )

    def light(self, corners: np.ndarray) -> None:
        """An area light; `corners` in order, facing along (c1 - c0) x (c2 - c0)."""
        corners = np.asarray(corners, dtype=np.float64)
        area = np.linalg.norm(np.cross(corners[1] - corners[0], corners[3] - corners[0]))
        assert abs(area - LIGHT_AREA_M2) < 1e-6 and self.lights < LIGHT_SLOTS
        self.lights += 1
        self.objects.append(
            SceneObject(
                name=f"{len(self.objects) + 1:03d}_light",
                kind="light",
                mesh=Mesh(corners, np.array([[0, 1, 2], [0, 2, 3]]), np.zeros((4, 2))),
                material_index=0,
                emitter_radiance=LIGHT_RADIANCE,
            )
        )

    def place(
        self,
        parts: list[Part],
        position: tuple[float, float, float],
        yaw_rad: float,
        *,
        check: bool = True,
        foreground: bool = True,
    ) -> bool:
        """Add an object's parts at a floor position; False (nothing added) if it collides."""
        rotation = yaw_matrix(yaw_rad)
        moved = [
            p.mesh.transformed(rotation, np.asarray(position, dtype=np.float64)) for p in parts
        ]
        points = np.concatenate([m.vertices[:, :2] for m in moved])
        rect = (*points.min(axis=0), *points.max(axis=0))
        if check and not self.free(rect):
            return False
        self.footprints.append(tuple(float(v) for v in rect))
        for part, mesh in zip(parts, moved, strict=True):
            self.add(part.kind, mesh, part.role, foreground)
        return True

    def free(self, rect: tuple[float, ...], margin: float = 0.03) -> bool:
        x0, y0, x1, y1 = rect
        return all(
            x1 + margin <= a or c + margin <= x0 or y1 + margin <= b or d + margin <= y0
            for a, b, c, d in self.footprints
        )

    def reserve_camera(self, position: np.ndarray) -> None:
        x, y = position[:2]
        r = CAMERA_CLEARANCE_M
        self.footprints.append((x - r, y - r, x + r, y + r))


def _wall_frame(start, end) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """(start, length, unit direction, inward normal) of a wall running counter-clockwise."""
    start, end = np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64)
    length = float(np.linalg.norm(end - start))
    along = (end - start) / length
    return start, length, along, np.array([-along[1], along[0]])


def _facing_yaw(inward: np.ndarray) -> float:
    """Yaw that turns a furniture part's front (local -y) onto `inward`, its back to the wall."""
    return math.atan2(-inward[0], inward[1]) + math.pi


def _quad(b: _Builder, kind: str, origin, u_axis, v_axis, u_range, v_range, role: str) -> None:
    """A rectangle origin + u * u_axis + v * v_axis over the ranges; UVs in metres (u, v)."""
    origin, u_axis, v_axis = (np.asarray(a, dtype=np.float64) for a in (origin, u_axis, v_axis))
    (u0, u1), (v0, v1) = u_range, v_range
    uv = np.array([[u0, v0], [u1, v0], [u1, v1], [u0, v1]])
    corners = origin + uv[:, :1] * u_axis + uv[:, 1:] * v_axis
    b.add(kind, Mesh(corners, np.array([[0, 1, 2], [0, 2, 3]]), uv), role)


def _level_quad(b: _Builder, kind: str, z: float, x_range, y_range, role: str) -> None:
    """A horizontal rectangle at height z over x_range x y_range (floors, ceilings, ground)."""
    _quad(b, kind, (0, 0, z), (1, 0, 0), (0, 1, 0), x_range, y_range, role)


def _wall(b: _Builder, start, end, z0: float, height: float, openings, role: str = "wall") -> None:
    """A vertical wall from 2D `start` to `end` with rectangular (u0, u1, v0, v1) openings.

    Each opening also gets its reveal (the wall's thickness, 0.12 m, behind the wall plane).
    """
    start, end = np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64)
    length = float(np.linalg.norm(end - start))
    along = np.array([*(end - start) / length, 0.0])
    up = np.array([0.0, 0.0, 1.0])
    outward = np.array([along[1], -along[0], 0.0])  # walls run counter-clockwise around rooms
    origin = np.array([*start, z0])
    u = 0.0
    for u0, u1, v0, v1 in sorted(openings):
        if u0 > u:
            _quad(b, "wall", origin, along, up, (u, u0), (0, height), role)
        if v0 > 0:
            _quad(b, "wall", origin, along, up, (u0, u1), (0, v0), role)
        if v1 < height:
            _quad(b, "wall", origin, along, up, (u0, u1), (v1, height), role)
        depth = (0.0, 0.12)
        for uu in (u0, u1):
            _quad(b, "wall", origin + uu * along, outward, up, depth, (v0, v1), role)
        for vv in (v0, v1):
            if 0 < vv < height:
                _quad(b, "wall", origin + vv * up, along, outward, (u0, u1), depth, role)
        u = u1
    if u < length:
        _quad(b, "wall", origin, along, up, (u, length), (0, height), role)


def _floor_and_ceiling(
    b: _Builder, x0: float, y0: float, x1: float, y1: float, height: float
) -> None:
    _level_quad(b, "floor", 0, (x0, x1), (y0, y1), "floor")
    _level_quad(b, "ceiling", height, (x0, x1), (y0, y1), "ceiling")


def _ceiling_panel(b: _Builder, cx: float, cy: float, w: float, d: float, z: float) -> None:
    """A w x d light panel centred at (cx, cy) at height z, facing down."""
    b.light(
        [
            [cx - w / 2, cy - d / 2, z],
            [cx - w / 2, cy + d / 2, z],
            [cx + w / 2, cy + d / 2, z],
            [cx + w / 2, cy - d / 2, z],
        ]
    )


def _ceiling_lights(b: _Builder, x0, y0, x1, y1, height, count: int) -> None:
    """Up to `count` downward-facing panels of 4 m^2 that fit under the ceiling."""
    rng = b.rng
    for _ in range(count):
        if b.lights >= LIGHT_SLOTS:
            return
        shapes = [(w, LIGHT_AREA_M2 / w) for w in (2.0, 2.5, 4.0, 1.6, 1.0)]
        shapes = [(w, d) for w, d in shapes if w < x1 - x0 - 0.2 and d < y1 - y0 - 0.2]
        if not shapes:
            return
        w, d = shapes[int(rng.integers(len(shapes)))]
        cx = rng.uniform(x0 + w / 2 + 0.1, x1 - w / 2 - 0.1)
        cy = rng.uniform(y0 + d / 2 + 0.1, y1 - d / 2 - 0.1)
        _ceiling_panel(b, cx, cy, w, d, height - 0.01)


def _outside_world(b: _Builder, centre: np.ndarray, drop_m: float) -> None:
    """Ground and buildings seen through windows (the room sits `drop_m` above the ground)."""
    rng = b.rng
    half = 150.0
    x_range = (centre[0] - half, centre[0] + half)
    y_range = (centre[1] - half, centre[1] + half)
    _level_quad(b, "ground", -drop_m - 0.05, x_range, y_range, "accent")
    for _ in range(int(rng.integers(2, 7))):
        angle, distance = rng.uniform(0, 2 * math.pi), rng.uniform(25, 80)
        size = rng.uniform([8, 8, 6], [30, 30, 40])
        base = centre[:2] + distance * np.array([math.cos(angle), math.sin(angle)])
        mesh = box_at(tuple(size), (*base, size[2] / 2 - drop_m - 0.05))
        b.add("building", mesh, ("painted", "accent", "wall")[int(rng.integers(3))])


def _openings(rng: np.random.Generator, length: float, height: float, doors: int, windows: int):
    """Non-overlapping door and window openings (u0, u1, v0, v1, kind) along a wall."""
    placed: list[tuple[float, float, float, float, str]] = []
    for kind in ["door"] * doors + ["window"] * windows:
        if kind == "door":
            width, v0, v1 = rng.uniform(0.8, 1.0), 0.0, min(rng.uniform(2.0, 2.15), height - 0.1)
        else:
            width = rng.uniform(0.8, 2.6)
            v0 = rng.uniform(0.3, 1.0)
            v1 = min(height - 0.15, v0 + rng.uniform(1.0, 1.8))
        if length < width + 0.5 or v1 <= v0 + 0.3:
            continue
        for _ in range(6):
            u0 = rng.uniform(0.25, length - width - 0.25)
            if all(u0 + width + 0.2 <= a or c + 0.2 <= u0 for a, c, *_ in placed):
                placed.append((u0, u0 + width, v0, v1, kind))
                break
    return placed


def _alcove(b: _Builder, start, end, u0: float, u1: float, height: float) -> None:
    """A space behind a door opening: floor, ceiling and walls of a room 1.5-5 m deep."""
    rng = b.rng
    start, _, along, inward = _wall_frame(start, end)
    outward = -inward
    depth, extra_a, extra_b = rng.uniform(1.5, 5.0), rng.uniform(0.1, 2.5), rng.uniform(0.1, 2.5)
    corners = [start + (u0 - extra_a) * along, start + (u1 + extra_b) * along]
    far = [c + (depth + 0.12) * outward for c in corners]
    a, c = corners
    pts = np.array([a, c, far[1], far[0]])
    floor = Mesh(np.c_[pts, np.zeros(4)], np.array([[0, 1, 2], [0, 2, 3]]), pts.copy())
    ceiling = Mesh(np.c_[pts, np.full(4, height)], np.array([[0, 1, 2], [0, 2, 3]]), pts.copy())
    b.add("floor", floor, "floor")
    b.add("ceiling", ceiling, "ceiling")
    for p, q in ((c, far[1]), (far[1], far[0]), (far[0], a)):
        _wall(b, p, q, 0.0, height, [], role="accent" if rng.uniform() < 0.3 else "wall")
    if rng.uniform() < 0.6:
        spot = (a + far[1]) / 2
        b.place(_random_item(rng), (*spot, 0.0), rng.uniform(0, 2 * math.pi), check=False)


def _random_item(rng: np.random.Generator) -> list[Part]:
    choice = rng.uniform()
    if choice < 0.25:
        return furniture.boxes(rng)
    if choice < 0.45:
        return furniture.bin_(rng)
    if choice < 0.65:
        return furniture.person(rng)
    if choice < 0.85:
        return furniture.chair(rng)
    return furniture.cabinet(
        rng, rng.uniform(0.4, 1.0), rng.uniform(0.4, 0.6), rng.uniform(0.8, 2.0)
    )


def _wall_item(
    rng: np.random.Generator, kind: str | None = None
) -> tuple[list[Part], float, float]:
    """A piece that stands against a wall: (parts, width, depth)."""
    kind = kind or ("shelf", "cabinet", "desk", "counter", "sofa", "boxes")[int(rng.integers(6))]
    if kind == "shelf":
        width, depth = rng.uniform(0.6, 1.6), rng.uniform(0.28, 0.45)
        parts = furniture.shelf(rng, width, depth, rng.uniform(0.8, 2.2))
    elif kind == "cabinet":
        width, depth = rng.uniform(0.4, 1.8), rng.uniform(0.4, 0.65)
        parts = furniture.cabinet(rng, width, depth, rng.uniform(0.7, 2.2))
    elif kind == "desk":
        width = rng.uniform(0.9, 1.8)
        parts = furniture.desk(rng, width)
    elif kind == "counter":
        width = rng.uniform(1.2, 3.5)
        parts = furniture.counter(rng, width)
    elif kind == "sofa":
        parts = furniture.sofa(rng)
    else:
        parts = furniture.boxes(rng)
    points = np.concatenate([p.mesh.vertices for p in parts])
    return parts, float(np.ptp(points[:, 0])), float(np.ptp(points[:, 1]))


def _against_wall(
    b: _Builder,
    walls,
    wall_index: int,
    parts,
    width: float,
    depth: float,
    openings,
    u: float | None = None,
) -> bool:
    """Place parts with their back to wall `wall_index`, avoiding that wall's openings."""
    start, length, along, inward = _wall_frame(*walls[wall_index])
    if length < width + 0.1:
        return False
    if u is None:
        u = b.rng.uniform(width / 2 + 0.05, length - width / 2 - 0.05)
    if any(u + width / 2 > o[0] - 0.05 and u - width / 2 < o[1] + 0.05 for o in openings):
        return False
    yaw = _facing_yaw(inward)
    centre = start + u * along + inward * (depth / 2 + 0.02)
    centre_parts = [Part(p.kind, _centred(p.mesh, parts), p.role) for p in parts]
    return b.place(centre_parts, (*centre, 0.0), yaw)


def _centred(mesh: Mesh, parts: list[Part]) -> Mesh:
    """Shift a part so that the whole object's footprint is centred on the origin."""
    points = np.concatenate([p.mesh.vertices for p in parts])
    centre = (points.max(axis=0) + points.min(axis=0)) / 2
    return Mesh(mesh.vertices - [centre[0], centre[1], 0.0], mesh.faces, mesh.uv)


def _camera_pose(rng: np.random.Generator) -> tuple[float, float, float]:
    """(height above the floor, pitch, roll) as robots carry cameras."""
    band = HEIGHT_BANDS_M[int(rng.integers(len(HEIGHT_BANDS_M)))]
    height = float(rng.uniform(*band))
    mean_pitch = -4.0 if height < 0.5 else -10.0
    pitch = float(np.clip(rng.normal(mean_pitch, 9.0), -30.0, 10.0))
    roll = float(np.clip(rng.normal(0.0, 1.2), -3.0, 3.0))
    return height, pitch, roll


def _room_scene(b: _Builder, kind: str) -> tuple[np.ndarray, float, float, float, float]:
    """A room (home, office, close-up), corridor or warehouse.

    Returns:
        (camera position, yaw, pitch, roll, floor height under the camera).
    """
    rng = b.rng
    if kind == "corridor":
        size = np.array([rng.uniform(10, 40), rng.uniform(1.4, 2.8), rng.uniform(2.4, 3.0)])
    elif kind == "warehouse":
        size = np.array([rng.uniform(20, 50), rng.uniform(15, 35), rng.uniform(6, 10)])
    else:
        size = np.array([rng.uniform(2.5, 8.0), rng.uniform(2.5, 9.0), rng.uniform(2.4, 3.2)])
    (length, width, height) = size
    walls = [
        ((0, 0), (length, 0)),
        ((length, 0), (length, width)),
        ((length, width), (0, width)),
        ((0, width), (0, 0)),
    ]
    wall_lengths = [length, width, length, width]
    any_window = False
    openings_by_wall = []
    for index, wall_length in enumerate(wall_lengths):
        doors = int(rng.integers(0, 3 if kind != "corridor" else 5))
        windows = int(rng.integers(0, 3)) if kind != "corridor" and rng.uniform() < 0.5 else 0
        if kind == "corridor" and index % 2 == 1:
            doors, windows = int(rng.uniform() < 0.5), 0
        if kind == "warehouse":
            doors, windows = int(rng.uniform() < 0.4), 0
        found = _openings(rng, wall_length, height, doors, windows)
        any_window |= any(o[4] == "window" for o in found)
        openings_by_wall.append(found)
    _floor_and_ceiling(b, 0, 0, length, width, height)
    for (start, end), found in zip(walls, openings_by_wall, strict=True):
        open_ones = []
        for u0, u1, v0, v1, what in found:
            open_ones.append((u0, u1, v0, v1))
            if what == "door" and rng.uniform() < 0.55:  # closed: a panel recessed in the opening
                wall_start, _, along, inward = _wall_frame(start, end)
                spot = wall_start + (u0 + u1) / 2 * along
                yaw = _facing_yaw(inward)
                b.place(
                    furniture.door_panel(rng, u1 - u0, v1),
                    (*spot, 0.0),
                    yaw,
                    check=False,
                    foreground=False,
                )
            elif what == "door":
                _alcove(b, start, end, u0, u1, height)
        _wall(b, start, end, 0.0, height, open_ones)
    if any_window:
        _outside_world(
            b, np.array([length / 2, width / 2]), float(rng.choice([0.0, 0.0, 3.0, 6.0, 12.0]))
        )
        lighting_from_windows = True
    else:
        lighting_from_windows = False
    # Camera.
    eye, pitch, roll = _camera_pose(rng)
    eye = min(eye, height - 0.3)
    if kind == "closeup":
        wall_index = int(rng.integers(4))
        start, _, along, inward = _wall_frame(*walls[wall_index])
        focus = rng.choice(["desk", "shelf", "counter", "cabinet", "wall"])
        u = rng.uniform(0.6, wall_lengths[wall_index] - 0.6)
        if focus != "wall":
            parts, w, d = _wall_item(rng, str(focus))
            _against_wall(b, walls, wall_index, parts, w, d, openings_by_wall[wall_index], u)
        room_depth = wall_lengths[(wall_index + 1) % 4]
        distance = min(rng.uniform(0.5, 3.0) + (0.6 if focus != "wall" else 0.0), room_depth - 0.4)
        position = start + u * along + inward * distance + along * rng.normal(0, 0.3)
        yaw = math.degrees(math.atan2(-inward[1], -inward[0])) + rng.uniform(-25, 25)
        pitch = float(np.clip(pitch - rng.uniform(0, 10), -30, 10))
    elif kind == "corridor":
        position = np.array([rng.uniform(0.5, 4.0), rng.uniform(0.4, width - 0.4)])
        yaw = (
            rng.uniform(-25, 25)
            if rng.uniform() < 0.8
            else rng.choice([-90.0, 90.0]) + rng.uniform(-30, 30)
        )
    else:
        position = rng.uniform([0.5, 0.5], [length - 0.5, width - 0.5])
        yaw = rng.uniform(0, 360)
    position = np.clip(position, [0.35, 0.35], [length - 0.35, width - 0.35])
    b.reserve_camera(position)
    # Furniture.
    if kind == "warehouse":
        aisle, depth = rng.uniform(2.5, 4.0), rng.uniform(0.9, 1.2)
        rack_h = min(height - 0.5, rng.uniform(3.0, 6.5))
        rack_len = length - rng.uniform(2.0, 8.0)
        y = rng.uniform(0.5, aisle)
        while y + depth < width - 0.5:
            b.place(
                furniture.rack(rng, rack_len, depth, rack_h), (length / 2, y + depth / 2, 0.0), 0.0
            )
            y += depth + aisle
        for _ in range(int(rng.integers(3, 12))):
            spot = rng.uniform([1, 1], [length - 1, width - 1])
            item = furniture.pallet(rng) if rng.uniform() < 0.6 else _random_item(rng)
            b.place(item, (*spot, 0.0), rng.uniform(0, 2 * math.pi))
        # Not the view down an aisle alone: the camera may stand in any free spot.
    else:
        for _ in range(int(rng.integers(2, 9 if kind != "corridor" else 5))):
            wall_index = int(rng.integers(4))
            parts, w, d = _wall_item(rng)
            _against_wall(b, walls, wall_index, parts, w, d, openings_by_wall[wall_index])
        free_count = int(rng.integers(0, 6)) if kind != "corridor" else int(rng.integers(0, 4))
        for _ in range(free_count):
            spot = rng.uniform([0.5, 0.5], [length - 0.5, width - 0.5])
            if kind != "corridor" and rng.uniform() < 0.35:
                w, d = rng.uniform(0.7, 1.8), rng.uniform(0.6, 1.0)
                parts = furniture.table(
                    rng, w, d, ("wood", "white_gloss", "painted")[int(rng.integers(3))]
                )
                parts += furniture.small_items(rng, w, d, float(parts[0].mesh.vertices[:, 2].max()))
            else:
                parts = _random_item(rng)
            b.place(
                parts, (*spot, 0.0), math.radians(rng.choice([0, 90, 180, 270]) + rng.normal(0, 10))
            )
    for wall_index in range(4):  # pictures and boards on the walls
        if rng.uniform() < 0.4:
            start, _, along, inward = _wall_frame(*walls[wall_index])
            u = rng.uniform(0.5, wall_lengths[wall_index] - 0.5)
            if any(o[0] - 0.5 < u < o[1] + 0.5 for o in openings_by_wall[wall_index]):
                continue
            size = (rng.uniform(0.3, 1.4), 0.03, rng.uniform(0.3, 1.0))
            centre = start + u * along + inward * 0.016
            mesh = box_at(size, (0, 0, 0)).transformed(
                yaw_matrix(math.atan2(along[1], along[0])),
                np.array([*centre, rng.uniform(1.3, 1.7)]),
            )
            b.add(
                "picture",
                mesh,
                ("accent", "gloss_a", "painted")[int(rng.integers(3))],
                foreground=True,
            )
    # Lights: window-bright panels (near but bright) and ceiling panels.
    if kind != "warehouse" and rng.uniform() < 0.25:
        wall_index = int(rng.integers(4))
        start, _, along, _ = _wall_frame(*walls[wall_index])
        w = float(rng.choice([1.6, 2.0, 2.5]))
        h = LIGHT_AREA_M2 / w
        if wall_lengths[wall_index] > w + 0.4 and height > h + 0.5:
            u = rng.uniform(0.2, wall_lengths[wall_index] - w - 0.2)
            z0 = rng.uniform(0.3, height - h - 0.1)
            p0 = np.array([*(start + u * along), z0])
            a3 = np.array([*along, 0.0])
            inward3 = np.array([-along[1], along[0], 0.0]) * 0.005
            # Counter-clockwise seen from inside the room: the emitter faces inward.
            corners = [
                p0 + inward3,
                p0 + inward3 + [0, 0, h],
                p0 + inward3 + w * a3 + [0, 0, h],
                p0 + inward3 + w * a3,
            ]
            b.light(corners)
    lights = {"room": (1, 3), "closeup": (1, 3), "corridor": (2, 4), "warehouse": (3, 4)}[kind]
    _ceiling_lights(b, 0, 0, length, width, height, int(rng.integers(lights[0], lights[1] + 1)))
    if b.lights == 0:
        # A closed room needs light: a panel on the ceiling shaped to fit.
        w = max(1.0, min(length - 0.3, 4.0))
        d = LIGHT_AREA_M2 / w
        _ceiling_panel(b, length / 2, width / 2, w, d, height - 0.01)
    b.windows = lighting_from_windows
    return np.array([position[0], position[1], eye]), float(yaw), pitch, roll, 0.0


def _street_scene(b: _Builder) -> tuple[np.ndarray, float, float, float, float]:
    """A street: road, kerbs, sidewalks, facades or a park, cars, poles, trees, people."""
    rng = b.rng
    road, walk, kerb = rng.uniform(3.0, 7.0), rng.uniform(1.5, 4.0), rng.uniform(0.1, 0.16)
    x0, x1 = -150.0, 250.0
    _level_quad(b, "road", 0, (x0, x1), (-road, road), "asphalt")
    for dash in np.arange(-30.0, 120.0, rng.uniform(6.0, 12.0)):
        if rng.uniform() < 0.8:
            b.add("marking", box_at((3.0, 0.12, 0.004), (dash, 0.0, 0.002)), "accent")
    sides = []
    for sign in (-1.0, 1.0):
        _quad(b, "kerb", (0, sign * road, 0), (1, 0, 0), (0, 0, 1), (x0, x1), (0, kerb), "sidewalk")
        inner, outer = sign * road, sign * (road + walk)
        _level_quad(b, "sidewalk", kerb, (x0, x1), sorted((inner, outer)), "sidewalk")
        built = rng.uniform() < 0.75
        setback = rng.uniform(0.0, 3.0) if built else 0.0
        far = sign * (road + walk + (setback if built else 80.0))
        if abs(far - outer) > 1e-6:
            _level_quad(b, "grass", kerb, (x0, x1), sorted((outer, far)), "grass")
        sides.append((sign, built, far))
        if built:
            x = -40.0
            while x < 150.0:
                block, storeys = rng.uniform(8.0, 30.0), int(rng.integers(1, 8))
                storey = rng.uniform(2.9, 3.6)
                tall = storeys * storey + rng.uniform(0.3, 1.5)
                depth = rng.uniform(8.0, 15.0)
                role = ("facade_a", "facade_b")[int(rng.integers(2))]
                b.add(
                    "building",
                    box_at(
                        (block, depth, tall),
                        (x + block / 2, far + sign * depth / 2, kerb + tall / 2),
                    ),
                    role,
                )
                windows = []
                pitch_x, win_w = rng.uniform(2.2, 4.0), rng.uniform(0.9, 1.6)
                win_h = rng.uniform(1.2, 1.7)
                for level in range(storeys):
                    for wx in np.arange(x + pitch_x / 2, x + block - pitch_x / 2 + 1e-6, pitch_x):
                        z = kerb + level * storey + (rng.uniform(0.1, 0.3) if level == 0 else 0.9)
                        h = storey - 0.6 if level == 0 and rng.uniform() < 0.5 else win_h
                        windows.append(box_at((win_w, 0.1, h), (wx, far - sign * 0.03, z + h / 2)))
                if windows:
                    b.add("windows", meshes.merge(windows), "glass")
                x += block + (rng.uniform(0.0, 6.0) if rng.uniform() < 0.5 else 0.0)
        else:
            for _ in range(int(rng.integers(3, 12))):
                spot = (
                    rng.uniform(-10, 80),
                    sign * rng.uniform(road + walk + 1.5, road + walk + 40),
                )
                b.place(furniture.tree(rng), (*spot, kerb), 0.0, check=False, foreground=False)
    # Camera on a sidewalk (or the road edge), looking along the street or at a facade.
    sign = float(rng.choice([-1.0, 1.0]))
    on_road = rng.uniform() < 0.2
    y = sign * (
        rng.uniform(0.5, road - 0.5) if on_road else rng.uniform(road + 0.4, road + walk - 0.3)
    )
    base = 0.0 if on_road else kerb
    eye, pitch, roll = _camera_pose(rng)
    position = np.array([rng.uniform(0.0, 5.0), y])
    b.reserve_camera(position)
    closeup = rng.uniform() < 0.25 and not on_road
    yaw = (
        (rng.uniform(-35, 35) + (180.0 if rng.uniform() < 0.3 else 0.0))
        if not closeup
        else (90.0 * sign + rng.uniform(-30, 30))
    )
    # Street furniture.
    for s, built, _far in sides:
        kerb_line = s * (road + 0.45)
        for x in np.arange(rng.uniform(-20, 0), 120.0, rng.uniform(12.0, 30.0)):
            b.place(furniture.street_pole(rng), (x, kerb_line, kerb), math.radians(90 * s))
        for x in np.arange(rng.uniform(-20, 0), 100.0, rng.uniform(7.0, 15.0)):
            if rng.uniform() < 0.5:
                b.place(furniture.tree(rng), (x, s * (road + walk * 0.6), kerb), 0.0)
        for x in np.arange(rng.uniform(-15, 0), 80.0, rng.uniform(5.5, 8.0)):
            if rng.uniform() < 0.55:
                b.place(
                    furniture.car(rng), (x, s * (road - 1.15), 0.0), math.radians(rng.normal(0, 3))
                )
        for _ in range(int(rng.integers(0, 6))):
            item_kind = rng.uniform()
            spot = (rng.uniform(-5, 60), s * rng.uniform(road + 0.5, road + walk - 0.4))
            if item_kind < 0.3:
                parts = furniture.bollard(rng)
            elif item_kind < 0.6:
                parts = furniture.person(rng)
            elif item_kind < 0.75:
                parts = furniture.bench(rng)
            elif item_kind < 0.9:
                parts = furniture.bin_(rng)
            else:
                parts = furniture.fence(rng, rng.uniform(2.0, 8.0))
            b.place(parts, (*spot, kerb), math.radians(rng.choice([0, 90, 180, 270])))
        if not built and rng.uniform() < 0.6:
            b.place(
                furniture.fence(rng, 60.0), (30.0, s * (road + walk + 0.2), kerb), 0.0, check=False
            )
    return np.array([position[0], position[1], base + eye]), float(yaw), pitch, roll, base


def sample_robot_scene(seed: int, config: SceneConfig) -> SceneSpec:
    """Draw one robot-view scene (indoor 70 %, street 30 %).

    Args:
        seed: the sample seed; equal seeds give equal scenes.
        config: image size, aspect variation, FOV range and the valid depth range are used;
            the clutter-specific ranges are not.

    Returns:
        The scene with its camera, objects, lighting and a JSON-friendly `params` record.
    """
    rng = np.random.default_rng(seed)
    width, height = config.width, config.height
    if config.vary_size:
        aspect = float(rng.choice([4 / 3, 4 / 3, 16 / 9, 3 / 2, 1.0]))
        pixels = config.width * config.height
        width = max(8, int(round(math.sqrt(pixels * aspect) / 2)) * 2)
        height = max(8, int(round(math.sqrt(pixels / aspect) / 2)) * 2)
    outdoor = bool(rng.uniform() < OUTDOOR_PROBABILITY)
    # The detail has its own stream, so the scene is the same with and without it.
    detail_rng = np.random.default_rng([seed, 1]) if config.surface_detail else None
    b = _Builder(rng, "outdoor" if outdoor else "indoor", detail_rng)
    b.windows = outdoor
    if outdoor:
        kind = "street"
        position, yaw, pitch, roll, floor_z = _street_scene(b)
    else:
        kind = str(rng.choice(INDOOR_KINDS, p=INDOOR_WEIGHTS))
        position, yaw, pitch, roll, floor_z = _room_scene(b, kind)
    low, high = max(config.hfov_range_deg[0], 45.0), min(config.hfov_range_deg[1], 110.0)
    hfov = float(rng.uniform(low, max(low, high)))
    camera = Camera(
        width=width,
        height=height,
        hfov_deg=hfov,
        position_m=position,
        world_from_camera=rotation_from_angles(yaw, pitch, roll),
    )
    if b.windows:
        lighting = sky_lighting(rng, indoor=False)
    else:
        lighting = Lighting(sky_zenith=(0.05, 0.05, 0.05), sky_horizon=(0.05, 0.05, 0.05))
    camera_record = {
        "hfov_deg": hfov,
        "yaw_deg": yaw,
        "pitch_deg": pitch,
        "roll_deg": roll,
        "height_m": float(position[2] - floor_z),
    }
    params = scene_params(
        seed, kind, (width, height), camera_record, b.objects, b.names, family="robot"
    )
    if config.surface_detail:
        params["surface_detail"] = True
    return SceneSpec(
        camera=camera,
        objects=tuple(b.objects),
        materials=tuple(b.materials),
        lighting=lighting,
        valid_range_m=config.valid_range_m,
        exposure_ev=float(rng.normal(0.0, 0.3)),
        params=params,
    )

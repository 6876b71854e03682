"""Random scenes for training and tests: rooms or open ground, solids, thin structures, occluders.

The paper's sharp boundaries come from synthetic data with exact depth (§3.2; stage 2 trains on
synthetic data only). These scenes stress exactly that: thin structures (fences, poles, wires,
branches, hair-like strands, perforated panels) and occluders at varied depth ratios.
Everything is drawn from one `numpy.random.Generator`, so a seed fixes the scene.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sharp_depth_ros.data import meshes
from sharp_depth_ros.data.camera import Camera, rotation_from_angles
from sharp_depth_ros.data.scene import (
    Lighting,
    Material,
    SceneObject,
    SceneSpec,
    scene_params,
)
from sharp_depth_ros.data.textures import random_texture

SOLID_KINDS = ("box", "sphere", "cylinder", "torus", "extrusion")
THIN_KINDS = ("fence", "pole", "wire", "branch", "strands", "panel")
FAMILIES = ("clutter", "robot", "mix")
ASPECTS = (1.0, 4 / 3, 3 / 4, 16 / 9, 3 / 2, 2 / 3)
# A fixed scene structure (material slots, sphere slots) keeps Mitsuba's compiled kernels valid
# from one scene to the next; see renderer.py.
MATERIAL_SLOTS = 12
GLOSSY_ROUGHNESS = (0.1, 0.2, 0.35)  # the last slots are glossy, fixed roughness per slot
MAX_SPHERES = 8
LIGHT_SLOTS = 4  # ceiling lights, all of one size and radiance (the total area is baked in)
LIGHT_HALF_SIZE_M = 1.0
LIGHT_RADIANCE = (3.0, 2.9, 2.7)


@dataclass(frozen=True, kw_only=True)
class SceneConfig:
    """Ranges of the scene distribution (defaults follow issue 4).

    Attributes:
        width: image width in pixels (the maximum width when `vary_size`).
        height: image height in pixels.
        vary_size: draw the aspect ratio per sample, keeping about width x height pixels.
        object_count: inclusive range of solid objects.
        thin_count: inclusive range of thin structures.
        occluder_count: inclusive range of near occluders.
        depth_range_m: distances at which objects are placed.
        hfov_range_deg: horizontal field of view.
        valid_range_m: depth beyond this is invalid (like sky).
        indoor_probability: probability of a closed room instead of open ground.
        dead_leaves_probability: probability that a surface gets a dead-leaves texture
            (natural-image statistics; the rest get regular patterns).
        outdoor_eye_height_m: camera height above open ground (log-uniform); rooms use 0.8-2.2 m.
        object_size_m: size of a solid (log-uniform), independent of its distance, so apparent
            size is a metric cue; rooms cap it at 1.2 m.
        max_size_per_distance: a solid (or occluder) is at most this fraction of its distance
            in size, so none reaches the camera: every surface stays about half its distance away.
        occluder_size_m: size of a near occluder (log-uniform), before that cap.
        family: "clutter" (this module's random clutter: sharp edges), "robot" (rooms,
            corridors, warehouses, close-ups and streets seen by robot cameras:
            `robot_scenes.py`) or "mix" (each sample is robot with `robot_fraction`).
        robot_fraction: share of robot-view scenes when `family` is "mix".
        surface_detail: robot-view materials at 2-4 mm per texel with a fine grain of
            material-dependent contrast (`materials.with_surface_detail`), so near surfaces
            show texture as real ones do. It draws from its own random stream: a scene's
            geometry, camera and colours are those of the same seed without it.
    """

    width: int = 256
    height: int = 256
    vary_size: bool = False
    object_count: tuple[int, int] = (10, 40)
    thin_count: tuple[int, int] = (2, 7)
    occluder_count: tuple[int, int] = (1, 3)
    depth_range_m: tuple[float, float] = (0.3, 50.0)
    hfov_range_deg: tuple[float, float] = (30.0, 110.0)
    valid_range_m: float = 100.0
    indoor_probability: float = 0.35
    dead_leaves_probability: float = 0.4
    # Metric scale must be learnable from one image: cameras at robot / handheld heights and
    # objects of real-world sizes. (A scale-free draw, heights 0.3-6 m and sizes proportional
    # to distance, capped metric delta1 at about 0.4 even for a perfect relative-depth model;
    # docs/default-model.md.)
    outdoor_eye_height_m: tuple[float, float] = (0.6, 1.8)
    object_size_m: tuple[float, float] = (0.2, 2.0)
    # Drawn sizes once ignored the distance: a 2 m solid 0.8 m away could swallow the camera,
    # and 12 % of scenes had over a tenth of their pixels nearer than 0.3 m
    # (docs/synthetic-data.md). Occluders were sized at 10-40 % of their distance, a scale-free
    # draw whose depth no image can reveal.
    max_size_per_distance: float = 0.5
    occluder_size_m: tuple[float, float] = (0.1, 0.8)
    family: str = "clutter"
    robot_fraction: float = 0.5
    surface_detail: bool = False

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            if not 8 <= getattr(self, name) <= 4096:
                raise ValueError(
                    f"SceneConfig.{name} must be in 8..4096 px, got {getattr(self, name)}"
                )
        for name in ("object_count", "thin_count", "occluder_count"):
            low, high = getattr(self, name)
            if not 0 <= low <= high:
                raise ValueError(f"SceneConfig.{name} must be 0 <= low <= high, got {(low, high)}")
        if not 0.0 < self.max_size_per_distance <= 2.0:
            raise ValueError(
                "SceneConfig.max_size_per_distance must be in (0, 2], got "
                f"{self.max_size_per_distance}"
            )
        for name in ("depth_range_m", "outdoor_eye_height_m", "object_size_m", "occluder_size_m"):
            low, high = getattr(self, name)
            if not 0 < low <= high:
                raise ValueError(f"SceneConfig.{name} must be 0 < low <= high, got {(low, high)}")
        low, high = self.hfov_range_deg
        if not 1 < low <= high < 179:
            raise ValueError(f"SceneConfig.hfov_range_deg must be in (1, 179), got {(low, high)}")
        if self.family not in FAMILIES:
            raise ValueError(f"SceneConfig.family must be one of {FAMILIES}, got {self.family!r}")
        for name in ("indoor_probability", "dead_leaves_probability", "robot_fraction"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"SceneConfig.{name} must be in [0, 1], got {getattr(self, name)}")


def sample_seed(global_seed: int, index: int) -> int:
    """The 31-bit seed of sample `index` of a run seeded with `global_seed`."""
    state = np.random.SeedSequence([int(global_seed), int(index)]).generate_state(1, np.uint32)
    return int(state[0] & 0x7FFFFFFF)


class _Builder:
    """Collects objects while sampling one scene."""

    def __init__(self, rng: np.random.Generator, config: SceneConfig) -> None:
        self.rng, self.config = rng, config
        self.objects: list[SceneObject] = []
        self.materials: list[Material] = []
        self.texture_names: list[str] = []
        for slot in range(MATERIAL_SLOTS):
            texture, name = random_texture(rng, config.dead_leaves_probability)
            # Fixed per slot: Mitsuba bakes these numbers into the kernel (see renderer.py).
            glossy_slot = slot - (MATERIAL_SLOTS - len(GLOSSY_ROUGHNESS))
            roughness = GLOSSY_ROUGHNESS[glossy_slot] if glossy_slot >= 0 else 0.2
            self.materials.append(
                Material(texture=texture, glossy=glossy_slot >= 0, roughness=roughness)
            )
            self.texture_names.append(name)
        self.light_radiance = tuple(
            float(v) for v in rng.uniform(2.0, 8.0) * rng.uniform(0.8, 1.0, 3)
        )

    def material(self) -> int:
        return int(self.rng.integers(len(self.materials)))

    @property
    def sphere_count(self) -> int:
        return sum(o.sphere_center_m is not None for o in self.objects)

    def add(self, kind: str, mesh: meshes.Mesh, foreground: bool = False, **kw: object) -> None:
        uv_scale = float(kw.pop("uv_scale", self.rng.uniform(0.3, 2.0)))
        self.objects.append(
            SceneObject(
                name=f"{len(self.objects) + 1:03d}_{kind}",
                kind=kind,
                mesh=mesh,
                uv_scale=uv_scale,
                material_index=self.material(),
                foreground=foreground,
                **kw,
            )
        )

    def add_sphere(self, center: np.ndarray, radius: float, foreground: bool = False) -> None:
        self.objects.append(
            SceneObject(
                name=f"{len(self.objects) + 1:03d}_sphere",
                kind="sphere",
                material_index=self.material(),
                sphere_center_m=np.asarray(center, dtype=np.float64),
                sphere_radius_m=float(radius),
                foreground=foreground,
            )
        )


def _yaw_matrix(angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _random_rotation(rng: np.random.Generator) -> np.ndarray:
    q = rng.normal(size=4)
    w, x, y, z = q / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def _solid(b: _Builder, kind: str, size: float, foreground: bool, position: np.ndarray) -> None:
    """Place one solid of about `size` metres with its base (or centre) at `position`."""
    rng = b.rng
    if kind == "sphere" and b.sphere_count >= MAX_SPHERES:
        kind = "box"
    if kind == "sphere":
        b.add_sphere(position + [0.0, 0.0, size / 2], size / 2, foreground)
        return
    if kind == "box":
        mesh = meshes.box(tuple(size * rng.uniform(0.3, 1.0, 3)))
    elif kind == "cylinder":
        mesh = meshes.cylinder(size * rng.uniform(0.15, 0.5), size * rng.uniform(0.5, 2.0))
    elif kind == "torus":
        mesh = meshes.torus(size * 0.4, size * rng.uniform(0.05, 0.15))
    else:
        polygon = meshes.star_polygon(
            int(rng.integers(3, 8)), size / 2, size * rng.uniform(0.2, 0.5)
        )
        mesh = meshes.extrusion(polygon, size * rng.uniform(0.1, 1.0))
    rotation = _random_rotation(rng) if rng.uniform() < 0.4 else _yaw_matrix(rng.uniform(0, 6.3))
    mesh = mesh.transformed(rotation, np.zeros(3))
    lift = -mesh.vertices[:, 2].min()
    b.add(kind, mesh.transformed(np.eye(3), position + [0.0, 0.0, lift]), foreground)


def _thin(b: _Builder, kind: str, anchor: np.ndarray, facing: float, distance: float) -> None:
    """Place one thin structure near `anchor` (on the ground), turned towards the camera."""
    rng = b.rng
    turn = _yaw_matrix(facing + rng.uniform(-0.6, 0.6))
    if kind == "fence":
        span, height = rng.uniform(2.0, 8.0), rng.uniform(0.8, 2.0)
        gap, width = rng.uniform(0.08, 0.3), rng.uniform(0.015, 0.06)
        slats = [
            meshes.box((width, 0.02, height)).transformed(np.eye(3), [x, 0.0, height / 2])
            for x in np.arange(-span / 2, span / 2, gap + width)
        ]
        rails = [
            meshes.box((span, 0.03, 0.05)).transformed(np.eye(3), [0.0, 0.03, z])
            for z in (0.2 * height, 0.8 * height)
        ]
        mesh = meshes.merge(slats + rails).transformed(turn, anchor)
    elif kind == "pole":
        height = rng.uniform(1.5, 8.0)
        mesh = meshes.tube(
            np.array([anchor, anchor + [0.0, 0.0, height]]), rng.uniform(0.01, 0.06), 8
        )
    elif kind == "wire":
        half = rng.uniform(2.0, 10.0) * max(distance, 1.0) / 4
        ends = np.array([[-half, 0.0, 0.0], [half, 0.0, 0.0]]) @ turn.T + anchor
        ends[:, 2] = rng.uniform(1.0, 6.0, 2)
        t = np.linspace(0.0, 1.0, 24)[:, None]
        points = ends[0] * (1 - t) + ends[1] * t
        points[:, 2] -= rng.uniform(0.0, 0.1) * 2 * half * 4 * t[:, 0] * (1 - t[:, 0])  # sag
        mesh = meshes.tube(points, rng.uniform(0.003, 0.012), 5)
    elif kind == "branch":
        mesh = meshes.merge(
            _branches(
                rng,
                anchor + [0.0, 0.0, rng.uniform(0.3, 2.0)],
                rng.normal(size=3),
                rng.uniform(0.3, 1.5),
                0.02,
                3,
            )
        )
    elif kind == "strands":
        root = anchor + [0.0, 0.0, rng.uniform(0.5, 2.0)]
        curls = []
        for _ in range(int(rng.integers(8, 30))):
            steps = np.cumsum(rng.normal(0.0, 0.02, (16, 3)) + [0.0, 0.0, -0.03], axis=0)
            curls.append(
                meshes.tube(root + rng.normal(0.0, 0.05, 3) + steps, rng.uniform(0.0006, 0.002), 4)
            )
        mesh = meshes.merge(curls)
    else:  # perforated panel
        cols, rows = int(rng.integers(4, 16)), int(rng.integers(4, 16))
        keep = rng.uniform(size=(rows, cols)) > rng.uniform(0.2, 0.6)
        panel = meshes.perforated_panel(
            rng.uniform(0.5, 3.0), rng.uniform(0.5, 2.5), (cols, rows), keep
        )
        mesh = panel.transformed(turn, anchor + [0.0, 0.0, rng.uniform(0.0, 1.0)])
    b.add(kind, mesh, foreground=True)


def _branches(
    rng: np.random.Generator,
    start: np.ndarray,
    direction: np.ndarray,
    length: float,
    radius: float,
    depth: int,
) -> list[meshes.Mesh]:
    """A recursive twig: a bent tube that splits into 2-3 thinner children."""
    direction = direction / np.linalg.norm(direction)
    points = [start]
    for _ in range(6):
        direction = direction + rng.normal(0.0, 0.15, 3)
        direction /= np.linalg.norm(direction)
        points.append(points[-1] + direction * length / 6)
    parts = [meshes.tube(np.array(points), np.linspace(radius, radius * 0.6, 7), 5)]
    if depth > 0:
        for _ in range(int(rng.integers(2, 4))):
            child = direction + rng.normal(0.0, 0.7, 3)
            parts += _branches(
                rng, points[int(rng.integers(2, 7))], child, length * 0.6, radius * 0.55, depth - 1
            )
    return parts


def _quad(corners: np.ndarray) -> meshes.Mesh:
    """A rectangle from 4 corners in order; UVs in metres along its two edges."""
    corners = np.asarray(corners, dtype=np.float64)
    edge_u, edge_v = corners[1] - corners[0], corners[3] - corners[0]
    uv = np.array([[0, 0], [1, 0], [1, 1], [0, 1]]) * [
        np.linalg.norm(edge_u),
        np.linalg.norm(edge_v),
    ]
    return meshes.Mesh(corners, np.array([[0, 1, 2], [0, 2, 3]]), uv)


def _room(b: _Builder, bounds: np.ndarray) -> None:
    """Floor, ceiling and four walls of an axis-aligned room; area lights under the ceiling."""
    (x0, y0, z0), (x1, y1, z1) = bounds
    b.add("floor", _quad([[x0, y0, z0], [x1, y0, z0], [x1, y1, z0], [x0, y1, z0]]))
    b.add("ceiling", _quad([[x0, y0, z1], [x1, y0, z1], [x1, y1, z1], [x0, y1, z1]]))
    for a, c in (
        ((x0, y0), (x1, y0)),
        ((x1, y0), (x1, y1)),
        ((x1, y1), (x0, y1)),
        ((x0, y1), (x0, y0)),
    ):
        b.add("wall", _quad([[*a, z0], [*c, z0], [*c, z1], [*a, z1]]))
    for _ in range(int(b.rng.integers(2, LIGHT_SLOTS + 1))):
        cx, cy = b.rng.uniform([x0 + 1.1, y0 + 1.1], [x1 - 1.1, y1 - 1.1])
        hx = hy = LIGHT_HALF_SIZE_M
        z = z1 - 0.01
        # Clockwise seen from above: the one-sided area light faces down into the room.
        corners = [
            [cx - hx, cy - hy, z],
            [cx - hx, cy + hy, z],
            [cx + hx, cy + hy, z],
            [cx + hx, cy - hy, z],
        ]
        b.add("light", _quad(corners), emitter_radiance=LIGHT_RADIANCE)


def sky_lighting(rng: np.random.Generator, indoor: bool) -> Lighting:
    """Sky and sun: a dim dome indoors; outdoors a clear (sun + gradient) or overcast sky."""
    if indoor:
        return Lighting(sky_zenith=(0.05, 0.05, 0.05), sky_horizon=(0.05, 0.05, 0.05))
    overcast = rng.uniform() < 0.25
    zenith = np.array([0.25, 0.45, 0.9]) * rng.uniform(0.4, 1.2)
    horizon = np.array([0.8, 0.85, 0.95]) * rng.uniform(0.6, 1.4)
    if overcast:
        zenith = horizon = np.full(3, rng.uniform(0.6, 1.5))
        return Lighting(sky_zenith=tuple(zenith), sky_horizon=tuple(horizon))
    elevation, azimuth = math.radians(rng.uniform(5, 75)), rng.uniform(0, 2 * math.pi)
    to_sun = np.array(
        [
            math.cos(elevation) * math.cos(azimuth),
            math.cos(elevation) * math.sin(azimuth),
            math.sin(elevation),
        ]
    )
    warmth = np.array([1.0, rng.uniform(0.8, 0.95), rng.uniform(0.6, 0.9)])
    irradiance = tuple(float(v) for v in warmth * rng.uniform(2.0, 6.0))
    return Lighting(
        sky_zenith=tuple(float(v) for v in zenith),
        sky_horizon=tuple(float(v) for v in horizon),
        sun_direction=-to_sun,
        sun_irradiance=irradiance,
    )


def sample_clutter_scene(seed: int, config: SceneConfig) -> SceneSpec:
    """Draw one random-clutter scene; arguments and result as in `scene_families.sample_scene`."""
    rng = np.random.default_rng(seed)
    b = _Builder(rng, config)
    width, height = config.width, config.height
    if config.vary_size:
        aspect = ASPECTS[int(rng.integers(len(ASPECTS)))]
        pixels = config.width * config.height
        width = max(8, int(round(math.sqrt(pixels * aspect) / 2)) * 2)
        height = max(8, int(round(math.sqrt(pixels / aspect) / 2)) * 2)
    indoor = bool(rng.uniform() < config.indoor_probability)
    hfov = float(rng.uniform(*config.hfov_range_deg))
    yaw = float(rng.uniform(-50, 50) if indoor else rng.uniform(0, 360))
    pitch = float(np.clip(rng.normal(-5.0, 12.0), -45.0, 30.0))
    roll = float(np.clip(rng.normal(0.0, 6.0), -20.0, 20.0)) if rng.uniform() < 0.6 else 0.0
    eye_height = float(
        rng.uniform(0.8, 2.2) if indoor else _log_uniform(rng, config.outdoor_eye_height_m)
    )
    camera = Camera(
        width=width,
        height=height,
        hfov_deg=hfov,
        position_m=np.array([0.0, 0.0, eye_height]),
        world_from_camera=rotation_from_angles(yaw, pitch, roll),
    )
    near, far = config.depth_range_m
    if indoor:
        low = np.array([-rng.uniform(0.5, 3.0), -rng.uniform(2.0, 6.0), 0.0])
        high = np.array([rng.uniform(4.0, 15.0), rng.uniform(2.0, 6.0), rng.uniform(2.4, 4.5)])
        high[2] = max(high[2], eye_height + 0.4)
        _room(b, np.stack([low, high]))
        far = min(far, float(np.linalg.norm(high[:2] - low[:2])))
    else:
        half = 2.0 * config.valid_range_m
        b.add(
            "ground",
            _quad([[-half, -half, 0], [half, -half, 0], [half, half, 0], [-half, half, 0]]),
        )
        for _ in range(int(rng.integers(0, 5))):
            size = rng.uniform(5.0, 25.0, 3)
            base = _ground_point(rng, yaw, hfov, (15.0, far + 20.0))
            mesh = meshes.box(tuple(size)).transformed(
                _yaw_matrix(rng.uniform(0, 6.3)), base + [0, 0, size[2] / 2]
            )
            b.add("building", mesh, uv_scale=float(rng.uniform(0.1, 0.5)))

    def place(distance_range: tuple[float, float]) -> tuple[np.ndarray, float]:
        point = _ground_point(rng, yaw, hfov, distance_range)
        if indoor:
            point[:2] = np.clip(point[:2], low[:2] + 0.3, high[:2] - 0.3)
        return point, float(np.linalg.norm(point[:2]))

    for _ in range(int(rng.integers(config.object_count[0], config.object_count[1] + 1))):
        position, distance = place((near + 0.5, far))
        size = _log_uniform(rng, config.object_size_m)
        if indoor:
            size = min(size, 1.2)
        size = min(size, config.max_size_per_distance * distance)
        if rng.uniform() < 0.2:  # floating, inside the vertical field of view
            position[2] = eye_height + distance * math.tan(math.radians(rng.uniform(-15, 20)))
        _solid(b, SOLID_KINDS[int(rng.integers(len(SOLID_KINDS)))], size, False, position)
    thin_ranges = {
        "strands": (0.4, 2.5),
        "branch": (0.5, 6.0),
        "fence": (1.5, 20.0),
        "pole": (1.0, 30.0),
        "wire": (3.0, 30.0),
        "panel": (0.8, 10.0),
    }
    for _ in range(int(rng.integers(config.thin_count[0], config.thin_count[1] + 1))):
        kind = THIN_KINDS[int(rng.integers(len(THIN_KINDS)))]
        low_m, high_m = thin_ranges[kind]
        anchor, distance = place((max(low_m, near), min(high_m, far)))
        _thin(b, kind, anchor, math.radians(yaw) + math.pi / 2, distance)
    for _ in range(int(rng.integers(config.occluder_count[0], config.occluder_count[1] + 1))):
        # §3.2: sharp boundaries need foreground/background pairs at many depth ratios.
        z = _log_uniform(rng, (max(near, 0.3), 3.0))
        pixel = rng.uniform([0, 0], [width - 1, height - 1])[None]
        centre = camera.unproject(pixel, np.array([z]))[0]
        kind = SOLID_KINDS[int(rng.integers(len(SOLID_KINDS)))]
        size = min(_log_uniform(rng, config.occluder_size_m), config.max_size_per_distance * z)
        _solid(b, kind, size, True, centre - [0.0, 0.0, size / 2])
    camera_record = {
        "hfov_deg": hfov,
        "yaw_deg": yaw,
        "pitch_deg": pitch,
        "roll_deg": roll,
        "height_m": eye_height,
    }
    scene_kind = "indoor" if indoor else "outdoor"
    params = scene_params(
        seed, scene_kind, (width, height), camera_record, b.objects, b.texture_names
    )
    return SceneSpec(
        camera=camera,
        objects=tuple(b.objects),
        materials=tuple(b.materials),
        lighting=sky_lighting(rng, indoor),
        valid_range_m=config.valid_range_m,
        exposure_ev=float(rng.normal(0.0, 0.3)),
        params=params,
    )


def _log_uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    low, high = bounds
    return float(math.exp(rng.uniform(math.log(low), math.log(high))))


def _ground_point(
    rng: np.random.Generator, yaw_deg: float, hfov_deg: float, distance_range: tuple[float, float]
) -> np.ndarray:
    """A ground point inside the camera's horizontal field of view, log-uniform in distance."""
    low, high = distance_range
    high = max(high, low * 1.01)
    distance = _log_uniform(rng, (low, high))
    angle = math.radians(yaw_deg + rng.uniform(-0.55, 0.55) * hfov_deg)
    return np.array([distance * math.cos(angle), distance * math.sin(angle), 0.0])

"""Procedural materials of real surfaces at their real scale, for the robot-view scenes.

Each material is a 128 px texture (linear RGB albedo, one size for all: see renderer.py on
kernel reuse) plus the physical size in metres that one texture repeat covers, so a floor tile
is 0.3-0.6 m and a brick 0.2 m wide in every image. Palettes are muted, as in real buildings:
the clutter family's saturated random colours and photos teach edges, not what rooms look like.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from sharp_depth_ros.data.textures import TEXTURE_SIZE, smooth_noise, srgb_to_linear


@dataclass(frozen=True)
class SurfaceMaterial:
    """A texture and its physical repeat.

    Attributes:
        name: what it imitates ("tile", "wood", ...), recorded in the scene params.
        texture: (128, 128, 3) float32 linear RGB albedo in [0, 1].
        repeat_m: metres covered by one texture repeat (uv_scale = 1 / repeat_m).
    """

    name: str
    texture: np.ndarray
    repeat_m: float


def _hsv(h: float, s: float, v: float) -> np.ndarray:
    """An sRGB colour from hue, saturation and value in [0, 1], as LINEAR RGB."""
    rgb = np.clip(np.abs(((h * 6 + np.array([0.0, 4.0, 2.0])) % 6) - 3) - 1, 0, 1)
    return srgb_to_linear(v * (1 - s + s * rgb)).astype(np.float32)


def _grid() -> tuple[np.ndarray, np.ndarray]:
    y, x = np.mgrid[0:TEXTURE_SIZE, 0:TEXTURE_SIZE] / TEXTURE_SIZE
    return y, x


def _fine(rng: np.random.Generator, cells: int = 32) -> np.ndarray:
    return smooth_noise(rng, TEXTURE_SIZE, cells)


def _shade(colour: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Colour (3,) times a per-pixel brightness factor (H, W)."""
    return np.clip(colour[None, None, :] * weight[..., None], 0.0, 1.0).astype(np.float32)


def plaster(rng: np.random.Generator, white: bool = False) -> SurfaceMaterial:
    """Painted plaster: off-white, beige, grey or pale colours with faint mottling."""
    if white or rng.uniform() < 0.45:
        colour = _hsv(rng.uniform(0.05, 0.15), rng.uniform(0.0, 0.08), rng.uniform(0.82, 0.96))
    else:
        colour = _hsv(rng.uniform(0, 1), rng.uniform(0.05, 0.3), rng.uniform(0.55, 0.9))
    weight = 1.0 + 0.05 * (_fine(rng, 8) - 0.5) + 0.04 * (_fine(rng, 48) - 0.5)
    return SurfaceMaterial("plaster", _shade(colour, weight), float(rng.uniform(1.0, 2.0)))


def wood(rng: np.random.Generator, planks: bool = False) -> SurfaceMaterial:
    """Wood grain; with `planks`, floor boards 0.1-0.2 m wide with dark seams."""
    y, x = _grid()
    base = _hsv(rng.uniform(0.05, 0.1), rng.uniform(0.35, 0.65), rng.uniform(0.35, 0.8))
    grain = np.sin(2 * np.pi * (y * rng.uniform(12, 30) + 1.5 * _fine(rng, 6)))
    weight = 1.0 + 0.12 * grain + 0.1 * (_fine(rng, 16) - 0.5)
    count = 4
    if planks:
        board = np.floor(x * count)
        jitter = rng.uniform(0.85, 1.15, count)
        weight = weight * jitter[board.astype(int) % count]
        weight = np.where((x * count) % 1 < 0.03, 0.45, weight)
    repeat = float(rng.uniform(0.4, 0.8)) if planks else float(rng.uniform(0.5, 1.2))
    return SurfaceMaterial("wood", _shade(base, weight), repeat)


def tile(rng: np.random.Generator) -> SurfaceMaterial:
    """Square tiles of 0.3-0.6 m with grout lines, 2 x 2 per texture repeat."""
    y, x = _grid()
    count = 2
    colour = _hsv(rng.uniform(0, 1), rng.uniform(0.0, 0.25), rng.uniform(0.45, 0.92))
    grout = _hsv(0.1, 0.05, rng.uniform(0.3, 0.7))
    cell = (np.floor(x * count) + count * np.floor(y * count)).astype(int)
    jitter = rng.uniform(0.92, 1.08, count * count)[cell]
    weight = jitter * (1.0 + 0.06 * (_fine(rng, 24) - 0.5))
    texture = _shade(colour, weight)
    line = ((x * count) % 1 < 0.025) | ((y * count) % 1 < 0.025)
    texture[line] = grout
    return SurfaceMaterial("tile", texture, count * float(rng.uniform(0.3, 0.6)))


def carpet(rng: np.random.Generator) -> SurfaceMaterial:
    """Carpet: fine fibre noise in a muted colour."""
    colour = _hsv(rng.uniform(0, 1), rng.uniform(0.05, 0.35), rng.uniform(0.2, 0.6))
    weight = 1.0 + 0.25 * (_fine(rng, 64) - 0.5) + 0.1 * (_fine(rng, 8) - 0.5)
    return SurfaceMaterial("carpet", _shade(colour, weight), float(rng.uniform(0.4, 0.8)))


def concrete(rng: np.random.Generator, light: bool = False) -> SurfaceMaterial:
    """Concrete: grey with blotches and stains."""
    value = rng.uniform(0.6, 0.8) if light else rng.uniform(0.4, 0.7)
    colour = _hsv(rng.uniform(0.05, 0.15), rng.uniform(0.0, 0.1), value)
    weight = 1.0 + 0.18 * (_fine(rng, 6) - 0.5) + 0.12 * (_fine(rng, 40) - 0.5)
    return SurfaceMaterial("concrete", _shade(colour, weight), float(rng.uniform(1.5, 3.0)))


def brick(rng: np.random.Generator) -> SurfaceMaterial:
    """Running-bond brick, 3 bricks x 8 courses per repeat (about 0.2 x 0.075 m)."""
    y, x = _grid()
    courses, per_row = 8, 3
    row = np.floor(y * courses)
    shifted = x * per_row + 0.5 * (row % 2)
    brick_id = (row * (per_row + 1) + np.floor(shifted)).astype(int)
    colour = _hsv(rng.uniform(0.0, 0.08), rng.uniform(0.35, 0.7), rng.uniform(0.35, 0.7))
    jitter = rng.uniform(0.8, 1.2, int(brick_id.max()) + 1)[brick_id]
    texture = _shade(colour, jitter * (1.0 + 0.1 * (_fine(rng, 40) - 0.5)))
    mortar = ((y * courses) % 1 < 0.12) | (shifted % 1 < 0.04)
    texture[mortar] = _hsv(0.1, 0.05, rng.uniform(0.5, 0.8))
    return SurfaceMaterial("brick", texture, 0.6)


def asphalt(rng: np.random.Generator) -> SurfaceMaterial:
    """Asphalt: dark grey grit."""
    colour = _hsv(0.6, 0.03, rng.uniform(0.25, 0.4))
    weight = 1.0 + 0.35 * (_fine(rng, 64) - 0.5) + 0.15 * (_fine(rng, 6) - 0.5)
    return SurfaceMaterial("asphalt", _shade(colour, weight), float(rng.uniform(1.0, 2.0)))


def pavers(rng: np.random.Generator) -> SurfaceMaterial:
    """Sidewalk pavers: 4 x 4 concrete slabs of 0.2-0.5 m per repeat."""
    material = tile(rng)
    grey = _hsv(0.08, rng.uniform(0.0, 0.12), rng.uniform(0.5, 0.75))
    ratio = grey / np.maximum(material.texture.reshape(-1, 3).mean(axis=0), 1e-3)
    return SurfaceMaterial("pavers", np.clip(material.texture * ratio, 0, 1), material.repeat_m)


def grass(rng: np.random.Generator) -> SurfaceMaterial:
    """Grass: green with blade-scale noise and dry patches."""
    colour = _hsv(rng.uniform(0.2, 0.3), rng.uniform(0.4, 0.7), rng.uniform(0.3, 0.55))
    weight = 1.0 + 0.4 * (_fine(rng, 64) - 0.5) + 0.25 * (_fine(rng, 5) - 0.5)
    return SurfaceMaterial("grass", _shade(colour, weight), float(rng.uniform(0.8, 1.5)))


def foliage(rng: np.random.Generator) -> SurfaceMaterial:
    """Leaves: blotchy dark green."""
    colour = _hsv(rng.uniform(0.22, 0.35), rng.uniform(0.4, 0.8), rng.uniform(0.2, 0.45))
    weight = 1.0 + 0.7 * (_fine(rng, 24) - 0.5)
    return SurfaceMaterial("foliage", _shade(colour, weight), float(rng.uniform(0.5, 1.0)))


def bark(rng: np.random.Generator) -> SurfaceMaterial:
    """Bark: brown vertical furrows."""
    y, x = _grid()
    colour = _hsv(rng.uniform(0.05, 0.1), rng.uniform(0.2, 0.5), rng.uniform(0.2, 0.4))
    weight = 1.0 + 0.25 * np.sin(2 * np.pi * (x * 10 + 0.8 * _fine(rng, 8)))
    return SurfaceMaterial("bark", _shade(colour, weight), 0.5)


def painted(rng: np.random.Generator) -> SurfaceMaterial:
    """Painted or laminated furniture: any muted colour, nearly flat."""
    colour = _hsv(rng.uniform(0, 1), rng.uniform(0.0, 0.5), rng.uniform(0.15, 0.95))
    weight = 1.0 + 0.04 * (_fine(rng, 16) - 0.5)
    return SurfaceMaterial("painted", _shade(colour, weight), 1.0)


def cardboard(rng: np.random.Generator) -> SurfaceMaterial:
    """Cardboard: tan with slight fibre noise."""
    colour = _hsv(rng.uniform(0.07, 0.1), rng.uniform(0.35, 0.55), rng.uniform(0.55, 0.8))
    weight = 1.0 + 0.08 * (_fine(rng, 32) - 0.5)
    return SurfaceMaterial("cardboard", _shade(colour, weight), 0.6)


def fabric(rng: np.random.Generator) -> SurfaceMaterial:
    """Upholstery or clothing: a woven colour."""
    y, x = _grid()
    colour = _hsv(rng.uniform(0, 1), rng.uniform(0.1, 0.6), rng.uniform(0.15, 0.75))
    weave = 0.05 * (np.sin(2 * np.pi * x * 64) + np.sin(2 * np.pi * y * 64))
    weight = 1.0 + weave + 0.15 * (_fine(rng, 12) - 0.5)
    return SurfaceMaterial("fabric", _shade(colour, weight), 0.3)


def metal(rng: np.random.Generator) -> SurfaceMaterial:
    """Brushed or painted metal: grey, blue, yellow or black with streaks."""
    y, x = _grid()
    hue, saturation = (
        (rng.uniform(0.1, 0.16), rng.uniform(0.5, 0.8))
        if rng.uniform() < 0.2
        else (rng.uniform(0, 1), rng.uniform(0.0, 0.15))
    )
    colour = _hsv(hue, saturation, rng.uniform(0.15, 0.8))
    weight = 1.0 + 0.06 * np.sin(2 * np.pi * (x * 90 + 3 * _fine(rng, 4)))
    return SurfaceMaterial("metal", _shade(colour, weight), 1.0)


def glass(rng: np.random.Generator) -> SurfaceMaterial:
    """Window glass and screens, seen from outside: dark blue-grey reflections."""
    colour = _hsv(rng.uniform(0.5, 0.65), rng.uniform(0.1, 0.4), rng.uniform(0.1, 0.3))
    weight = 1.0 + 0.3 * (_fine(rng, 3) - 0.5)
    return SurfaceMaterial("glass", _shade(colour, weight), 2.0)


MaterialFactory = Callable[[np.random.Generator], SurfaceMaterial]


def pick(rng: np.random.Generator, choices: tuple[MaterialFactory, ...]) -> SurfaceMaterial:
    """One material from a random factory of `choices`."""
    return choices[int(rng.integers(len(choices)))](rng)


# Fine surface detail (`SceneConfig.surface_detail`): real surfaces show grain at every scale,
# so near ones look busier than far ones. The 128 px textures above stop at 0.5-1.5 cm per
# texel and are magnified into plain patches close to the camera; the detail layer resamples
# each texture to DETAIL_TEXTURE_SIZE (2-4 mm per texel) and multiplies it by a tileable grain
# with a 1/f spectrum, of a contrast that depends on the material.
DETAIL_TEXTURE_SIZE = 512
DETAIL_CONTRAST = {
    "plaster": 0.08, "painted": 0.05, "glass": 0.04, "metal": 0.08, "wood": 0.14,
    "tile": 0.07, "carpet": 0.3, "concrete": 0.22, "brick": 0.22, "asphalt": 0.3,
    "pavers": 0.2, "grass": 0.35, "foliage": 0.35, "bark": 0.3, "cardboard": 0.14,
    "fabric": 0.2,
}  # fmt: skip
_DETAIL_CELLS = (16, 32, 64, 128, 256, 512)
# Octave amplitude ~ wavelength ** _DETAIL_SLOPE: 1 would be the 1/f spectrum of natural
# images, which puts nearly all contrast into blotches; 0.5 keeps millimetre grain visible.
_DETAIL_SLOPE = 0.5


def tileable_noise(rng: np.random.Generator, size: int, cells: int) -> np.ndarray:
    """Bilinear value noise in [0, 1], (size, size), that wraps around seamlessly at every edge."""
    grid = rng.random((cells, cells), dtype=np.float32)
    return grid if cells == size else _upsampled_tile(grid, size)


def surface_grain(rng: np.random.Generator, size: int = DETAIL_TEXTURE_SIZE) -> np.ndarray:
    """Tileable (size, size) grain of zero mean and unit standard deviation.

    Octaves from 16 cells to one per texel, with amplitudes that grow with the wavelength.
    """
    grain = np.zeros((size, size), np.float32)
    for cells in _DETAIL_CELLS:
        grain += tileable_noise(rng, size, min(cells, size)) * (16 / cells) ** _DETAIL_SLOPE
    grain -= grain.mean()
    return (grain / max(float(grain.std()), 1e-9)).astype(np.float32)


def _upsampled_tile(texture: np.ndarray, size: int) -> np.ndarray:
    """A repeating (n, n[, c]) array resampled bilinearly to (size, size[, c]), still tileable."""
    factor = size / texture.shape[0]
    pad = ((1, 1), (1, 1)) + ((0, 0),) * (texture.ndim - 2)
    padded = np.pad(texture, pad, mode="wrap")
    side = round(padded.shape[0] * factor)
    big = cv2.resize(padded, (side, side), interpolation=cv2.INTER_LINEAR)
    offset = round(factor)
    return big[offset : offset + size, offset : offset + size]


def with_surface_detail(
    material: SurfaceMaterial, rng: np.random.Generator, size: int = DETAIL_TEXTURE_SIZE
) -> SurfaceMaterial:
    """The material at `size` px per repeat, its brightness varied by a fine 1/f grain.

    The grain's standard deviation is DETAIL_CONTRAST[material.name] (0.05 for unknown
    names), so plaster stays nearly plain and asphalt and grass turn gritty.
    """
    contrast = DETAIL_CONTRAST.get(material.name, 0.05)
    weight = np.maximum(1.0 + np.float32(contrast) * surface_grain(rng, size), 0.0)
    texture = _upsampled_tile(material.texture.astype(np.float32), size) * weight[..., None]
    return SurfaceMaterial(material.name, np.minimum(texture, 1.0), material.repeat_m)

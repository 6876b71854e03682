"""Surface textures, all procedural: regular patterns and dead-leaves images.

Textures are (h, w, 3) float32 linear-RGB arrays in [0, 1]. Nothing is read from disk, so the
same seed gives the same textures on every machine and with every library version. The
dead-leaves model (occluding discs with a power-law size distribution) stands in for photos:
it has the scale invariance and the edge statistics of natural images.
"""

from __future__ import annotations

import cv2
import numpy as np

TEXTURE_SIZE = 128
# Dead-leaves discs: radius density ~ r^-3 (scale-invariant, as natural images) between these
# fractions of the texture side.
LEAF_RADIUS_RANGE = (0.02, 0.4)
LEAF_COUNT = 800  # covers the texture about six times over


def srgb_to_linear(srgb: np.ndarray) -> np.ndarray:
    """Invert the sRGB transfer curve (values in [0, 1])."""
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """Apply the sRGB transfer curve (values clipped to [0, 1])."""
    linear = np.clip(linear, 0.0, 1.0)
    return np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055)


def _random_colour(rng: np.random.Generator) -> np.ndarray:
    hue = rng.uniform(0, 1)
    saturation = rng.uniform(0.0, 0.8)
    value = rng.uniform(0.15, 0.9)
    rgb = np.clip(np.abs(((hue * 6 + np.array([0, 4, 2])) % 6) - 3) - 1, 0, 1)
    return (value * (1 - saturation + saturation * rgb)).astype(np.float32) ** 2.2


def smooth_noise(rng: np.random.Generator, size: int, cells: int) -> np.ndarray:
    """Bilinear value noise in [0, 1], (size, size)."""
    grid = rng.uniform(0, 1, (cells + 1, cells + 1))
    x = np.linspace(0, cells, size, endpoint=False)
    i, f = x.astype(int), x - x.astype(int)
    f = f * f * (3 - 2 * f)
    rows = grid[i] * (1 - f)[:, None] + grid[i + 1] * f[:, None]
    return rows[:, i] * (1 - f)[None] + rows[:, i + 1] * f[None]


def procedural_texture(rng: np.random.Generator, size: int = TEXTURE_SIZE) -> np.ndarray:
    """One random pattern (checker, stripes, noise, bricks, dots or plain) as (size, size, 3)."""
    a, b = _random_colour(rng), _random_colour(rng)
    y, x = np.mgrid[0:size, 0:size] / size
    kind = rng.integers(0, 6)
    period = rng.integers(2, 12)
    if kind == 0:
        weight = ((np.floor(x * period) + np.floor(y * period)) % 2).astype(np.float32)
    elif kind == 1:
        weight = (np.sin(2 * np.pi * period * (x * np.cos(period) + y * np.sin(period))) > 0) * 1.0
    elif kind == 2:
        weight = 0.6 * smooth_noise(rng, size, 4) + 0.4 * smooth_noise(rng, size, 16)
    elif kind == 3:
        row = np.floor(y * period)
        shifted = x * period / 2 + 0.5 * (row % 2)
        weight = (
            (np.abs(shifted % 1 - 0.5) > 0.45) | (np.abs((y * period) % 1 - 0.5) > 0.42)
        ) * 1.0
    elif kind == 4:
        weight = (np.hypot((x * period) % 1 - 0.5, (y * period) % 1 - 0.5) < 0.3) * 1.0
    else:
        weight = 0.15 * smooth_noise(rng, size, 8)
    return (a * (1 - weight[..., None]) + b * weight[..., None]).astype(np.float32)


def dead_leaves_texture(rng: np.random.Generator, size: int = TEXTURE_SIZE) -> np.ndarray:
    """Occluding discs of random colours, radii drawn from a density ~ r^-3, as (size, size, 3).

    Later discs cover earlier ones; a palette of a few related colours and a little value noise
    give surfaces the look of cluttered, natural material rather than confetti.
    """
    base = _random_colour(rng)
    palette = [np.clip(base * rng.uniform(0.3, 1.7), 0.0, 1.0) for _ in range(3)]
    palette += [_random_colour(rng) for _ in range(2)]
    canvas = np.zeros((size, size, 3), np.float32)
    canvas[:] = palette[0]
    low, high = (fraction * size for fraction in LEAF_RADIUS_RANGE)
    # Inverse CDF of p(r) ~ r^-3 on [low, high].
    u = rng.uniform(0.0, 1.0, LEAF_COUNT)
    radii = np.maximum(1, (low**-2 - u * (low**-2 - high**-2)) ** -0.5).astype(int)
    centres = rng.uniform(-0.1 * size, 1.1 * size, (LEAF_COUNT, 2)).astype(int)
    choices = rng.integers(0, len(palette), LEAF_COUNT)
    shades = rng.uniform(0.8, 1.2, LEAF_COUNT)
    colours = np.clip(np.asarray(palette)[choices] * shades[:, None], 0.0, 1.0)
    for (x, y), radius, colour in zip(
        centres.tolist(), radii.tolist(), colours.tolist(), strict=True
    ):
        cv2.circle(canvas, (x, y), radius, colour, -1, cv2.LINE_AA)
    noise = 0.9 + 0.2 * smooth_noise(rng, size, 8)[..., None]
    return np.clip(canvas * noise, 0.0, 1.0).astype(np.float32)


def random_texture(
    rng: np.random.Generator, dead_leaves_probability: float = 0.4
) -> tuple[np.ndarray, str]:
    """A regular pattern or a dead-leaves texture; returns (texture, description)."""
    if rng.uniform() < dead_leaves_probability:
        return dead_leaves_texture(rng), "dead-leaves"
    return procedural_texture(rng), "procedural"

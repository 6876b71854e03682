"""Surface textures: procedural patterns and photographs that ship inside scikit-image.

Textures are (h, w, 3) float32 linear-RGB arrays in [0, 1]. Photos are optional: without
scikit-image only procedural patterns are used.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import cv2
import numpy as np

LOGGER = logging.getLogger(__name__)

TEXTURE_SIZE = 128
# Photos bundled in the scikit-image wheel (no download); greyscale ones are tinted.
PHOTO_FILES = (
    "astronaut.png",
    "brick.png",
    "camera.png",
    "chelsea.png",
    "coffee.png",
    "coins.png",
    "grass.png",
    "gravel.png",
    "rocket.jpg",
    "hubble_deep_field.jpg",
    "ihc.png",
    "motorcycle_left.png",
    "moon.png",
    "text.png",
    "page.png",
    "retina.jpg",
)


def srgb_to_linear(srgb: np.ndarray) -> np.ndarray:
    """Invert the sRGB transfer curve (values in [0, 1])."""
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """Apply the sRGB transfer curve (values clipped to [0, 1])."""
    linear = np.clip(linear, 0.0, 1.0)
    return np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055)


@functools.cache
def photo_textures() -> tuple[tuple[str, np.ndarray], ...]:
    """Load the bundled scikit-image photos once per process: (file name, texture) pairs."""
    try:
        import skimage
        from PIL import Image
    except ImportError:
        LOGGER.info("scikit-image not installed: procedural textures only")
        return ()
    folder = Path(skimage.__file__).parent / "data"
    photos = []
    for name in PHOTO_FILES:
        path = folder / name
        if not path.exists():
            continue
        image = Image.open(path).convert("RGB")
        image.thumbnail((TEXTURE_SIZE * 2, TEXTURE_SIZE * 2))
        photos.append((name, srgb_to_linear(np.asarray(image, dtype=np.float32) / 255.0)))
    return tuple(photos)


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


def random_texture(
    rng: np.random.Generator, photo_probability: float = 0.4
) -> tuple[np.ndarray, str]:
    """A procedural or photo texture; returns (texture, description)."""
    photos = photo_textures()
    if photos and rng.uniform() < photo_probability:
        index = int(rng.integers(len(photos)))
        name, photo = photos[index]
        size = min(TEXTURE_SIZE, *photo.shape[:2])
        top = int(rng.integers(0, photo.shape[0] - size + 1))
        left = int(rng.integers(0, photo.shape[1] - size + 1))
        crop = photo[top : top + size, left : left + size]
        if size != TEXTURE_SIZE:  # one texture size for all: see renderer.py on kernel reuse
            crop = cv2.resize(crop, (TEXTURE_SIZE, TEXTURE_SIZE), interpolation=cv2.INTER_LINEAR)
        tint = 1.0 if rng.uniform() < 0.5 else _random_colour(rng) * 2.0
        return np.clip(crop * tint, 0.0, 1.0).astype(np.float32), f"photo:{name}"
    return procedural_texture(rng), "procedural"

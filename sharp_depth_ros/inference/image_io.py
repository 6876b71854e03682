"""The one image reader: 8/16-bit, grey/alpha, EXIF orientation and focal length.

The 16-bit rule, everywhere (predict, eval, bag, the node): 16-bit images keep their 16 bits,
and the predictor maps uint16 to [0, 1] by dividing by 65535 (uint8 by 255). Nothing shifts
16-bit pixels down to 8 bits on the way to the network; only displays (point-cloud colours) use
8 bits, through `rgb_to_uint8`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import ExifTags, Image, UnidentifiedImageError

from sharp_depth_ros.pinhole import f35mm_to_focal_px

LOGGER = logging.getLogger(__name__)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm")
_F35_TAG_NAMES = ("FocalLengthIn35mmFilm", "FocalLenIn35mmFilm", "FocalLengthIn35mmFormat")


@dataclass(frozen=True)
class LoadedImage:
    """An RGB image and what its EXIF says about the camera.

    Attributes:
        rgb: (H, W, 3) uint8 or uint16, upright (EXIF orientation applied).
        focal_px: focal length in pixels from the EXIF 35 mm-equivalent tag, or None.
    """

    rgb: np.ndarray
    focal_px: float | None


def _exif_tags(image: Image.Image) -> dict[str, object]:
    exif = image.getexif()
    tags: dict[str, object] = {
        ExifTags.TAGS.get(tag, str(tag)): value
        for tag, value in exif.get_ifd(ExifTags.IFD.Exif).items()
    }
    tags.update({ExifTags.TAGS.get(tag, str(tag)): value for tag, value in exif.items()})
    return tags


def _apply_orientation(rgb: np.ndarray, orientation: int) -> np.ndarray:
    """Rotate/mirror pixels so the image is upright (EXIF orientation 1-8)."""
    transforms = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1, :],
        5: lambda a: np.rot90(a[:, ::-1], 1),
        6: lambda a: np.rot90(a, -1),
        7: lambda a: np.rot90(a[:, ::-1], -1),
        8: lambda a: np.rot90(a, 1),
    }
    transform = transforms.get(orientation)
    return np.ascontiguousarray(transform(rgb)) if transform else rgb


def _to_rgb(pixels: np.ndarray, path: Path) -> np.ndarray:
    """OpenCV's BGR(A)/grey array -> RGB with 3 channels, keeping 8 or 16 bits."""
    if pixels.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"{path}: unsupported pixel type {pixels.dtype}; expected 8 or 16 bit")
    if pixels.ndim == 2:
        return np.repeat(pixels[:, :, None], 3, axis=2)
    if pixels.shape[2] == 1:
        return np.repeat(pixels, 3, axis=2)
    return np.ascontiguousarray(pixels[:, :, 2::-1])  # BGR(A) -> RGB, alpha dropped


def load_image(path: str | Path, *, apply_orientation: bool = True) -> LoadedImage:
    """Load an image file for inference.

    Args:
        path: the image file.
        apply_orientation: rotate/mirror by the EXIF orientation tag (photos). Off for data
            sets whose depth maps are aligned with the stored pixels.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file cannot be decoded as an image.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"image {path} does not exist")
    pixels = cv2.imread(str(path), cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION)
    if pixels is None:
        raise ValueError(f"cannot decode {path} as an image")
    rgb = _to_rgb(pixels, path)
    focal_35mm, orientation = 0.0, 1
    try:
        with Image.open(path) as image:
            tags = _exif_tags(image)
        orientation = int(tags.get("Orientation", 1) or 1)
        for name in _F35_TAG_NAMES:
            value = tags.get(name)
            if value:
                focal_35mm = float(value)
                break
    except (UnidentifiedImageError, OSError, ValueError, TypeError) as error:
        LOGGER.info("no EXIF read from %s: %s", path, error)
    if apply_orientation:
        rgb = _apply_orientation(rgb, orientation)
    height, width = rgb.shape[:2]
    focal_px = f35mm_to_focal_px(focal_35mm, width, height) if focal_35mm > 0 else None
    return LoadedImage(rgb=rgb, focal_px=focal_px)


def list_images(inputs: list[str | Path]) -> list[Path]:
    """Expand files and folders (recursively) into a sorted list of image files."""
    found: list[Path] = []
    if any(not str(item).strip() for item in inputs):
        raise ValueError("an empty input path (an unset shell variable?); name files or folders")
    for item in map(Path, inputs):
        if item.is_dir():
            found.extend(
                sorted(
                    p for p in item.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
                )
            )
        else:
            found.append(item)
    return found


def rgb_to_uint8(rgb: np.ndarray) -> np.ndarray:
    """8-bit colours for display: uint8 as it is, uint16 rounded from x / 257 (65535 -> 255).

    Raises:
        ValueError: another pixel type.
    """
    if rgb.dtype == np.uint8:
        return rgb
    if rgb.dtype == np.uint16:
        return ((rgb.astype(np.uint32) + 128) // 257).astype(np.uint8)
    raise ValueError(f"expected uint8 or uint16 colours, got {rgb.dtype}")

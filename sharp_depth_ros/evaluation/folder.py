"""Reader for evaluation data-set folders.

Layout (NAME is shared by every file of one sample):

    ROOT/rgb/NAME.png | NAME.jpg | NAME.jpeg   colour image (8- or 16-bit)
    ROOT/depth/NAME.png                         uint16 depth in millimetres, 0 = invalid
    ROOT/depth/NAME.npy | NAME.exr              float depth in metres; non-finite or <= 0 invalid
    ROOT/intrinsics/NAME.json                   optional {"fx", "fy", "cx", "cy"} in pixels
    ROOT/masks/NAME.png                         optional foreground alpha or binary mask
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from sharp_depth_ros.inference.image_io import load_image
from sharp_depth_ros.pinhole import Intrinsics

RGB_SUFFIXES = (".png", ".jpg", ".jpeg")
DEPTH_SUFFIXES = (".png", ".npy", ".exr")
EXR_DEPTH_CHANNELS = ("Z", "depth", "Y", "R", "RGB")  # tried in this order


@dataclass(frozen=True, kw_only=True)
class FolderSample:
    """One evaluation sample.

    Attributes:
        name: the shared file stem.
        rgb: (H, W, 3) uint8 image.
        depth_m: (Hd, Wd) float32 depth in metres (0 where invalid).
        valid: (Hd, Wd) bool, True where the depth is valid.
        intrinsics: the RGB image's intrinsics, or None.
        mask: (Hd, Wd) float32 foreground alpha in [0, 1], or None.
    """

    name: str
    rgb: np.ndarray
    depth_m: np.ndarray
    valid: np.ndarray
    intrinsics: Intrinsics | None
    mask: np.ndarray | None


def _files_by_stem(folder: Path, suffixes: tuple[str, ...]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() not in suffixes:
            continue
        if path.stem in found:
            raise ValueError(f"two files for sample {path.stem!r}: {found[path.stem]} and {path}")
        found[path.stem] = path
    return found


def _required_folder(root: Path, name: str) -> Path:
    folder = root / name
    if not folder.is_dir():
        raise FileNotFoundError(f"{root} is not an evaluation data set: no {name}/ folder")
    return folder


def list_samples(root: str | Path) -> list[str]:
    """Sorted sample names: the stems of the images in `rgb/`.

    Raises:
        FileNotFoundError: `rgb/` or `depth/` is missing.
        ValueError: no samples, duplicate stems, or an image without a depth file.
    """
    root = Path(root)
    images = _files_by_stem(_required_folder(root, "rgb"), RGB_SUFFIXES)
    depths = _files_by_stem(_required_folder(root, "depth"), DEPTH_SUFFIXES)
    if not images:
        raise ValueError(f"no images ({', '.join(RGB_SUFFIXES)}) in {root / 'rgb'}")
    missing = sorted(set(images) - set(depths))
    if missing:
        raise ValueError(f"no depth file in {root / 'depth'} for: {', '.join(missing[:5])}")
    return sorted(images)


def _find(folder: Path, name: str, suffixes: tuple[str, ...]) -> Path | None:
    for suffix in suffixes:
        for candidate in (folder / f"{name}{suffix}", folder / f"{name}{suffix.upper()}"):
            if candidate.is_file():
                return candidate
    return None


def _read_image(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ValueError(f"cannot read image {path}")
    return image


def read_rgb(path: Path) -> np.ndarray:
    """Read a colour image as (H, W, 3) uint8 or uint16 RGB, exactly as stored.

    The one reader and 16-bit rule of `inference.image_io`, without EXIF rotation: a data set's
    depth map is aligned with the stored pixels.
    """
    return load_image(path, apply_orientation=False).rgb


def _read_exr(path: Path) -> np.ndarray:
    try:
        import OpenEXR
    except ImportError as error:
        raise ValueError(f"{path}: reading .exr needs the 'openexr' package") from error
    channels = OpenEXR.File(str(path)).channels()
    for name in (*EXR_DEPTH_CHANNELS, *channels):
        if name in channels:
            pixels = np.asarray(channels[name].pixels)
            return pixels[..., 0] if pixels.ndim == 3 else pixels
    raise ValueError(f"{path}: no channel in the EXR file")


def read_depth_m(path: Path) -> np.ndarray:
    """Read a depth map as (H, W) float32 metres; invalid pixels are 0, NaN or inf."""
    suffix = path.suffix.lower()
    if suffix == ".png":
        depth = _read_image(path)
        if depth.dtype != np.uint16 or depth.ndim != 2:
            raise ValueError(
                f"{path}: depth PNG must be single-channel uint16 mm, got {depth.dtype}"
            )
        return depth.astype(np.float32) / 1000.0
    depth = np.load(path) if suffix == ".npy" else _read_exr(path)
    depth = np.asarray(depth)
    if depth.ndim == 3 and depth.shape[-1] == 1:
        depth = depth[..., 0]
    if depth.ndim != 2 or not np.issubdtype(depth.dtype, np.number):
        raise ValueError(f"{path}: depth must be an (H, W) numeric array, got {depth.shape}")
    return depth.astype(np.float32)


def read_mask(path: Path) -> np.ndarray:
    """Read a mask as (H, W) float32 alpha in [0, 1] (first channel of a colour image)."""
    mask = _read_image(path)
    if mask.ndim == 3:
        mask = mask[..., 0]
    scale = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}.get(mask.dtype)
    if scale is None:
        raise ValueError(f"{path}: mask must be 8- or 16-bit, got {mask.dtype}")
    return mask.astype(np.float32) / scale


def read_intrinsics(path: Path, width: int, height: int) -> Intrinsics:
    """Read `{"fx", "fy", "cx", "cy"}` from a JSON file, for an RGB image of the given size."""
    data = json.loads(path.read_text(encoding="utf-8"))
    try:
        fx, fy, cx, cy = (float(data[key]) for key in ("fx", "fy", "cx", "cy"))
        return Intrinsics(fx_px=fx, fy_px=fy, cx_px=cx, cy_px=cy, width=width, height=height)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{path}: needs numbers fx, fy, cx, cy > 0 ({error})") from error


def load_sample(root: str | Path, name: str) -> FolderSample:
    """Load one sample of an evaluation folder.

    Raises:
        FileNotFoundError: the image or depth file is missing.
        ValueError: unreadable files, or a mask of another size than the depth.
    """
    root = Path(root)
    rgb_path = _find(root / "rgb", name, RGB_SUFFIXES)
    depth_path = _find(root / "depth", name, DEPTH_SUFFIXES)
    if rgb_path is None or depth_path is None:
        raise FileNotFoundError(f"sample {name!r}: missing rgb/ or depth/ file in {root}")
    depth_m = read_depth_m(depth_path)
    valid = np.isfinite(depth_m) & (depth_m > 0)
    depth_m = np.where(valid, depth_m, 0.0).astype(np.float32)
    intrinsics_path = root / "intrinsics" / f"{name}.json"
    mask_path = _find(root / "masks", name, (".png",))
    mask = read_mask(mask_path) if mask_path is not None else None
    if mask is not None and mask.shape != depth_m.shape:
        raise ValueError(f"{mask_path}: mask {mask.shape} differs from depth {depth_m.shape}")
    rgb = read_rgb(rgb_path)
    height, width = rgb.shape[:2]
    return FolderSample(
        name=name,
        rgb=rgb,
        depth_m=depth_m,
        valid=valid,
        intrinsics=(
            read_intrinsics(intrinsics_path, width, height) if intrinsics_path.is_file() else None
        ),
        mask=mask,
    )

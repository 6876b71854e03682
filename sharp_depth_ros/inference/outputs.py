"""Writing predictions to disk: arrays, 16-bit depth PNGs and colourised previews."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from sharp_depth_ros.atomic import atomic_path
from sharp_depth_ros.inference.prediction import DepthPrediction

MAX_PNG_DEPTH_MM = 65535
# Preview range of inverse depth (1/m), as the reference CLI: 0.1 m to 250 m.
PREVIEW_MIN_INVERSE_DEPTH = 1 / 250
PREVIEW_MAX_INVERSE_DEPTH = 1 / 0.1


def depth_to_png_mm(depth_m: np.ndarray) -> np.ndarray:
    """Depth [m] -> uint16 millimetres; 0 marks invalid or out-of-range (> 65.535 m) pixels."""
    millimetres = np.round(np.nan_to_num(depth_m, nan=0.0, posinf=0.0) * 1000.0)
    valid = (millimetres > 0) & (millimetres <= MAX_PNG_DEPTH_MM)
    return np.where(valid, millimetres, 0).astype(np.uint16)


def colourise_depth(depth_m: np.ndarray) -> np.ndarray:
    """Turbo-coloured inverse depth (near = warm), BGR uint8; invalid pixels black."""
    valid = np.isfinite(depth_m) & (depth_m > 0)
    inverse = np.zeros_like(depth_m, dtype=np.float32)
    inverse[valid] = 1.0 / depth_m[valid]
    if valid.any():
        low = max(PREVIEW_MIN_INVERSE_DEPTH, float(inverse[valid].min()))
        high = min(PREVIEW_MAX_INVERSE_DEPTH, float(inverse[valid].max()))
    else:
        low, high = PREVIEW_MIN_INVERSE_DEPTH, PREVIEW_MAX_INVERSE_DEPTH
    scaled = np.clip((inverse - low) / max(high - low, 1e-12), 0, 1)
    coloured = cv2.applyColorMap((scaled * 255).astype(np.uint8), cv2.COLORMAP_TURBO)
    coloured[~valid] = 0
    return coloured


def write_prediction(prediction: DepthPrediction, out_dir: Path, name: str) -> list[Path]:
    """Write `NAME.npz`, `NAME_depth.png` and `NAME_vis.png` atomically; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    npz_path = out_dir / f"{name}.npz"
    depth_png_path = out_dir / f"{name}_depth.png"
    vis_path = out_dir / f"{name}_vis.png"
    with atomic_path(npz_path) as temp:
        with temp.open("wb") as handle:
            np.savez_compressed(
                handle,
                depth=prediction.depth_m.astype(np.float32),
                focal_px=np.float64(prediction.focal_px),
                fov_deg=np.float64(prediction.fov_deg),
                focal_source=np.array(prediction.focal_source.value),
            )
    for path, image in (
        (depth_png_path, depth_to_png_mm(prediction.depth_m)),
        (vis_path, colourise_depth(prediction.depth_m)),
    ):
        with atomic_path(path) as temp:
            if not cv2.imwrite(str(temp), image):
                raise OSError(f"could not write {path}")
    return [npz_path, depth_png_path, vis_path]

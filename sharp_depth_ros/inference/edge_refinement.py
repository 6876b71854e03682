"""Edge-aware refinement of predicted depth, guided by the camera image.

A small network predicts depth on a coarse grid and its depth steps come out smeared over
several pixels (`sharp-small`: boundary F1 0.01). The colour guided filter (He, Sun and Tang,
"Guided Image Filtering", ECCV 2010) fits, in every window, the log inverse depth as a linear
function of the RGB values: where the image has an edge, the refined depth steps along it; where
the image is smooth, the depth is left smooth. It works on log inverse depth, so it is
scale-invariant (refining k x depth gives k x the refined depth), and it costs a few box
filters (OpenCV, constant time in the radius).

The filter moves a step onto the image edge but leaves it a few pixels wide, and those pixels
become "flying pixels" between foreground and background in a point cloud. `snap_steps` then
sets every pixel of a step (a window whose depth range exceeds `SNAP_RATIO`) to the nearer of
its window's two extremes (the toggle operator of Kramer and Bruckner, 1975), so the step is one
pixel wide; smooth surfaces are left alone.
"""

from __future__ import annotations

import cv2
import numpy as np

# Radius as a fraction of the image width (8 px at 256, 20 px at 640) and the regulariser (on
# [0, 1] RGB): chosen on throwaway robot-view renders (seed 2000), never on evaluation sets;
# docs/benchmarks.md#edge-refinement.
RADIUS_FRACTION = 1 / 32
EPSILON = 1e-4
# Window fits are made at about this width and upsampled (the fast guided filter): constant
# cost per frame, and the network's own output is no finer.
FIT_WIDTH_PX = 256
MODES = ("auto", "guided", "none")
# Snapping: window radius as a fraction of the width (1 px at 256, 2 at 512 and 640) and the
# depth ratio across a window that marks a step. Chosen on throwaway renders (seeds 2000 and
# 2002, 256 and 512 px wide), never on evaluation sets; docs/benchmarks.md#edge-refinement.
SNAP_RADIUS_FRACTION = 1 / 256
SNAP_RATIO = 1.1


def _box(values: np.ndarray, radius: int) -> np.ndarray:
    size = 2 * radius + 1
    return cv2.boxFilter(values, -1, (size, size), borderType=cv2.BORDER_REFLECT)


def guided_filter(
    guide: np.ndarray, source: np.ndarray, radius: int, epsilon: float = EPSILON
) -> np.ndarray:
    """The colour guided filter of `source` (H, W) with `guide` (H, W, 3) in [0, 1].

    Returns:
        (H, W) float32: in every (2 radius + 1)^2 window, `source` is fitted as a + b . guide
        (ridge regression with `epsilon`), and the fits of all windows covering a pixel averaged.
    """
    guide = np.ascontiguousarray(guide, dtype=np.float32)
    source = np.ascontiguousarray(source, dtype=np.float32)
    slope, offset = _window_fit(guide, source, radius, epsilon)
    return ((slope * guide).sum(axis=-1) + offset).astype(np.float32)


def _window_fit(
    guide: np.ndarray, source: np.ndarray, radius: int, epsilon: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel, the window-averaged fit (slope (H, W, 3), offset (H, W)) of the filter."""
    mean_guide = _box(guide, radius)
    mean_source = _box(source, radius)
    cov = _box(guide * source[..., None], radius) - mean_guide * mean_source[..., None]
    pairs = ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))
    products = np.stack([guide[..., i] * guide[..., j] for i, j in pairs], axis=-1)
    means = np.stack([mean_guide[..., i] * mean_guide[..., j] for i, j in pairs], axis=-1)
    # cv2 filters at most 4 channels at once.
    second = np.concatenate([_box(products[..., :3], radius), _box(products[..., 3:], radius)], -1)
    s00, s01, s02, s11, s12, s22 = np.moveaxis(second - means, -1, 0)
    s00, s11, s22 = s00 + epsilon, s11 + epsilon, s22 + epsilon
    # Inverse of the symmetric 3 x 3 window covariance by its adjugate.
    c00, c01, c02 = s11 * s22 - s12 * s12, s02 * s12 - s01 * s22, s01 * s12 - s02 * s11
    c11, c12, c22 = s00 * s22 - s02 * s02, s01 * s02 - s00 * s12, s00 * s11 - s01 * s01
    determinant = s00 * c00 + s01 * c01 + s02 * c02
    x, y, z = np.moveaxis(cov, -1, 0)
    slope = (
        np.stack(
            [c00 * x + c01 * y + c02 * z, c01 * x + c11 * y + c12 * z, c02 * x + c12 * y + c22 * z],
            axis=-1,
        )
        / determinant[..., None]
    )
    offset = mean_source - (slope * mean_guide).sum(axis=-1)
    return _box(slope, radius), _box(offset, radius)


def fast_guided_filter(
    guide: np.ndarray, source: np.ndarray, radius: int, epsilon: float, scale: float
) -> np.ndarray:
    """`guided_filter` with its window fits made on a grid `scale` times coarser.

    The fit coefficients vary smoothly, so they are computed on the downsampled images (radius
    / scale) and upsampled bilinearly; the final a + b . guide uses the full-resolution guide
    (He and Sun, "Fast Guided Filter", 2015). scale <= 1 runs the exact filter.
    """
    if scale <= 1:
        return guided_filter(guide, source, radius, epsilon)
    height, width = source.shape
    small = (max(1, round(width / scale)), max(1, round(height / scale)))
    guide = np.ascontiguousarray(guide, dtype=np.float32)
    small_guide = cv2.resize(guide, small, interpolation=cv2.INTER_AREA)
    small_source = cv2.resize(source.astype(np.float32), small, interpolation=cv2.INTER_AREA)
    slope, offset = _window_fit(small_guide, small_source, max(1, round(radius / scale)), epsilon)
    coefficients = np.concatenate([slope, offset[..., None]], axis=-1)
    full = cv2.resize(coefficients, (width, height), interpolation=cv2.INTER_LINEAR)
    return ((full[..., :3] * guide).sum(axis=-1) + full[..., 3]).astype(np.float32)


def snap_steps(depth_m: np.ndarray, radius: int, min_ratio: float = SNAP_RATIO) -> np.ndarray:
    """Depth with every step pixel set to the nearer extreme of its window (in log depth).

    A pixel whose (2 radius + 1)^2 window spans a depth ratio above `min_ratio` takes the
    window's minimum or maximum depth, whichever is nearer in log depth; other pixels keep
    their depth. Scale-invariant; takes positive, finite depth.
    """
    depth = np.ascontiguousarray(depth_m, dtype=np.float32)
    kernel = np.ones((2 * radius + 1, 2 * radius + 1), np.uint8)
    low = cv2.erode(depth, kernel, borderType=cv2.BORDER_REPLICATE)
    high = cv2.dilate(depth, kernel, borderType=cv2.BORDER_REPLICATE)
    # In log depth: log d - log low < log high - log d  <=>  d^2 < low * high; no logs needed.
    nearer = np.where(depth * depth < low * high, low, high)
    return np.where(high > low * np.float32(min_ratio), nearer, depth)


def refine_depth(
    image: np.ndarray,
    depth_m: np.ndarray,
    radius: int | None = None,
    epsilon: float = EPSILON,
    snap_ratio: float | None = SNAP_RATIO,
) -> np.ndarray:
    """Depth (H, W) refined along the edges of `image` (H, W, 3) float in [0, 1].

    Args:
        image: the camera image at the depth's size, RGB in [0, 1].
        depth_m: positive depth; a map with non-finite values is returned unchanged.
        radius: window radius in pixels; None: RADIUS_FRACTION of the width (at least 1).
        epsilon: the ridge regulariser; larger keeps more of the input's smoothness.
        snap_ratio: after the filter, `snap_steps` with this ratio (window radius
            SNAP_RADIUS_FRACTION of the width, at least 1 px); None: no snapping.

    Raises:
        ValueError: image and depth of different sizes.
    """
    if image.shape[:2] != depth_m.shape or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(
            f"refine_depth needs an (H, W, 3) image of the depth's size, got {image.shape} "
            f"and {depth_m.shape}"
        )
    if not np.isfinite(depth_m).all() or (depth_m <= 0).any():
        return depth_m
    if radius is None:
        radius = max(1, round(depth_m.shape[1] * RADIUS_FRACTION))
    log_inverse = -np.log(depth_m.astype(np.float32))
    scale = depth_m.shape[1] / FIT_WIDTH_PX
    refined = np.exp(-fast_guided_filter(image, log_inverse, radius, epsilon, scale))
    if snap_ratio is not None:
        snap_radius = max(1, round(depth_m.shape[1] * SNAP_RADIUS_FRACTION))
        refined = snap_steps(refined, snap_radius, snap_ratio)
    return refined.astype(np.float32)

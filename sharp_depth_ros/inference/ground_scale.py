"""Metric scale from the floor: a camera at a known height and tilt fixes the depth's scale.

A monocular network guesses absolute scale from the sizes of things, and that guess is the
weakest part of a small model (docs/default-model.md: median-aligned delta1 0.71, metric 0.50).
A robot knows what the network does not: how high its camera sits above the floor and how it is
tilted (its URDF, REP 105). Depth is scale-equivariant, so the height of the floor below the
camera in the predicted cloud, divided into the true height, is the factor that corrects the
whole map.

The fit is a one-dimensional mode search, not a free plane fit: with the up direction known, the
floor is the lowest well-supported level among the nearest points. A free (RANSAC) plane fit on
the network's slightly bent floors found wrong tilts (docs/benchmarks.md#scale-from-the-floor).
Pixels follow REP 103's optical frame: x right, y down, z forward.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from sharp_depth_ros.inference.prediction import DepthPrediction


def up_vector(pitch_deg: float, roll_deg: float = 0.0) -> np.ndarray:
    """The world's up direction in the camera's optical frame (x right, y down, z forward).

    Args:
        pitch_deg: elevation of the optical axis above the horizon (positive looks up).
        roll_deg: rotation about the optical axis (positive turns the image clockwise).

    Returns:
        (3,) unit vector; (0, -1, 0) for a level camera.
    """
    pitch, roll = math.radians(pitch_deg), math.radians(roll_deg)
    return np.array(
        [-math.sin(roll) * math.cos(pitch), -math.cos(roll) * math.cos(pitch), math.sin(pitch)]
    )


@dataclass(frozen=True, kw_only=True)
class CameraMount:
    """Where the camera sits above a flat floor.

    Attributes:
        height_m: height of the optical centre above the floor, > 0.
        pitch_deg: elevation of the optical axis (positive looks up), in [-90, 90]. It must be
            known to about 2 degrees: a tilt error e moves floor points at distance Z by Z * e.
        roll_deg: rotation about the optical axis, in [-90, 90].
    """

    height_m: float
    pitch_deg: float = 0.0
    roll_deg: float = 0.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.height_m) and self.height_m > 0):
            raise ValueError(f"camera height must be finite and > 0 m, received {self.height_m}")
        for name, value in (("pitch", self.pitch_deg), ("roll", self.roll_deg)):
            if not (math.isfinite(value) and -90.0 <= value <= 90.0):
                raise ValueError(f"camera {name} must be in [-90, 90] deg, received {value}")


@dataclass(frozen=True, kw_only=True)
class GroundFitSettings:
    """How the floor is found.

    Attributes:
        tolerance: half-width of a floor level, relative to its distance below the camera.
        min_support: fewest points on the floor level, as a fraction of the points searched.
        near_fraction: only the nearest fraction of the valid points is searched: a tilt error
            moves near floor points least.
        stride_px: every n-th pixel in both directions is used.
        scale_range: factors outside (low, high) are refused as implausible (no floor seen).
    """

    tolerance: float = 0.05
    min_support: float = 0.05
    near_fraction: float = 0.3
    stride_px: int = 4
    scale_range: tuple[float, float] = (1.0 / 3.0, 3.0)


@dataclass(frozen=True, kw_only=True)
class GroundFit:
    """The floor found in a depth map.

    Attributes:
        scale: factor that puts the floor at the mount's height (multiply depth by it).
        floor_distance: the floor's distance below the camera in the depth map's own units.
        support: fraction of the searched points that lie on the floor level.
    """

    scale: float
    floor_distance: float
    support: float


def _points(depth: np.ndarray, intrinsics: np.ndarray, stride_px: int) -> np.ndarray:
    """(N, 3) points of the valid pixels on a stride grid, in the optical frame."""
    height, width = depth.shape
    rows, cols = np.mgrid[0:height:stride_px, 0:width:stride_px]
    z = depth[rows, cols].astype(np.float64)
    with np.errstate(invalid="ignore"):
        valid = np.isfinite(z) & (z > 0)
    z, rows, cols = z[valid], rows[valid], cols[valid]
    fx, fy, cx, cy = intrinsics[0, 0], intrinsics[1, 1], intrinsics[0, 2], intrinsics[1, 2]
    return np.stack([(cols - cx) / fx * z, (rows - cy) / fy * z, z], axis=1)


def fit_ground_scale(
    depth: np.ndarray,
    intrinsics: np.ndarray,
    mount: CameraMount,
    settings: GroundFitSettings | None = None,
) -> GroundFit | None:
    """Find the floor in a depth map and the factor that puts it at the mount's height.

    Args:
        depth: (H, W) planar depth in any unit; NaN, inf and values <= 0 are ignored.
        intrinsics: (3, 3) pinhole matrix K of `depth`'s pixel grid.
        mount: the camera's known height and tilt above the floor.
        settings: search settings (defaults: `GroundFitSettings()`).

    Returns:
        The fit, or None when no floor level has enough support or its factor is implausible:
        then leave the depth as it is.

    Raises:
        ValueError: `depth` is not 2-D or `intrinsics` not 3 x 3 with positive focal lengths.
    """
    settings = settings or GroundFitSettings()
    depth = np.asarray(depth)
    intrinsics = np.asarray(intrinsics, dtype=np.float64)
    if depth.ndim != 2:
        raise ValueError(f"depth must be (H, W), received shape {depth.shape}")
    if intrinsics.shape != (3, 3) or not (intrinsics[0, 0] > 0 and intrinsics[1, 1] > 0):
        raise ValueError(f"intrinsics must be a 3x3 K with fx, fy > 0, received {intrinsics}")
    points = _points(depth, intrinsics, settings.stride_px)
    if len(points) == 0:
        return None
    points = points[points[:, 2] <= np.quantile(points[:, 2], settings.near_fraction)]
    below = -(points @ up_vector(mount.pitch_deg, mount.roll_deg))
    below = below[below > 0]
    needed = max(settings.min_support * len(points), 3.0)
    if below.size < needed:
        return None
    log_below = np.sort(np.log(below))
    width = 2.0 * math.log1p(settings.tolerance)
    counts = np.searchsorted(log_below, log_below + width) - np.arange(log_below.size)
    # The floor is the lowest level that is about as well supported as the best one: a table
    # top or a shelf board can hold more points, never lie lower.
    start = int(np.nonzero(counts >= 0.5 * counts.max())[0][-1])
    if counts[start] < needed:
        return None
    floor_distance = float(np.exp(np.median(log_below[start : start + counts[start]])))
    scale = mount.height_m / floor_distance
    low, high = settings.scale_range
    if not low < scale < high:
        return None
    return GroundFit(
        scale=scale, floor_distance=floor_distance, support=float(counts[start]) / len(points)
    )


def scale_prediction_by_floor(
    prediction: DepthPrediction, mount: CameraMount
) -> tuple[DepthPrediction, GroundFit | None]:
    """The prediction with its depth rescaled so that the floor lies at the mount's height.

    The camera is taken as square-pixelled with its principal point at the image centre (as
    `sharp-depth predict` assumes). Without a floor, the prediction is returned unchanged.
    """
    height, width = prediction.depth_m.shape
    intrinsics = np.array(
        [
            [prediction.focal_px, 0.0, (width - 1) / 2.0],
            [0.0, prediction.focal_px, (height - 1) / 2.0],
            [0.0, 0.0, 1.0],
        ]
    )
    fit = fit_ground_scale(prediction.depth_m, intrinsics, mount)
    if fit is None:
        return prediction, None
    scaled = prediction.depth_m * np.float32(fit.scale)
    return dataclasses.replace(prediction, depth_m=scaled), fit

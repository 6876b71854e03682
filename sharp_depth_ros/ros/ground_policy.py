"""Per-stream scale from the floor: fit each frame, smooth the factor, hold it when no floor shows.

Kept free of rclpy so it can be tested on its own. The factor of one frame comes from
`fit_ground_scale`; consecutive frames of one camera see nearly the same scene, so the factor is
averaged (in log, so that 0.5 and 2 are equally far from 1) and a frame in which no floor is found
keeps the last factor instead of jumping back to the network's own scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sharp_depth_ros.inference.ground_scale import CameraMount, GroundFitSettings, fit_ground_scale
from sharp_depth_ros.pinhole import Intrinsics


@dataclass(frozen=True, kw_only=True)
class GroundScaled:
    """One frame's depth after the floor scale.

    Attributes:
        depth_m: the depth times `scale` (unchanged when `scale` is None).
        scale: factor applied; None before any floor has been found in the stream.
        floor_found: whether this frame's own depth showed a floor (else the factor was held).
    """

    depth_m: np.ndarray
    scale: float | None
    floor_found: bool


class GroundScalePolicy:
    """Rescales each frame's depth so that the floor lies at the camera's known height.

    Args:
        mount: the camera's height and tilt above the floor.
        smoothing: weight of the history in the moving average of log(factor), in [0, 1);
            0 uses each frame's own factor.
        settings: floor search settings (defaults: `GroundFitSettings()`).
    """

    def __init__(
        self,
        mount: CameraMount,
        smoothing: float = 0.5,
        settings: GroundFitSettings | None = None,
    ) -> None:
        if not 0.0 <= smoothing < 1.0:
            raise ValueError(f"smoothing must be in [0, 1), received {smoothing}")
        self.mount = mount
        self.smoothing = float(smoothing)
        self.settings = settings or GroundFitSettings()
        self._log_scale: float | None = None

    def apply(self, depth_m: np.ndarray, intrinsics: Intrinsics) -> GroundScaled:
        """Fit the floor in `depth_m`, fold its factor into the average and apply the average."""
        matrix = np.reshape(intrinsics.camera_matrix, (3, 3))
        fit = fit_ground_scale(depth_m, matrix, self.mount, self.settings)
        if fit is not None:
            log_scale = math.log(fit.scale)
            if self._log_scale is None or self.smoothing == 0.0:
                self._log_scale = log_scale
            else:
                history = self.smoothing * self._log_scale
                self._log_scale = history + (1.0 - self.smoothing) * log_scale
        if self._log_scale is None:
            return GroundScaled(depth_m=depth_m, scale=None, floor_found=False)
        scale = math.exp(self._log_scale)
        return GroundScaled(
            depth_m=depth_m * np.float32(scale), scale=scale, floor_found=fit is not None
        )

    def reset(self) -> None:
        """Forget the factor history (e.g. when the mount changes)."""
        self._log_scale = None


def ground_policy_for(values: object) -> GroundScalePolicy | None:
    """The policy that the node's parameters (or the bag's options) ask for, or None.

    `values` has `camera_height_m` (0 = off), `camera_pitch_deg`, `camera_roll_deg` and
    `ground_smoothing`, already checked against the parameter table.
    """
    height_m = float(values.camera_height_m)
    if height_m <= 0:
        return None
    mount = CameraMount(
        height_m=height_m,
        pitch_deg=float(values.camera_pitch_deg),
        roll_deg=float(values.camera_roll_deg),
    )
    return GroundScalePolicy(mount, float(values.ground_smoothing))

"""Which focal length the node uses per frame, and smoothing of the estimated one.

Kept free of rclpy so it can be tested on its own. Metric depth is proportional to the focal length
(§3.2: D = f_px / (w * C)), so a frame predicted with the raw estimate f_raw is corrected to the
smoothed estimate f_s by multiplying its depth by f_s / f_raw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sharp_depth_ros.compat import StrEnum
from sharp_depth_ros.ros.intrinsics import Intrinsics


class FocalMode(StrEnum):
    """Value of the `focal_source` parameter."""

    AUTO = "auto"  # CameraInfo when a valid one has arrived, else the FOV head
    CAMERA_INFO = "camera_info"  # CameraInfo only; frames wait until one arrives
    ESTIMATE = "estimate"  # always the FOV head
    FIXED = "fixed"  # the `fixed_focal_px` parameter


class FocalSourceInUse(StrEnum):
    """Where the focal length of a published frame came from (logged, in diagnostics)."""

    CAMERA_INFO = "camera_info"
    ESTIMATE = "estimate"
    FIXED = "fixed"


@dataclass(frozen=True, kw_only=True)
class FocalDecision:
    """What to pass to the predictor for one frame.

    Attributes:
        focal_px: focal length to give the predictor, or None to let the FOV head estimate it.
        source: where the focal length comes from.
        intrinsics: for the published depth/camera_info when known up front (CameraInfo or fixed);
            None for estimates, which are only known after the prediction.
    """

    focal_px: float | None
    source: FocalSourceInUse
    intrinsics: Intrinsics | None


class FocalPolicy:
    """Chooses the focal length per frame and smooths the estimate across frames.

    Args:
        mode: the `focal_source` parameter.
        fixed_focal_px: used in `fixed` mode (pixels of the input image), must be > 0 there.
        smoothing: weight of the history in the exponential moving average of the estimate, in
            [0, 1); 0 uses each frame's raw estimate. A camera's focal length does not change, so
            averaging only removes the head's frame-to-frame noise.
    """

    def __init__(self, mode: FocalMode | str, fixed_focal_px: float = 0.0, smoothing: float = 0.9):
        self.mode = FocalMode(mode)
        self.fixed_focal_px = float(fixed_focal_px)
        if not 0.0 <= smoothing < 1.0:
            raise ValueError(f"smoothing must be in [0, 1), received {smoothing}")
        self.smoothing = float(smoothing)
        self._smoothed_px: float | None = None
        self._smoothed_width: int | None = None

    def decide(self, width: int, height: int, camera: Intrinsics | None) -> FocalDecision:
        """Pick the focal length for a width x height frame.

        Args:
            width: of the input image.
            height: of the input image.
            camera: the latest valid CameraInfo intrinsics, already scaled to this size, or None.

        Raises:
            LookupError: in `camera_info` mode before a valid CameraInfo has arrived (skip frame).
            ValueError: in `fixed` mode with a non-positive `fixed_focal_px`.
        """
        if self.mode is FocalMode.FIXED:
            if not (math.isfinite(self.fixed_focal_px) and self.fixed_focal_px > 0):
                raise ValueError(f"fixed_focal_px must be > 0, received {self.fixed_focal_px}")
            return FocalDecision(
                focal_px=self.fixed_focal_px,
                source=FocalSourceInUse.FIXED,
                intrinsics=Intrinsics(
                    fx_px=self.fixed_focal_px,
                    fy_px=self.fixed_focal_px,
                    cx_px=(width - 1) / 2.0,
                    cy_px=(height - 1) / 2.0,
                    width=width,
                    height=height,
                ),
            )
        if self.mode in (FocalMode.AUTO, FocalMode.CAMERA_INFO) and camera is not None:
            return FocalDecision(
                focal_px=camera.fx_px, source=FocalSourceInUse.CAMERA_INFO, intrinsics=camera
            )
        if self.mode is FocalMode.CAMERA_INFO:
            raise LookupError("focal_source is camera_info but no valid CameraInfo has arrived")
        return FocalDecision(focal_px=None, source=FocalSourceInUse.ESTIMATE, intrinsics=None)

    def smooth(self, raw_focal_px: float, width: int) -> float:
        """Fold one frame's estimate into the running average and return the smoothed value.

        The average lives in pixels of the first frame's width; a change of width rescales it, so
        a resized stream keeps its history. Non-finite or non-positive estimates are ignored.
        """
        if not (math.isfinite(raw_focal_px) and raw_focal_px > 0):
            if self._smoothed_px is None:
                raise ValueError(f"focal estimate must be finite and > 0, got {raw_focal_px}")
            return self._smoothed_px * width / self._smoothed_width
        if self._smoothed_px is None or self.smoothing == 0.0:
            self._smoothed_px, self._smoothed_width = raw_focal_px, width
            return raw_focal_px
        previous_px = self._smoothed_px * width / self._smoothed_width
        self._smoothed_px = self.smoothing * previous_px + (1.0 - self.smoothing) * raw_focal_px
        self._smoothed_width = width
        return self._smoothed_px

    def reset(self) -> None:
        """Forget the estimate history (e.g. when the mode changes)."""
        self._smoothed_px = None
        self._smoothed_width = None

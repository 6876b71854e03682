"""One camera frame to metric depth with the node's focal policy, without any ROS import.

The node's worker and `sharp-depth bag` both call `predict_frame_depth`, so a recorded frame gets
exactly the depth and intrinsics the live node would have published for it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sharp_depth_ros.inference.prediction import DepthPrediction
from sharp_depth_ros.ros.focal_policy import FocalPolicy, FocalSourceInUse
from sharp_depth_ros.ros.intrinsics import Intrinsics, intrinsics_from_focal


class Predictor(Protocol):
    """What `predict_frame_depth` needs of a `DepthPredictor`."""

    def predict(self, image: np.ndarray, focal_px: float | None = None) -> DepthPrediction: ...  # noqa: D102


class SkippedFrame(Exception):
    """The frame has no usable focal length (see the message): skip it and carry on."""


@dataclass(frozen=True, kw_only=True)
class FrameDepth:
    """Depth of one frame, ready to publish.

    Attributes:
        depth_m: (H, W) float32 metres at the image's size; NaN where invalid (REP 118).
        intrinsics: of `depth_m` (and of the image).
        source: where the focal length came from.
        inference_s: seconds spent in the predictor.
    """

    depth_m: np.ndarray
    intrinsics: Intrinsics
    source: FocalSourceInUse
    inference_s: float


def predict_frame_depth(
    predictor: Predictor, policy: FocalPolicy, rgb: np.ndarray, camera: Intrinsics | None
) -> FrameDepth:
    """Predict metric depth for one frame with the focal length `policy` picks.

    Args:
        predictor: the depth predictor.
        policy: chooses the focal length and smooths the estimated one (its state advances).
        rgb: (H, W, 3) uint8 image.
        camera: the latest valid CameraInfo intrinsics of the stream (any resolution), or None.

    Raises:
        SkippedFrame: no focal length for this frame (CameraInfo of another aspect ratio,
            `camera_info` mode without one, or no finite estimate yet).
        ValueError: from the predictor (bad image).
    """
    height, width = rgb.shape[:2]
    try:
        if camera is not None:
            camera = camera.scaled_to(width, height)
        decision = policy.decide(width, height, camera)
    except (ValueError, LookupError) as error:
        raise SkippedFrame(str(error)) from error
    start_s = time.monotonic()
    prediction = predictor.predict(rgb, decision.focal_px)
    inference_s = time.monotonic() - start_s
    depth_m = np.asarray(prediction.depth_m, dtype=np.float32)
    intrinsics = decision.intrinsics
    if intrinsics is None:
        try:
            focal_px = policy.smooth(float(prediction.focal_px), width)
        except ValueError as error:
            raise SkippedFrame(str(error)) from error
        # §3.2: depth is proportional to the focal length, so rescale to the smoothed value.
        depth_m = depth_m * np.float32(focal_px / float(prediction.focal_px))
        intrinsics = intrinsics_from_focal(focal_px, width, height)
    # Anything non-finite or non-positive is published as NaN (REP 118: invalid), never as a
    # number that a costmap would trust.
    with np.errstate(invalid="ignore"):
        depth_m = np.where(depth_m > 0, depth_m, np.float32(np.nan))
    return FrameDepth(
        depth_m=depth_m, intrinsics=intrinsics, source=decision.source, inference_s=inference_s
    )

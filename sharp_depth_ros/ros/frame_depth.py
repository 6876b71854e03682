"""One camera frame to metric depth with the node's rectification and focal policy, without ROS.

The node's worker and `sharp-depth bag` both call `frame_rectifier` and `predict_frame_depth`, so a
recorded frame gets exactly the depth and intrinsics the live node would have published for it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sharp_depth_ros.inference.prediction import DepthPrediction
from sharp_depth_ros.inference.rectification import Rectifier, rectifier_for
from sharp_depth_ros.ros.focal_policy import FocalPolicy, FocalSourceInUse
from sharp_depth_ros.ros.ground_policy import GroundScalePolicy
from sharp_depth_ros.ros.intrinsics import (
    CameraInfoLike,
    Intrinsics,
    camera_model_from_camera_info,
    intrinsics_from_focal,
    intrinsics_from_matrix,
)


class Predictor(Protocol):
    """What `predict_frame_depth` needs of a `DepthPredictor`."""

    def predict(self, image: np.ndarray, focal_px: float | None = None) -> DepthPrediction: ...  # noqa: D102


class SkippedFrame(Exception):
    """The frame has no usable focal length (see the message): skip it and carry on."""


@dataclass(frozen=True, kw_only=True)
class FrameDepth:
    """Depth of one frame, ready to publish.

    Attributes:
        depth_m: (H, W) float32 metres at the image's size; NaN where invalid (REP 118), which
            includes rectified pixels that saw nothing of the scene.
        rgb: (H, W, 3) uint8 image `depth_m` is pixel-aligned with (rectified when `rectified`).
        intrinsics: of `depth_m` (the rectified pinhole camera when `rectified`).
        source: where the focal length came from.
        rectified: the lens distortion was undone; the source's D no longer applies.
        inference_s: seconds spent in the predictor.
        ground_scale: factor from the floor (`camera_height_m`) applied to the depth; None when
            the floor scale is off or no floor has been found yet.
        floor_found: this frame showed a floor (False: the last factor was held, or none).
    """

    depth_m: np.ndarray
    rgb: np.ndarray
    intrinsics: Intrinsics
    source: FocalSourceInUse
    rectified: bool
    inference_s: float
    ground_scale: float | None = None
    floor_found: bool = False


def frame_rectifier(
    camera_info: CameraInfoLike | None, width: int, height: int
) -> Rectifier | None:
    """The cached rectifier of a CameraInfo for frames of this size, if rectifying changes them.

    Returns:
        None without a CameraInfo or when its D is all zero (already pinhole).

    Raises:
        SkippedFrame: a distortion that cannot be undone, or a CameraInfo of another aspect ratio.
    """
    if camera_info is None:
        return None
    try:
        camera = camera_model_from_camera_info(camera_info).scaled_to(width, height)
    except ValueError as error:
        raise SkippedFrame(f"cannot rectify: {error}") from error
    rectifier = rectifier_for(camera)
    return None if rectifier.is_identity else rectifier


def predict_frame_depth(
    predictor: Predictor,
    policy: FocalPolicy,
    rgb: np.ndarray,
    camera: Intrinsics | None,
    rectifier: Rectifier | None = None,
    ground: GroundScalePolicy | None = None,
) -> FrameDepth:
    """Predict metric depth for one frame with the focal length `policy` picks.

    Args:
        predictor: the depth predictor.
        policy: chooses the focal length and smooths the estimated one (its state advances).
        rgb: (H, W, 3) uint8 image.
        camera: the latest valid CameraInfo intrinsics of the stream (any resolution), or None.
        rectifier: from `frame_rectifier`: the image is rectified before inference and the
            rectified camera replaces `camera`; None leaves the image as it is.
        ground: rescales the depth so the floor lies at the camera's known height (its state
            advances); None keeps the network's scale.

    Raises:
        SkippedFrame: no focal length for this frame (CameraInfo of another aspect ratio,
            `camera_info` mode without one, or no finite estimate yet).
        ValueError: from the predictor (bad image).
    """
    height, width = rgb.shape[:2]
    if rectifier is not None:
        rgb = rectifier.rectify(rgb)
        camera = intrinsics_from_matrix(rectifier.camera_matrix, width, height)
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
        valid = depth_m > 0
    if rectifier is not None:
        valid &= rectifier.valid_mask
    depth_m = np.where(valid, depth_m, np.float32(np.nan))
    ground_scale, floor_found = None, False
    if ground is not None:  # after masking: pixels that saw nothing must not count as floor
        scaled = ground.apply(depth_m, intrinsics)
        depth_m, ground_scale, floor_found = scaled.depth_m, scaled.scale, scaled.floor_found
    return FrameDepth(
        depth_m=depth_m,
        rgb=rgb,
        intrinsics=intrinsics,
        source=decision.source,
        rectified=rectifier is not None,
        inference_s=inference_s,
        ground_scale=ground_scale,
        floor_found=floor_found,
    )

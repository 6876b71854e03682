"""Pinhole intrinsics from and to sensor_msgs/CameraInfo: validity, rescaling, estimated ones.

The ROS-free part (the `Intrinsics` type and the values of a depth CameraInfo) lives in
`sharp_depth_ros.ros.intrinsics`, shared with `sharp-depth bag`; it is re-exported here.
"""

from __future__ import annotations

from sensor_msgs.msg import CameraInfo
from std_msgs.msg import Header

from sharp_depth_ros.ros.intrinsics import (  # noqa: F401  (re-exported)
    Intrinsics,
    camera_info_values,
    camera_model_from_camera_info,
    intrinsics_from_camera_info,
    intrinsics_from_focal,
    intrinsics_from_matrix,
)


def make_camera_info(
    intrinsics: Intrinsics, header: Header, source: CameraInfo | None = None
) -> CameraInfo:
    """CameraInfo that matches a published depth image.

    Args:
        intrinsics: of the depth image.
        header: of the depth image (same stamp and frame).
        source: the camera's own CameraInfo; its distortion model and coefficients are kept when
            the size is unchanged (the depth image is pixel-aligned with the input).

    Returns:
        A CameraInfo with K and P from `intrinsics`, R identity, no binning or ROI.
    """
    values = camera_info_values(intrinsics, source)
    msg = CameraInfo()
    msg.header = header
    msg.width, msg.height = values.width, values.height
    msg.k, msg.r, msg.p = list(values.k), list(values.r), list(values.p)
    msg.distortion_model = values.distortion_model
    msg.d = list(values.d)
    return msg

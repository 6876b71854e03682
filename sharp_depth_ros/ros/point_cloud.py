"""Vectorised sensor_msgs/PointCloud2 from a metric depth image (REP 103 optical frame).

The ROS-free part (points and their layout) is `cloud_points`, shared with `sharp-depth bag` and
re-exported here; this module wraps it in rclpy's message classes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sensor_msgs.msg import PointCloud2, PointField
from std_msgs.msg import Header

from sharp_depth_ros.ros.cloud_points import (  # noqa: F401  (re-exported)
    cloud_fields,
    cloud_to_array,
    depth_to_points,
    pack_rgb,
    unproject,
)
from sharp_depth_ros.ros.conversions import bytes_to_uint8_array
from sharp_depth_ros.ros.intrinsics import Intrinsics


def depth_to_cloud(
    depth_m: np.ndarray,
    intrinsics: Intrinsics,
    header: Header,
    *,
    organised: bool = True,
    **point_options: Any,
) -> PointCloud2:
    """Build a PointCloud2 (x, y, z float32 [+ rgb]) from a depth image.

    Args:
        depth_m: (H, W) metres, NaN where invalid.
        intrinsics: of the depth image.
        header: stamp and optical frame of the depth image.
        organised: keep the (H', W') grid with NaN for invalid points (is_dense false);
            otherwise a 1 x N cloud of valid points only (is_dense true).
        **point_options: the other keywords of `depth_to_points` (stride, min_depth_m,
            max_depth_m, rgb: adds the packed `rgb` field).

    Returns:
        The cloud message.
    """
    points = depth_to_points(depth_m, intrinsics, organised=organised, **point_options)
    return cloud_message(points, header, dense=not organised)


def cloud_message(points: np.ndarray, header: Header, *, dense: bool) -> PointCloud2:
    """Wrap (rows, cols, 3|4) float32 points (x, y, z[, packed rgb]) in a PointCloud2."""
    layout = cloud_fields(points, dense=dense)
    msg = PointCloud2()
    msg.header = header
    msg.height, msg.width = layout.height, layout.width
    msg.fields = [
        PointField(name=name, offset=offset, datatype=PointField.FLOAT32, count=1)
        for name, offset in layout.fields
    ]
    msg.is_bigendian = False
    msg.point_step, msg.row_step = layout.point_step, layout.row_step
    msg.is_dense = layout.is_dense
    msg.data = bytes_to_uint8_array(layout.data)
    return msg

"""rosbags message types for the bag outputs, built from the same values the node publishes.

The field values come from the ROS-free modules the node uses (`image_arrays`, `intrinsics`,
`cloud_points`); this module only puts them into rosbags' message classes and CDR.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rosbags.serde import SerdeError
from rosbags.typesys import Stores, get_typestore

from sharp_depth_ros.ros.cloud_points import POINT_FIELD_FLOAT32, CloudFields
from sharp_depth_ros.ros.image_arrays import ImageFields
from sharp_depth_ros.ros.intrinsics import CameraInfoValues

# The sensor_msgs types used here have the same definition (and RIHS01 hash) from Humble to Kilted.
TYPESTORE = get_typestore(Stores.ROS2_HUMBLE)
IMAGE = "sensor_msgs/msg/Image"
COMPRESSED_IMAGE = "sensor_msgs/msg/CompressedImage"
CAMERA_INFO = "sensor_msgs/msg/CameraInfo"
POINT_CLOUD2 = "sensor_msgs/msg/PointCloud2"
_TYPES = TYPESTORE.types


def deserialize(raw: bytes | memoryview, msgtype: str) -> Any:
    """Decode one CDR message of a type this module knows.

    Raises:
        ValueError: the bytes are not a valid message (e.g. truncated).
    """
    try:
        return TYPESTORE.deserialize_cdr(raw, msgtype)
    except SerdeError as error:
        raise ValueError(f"cannot decode the {msgtype} message: {error}") from error


def serialize(msg: Any) -> memoryview:
    """Encode a message built here as CDR."""
    return TYPESTORE.serialize_cdr(msg, msg.__msgtype__)


def image_message(fields: ImageFields, header: Any) -> Any:
    """A sensor_msgs/Image with `header` (a rosbags std_msgs/Header)."""
    return _TYPES[IMAGE](
        header=header,
        height=fields.height,
        width=fields.width,
        encoding=fields.encoding,
        is_bigendian=int(fields.is_bigendian),
        step=fields.step,
        data=fields.data,
    )


def camera_info_message(values: CameraInfoValues, header: Any) -> Any:
    """A sensor_msgs/CameraInfo with `header`, no binning and an empty ROI."""
    return _TYPES[CAMERA_INFO](
        header=header,
        height=values.height,
        width=values.width,
        distortion_model=values.distortion_model,
        d=np.array(values.d, np.float64),
        k=np.array(values.k, np.float64),
        r=np.array(values.r, np.float64),
        p=np.array(values.p, np.float64),
        binning_x=0,
        binning_y=0,
        roi=_TYPES["sensor_msgs/msg/RegionOfInterest"](
            x_offset=0, y_offset=0, height=0, width=0, do_rectify=False
        ),
    )


def cloud_message(fields: CloudFields, header: Any) -> Any:
    """A sensor_msgs/PointCloud2 with `header`."""
    point_field = _TYPES["sensor_msgs/msg/PointField"]
    return _TYPES[POINT_CLOUD2](
        header=header,
        height=fields.height,
        width=fields.width,
        fields=[
            point_field(name=name, offset=offset, datatype=POINT_FIELD_FLOAT32, count=1)
            for name, offset in fields.fields
        ],
        is_bigendian=False,
        point_step=fields.point_step,
        row_step=fields.row_step,
        data=fields.data,
        is_dense=fields.is_dense,
    )

"""sensor_msgs/Image and CompressedImage <-> NumPy, without cv_bridge.

The PyPI ``cv-bridge`` port fails on 16-bit images ("encoding specified as 16UC1, but image has
incompatible type 16UC1") and calls ``ndarray.tostring``, removed in NumPy 2, for every encoding.
These few lines of NumPy cover the encodings the node needs, validate the message layout, and cost
one copy at most. The ROS-free part (decoding and array layout) is `image_arrays`, shared with
`sharp-depth bag` and re-exported here; this module wraps it in rclpy's message classes.
"""

from __future__ import annotations

import array as pyarray

import cv2
import numpy as np
from sensor_msgs.msg import CompressedImage, Image
from std_msgs.msg import Header

from sharp_depth_ros.ros.image_arrays import (  # noqa: F401  (re-exported)
    ENCODINGS,
    INPUT_ENCODINGS,
    MAX_SIDE_PX,
    array_to_image_fields,
    compressed_to_rgb,
    image_to_array,
    image_to_rgb,
    to_rgb,
)


def bytes_to_uint8_array(buffer: np.ndarray | bytes) -> pyarray.array:
    """Copy a buffer into the ``array('B')`` a uint8[] message field holds.

    Handing rclpy an ``array('B')`` skips its per-element type check of sequences: one memcpy
    instead of a Python loop over every byte.
    """
    out = pyarray.array("B")
    if not isinstance(buffer, bytes):
        buffer = np.ascontiguousarray(buffer).reshape(-1).view(np.uint8).data
    out.frombytes(buffer)
    return out


def array_to_image(array: np.ndarray, encoding: str, header: Header | None = None) -> Image:
    """Pack an array into a sensor_msgs/Image (little-endian, no row padding).

    Args:
        array: (H, W) or (H, W, C) with the dtype and channel count of `encoding`.
        encoding: one of `ENCODINGS`.
        header: copied into the message (stamp and frame_id of the source, for depth).

    Raises:
        ValueError: unknown encoding or an array whose dtype/shape does not fit it.
    """
    fields = array_to_image_fields(array, encoding)
    msg = Image()
    if header is not None:
        msg.header = header
    msg.height, msg.width, msg.step = fields.height, fields.width, fields.step
    msg.encoding, msg.is_bigendian = fields.encoding, fields.is_bigendian
    msg.data = bytes_to_uint8_array(fields.data)
    return msg


def rgb_to_compressed(
    rgb: np.ndarray, header: Header | None = None, fmt: str = "jpeg"
) -> CompressedImage:
    """Encode (H, W, 3) uint8 RGB as a CompressedImage (used by the player and the tests)."""
    ext = {"jpeg": ".jpg", "png": ".png"}[fmt]
    ok, encoded = cv2.imencode(ext, np.ascontiguousarray(rgb[:, :, ::-1]))
    if not ok:
        raise ValueError(f"cannot encode image as {fmt}")
    msg = CompressedImage()
    if header is not None:
        msg.header = header
    msg.format = f"rgb8; {fmt} compressed bgr8"
    msg.data = bytes_to_uint8_array(encoded)
    return msg


def depth_to_image(depth_m: np.ndarray, header: Header) -> Image:
    """Pack (H, W) metres as a 32FC1 image (REP 118); invalid pixels must already be NaN."""
    return array_to_image(np.asarray(depth_m, dtype=np.float32), "32FC1", header)

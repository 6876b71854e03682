"""sensor_msgs/Image and CompressedImage fields <-> NumPy arrays, without any ROS import.

Works on any object with the message's fields, so the node (rclpy messages, through
`conversions`) and `sharp-depth bag` (rosbags messages) decode and encode images with the same
code. Why not cv_bridge: see `conversions`.
"""

from __future__ import annotations

import sys
from collections.abc import Sized
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

# encoding -> (NumPy dtype, channels), names as in sensor_msgs image_encodings and REP 118.
ENCODINGS: dict[str, tuple[np.dtype, int]] = {
    "rgb8": (np.dtype(np.uint8), 3),
    "bgr8": (np.dtype(np.uint8), 3),
    "rgba8": (np.dtype(np.uint8), 4),
    "bgra8": (np.dtype(np.uint8), 4),
    "mono8": (np.dtype(np.uint8), 1),
    "8UC1": (np.dtype(np.uint8), 1),
    "8UC3": (np.dtype(np.uint8), 3),
    "mono16": (np.dtype(np.uint16), 1),
    "16UC1": (np.dtype(np.uint16), 1),
    "32FC1": (np.dtype(np.float32), 1),
}
INPUT_ENCODINGS: tuple[str, ...] = ("rgb8", "bgr8", "rgba8", "bgra8", "mono8", "mono16", "16UC1")
MAX_SIDE_PX = 16384  # larger frames are refused: no camera sends them, a corrupt header might


class ImageLike(Protocol):
    """The sensor_msgs/Image fields read here."""

    height: int
    width: int
    encoding: str
    is_bigendian: int
    step: int
    data: Sized  # a bytes-like buffer: array('B') in rclpy, a uint8 ndarray in rosbags


class CompressedImageLike(Protocol):
    """The sensor_msgs/CompressedImage fields read here."""

    format: str
    data: Sized


@dataclass(frozen=True, kw_only=True)
class ImageFields:
    """The fields of a sensor_msgs/Image, header aside (names as in the message).

    Attributes:
        data: (height * step,) uint8, C-contiguous.
    """

    height: int
    width: int
    encoding: str
    is_bigendian: bool
    step: int
    data: np.ndarray


def check_size(height: int, width: int, max_side_px: int) -> None:
    """Refuse non-positive sizes and sides longer than `max_side_px`.

    Raises:
        ValueError: naming the size and the limit.
    """
    if height <= 0 or width <= 0:
        raise ValueError(f"image size must be positive, received {width}x{height}")
    if height > max_side_px or width > max_side_px:
        raise ValueError(
            f"image size {width}x{height} exceeds the limit of {max_side_px} px per side"
        )


def image_to_array(msg: ImageLike, *, max_side_px: int = MAX_SIDE_PX) -> np.ndarray:
    """View a sensor_msgs/Image as an array in its own encoding.

    Args:
        msg: the image; row padding (step > width * pixel size) and big-endian data are handled.
        max_side_px: frames with a longer side are refused.

    Returns:
        (H, W, C) array for colour encodings, (H, W) for single-channel ones, native dtype.

    Raises:
        ValueError: unsupported encoding, non-positive or huge size, or a step / data length that
            does not match height, width and encoding (expected and received values are named).
    """
    if msg.encoding not in ENCODINGS:
        raise ValueError(
            f"unsupported encoding {msg.encoding!r}; supported: {', '.join(INPUT_ENCODINGS)}"
        )
    dtype, channels = ENCODINGS[msg.encoding]
    height, width, step = int(msg.height), int(msg.width), int(msg.step)
    check_size(height, width, max_side_px)
    row_bytes = width * channels * dtype.itemsize
    if step < row_bytes:
        raise ValueError(
            f"step {step} too small for {width} px of {msg.encoding}: expected >= {row_bytes}"
        )
    if len(msg.data) != height * step:
        raise ValueError(
            f"data length {len(msg.data)} does not match height*step: "
            f"expected {height}*{step} = {height * step}"
        )
    buffer = np.frombuffer(msg.data, dtype=np.uint8).reshape(height, step)[:, :row_bytes]
    wire_dtype = dtype.newbyteorder(">" if msg.is_bigendian else "<")
    array = buffer.view(wire_dtype) if buffer.flags.c_contiguous else buffer.copy().view(wire_dtype)
    array = array.reshape(height, width, channels).astype(dtype, copy=False)
    return array[:, :, 0] if channels == 1 else array


def array_to_image_fields(array: np.ndarray, encoding: str) -> ImageFields:
    """Lay out an array as the fields of a sensor_msgs/Image (native byte order, no padding).

    Args:
        array: (H, W) or (H, W, C) with the dtype and channel count of `encoding`.
        encoding: one of `ENCODINGS`.

    Raises:
        ValueError: unknown encoding or an array whose dtype/shape does not fit it.
    """
    if encoding not in ENCODINGS:
        raise ValueError(f"unsupported encoding {encoding!r}; supported: {', '.join(ENCODINGS)}")
    dtype, channels = ENCODINGS[encoding]
    got_channels = 1 if array.ndim == 2 else array.shape[2] if array.ndim == 3 else -1
    if array.dtype != dtype or got_channels != channels:
        raise ValueError(
            f"{encoding} needs {dtype} with {channels} channel(s), "
            f"received {array.dtype} with shape {array.shape}"
        )
    width = int(array.shape[1])
    return ImageFields(
        height=int(array.shape[0]),
        width=width,
        encoding=encoding,
        is_bigendian=sys.byteorder == "big",
        step=width * channels * dtype.itemsize,
        data=np.ascontiguousarray(array).reshape(-1).view(np.uint8),
    )


def to_rgb(array: np.ndarray, encoding: str) -> np.ndarray:
    """Convert an image in any input encoding to the (H, W, 3) RGB the predictor takes.

    8-bit encodings give uint8; mono16/16UC1 keep their 16 bits as uint16 (the package's one
    16-bit rule, `inference.image_io`: the predictor divides by 65535, as for 16-bit files).
    Alpha is dropped and grey is replicated.
    """
    if encoding in ("mono16", "16UC1", "mono8", "8UC1"):
        return np.repeat(array[:, :, None], 3, axis=2)
    if encoding in ("rgb8", "8UC3"):
        return np.ascontiguousarray(array)
    if encoding == "rgba8":
        return np.ascontiguousarray(array[:, :, :3])
    if encoding in ("bgr8", "bgra8"):
        return np.ascontiguousarray(array[:, :, 2::-1])
    raise ValueError(f"unsupported input encoding {encoding!r}; supported: {INPUT_ENCODINGS}")


def image_to_rgb(msg: ImageLike, *, max_side_px: int = MAX_SIDE_PX) -> np.ndarray:
    """Validate a sensor_msgs/Image and return it as (H, W, 3) RGB (uint8, or uint16 for 16 bit).

    Raises:
        ValueError: see `image_to_array`; 32FC1 is refused as an input.
    """
    if msg.encoding not in INPUT_ENCODINGS:
        raise ValueError(
            f"unsupported encoding {msg.encoding!r}; supported: {', '.join(INPUT_ENCODINGS)}"
        )
    return to_rgb(image_to_array(msg, max_side_px=max_side_px), msg.encoding)


def compressed_to_rgb(msg: CompressedImageLike, *, max_side_px: int = MAX_SIDE_PX) -> np.ndarray:
    """Decode a sensor_msgs/CompressedImage (JPEG or PNG) to (H, W, 3) uint8 RGB.

    Raises:
        ValueError: empty or undecodable data, or a decoded size outside the limits.
    """
    if len(msg.data) == 0:
        raise ValueError("compressed image holds no data")
    buffer = np.frombuffer(msg.data, dtype=np.uint8)
    bgr = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"cannot decode compressed image (format {msg.format!r})")
    check_size(bgr.shape[0], bgr.shape[1], max_side_px)
    return np.ascontiguousarray(bgr[:, :, ::-1])

"""sensor_msgs/Image and CompressedImage <-> NumPy, without cv_bridge.

The PyPI ``cv-bridge`` port fails on 16-bit images ("encoding specified as 16UC1, but image has
incompatible type 16UC1") and calls ``ndarray.tostring``, removed in NumPy 2, for every encoding.
These few lines of NumPy cover the encodings the node needs, validate the message layout, and cost
one copy at most.
"""

from __future__ import annotations

import array as pyarray
import sys

import cv2
import numpy as np
from sensor_msgs.msg import CompressedImage, Image
from std_msgs.msg import Header

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


def _check_size(height: int, width: int, max_side_px: int) -> None:
    if height <= 0 or width <= 0:
        raise ValueError(f"image size must be positive, received {width}x{height}")
    if height > max_side_px or width > max_side_px:
        raise ValueError(
            f"image size {width}x{height} exceeds the limit of {max_side_px} px per side"
        )


def image_to_array(msg: Image, *, max_side_px: int = MAX_SIDE_PX) -> np.ndarray:
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
    _check_size(height, width, max_side_px)
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


def array_to_image(array: np.ndarray, encoding: str, header: Header | None = None) -> Image:
    """Pack an array into a sensor_msgs/Image (little-endian, no row padding).

    Args:
        array: (H, W) or (H, W, C) with the dtype and channel count of `encoding`.
        encoding: one of `ENCODINGS`.
        header: copied into the message (stamp and frame_id of the source, for depth).

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
    msg = Image()
    if header is not None:
        msg.header = header
    msg.height, msg.width = int(array.shape[0]), int(array.shape[1])
    msg.encoding = encoding
    msg.is_bigendian = sys.byteorder == "big"
    msg.step = msg.width * channels * dtype.itemsize
    msg.data = bytes_to_uint8_array(np.ascontiguousarray(array))
    return msg


def to_rgb8(array: np.ndarray, encoding: str) -> np.ndarray:
    """Convert an image in any input encoding to the (H, W, 3) uint8 RGB the predictor takes.

    16-bit images are scaled to 8 bits (the reference implementation feeds them unscaled, which
    gives garbage), alpha is dropped and grey is replicated.
    """
    if encoding in ("mono16", "16UC1"):
        # Full-range 16 bit -> 8 bit: x / 257 maps 65535 to 255 exactly.
        grey = ((array.astype(np.uint32) + 128) // 257).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if encoding in ("mono8", "8UC1"):
        return np.repeat(array[:, :, None], 3, axis=2)
    if encoding in ("rgb8", "8UC3"):
        return np.ascontiguousarray(array)
    if encoding == "rgba8":
        return np.ascontiguousarray(array[:, :, :3])
    if encoding in ("bgr8", "bgra8"):
        return np.ascontiguousarray(array[:, :, 2::-1])
    raise ValueError(f"unsupported input encoding {encoding!r}; supported: {INPUT_ENCODINGS}")


def image_to_rgb(msg: Image, *, max_side_px: int = MAX_SIDE_PX) -> np.ndarray:
    """Validate a sensor_msgs/Image and return it as (H, W, 3) uint8 RGB.

    Raises:
        ValueError: see `image_to_array`; 32FC1 is refused as an input.
    """
    if msg.encoding not in INPUT_ENCODINGS:
        raise ValueError(
            f"unsupported encoding {msg.encoding!r}; supported: {', '.join(INPUT_ENCODINGS)}"
        )
    return to_rgb8(image_to_array(msg, max_side_px=max_side_px), msg.encoding)


def compressed_to_rgb(msg: CompressedImage, *, max_side_px: int = MAX_SIDE_PX) -> np.ndarray:
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
    _check_size(bgr.shape[0], bgr.shape[1], max_side_px)
    return np.ascontiguousarray(bgr[:, :, ::-1])


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

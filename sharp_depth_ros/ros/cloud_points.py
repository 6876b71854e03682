"""Points of a metric depth image and the PointCloud2 layout that carries them, without ROS.

The node (`point_cloud`, rclpy messages) and `sharp-depth bag` (rosbags messages) both build their
clouds from `depth_to_points` and `cloud_fields`, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence, Sized
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from sharp_depth_ros.inference.image_io import rgb_to_uint8
from sharp_depth_ros.ros.intrinsics import Intrinsics

POINT_FIELD_FLOAT32 = 7  # sensor_msgs/PointField.FLOAT32
XYZ_OFFSETS: tuple[tuple[str, int], ...] = (("x", 0), ("y", 4), ("z", 8))
RGB_OFFSET = 12
_XYZ_DTYPE = np.dtype({"names": ["x", "y", "z"], "formats": ["<f4"] * 3, "offsets": [0, 4, 8]})
# rgb: 0x00RRGGBB in a float32's bytes, as depth_image_proc's point_cloud_xyzrgb and PCL pack it.
_XYZRGB_DTYPE = np.dtype(
    {"names": ["x", "y", "z", "rgb"], "formats": ["<f4"] * 3 + ["<u4"], "offsets": [0, 4, 8, 12]}
)


class _NamedField(Protocol):
    name: str


class PointCloud2Like(Protocol):
    """The sensor_msgs/PointCloud2 fields read by `cloud_to_array`."""

    height: int
    width: int
    fields: Sequence[_NamedField]
    point_step: int
    data: Sized


@dataclass(frozen=True, kw_only=True)
class CloudFields:
    """The fields of a sensor_msgs/PointCloud2, header aside (names as in the message).

    Attributes:
        fields: (name, byte offset) of each float32 field, count 1.
        data: (height * row_step,) uint8, little-endian.
    """

    height: int
    width: int
    fields: tuple[tuple[str, int], ...]
    point_step: int
    row_step: int
    is_dense: bool
    data: np.ndarray


def unproject(
    depth_m: np.ndarray, intrinsics: Intrinsics, stride: int = 1, channels: int = 3
) -> np.ndarray:
    """Back-project every `stride`-th pixel: z = depth, x = (u - cx) z / fx, y = (v - cy) z / fy.

    Args:
        depth_m: (H, W) metres, NaN where invalid; H, W must match `intrinsics`.
        intrinsics: of the depth image.
        stride: keep pixels (u, v) with u % stride == 0 and v % stride == 0.
        channels: 3, or 4 to leave a spare float32 slot per point (filled by the caller: rgb).

    Returns:
        (ceil(H / stride), ceil(W / stride), channels) float32 points in the optical frame
        (x right, y down, z forward); invalid pixels give NaN.
    """
    height, width = depth_m.shape
    if (width, height) != (intrinsics.width, intrinsics.height):
        raise ValueError(
            f"depth size {width}x{height} does not match intrinsics "
            f"{intrinsics.width}x{intrinsics.height}"
        )
    if stride < 1:
        raise ValueError(f"stride must be >= 1, received {stride}")
    z = depth_m[::stride, ::stride]
    # Per-column and per-row factors: two small vectors broadcast instead of two full grids.
    u = np.arange(0, width, stride, dtype=np.float32)
    v = np.arange(0, height, stride, dtype=np.float32)
    x_factor = (u - np.float32(intrinsics.cx_px)) / np.float32(intrinsics.fx_px)
    y_factor = (v - np.float32(intrinsics.cy_px)) / np.float32(intrinsics.fy_px)
    points = np.empty((*z.shape, channels), dtype=np.float32)
    np.multiply(z, x_factor[None, :], out=points[..., 0])
    np.multiply(z, y_factor[:, None], out=points[..., 1])
    points[..., 2] = z
    return points


def pack_rgb(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) RGB -> (H, W) uint32 0xAARRGGBB with alpha 255 (PCL's PointXYZRGB layout).

    The low 24 bits are what depth_image_proc's point_cloud_xyzrgb writes and RViz reads; 16-bit
    colours are rounded to 8 bits (`rgb_to_uint8`).
    """
    # BGRA bytes read as a little-endian uint32 are 0xAARRGGBB; OpenCV does the shuffle in one pass.
    bgra = cv2.cvtColor(np.ascontiguousarray(rgb_to_uint8(rgb)), cv2.COLOR_RGB2BGRA)
    return bgra.view("<u4")[..., 0]


def depth_to_points(
    depth_m: np.ndarray,
    intrinsics: Intrinsics,
    *,
    stride: int = 1,
    min_depth_m: float = 0.0,
    max_depth_m: float = float("inf"),
    rgb: np.ndarray | None = None,
    organised: bool = True,
) -> np.ndarray:
    """The points of a depth image, laid out as the bytes of a PointCloud2.

    Args:
        depth_m: (H, W) metres, NaN where invalid.
        intrinsics: of the depth image.
        stride: decimation in both directions.
        min_depth_m: points nearer than this are invalid.
        max_depth_m: points farther than this are invalid.
        rgb: optional (H, W, 3) uint8 image aligned with `depth_m`; adds the packed rgb slot.
        organised: keep the (H', W') grid with NaN for invalid points; otherwise a 1 x N row of
            valid points only.

    Returns:
        (rows, cols, 3|4) float32: x, y, z [, rgb bits] per point.
    """
    # Clip first: NaN in z then propagates to x and y during the unprojection.
    with np.errstate(invalid="ignore"):
        valid = (depth_m >= min_depth_m) & (depth_m <= max_depth_m)  # NaN compares False
    clipped = np.where(valid, depth_m, np.float32(np.nan)).astype(np.float32, copy=False)
    # One (rows, cols, 3|4) float32 buffer whose bytes are the message layout: no structured
    # array and no per-field strided copies.
    points = unproject(clipped, intrinsics, stride, channels=3 if rgb is None else 4)
    if rgb is not None:
        points[..., 3].view(np.uint32)[...] = pack_rgb(rgb[::stride, ::stride])
    if not organised:
        # Compress whole points as opaque 12/16-byte records: far faster than a (N, C) gather.
        records = points.view(np.dtype((np.void, points.shape[2] * 4)))[..., 0]
        kept = records[valid[::stride, ::stride]]
        points = kept.view(np.float32).reshape(1, -1, points.shape[2])
    return points


def cloud_fields(points: np.ndarray, *, dense: bool) -> CloudFields:
    """Lay out (rows, cols, 3|4) float32 points (x, y, z[, packed rgb]) as PointCloud2 fields."""
    fields = XYZ_OFFSETS + ((("rgb", RGB_OFFSET),) if points.shape[2] == 4 else ())
    point_step = 4 * int(points.shape[2])
    width = int(points.shape[1])
    return CloudFields(
        height=int(points.shape[0]),
        width=width,
        fields=fields,
        point_step=point_step,
        row_step=point_step * width,
        is_dense=dense,
        data=np.ascontiguousarray(points, dtype="<f4").reshape(-1).view(np.uint8),
    )


def cloud_to_array(msg: PointCloud2Like) -> np.ndarray:
    """Read back a cloud laid out by `cloud_fields` as a (height, width) structured array."""
    names = [f.name for f in msg.fields]
    dtype = _XYZRGB_DTYPE if "rgb" in names else _XYZ_DTYPE
    if msg.point_step != dtype.itemsize:
        raise ValueError(f"point_step {msg.point_step} != expected {dtype.itemsize}")
    data = np.frombuffer(msg.data, dtype=dtype)
    return data.reshape(msg.height, msg.width)

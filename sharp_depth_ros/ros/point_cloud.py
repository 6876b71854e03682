"""Vectorised sensor_msgs/PointCloud2 from a metric depth image (REP 103 optical frame)."""

from __future__ import annotations

import cv2
import numpy as np
from sensor_msgs.msg import PointCloud2, PointField
from std_msgs.msg import Header

from sharp_depth_ros.ros.camera_info import Intrinsics
from sharp_depth_ros.ros.conversions import bytes_to_uint8_array

_XYZ_FIELDS = (("x", 0), ("y", 4), ("z", 8))
_XYZ_DTYPE = np.dtype({"names": ["x", "y", "z"], "formats": ["<f4"] * 3, "offsets": [0, 4, 8]})
# rgb: 0x00RRGGBB in a float32's bytes, as depth_image_proc's point_cloud_xyzrgb and PCL pack it.
_XYZRGB_DTYPE = np.dtype(
    {"names": ["x", "y", "z", "rgb"], "formats": ["<f4"] * 3 + ["<u4"], "offsets": [0, 4, 8, 12]}
)


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
    """(H, W, 3) uint8 RGB -> (H, W) uint32 0xAARRGGBB with alpha 255 (PCL's PointXYZRGB layout).

    The low 24 bits are what depth_image_proc's point_cloud_xyzrgb writes and RViz reads.
    """
    # BGRA bytes read as a little-endian uint32 are 0xAARRGGBB; OpenCV does the shuffle in one pass.
    bgra = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGRA)
    return bgra.view("<u4")[..., 0]


def depth_to_cloud(
    depth_m: np.ndarray,
    intrinsics: Intrinsics,
    header: Header,
    *,
    stride: int = 1,
    min_depth_m: float = 0.0,
    max_depth_m: float = float("inf"),
    rgb: np.ndarray | None = None,
    organised: bool = True,
) -> PointCloud2:
    """Build a PointCloud2 (x, y, z float32 [+ rgb]) from a depth image.

    Args:
        depth_m: (H, W) metres, NaN where invalid.
        intrinsics: of the depth image.
        header: stamp and optical frame of the depth image.
        stride: decimation in both directions.
        min_depth_m: points nearer than this are invalid.
        max_depth_m: points farther than this are invalid.
        rgb: optional (H, W, 3) uint8 image aligned with `depth_m`; adds the packed `rgb` field.
        organised: keep the (H', W') grid with NaN for invalid points (is_dense false);
            otherwise a 1 x N cloud of valid points only (is_dense true).

    Returns:
        The cloud message.
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
    return cloud_message(points, header, dense=not organised)


def cloud_message(points: np.ndarray, header: Header, *, dense: bool) -> PointCloud2:
    """Wrap (rows, cols, 3|4) float32 points (x, y, z[, packed rgb]) in a PointCloud2."""
    fields = [
        PointField(name=name, offset=offset, datatype=PointField.FLOAT32, count=1)
        for name, offset in _XYZ_FIELDS
    ]
    if points.shape[2] == 4:
        fields.append(PointField(name="rgb", offset=12, datatype=PointField.FLOAT32, count=1))
    msg = PointCloud2()
    msg.header = header
    msg.height, msg.width = int(points.shape[0]), int(points.shape[1])
    msg.fields = fields
    msg.is_bigendian = False
    msg.point_step = 4 * int(points.shape[2])
    msg.row_step = msg.point_step * msg.width
    msg.is_dense = dense
    msg.data = bytes_to_uint8_array(points)
    return msg


def cloud_to_array(msg: PointCloud2) -> np.ndarray:
    """Read back a cloud built by `cloud_message` as a (height, width) structured array."""
    names = [f.name for f in msg.fields]
    dtype = _XYZRGB_DTYPE if "rgb" in names else _XYZ_DTYPE
    if msg.point_step != dtype.itemsize:
        raise ValueError(f"point_step {msg.point_step} != expected {dtype.itemsize}")
    data = np.frombuffer(msg.data, dtype=dtype)
    return data.reshape(msg.height, msg.width)

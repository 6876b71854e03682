from __future__ import annotations

import numpy as np
import pytest
from std_msgs.msg import Header

from sharp_depth_ros.ros.camera_info import Intrinsics
from sharp_depth_ros.ros.point_cloud import cloud_to_array, depth_to_cloud, pack_rgb, unproject

INTR = Intrinsics(fx_px=50.0, fy_px=60.0, cx_px=7.5, cy_px=4.0, width=16, height=10)
RNG = np.random.default_rng(1)


def _depth() -> np.ndarray:
    depth = RNG.uniform(0.5, 5.0, (10, 16)).astype(np.float32)
    depth[2, 3] = np.nan
    return depth


def test_unprojection_follows_the_pinhole_model() -> None:
    depth = _depth()
    points = unproject(depth, INTR)
    v, u = 6, 11
    z = depth[v, u]
    assert points[v, u] == pytest.approx([(u - 7.5) * z / 50.0, (v - 4.0) * z / 60.0, z])
    assert np.isnan(points[2, 3]).all()


def test_organised_cloud_keeps_the_grid_and_marks_clipped_points_nan(read_cloud) -> None:
    depth = _depth()
    cloud = depth_to_cloud(depth, INTR, Header(frame_id="cam"), min_depth_m=1.0, max_depth_m=4.0)
    assert (cloud.height, cloud.width, cloud.is_dense, cloud.point_step) == (10, 16, False, 12)
    assert [f.name for f in cloud.fields] == ["x", "y", "z"] and cloud.header.frame_id == "cam"
    points = read_cloud(cloud)
    inside = (depth >= 1.0) & (depth <= 4.0)
    assert np.array_equal(points["z"][inside], depth[inside])
    assert np.isnan(points["x"][~inside]).all() and np.isnan(points["z"][~inside]).all()


def test_dense_cloud_holds_only_valid_points_in_row_major_order(read_cloud) -> None:
    depth = _depth()
    cloud = depth_to_cloud(depth, INTR, Header(), max_depth_m=3.0, organised=False)
    points = read_cloud(cloud)
    valid = depth <= 3.0
    assert cloud.is_dense and cloud.height == 1 and cloud.width == int(valid.sum())
    assert np.array_equal(points["z"][0], depth[valid])


def test_stride_decimates_both_directions(read_cloud) -> None:
    depth = _depth()
    cloud = depth_to_cloud(depth, INTR, Header(), stride=3)
    points = read_cloud(cloud)
    assert (cloud.height, cloud.width) == (4, 6)
    assert points["z"][1, 2] == depth[3, 6]
    assert points["x"][1, 2] == pytest.approx((6 - 7.5) * depth[3, 6] / 50.0)


def test_rgb_is_packed_like_depth_image_proc(read_cloud) -> None:
    depth = _depth()
    rgb = RNG.integers(0, 256, (10, 16, 3), dtype=np.uint8)
    cloud = depth_to_cloud(depth, INTR, Header(), rgb=rgb)
    assert [(f.name, f.offset, f.datatype) for f in cloud.fields][3] == ("rgb", 12, 7)
    packed = int(read_cloud(cloud)["rgb"].view(np.uint32)[4, 5])
    r, g, b = rgb[4, 5]
    assert packed & 0xFFFFFF == (int(r) << 16) | (int(g) << 8) | int(b)
    assert pack_rgb(np.array([[[1, 2, 3]]], np.uint8))[0, 0] & 0xFFFFFF == 0x010203


def test_size_mismatch_with_intrinsics_raises() -> None:
    with pytest.raises(ValueError, match="does not match intrinsics"):
        unproject(np.ones((5, 5), np.float32), INTR)


def test_ros_free_layout_uses_pointfield_float32() -> None:
    from sensor_msgs.msg import PointField

    from sharp_depth_ros.ros.cloud_points import POINT_FIELD_FLOAT32

    assert POINT_FIELD_FLOAT32 == PointField.FLOAT32


@pytest.mark.parametrize("with_rgb", [False, True])
def test_cloud_to_array_reads_what_an_independent_reader_reads(read_cloud, with_rgb) -> None:
    depth = _depth()
    rgb = RNG.integers(0, 256, (10, 16, 3), dtype=np.uint8) if with_rgb else None
    cloud = depth_to_cloud(depth, INTR, Header(), rgb=rgb, stride=2)
    ours, independent = cloud_to_array(cloud), read_cloud(cloud)
    assert set(ours.dtype.names) == set(independent)
    for name, values in independent.items():
        np.testing.assert_array_equal(ours[name].view(values.dtype), values)

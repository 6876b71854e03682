from __future__ import annotations

import math

import pytest
from sensor_msgs.msg import CameraInfo
from std_msgs.msg import Header

from sharp_depth_ros.ros.camera_info import (
    Intrinsics,
    intrinsics_from_camera_info,
    intrinsics_from_focal,
    make_camera_info,
)


def _info(k: list[float], width: int = 640, height: int = 480) -> CameraInfo:
    return CameraInfo(width=width, height=height, k=k)


def test_k_is_read_row_major() -> None:
    intr = intrinsics_from_camera_info(_info([500.0, 0, 320, 0, 510.0, 240, 0, 0, 1]))
    assert (intr.fx_px, intr.fy_px, intr.cx_px, intr.cy_px) == (500.0, 510.0, 320.0, 240.0)


@pytest.mark.parametrize(
    "k",
    [[0.0] * 9, [math.nan, 0, 320, 0, 500, 240, 0, 0, 1], [500, 0, 320, 0, -1, 240, 0, 0, 1]],
)
def test_invalid_k_is_refused(k: list[float]) -> None:
    with pytest.raises(ValueError, match="K"):
        intrinsics_from_camera_info(_info(k))


def test_scaling_to_half_size_halves_focal_and_maps_pixel_centres() -> None:
    full = Intrinsics(fx_px=1000.0, fy_px=1000.0, cx_px=639.5, cy_px=479.5, width=1280, height=960)
    half = full.scaled_to(640, 480)
    assert half.fx_px == 500.0 and half.fy_px == 500.0
    # The centre of a 1280-wide image (639.5) is the centre of a 640-wide one (319.5).
    assert half.cx_px == pytest.approx(319.5) and half.cy_px == pytest.approx(239.5)
    assert full.scaled_to(1280, 960) is full


def test_scaling_to_another_aspect_ratio_is_refused() -> None:
    intr = intrinsics_from_focal(500.0, 640, 480)
    with pytest.raises(ValueError, match="not a resize"):
        intr.scaled_to(640, 360)


def test_estimated_intrinsics_centre_the_principal_point() -> None:
    intr = intrinsics_from_focal(300.0, 101, 51)
    assert (intr.cx_px, intr.cy_px, intr.fx_px, intr.fy_px) == (50.0, 25.0, 300.0, 300.0)


def test_made_camera_info_round_trips_and_keeps_distortion_only_at_the_same_size() -> None:
    intr = intrinsics_from_focal(400.0, 64, 48)
    source = CameraInfo(width=64, height=48, distortion_model="plumb_bob", d=[0.1, 0, 0, 0, 0])
    msg = make_camera_info(intr, Header(frame_id="cam"), source)
    assert intrinsics_from_camera_info(msg) == intr
    assert list(msg.p)[:3] == [400.0, 0.0, intr.cx_px] and msg.header.frame_id == "cam"
    assert list(msg.d) == [0.1, 0, 0, 0, 0]
    other = make_camera_info(intr, Header(), CameraInfo(width=128, height=96, d=[0.1] * 5))
    assert list(other.d) == [0.0] * 5

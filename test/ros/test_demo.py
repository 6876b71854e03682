from __future__ import annotations

from pathlib import Path

import numpy as np

from sharp_depth_ros.ros.demo import load_frames, write_ply


def test_bundled_frames_load_with_their_intrinsics() -> None:
    frames, camera = load_frames()
    assert len(frames) >= 4 and frames[0].dtype == np.uint8 and frames[0].shape[2] == 3
    assert set(camera) == {"fx_px", "fy_px", "cx_px", "cy_px"} and camera["fx_px"] > 0


def test_ply_holds_only_finite_points_with_unpacked_colour(tmp_path: Path) -> None:
    rgb = np.array([0x102030, 0x405060], dtype=np.uint32).view(np.float32)
    points = np.array([[1, 2, 3, rgb[0]], [np.nan, 0, 0, rgb[1]]], dtype=np.float32)
    write_ply(tmp_path / "c.ply", points)
    data = (tmp_path / "c.ply").read_bytes()
    header, body = data.split(b"end_header\n")
    assert b"element vertex 1" in header and b"property uchar red" in header
    assert np.frombuffer(body[:12], "<f4").tolist() == [1.0, 2.0, 3.0]
    assert list(body[12:15]) == [0x10, 0x20, 0x30]


def test_contact_sheet_row_puts_input_beside_depth_at_one_height() -> None:
    from sharp_depth_ros.ros.demo import input_and_depth

    rgb = np.zeros((480, 640, 3), np.uint8)
    rgb[..., 0] = 255  # pure red input
    preview = np.zeros((240, 320, 3), np.uint8)
    row = input_and_depth(rgb, preview, height=120)
    assert row.shape == (120, 320, 3)
    assert row[:, :160, 2].min() == 255 and row[:, :160, :2].max() == 0  # red, in BGR
    assert row[:, 160:].max() == 0

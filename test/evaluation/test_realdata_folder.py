"""The converter of the shared real RGB-D frames: each depth encoding decodes to metres."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared" / "realdata" / "open3d_rgbd"


@pytest.fixture(scope="module")
def converter(benchmark_script):
    return benchmark_script("realdata_folder")


def test_sun_depth_undoes_the_three_bit_rotation(converter, tmp_path):
    metres = np.array([[0.5, 1.234, 7.0, 0.0]])
    millimetres = np.round(metres * 1000).astype(np.uint16)
    stored = (millimetres << 3) | (millimetres >> 13)  # how SUN RGB-D writes them
    cv2.imwrite(str(tmp_path / "d.png"), stored)
    np.testing.assert_allclose(converter.sun(tmp_path / "d.png"), metres, atol=5e-4)


@pytest.mark.parametrize("order", [">u2", "<u2"])
def test_nyu_disparity_becomes_metres_in_either_byte_order(converter, tmp_path, order):
    disparity = np.array([[800, 1000, 2047, 0]], dtype=np.uint16)
    header = b"P5\n# a comment\n4 1\n65535\n"
    (tmp_path / "d.pgm").write_bytes(header + disparity.astype(order).tobytes())
    depth = converter.nyu(tmp_path / "d.pgm")
    np.testing.assert_allclose(depth[0, :2], 351.3 / (1092.5 - np.array([800.0, 1000.0])))
    assert depth[0, 2] == 0.0 and depth[0, 3] == 0.0  # no reading / beyond 10 m


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared real frames not present")
def test_the_shared_frames_convert_to_plausible_indoor_depth(converter, tmp_path):
    names = converter.convert(SHARED, tmp_path)
    assert {"tum", "sun", "nyu"} <= set(names) and len(names) == 8
    for name in names:
        depth = np.load(tmp_path / "depth" / f"{name}.npy")
        valid = depth > 0
        assert valid.mean() > 0.7, name
        assert 0.3 < np.median(depth[valid]) < 8.0, name

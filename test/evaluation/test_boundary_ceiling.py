"""The boundary-F1 ceiling of an output resolution: exact at full size, lower when coarser."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sharp_depth_ros.metrics import boundary_f1


@pytest.fixture(scope="module")
def ceiling(benchmark_script):
    return benchmark_script("boundary_ceiling")


def _steps(height: int = 96, width: int = 128) -> np.ndarray:
    depth = np.full((height, width), 3.0, np.float32)
    depth[20:70, 30:60] = 1.0  # a box in front of a wall
    depth[10:40, 90:120] = 1.8
    return depth


def test_coarser_outputs_lose_boundaries(ceiling):
    depth = _steps()
    assert boundary_f1(depth, depth) == pytest.approx(1.0)
    scores = [boundary_f1(ceiling.through_side(depth, side), depth) for side in (128, 64, 16)]
    assert scores[0] > scores[1] > scores[2]
    assert scores[2] < 0.5


@settings(max_examples=20, deadline=None)
@given(st.floats(0.2, 50.0), st.sampled_from([8, 32, 100]))
def test_a_flat_depth_survives_any_round_trip(ceiling, depth_m, side):
    flat = np.full((30, 40), depth_m, np.float32)
    np.testing.assert_allclose(ceiling.through_side(flat, side), flat, rtol=1e-5)


def _write_sample(root, name: str, depth: np.ndarray) -> None:
    for sub in ("rgb", "depth"):
        (root / sub).mkdir(exist_ok=True)
    cv2.imwrite(str(root / "rgb" / f"{name}.png"), np.zeros((*depth.shape, 3), np.uint8))
    np.save(root / "depth" / f"{name}.npy", depth)


def test_a_folder_scores_only_images_with_depth_everywhere(ceiling, tmp_path):
    holed = _steps()
    holed[0, 0] = 0.0  # one invalid pixel: boundary F1 is not defined on it
    _write_sample(tmp_path, "holed", holed)
    with pytest.raises(SystemExit, match="valid depth everywhere"):
        ceiling.ceiling(tmp_path, [64])
    _write_sample(tmp_path, "whole", _steps())
    report = ceiling.ceiling(tmp_path, [64])
    assert report["images"] == 1
    assert report["rows"][0] == {"side": None, "boundary_f1": pytest.approx(1.0)}
    assert report["rows"][1]["side"] == 64 and report["rows"][1]["boundary_f1"] < 1.0

"""A small analytic evaluation data set: two fronto-parallel planes with a step edge."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

HEIGHT, WIDTH = 24, 32
FX = 30.0


def step_depth_m(near_m: float = 2.0, far_m: float = 4.0) -> np.ndarray:
    """Left half at `near_m`, right half at `far_m` (a vertical occluding edge)."""
    depth = np.full((HEIGHT, WIDTH), far_m, dtype=np.float32)
    depth[:, : WIDTH // 2] = near_m
    return depth


def write_dataset(root: Path) -> Path:
    """Samples: `a` (PNG mm, mask, intrinsics), `b` (.npy with holes, no extras)."""
    rng = np.random.default_rng(0)
    for folder in ("rgb", "depth", "intrinsics", "masks"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for name in ("a", "b"):
        rgb = rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)
        cv2.imwrite(str(root / "rgb" / f"{name}.png"), rgb[..., ::-1])
    cv2.imwrite(str(root / "depth" / "a.png"), np.round(step_depth_m() * 1000).astype(np.uint16))
    depth_b = step_depth_m(1.5, 3.0)
    depth_b[:3, :5] = np.nan  # holes
    depth_b[5, 7] = 0.0
    np.save(root / "depth" / "b.npy", depth_b)
    (root / "intrinsics" / "a.json").write_text(
        json.dumps({"fx": FX, "fy": FX, "cx": WIDTH / 2, "cy": HEIGHT / 2})
    )
    mask = np.zeros((HEIGHT, WIDTH), dtype=np.uint8)
    mask[:, : WIDTH // 2] = 255
    cv2.imwrite(str(root / "masks" / "a.png"), mask)
    return root


@pytest.fixture
def dataset_dir(tmp_path: Path) -> Path:
    """Root of a fresh analytic data set (samples `a` and `b`, see `write_dataset`)."""
    return write_dataset(tmp_path / "dataset")


@pytest.fixture
def step_depth():
    """The `step_depth_m(near_m, far_m)` function the data set is made with."""
    return step_depth_m

"""The pinhole relations: FOV <-> focal length, scalar and tensor forms agree and invert."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from sharp_depth_ros.pinhole import focal_px_to_fov_deg, focal_ratio_from_fov, fov_deg_to_focal_px


@given(st.floats(5.0, 170.0), st.integers(16, 8192))
def test_fov_and_focal_invert_each_other_and_the_tensor_form_agrees(fov_deg, width) -> None:
    focal_px = fov_deg_to_focal_px(fov_deg, width)
    assert focal_px_to_fov_deg(focal_px, width) == pytest.approx(fov_deg, rel=1e-9)
    ratio = focal_ratio_from_fov(torch.tensor([fov_deg], dtype=torch.float64))
    assert float(ratio[0]) * width == pytest.approx(focal_px, rel=1e-9)


def test_ninety_degrees_puts_the_focal_length_at_half_the_width() -> None:
    assert fov_deg_to_focal_px(90.0, 640) == pytest.approx(320.0)

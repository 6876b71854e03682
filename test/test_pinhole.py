"""The pinhole relations: FOV <-> focal length, scalar and tensor forms agree and invert."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from sharp_depth_ros.pinhole import (
    focal_px_to_fov_deg,
    focal_ratio_from_fov,
    fov_deg_to_focal_px,
    fov_from_focal_ratio,
    span_over_width,
)


@given(st.floats(5.0, 170.0), st.integers(16, 8192))
def test_fov_and_focal_invert_each_other_and_the_tensor_form_agrees(fov_deg, width) -> None:
    focal_px = fov_deg_to_focal_px(fov_deg, width)
    assert focal_px_to_fov_deg(focal_px, width) == pytest.approx(fov_deg, rel=1e-9)
    ratio = focal_ratio_from_fov(torch.tensor([fov_deg], dtype=torch.float64))
    assert float(ratio[0]) * width == pytest.approx(focal_px, rel=1e-9)


def test_ninety_degrees_puts_the_focal_length_at_half_the_width() -> None:
    assert fov_deg_to_focal_px(90.0, 640) == pytest.approx(320.0)


@settings(deadline=None)  # the first torch call can take a second on a loaded CPU
@given(st.floats(20.0, 150.0), st.integers(16, 4096), st.integers(16, 4096))
def test_a_geometric_mean_angle_spans_sqrt_w_h_pixels(fov_deg, width, height) -> None:
    # The angle across sqrt(W H) pixels: f = sqrt(W H) / (2 tan(angle / 2)), whatever the aspect.
    aspect = torch.tensor([width / height], dtype=torch.float64)
    angle = torch.tensor([fov_deg], dtype=torch.float64)
    focal_ratio = focal_ratio_from_fov(angle) * span_over_width("geometric_mean", aspect)
    expected = fov_deg_to_focal_px(fov_deg, 1) * math.sqrt(width * height)
    assert float(focal_ratio[0]) * width == pytest.approx(expected, rel=1e-9)
    span = span_over_width("geometric_mean", aspect)
    back = fov_from_focal_ratio(focal_ratio, span)
    assert float(back[0]) == pytest.approx(fov_deg, rel=1e-9)


@settings(deadline=None)
@given(st.floats(20.0, 150.0), st.floats(0.3, 3.0))
def test_the_width_span_is_the_horizontal_fov_and_square_images_agree(fov_deg, aspect) -> None:
    angle = torch.tensor([fov_deg], dtype=torch.float64)
    aspects = torch.tensor([aspect], dtype=torch.float64)
    width_ratio = focal_ratio_from_fov(angle) * span_over_width("width", aspects)
    torch.testing.assert_close(width_ratio, focal_ratio_from_fov(angle))
    ones = torch.ones(1, dtype=torch.float64)
    torch.testing.assert_close(
        span_over_width("geometric_mean", ones), span_over_width("width", ones)
    )


def test_an_unknown_span_is_refused() -> None:
    with pytest.raises(ValueError, match="fov span must be one of width, geometric_mean"):
        span_over_width("height", torch.ones(1))

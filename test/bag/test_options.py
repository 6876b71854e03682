"""BagDepthOptions: refused values and the node's defaults."""

from __future__ import annotations

import dataclasses

import pytest

from sharp_depth_ros.bag.options import BagDepthOptions


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"namespace": "sharp_depth"}, "namespace must start with '/'"),
        ({"focal_source": "fixed"}, "fixed needs fixed_focal_px > 0"),
        ({"min_depth": 5.0, "max_depth": 1.0}, r"min_depth \(5.0\) must be less than max_depth"),
        ({"points_stride": 0}, r"points_stride must be an int in \[1, 64\]"),
        ({"focal_smoothing": 1.0}, r"focal_smoothing must be a finite float in \[0.0, 0.99\]"),
        ({"storage": "rosbag1"}, "storage must be one of"),
    ],
)
def test_bad_options_are_refused_before_any_work(change, message) -> None:
    with pytest.raises(ValueError, match=message):
        BagDepthOptions(image_topic="/image", **change)


def test_option_defaults_are_the_nodes_parameter_defaults() -> None:
    from sharp_depth_ros.ros.parameters import SPECS_BY_NAME

    shared = [f for f in dataclasses.fields(BagDepthOptions) if f.name in SPECS_BY_NAME]
    assert len(shared) == 15
    for field in shared:
        assert field.default == SPECS_BY_NAME[field.name].default, field.name

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from rcl_interfaces.msg import ParameterType

from sharp_depth_ros.ros.parameters import PARAM_SPECS, NodeParams, descriptor

REPO = Path(__file__).resolve().parents[2]


def test_dataclass_fields_match_the_spec_table_and_its_defaults() -> None:
    fields = {f.name: f.default for f in dataclasses.fields(NodeParams)}
    assert fields == {spec.name: spec.default for spec in PARAM_SPECS}


def test_config_yaml_holds_every_parameter_with_a_valid_value() -> None:
    config = yaml.safe_load((REPO / "config" / "depth.yaml").read_text())
    values = config["sharp_depth"]["ros__parameters"]
    assert set(values) == {spec.name for spec in PARAM_SPECS}
    for spec in PARAM_SPECS:  # same ROS type as the declaration (1 is not a double)
        assert type(values[spec.name]) is type(spec.default), spec.name
    NodeParams(**values)


def test_every_parameter_is_described_in_docs() -> None:
    text = (REPO / "docs" / "ros.md").read_text()
    missing = [spec.name for spec in PARAM_SPECS if f"`{spec.name}`" not in text]
    assert not missing


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"focal_source": "exif"}, "focal_source must be one of"),
        ({"points_stride": 0}, r"points_stride must be an int in \[1, 64\]"),
        ({"min_depth": 5.0, "max_depth": 2.0}, "min_depth .* must be less than max_depth"),
        ({"focal_source": "fixed"}, "fixed_focal_px > 0"),
        ({"depth_rate_hz": float("nan")}, "finite"),
        ({"device": "tpu"}, "device must be one of"),
    ],
)
def test_invalid_values_are_refused_with_the_name_and_range(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        NodeParams().replace(**changes)


def test_descriptors_carry_type_range_and_read_only_for_the_start_up_parameter() -> None:
    by_name = {spec.name: descriptor(spec) for spec in PARAM_SPECS}
    stride = by_name["points_stride"]
    assert stride.type == ParameterType.PARAMETER_INTEGER and not stride.read_only
    assert (stride.integer_range[0].from_value, stride.integer_range[0].to_value) == (1, 64)
    assert by_name["autostart"].read_only and by_name["device"].additional_constraints
    # Model parameters may be set while the node is unconfigured (the node checks the state).
    assert not by_name["checkpoint"].read_only
    assert by_name["max_depth"].floating_point_range[0].to_value == 1e4
    assert all(d.description for d in by_name.values())


def test_docs_table_is_the_generated_one_and_the_yaml_holds_the_defaults() -> None:
    from sharp_depth_ros.ros.parameters import parameter_table_markdown

    # One definition (PARAM_SPECS): docs/ros.md's table is generated from it, byte for byte
    # (regenerate with parameter_table_markdown()), and config/depth.yaml ships its defaults.
    assert parameter_table_markdown() in (REPO / "docs" / "ros.md").read_text()
    values = yaml.safe_load((REPO / "config" / "depth.yaml").read_text())
    assert values["sharp_depth"]["ros__parameters"] == {s.name: s.default for s in PARAM_SPECS}

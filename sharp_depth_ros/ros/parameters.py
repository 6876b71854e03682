"""The node's parameters: snapshot, ROS descriptors and docs table from one spec table.

The table itself (`parameter_specs.PARAM_SPECS`) is ROS-free, for the bag command.

`config/depth.yaml`, the launch file and docs/ros.md list the same names; tests check that they
agree. Parameters marked dynamic take effect at once when set at run time. The others (model,
QoS, input) are read by the lifecycle's configure and activate: the node accepts them only while
it is unconfigured, and refuses them with a reason otherwise. `autostart` is read once at start-up
and declared read-only, so `ros2 param set` says so instead of silently doing nothing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from rcl_interfaces.msg import (
    FloatingPointRange,
    IntegerRange,
    ParameterDescriptor,
    ParameterType,
)

from sharp_depth_ros.ros.parameter_specs import (
    PARAM_SPECS,
    SPECS_BY_NAME,
    START_UP_ONLY,
    ParamSpec,
    coerce,
    validate_values,
)


@dataclass(frozen=True, kw_only=True)
class NodeParams:
    """A validated snapshot of all parameters (field names = parameter names)."""

    autostart: bool = True
    preset: str = ""
    checkpoint: str = ""
    config: str = ""
    device: str = "auto"
    precision: str = "fp32"
    backend: str = "auto"
    edge_refinement: str = "auto"
    require_device: bool = False
    use_compressed: bool = False
    input_reliability: str = "best_effort"
    output_reliability: str = "reliable"
    qos_depth: int = 1
    max_image_side_px: int = 4096
    rectify: bool = True
    focal_source: str = "auto"
    fixed_focal_px: float = 0.0
    focal_smoothing: float = 0.9
    camera_height_m: float = 0.0
    camera_pitch_deg: float = 0.0
    camera_roll_deg: float = 0.0
    ground_smoothing: float = 0.5
    depth_rate_hz: float = 0.0
    publish_points: bool = True
    points_rate_hz: float = 0.0
    points_stride: int = 1
    min_depth: float = 0.0
    max_depth: float = 100.0
    points_organised: bool = True
    points_colour: bool = True
    diagnostics_period_s: float = 1.0

    def __post_init__(self) -> None:
        validate_values(self)

    def replace(self, **changes: Any) -> NodeParams:
        """A validated copy with some values changed."""
        return dataclasses.replace(self, **changes)


def descriptor(spec: ParamSpec) -> ParameterDescriptor:
    """The ROS descriptor of a spec: type, description, range, read-only if start-up only."""
    kind = {
        bool: ParameterType.PARAMETER_BOOL,
        int: ParameterType.PARAMETER_INTEGER,
        float: ParameterType.PARAMETER_DOUBLE,
        str: ParameterType.PARAMETER_STRING,
    }[type(spec.default)]
    result = ParameterDescriptor(
        name=spec.name,
        type=kind,
        description=spec.description,
        read_only=spec.name in START_UP_ONLY,
    )
    if spec.choices:
        result.additional_constraints = "one of: " + ", ".join(spec.choices)
    if kind == ParameterType.PARAMETER_INTEGER:
        result.integer_range = [
            IntegerRange(from_value=int(spec.min_value), to_value=int(spec.max_value), step=1)
        ]
    elif kind == ParameterType.PARAMETER_DOUBLE:
        result.floating_point_range = [
            FloatingPointRange(
                from_value=float(spec.min_value), to_value=float(spec.max_value), step=0.0
            )
        ]
    return result


def parameter_table_markdown() -> str:
    """The Markdown table of every parameter (docs/ros.md holds exactly this; a test checks)."""
    kinds = {bool: "bool", int: "integer", float: "double", str: "string"}
    lines = [
        "| Parameter | Type | Default | Range / values | Changes at run time | Description |",
        "|---|---|---|---|---|---|",
    ]
    for spec in PARAM_SPECS:
        default = spec.default
        if isinstance(default, bool):
            shown = str(default).lower()
        elif isinstance(default, str):
            shown = default or '""'
        else:
            shown = repr(default)
        if spec.choices:
            values = " \\| ".join(spec.choices)
        elif spec.min_value is not None:
            values = f"[{spec.min_value:g}, {spec.max_value:g}]"
        else:
            values = ""
        if spec.name in START_UP_ONLY:
            changes = "no (start-up)"
        else:
            changes = "yes" if spec.dynamic else "unconfigured"
        lines.append(
            f"| `{spec.name}` | {kinds[type(default)]} | `{shown}` | {values} | {changes} "
            f"| {spec.description} |"
        )
    return "\n".join(lines) + "\n"


# The table lives in `parameter_specs` (ROS-free); the node imports it from here with the rest.
__all__ = [
    "PARAM_SPECS",
    "SPECS_BY_NAME",
    "START_UP_ONLY",
    "NodeParams",
    "ParamSpec",
    "coerce",
    "descriptor",
    "parameter_table_markdown",
]

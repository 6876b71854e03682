"""The node's parameters: one table with types, ranges, descriptions and defaults.

`config/depth.yaml`, the launch file and docs/ros.md list the same names; tests check that they
agree. Parameters marked dynamic take effect at once when set at run time. The others (model,
QoS, input) are read by the lifecycle's configure and activate: the node accepts them only while
it is unconfigured, and refuses them with a reason otherwise. `autostart` is read once at start-up
and declared read-only, so `ros2 param set` says so instead of silently doing nothing.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from rcl_interfaces.msg import (
    FloatingPointRange,
    IntegerRange,
    ParameterDescriptor,
    ParameterType,
)

FOCAL_SOURCES = ("auto", "camera_info", "estimate", "fixed")
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("fp32", "fp16", "bf16", "auto")
BACKENDS = ("auto", "torch", "onnxruntime", "openvino")
RELIABILITIES = ("best_effort", "reliable")


@dataclass(frozen=True, kw_only=True)
class ParamSpec:
    """One parameter: name, default, description, whether it may change at run time, limits."""

    name: str
    default: Any
    description: str
    dynamic: bool
    choices: tuple[str, ...] = ()
    min_value: float | None = None
    max_value: float | None = None


PARAM_SPECS: tuple[ParamSpec, ...] = (
    # Lifecycle (start-up only).
    ParamSpec(name="autostart", default=True, dynamic=False,
              description="Configure and activate at start-up; false: wait for lifecycle "
              "transitions (change_state)."),
    # Model (start-up only).
    ParamSpec(name="preset", default="", dynamic=False,
              description="Model preset; empty = the shipped default model."),
    ParamSpec(name="checkpoint", default="", dynamic=False,
              description="Checkpoint file (ours, the official depth_pro.pt, or an .onnx file "
              "from sharp-depth export); overrides preset."),
    ParamSpec(name="config", default="", dynamic=False,
              description="JSON model config for a checkpoint of a non-preset size; empty = none."),
    ParamSpec(name="device", default="auto", dynamic=False, choices=DEVICES,
              description="Inference device; cuda falls back to cpu unless require_device."),
    ParamSpec(name="precision", default="fp32", dynamic=False, choices=PRECISIONS,
              description="Network precision; fp16 needs CUDA, bf16 a CPU with native bf16 "
              "(else fp32); auto picks the fastest the hardware runs natively."),
    ParamSpec(name="backend", default="auto", dynamic=False, choices=BACKENDS,
              description="Inference backend; auto: onnxruntime for .onnx checkpoints, else "
              "torch. onnxruntime/openvino convert other checkpoints at configure."),
    ParamSpec(name="require_device", default=False, dynamic=False,
              description="Fail at start-up instead of falling back to cpu / fp32."),
    # Input and QoS (start-up only: subscriptions are created once).
    ParamSpec(name="use_compressed", default=False, dynamic=False,
              description="Subscribe to image/compressed (CompressedImage) instead of image."),
    ParamSpec(name="input_reliability", default="best_effort", dynamic=False,
              choices=RELIABILITIES,
              description="Reliability of the image and camera_info subscriptions (sensor data)."),
    ParamSpec(name="output_reliability", default="reliable", dynamic=False,
              choices=RELIABILITIES,
              description="Reliability of the depth, camera_info and points publishers "
              "(reliable serves both RViz's default reliable and best-effort subscribers)."),
    ParamSpec(name="qos_depth", default=1, dynamic=False, min_value=1, max_value=100,
              description="History depth (keep last) of subscriptions and publishers."),
    ParamSpec(name="max_image_side_px", default=4096, dynamic=False, min_value=16,
              max_value=16384, description="Frames with a longer side are refused."),
    ParamSpec(name="rectify", default=True, dynamic=True,
              description="Undo the lens distortion of CameraInfo D before inference; outputs "
              "then describe the rectified camera (D zero). false for image_rect inputs."),
    # Focal length.
    ParamSpec(name="focal_source", default="auto", dynamic=True, choices=FOCAL_SOURCES,
              description="auto: CameraInfo fx if valid, else estimate; camera_info; estimate; "
              "fixed (fixed_focal_px)."),
    ParamSpec(name="fixed_focal_px", default=0.0, dynamic=True, min_value=0.0, max_value=1e6,
              description="Focal length in pixels of the input image for focal_source fixed."),
    ParamSpec(name="focal_smoothing", default=0.9, dynamic=True, min_value=0.0, max_value=0.99,
              description="Weight of the history in the moving average of the estimated focal "
              "length (0 = raw per-frame estimate)."),
    # Rates and outputs.
    ParamSpec(name="depth_rate_hz", default=0.0, dynamic=True, min_value=0.0, max_value=1000.0,
              description="Cap on depth output rate; 0 = as fast as the network allows."),
    ParamSpec(name="publish_points", default=True, dynamic=True,
              description="Publish the points cloud."),
    ParamSpec(name="points_rate_hz", default=0.0, dynamic=True, min_value=0.0,
              max_value=1000.0, description="Cap on points output rate; 0 = every depth frame."),
    ParamSpec(name="points_stride", default=1, dynamic=True, min_value=1, max_value=64,
              description="Keep every n-th pixel in both directions in the cloud."),
    ParamSpec(name="min_depth", default=0.0, dynamic=True, min_value=0.0, max_value=1e4,
              description="Points nearer than this (metres) are dropped from the cloud."),
    ParamSpec(name="max_depth", default=100.0, dynamic=True, min_value=0.0, max_value=1e4,
              description="Points farther than this (metres) are dropped from the cloud."),
    ParamSpec(name="points_organised", default=True, dynamic=True,
              description="Organised cloud (image grid, NaN for invalid) or dense (valid only)."),
    ParamSpec(name="points_colour", default=True, dynamic=True,
              description="Add the rgb field (packed float32, as depth_image_proc)."),
    ParamSpec(name="diagnostics_period_s", default=1.0, dynamic=False, min_value=0.1,
              max_value=60.0, description="Period of /diagnostics messages."),
)  # fmt: skip
SPECS_BY_NAME: dict[str, ParamSpec] = {spec.name: spec for spec in PARAM_SPECS}
START_UP_ONLY = frozenset({"autostart"})  # read in the constructor, never again


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
        for spec in PARAM_SPECS:
            validate_value(spec, getattr(self, spec.name))
        if not self.min_depth < self.max_depth:
            raise ValueError(
                f"min_depth ({self.min_depth}) must be less than max_depth ({self.max_depth})"
            )
        if self.focal_source == "fixed" and self.fixed_focal_px <= 0:
            raise ValueError("focal_source fixed needs fixed_focal_px > 0, received "
                             f"{self.fixed_focal_px}")  # fmt: skip

    def replace(self, **changes: Any) -> NodeParams:
        """A validated copy with some values changed."""
        return dataclasses.replace(self, **changes)


def validate_value(spec: ParamSpec, value: Any) -> None:
    """Check one value against its spec (type, choices, range).

    Raises:
        ValueError: naming the parameter, the value and what is allowed.
    """
    expected = type(spec.default)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise ValueError(f"{spec.name} must be {expected.__name__}, received {value!r}")
    if spec.choices and value not in spec.choices:
        raise ValueError(f"{spec.name} must be one of {spec.choices}, received {value!r}")
    if expected in (int, float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{spec.name} must be finite, received {value}")
        if not spec.min_value <= value <= spec.max_value:  # type: ignore[operator]
            raise ValueError(
                f"{spec.name} must be in [{spec.min_value}, {spec.max_value}], received {value}"
            )


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


def coerce(spec: ParamSpec, value: Any) -> Any:
    """Accept an integer for a double parameter (YAML `1` for `1.0`)."""
    if isinstance(spec.default, float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


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

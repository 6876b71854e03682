"""The node's parameter table (types, ranges, descriptions, defaults) and its checks, ROS-free.

`parameters.py` builds the node's snapshot and ROS descriptors from it; the bag command, which
runs without ROS, takes its defaults and checks from it too.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from sharp_depth_ros.typed_config import STRICT

FOCAL_SOURCES = ("auto", "camera_info", "estimate", "fixed")
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("fp32", "fp16", "bf16", "int8", "auto")
BACKENDS = ("auto", "torch", "onnxruntime", "openvino")
RELIABILITIES = ("best_effort", "reliable")
EDGE_REFINEMENTS = ("auto", "guided", "none")


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
              "(else fp32), int8 an int8 .onnx checkpoint (auto or int8 run one); auto picks "
              "the fastest the hardware runs natively."),
    ParamSpec(name="backend", default="auto", dynamic=False, choices=BACKENDS,
              description="Inference backend; auto: onnxruntime for .onnx checkpoints, else "
              "torch. onnxruntime/openvino convert other checkpoints at configure."),
    ParamSpec(name="edge_refinement", default="auto", dynamic=False, choices=EDGE_REFINEMENTS,
              description="Sharpen depth steps along the image's edges (colour guided filter, "
              "then each step snapped to one pixel: fewer points between foreground and "
              "background); "
              "auto: on for the convolutional default model, off for the Depth Pro ViT "
              "(the official model keeps its reference output)."),
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
    # Scale from the floor.
    ParamSpec(name="camera_height_m", default=0.0, dynamic=True, min_value=0.0, max_value=100.0,
              description="Height of the camera's optical centre above a flat floor (m); > 0 "
              "rescales each depth map so that the floor it shows lies at this height (needs "
              "camera_pitch_deg to about 2 deg); 0 = off."),
    ParamSpec(name="camera_pitch_deg", default=0.0, dynamic=True, min_value=-90.0,
              max_value=90.0, description="Elevation of the optical axis above the horizon "
              "(positive looks up), for camera_height_m."),
    ParamSpec(name="camera_roll_deg", default=0.0, dynamic=True, min_value=-90.0, max_value=90.0,
              description="Rotation about the optical axis (positive turns the image "
              "clockwise), for camera_height_m."),
    ParamSpec(name="ground_smoothing", default=0.5, dynamic=True, min_value=0.0, max_value=0.99,
              description="Weight of the history in the moving average of the floor's scale "
              "factor (0 = each frame's own); frames that show no floor keep the last factor."),
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


@functools.cache
def _validator(spec: ParamSpec) -> TypeAdapter:
    """The spec as a strict pydantic type: the package's one config library (`typed_config`)."""
    kind = type(spec.default)
    if spec.choices:
        return TypeAdapter(Literal[spec.choices], config=STRICT)
    if kind in (int, float):
        limits = Field(ge=spec.min_value, le=spec.max_value)
        return TypeAdapter(Annotated[kind, limits], config=STRICT)
    return TypeAdapter(kind, config=STRICT)


def _expectation(spec: ParamSpec) -> str:
    kind = type(spec.default)
    if spec.choices:
        return f"one of {spec.choices}"
    if kind is float:
        return f"a finite float in [{spec.min_value}, {spec.max_value}]"
    if kind is int:
        return f"an int in [{spec.min_value}, {spec.max_value}]"
    return f"a {kind.__name__}"


def validate_value(spec: ParamSpec, value: Any) -> None:
    """Check one value against its spec: type, choices, finite range.

    Strict: no bool for an int and no float for an int; an int is accepted as a float.

    Raises:
        ValueError: naming the parameter, what is allowed and the value received.
    """
    try:
        _validator(spec).validate_python(value)
    except ValidationError:
        raise ValueError(f"{spec.name} must be {_expectation(spec)}, received {value!r}") from None


def validate_values(values: Any) -> None:
    """Check every attribute of `values` named like a parameter, and the rules between them.

    `NodeParams` and the bag command's options (the same processing without ROS) both use it.

    Raises:
        ValueError: naming the parameter, the value and what is allowed.
    """
    for spec in PARAM_SPECS:
        if hasattr(values, spec.name):
            validate_value(spec, getattr(values, spec.name))
    if not values.min_depth < values.max_depth:
        raise ValueError(
            f"min_depth ({values.min_depth}) must be less than max_depth ({values.max_depth})"
        )
    if values.focal_source == "fixed" and values.fixed_focal_px <= 0:
        raise ValueError(
            f"focal_source fixed needs fixed_focal_px > 0, received {values.fixed_focal_px}"
        )


def coerce(spec: ParamSpec, value: Any) -> Any:
    """Accept an integer for a double parameter (YAML `1` for `1.0`)."""
    if isinstance(spec.default, float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value

"""Build the node's predictor from its model parameters, with the device fall-back policy."""

from __future__ import annotations

from typing import Protocol

from sharp_depth_ros.inference import DepthPredictor
from sharp_depth_ros.ros.parameters import NodeParams

# What loading a model raises for a bad preset, file, config, device or precision.
MODEL_ERRORS = (ValueError, FileNotFoundError, KeyError, RuntimeError, OSError)


class _HasLogger(Protocol):
    def get_logger(self): ...  # noqa: D102


def resolve_device_and_precision(
    params: NodeParams, node: _HasLogger | None = None
) -> tuple[str, str]:
    """The device and precision to use: CPU/fp32 fall-backs unless `require_device`.

    Raises:
        ValueError: the device or precision cannot be had and `require_device` is true.
    """
    device, precision = params.device, params.precision
    try:
        device = DepthPredictor.resolve_device(device)
    except ValueError as error:
        if params.require_device:
            raise ValueError(f"{error} (require_device is true)") from error
        if node is not None:
            node.get_logger().warning(f"{error}: falling back to cpu")
        device = "cpu"
    if precision == "fp16" and device == "cpu":
        # fp16 on CPU is slower than fp32 there and the predictor refuses it.
        if params.require_device:
            raise ValueError("precision fp16 needs CUDA (require_device is true)")
        if node is not None:
            node.get_logger().warning("precision fp16 needs CUDA: using fp32 on cpu")
        precision = "fp32"
    return device, precision


def load_predictor(params: NodeParams, node: _HasLogger | None = None) -> DepthPredictor:
    """Load the predictor named by `preset` / `checkpoint` / `config`.

    Raises:
        FileNotFoundError: a named file does not exist (the message names it).
        ValueError: a bad checkpoint, config, device or precision; the message names the file.
    """
    device, precision = resolve_device_and_precision(params, node)
    try:
        return DepthPredictor.from_pretrained(
            preset=params.preset or None,
            checkpoint=params.checkpoint or None,
            config=params.config or None,
            device=device,
            precision=precision,
        )
    except MODEL_ERRORS as error:
        message = str(error.args[0]) if isinstance(error, KeyError) else str(error)
        files = [value for value in (params.checkpoint, params.config) if value]
        # Name the file even when the loader's message does not.
        missing = [name for name in files if name not in message]
        where = f" from {', '.join(missing)}" if missing else ""
        raise type(error)(f"cannot load the model{where}: {message}") from error

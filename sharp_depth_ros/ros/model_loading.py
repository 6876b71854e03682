"""Build the node's predictor from its model parameters, with the device fall-back policy."""

from __future__ import annotations

import importlib.util
from typing import Protocol

from sharp_depth_ros.backends.cpu_features import CpuFeatures, cpu_features
from sharp_depth_ros.backends.factory import resolve_backend
from sharp_depth_ros.backends.precision import choose_precision
from sharp_depth_ros.backends.runtime_imports import BackendUnavailableError
from sharp_depth_ros.inference import DepthPredictor
from sharp_depth_ros.ros.parameters import NodeParams

# What loading a model raises for a bad preset, file, config, device or precision.
MODEL_ERRORS = (ValueError, FileNotFoundError, KeyError, RuntimeError, OSError)


class _HasLogger(Protocol):
    def get_logger(self): ...  # noqa: D102


def _warn(node: _HasLogger | None, message: str) -> None:
    if node is not None:
        node.get_logger().warning(message)


def _cpu_precision(
    precision: str, backend: str, params: NodeParams, node: _HasLogger | None
) -> str:
    """fp32 instead of a precision the CPU does not run natively, unless `require_device`.

    The rules are `choose_precision`'s (the predictor's own); `auto` passes unchanged, and so
    does int8 on the ONNX backends: whether the file is int8 is the runner's check.
    """
    if precision == "int8" and backend != "torch":
        return precision
    try:
        choose_precision(precision, backend, "cpu", cpu_features())
    except ValueError as error:
        if params.require_device:
            raise ValueError(f"{error} (require_device is true)") from error
        _warn(node, f"{error}: using fp32 on cpu")
        return "fp32"
    return precision


def resolve_device_and_precision(
    params: NodeParams, node: _HasLogger | None = None
) -> tuple[str, str]:
    """The device and precision to use: CPU/fp32 fall-backs unless `require_device`.

    For onnxruntime the device stays as given: its providers, not torch, decide whether a GPU
    can be used (`load_predictor` falls back to cpu when they cannot).

    Raises:
        ValueError: the device or precision cannot be had and `require_device` is true.
    """
    device, precision = params.device, params.precision
    backend = resolve_backend(params.backend, params.checkpoint or None)
    if backend == "openvino":  # the CPU plugin only (sharp_depth_ros.backends.openvino_runner)
        if device not in ("auto", "cpu"):
            if params.require_device:
                raise ValueError(f"the openvino backend runs on cpu, not {device} (require_device "
                                 "is true)")  # fmt: skip
            _warn(node, f"the openvino backend runs on cpu, not {device}: using cpu")
        return "cpu", _cpu_precision(precision, backend, params, node)
    if backend == "onnxruntime":
        return device, (
            _cpu_precision(precision, backend, params, node) if device == "cpu" else precision
        )
    try:
        device = DepthPredictor.resolve_device(device)
    except ValueError as error:
        if params.require_device:
            raise ValueError(f"{error} (require_device is true)") from error
        _warn(node, f"{error}: falling back to cpu")
        device = "cpu"
    if device == "cpu":
        precision = _cpu_precision(precision, backend, params, node)
    return device, precision


def faster_backend_hint(
    backend: str, device: str, cpu: CpuFeatures, openvino_installed: bool
) -> str | None:
    """A one-line suggestion when torch runs on a CPU where OpenVINO bf16 is much faster.

    Measured (docs/benchmarks.md, ROS node): on 2 AMX cores OpenVINO bf16 doubled the node's
    rate for the default model (14.5 Hz against 6.8 Hz) with the depth within 1 % of fp32.
    None where the suggestion would not hold: another backend, a GPU, no native bf16, or no
    OpenVINO installed.
    """
    if backend != "torch" or device != "cpu" or not cpu.native_bf16 or not openvino_installed:
        return None
    return (
        f"this CPU runs bf16 natively ({cpu.summary()}): backend:=openvino precision:=auto "
        "runs the network about twice as fast, depth within 1 % of fp32"
    )


def _from_pretrained(params: NodeParams, device: str, precision: str) -> DepthPredictor:
    return DepthPredictor.from_pretrained(
        preset=params.preset or None,
        checkpoint=params.checkpoint or None,
        config=params.config or None,
        device=device,
        precision=precision,
        backend=params.backend,
        edge_refinement=params.edge_refinement,
    )


def load_predictor(params: NodeParams, node: _HasLogger | None = None) -> DepthPredictor:
    """Load the predictor named by `preset` / `checkpoint` / `config` on `backend`.

    Raises:
        FileNotFoundError: a named file does not exist (the message names it).
        ValueError: a bad checkpoint, config, device, precision or backend (a missing runtime
            names its pip package); the message names the file.
    """
    device, precision = resolve_device_and_precision(params, node)
    backend = resolve_backend(params.backend, params.checkpoint or None)
    hint = faster_backend_hint(
        backend, device, cpu_features(), importlib.util.find_spec("openvino") is not None
    )
    if hint is not None and node is not None:
        node.get_logger().info(hint)
    try:
        try:
            return _from_pretrained(params, device, precision)
        except BackendUnavailableError as error:
            # A missing GPU provider: run on the CPU instead, as for torch without CUDA.
            if (
                params.require_device
                or device == "cpu"
                or "pip install onnxruntime-gpu" not in str(error)
            ):
                raise
            _warn(node, f"{error}: falling back to cpu")
            cpu_params = params.replace(device="cpu")
            device, precision = resolve_device_and_precision(cpu_params, node)
            return _from_pretrained(cpu_params, device, precision)
    except MODEL_ERRORS as error:
        message = str(error.args[0]) if isinstance(error, KeyError) else str(error)
        files = [value for value in (params.checkpoint, params.config) if value]
        # Name the file even when the loader's message does not.
        missing = [name for name in files if name not in message]
        where = f" from {', '.join(missing)}" if missing else ""
        raise type(error)(f"cannot load the model{where}: {message}") from error

"""Pick a backend for a checkpoint and open ONNX files on it."""

from __future__ import annotations

from pathlib import Path

from sharp_depth_ros.backends import BACKENDS, ONNX_SUFFIX
from sharp_depth_ros.backends.runner import NetworkRunner

BACKEND_CHOICES = ("auto", *BACKENDS)


def is_onnx_file(path: str | Path | None) -> bool:
    """True for a path named *.onnx (exported by `sharp-depth export`)."""
    return path is not None and Path(path).suffix.lower() == ONNX_SUFFIX


def stored_precision(checkpoint: str | Path | None) -> str:
    """The precision an .onnx file was exported in (fp32, fp16, int8); fp32 for other files.

    Raises:
        FileNotFoundError, ValueError: an .onnx file that is missing or not ours.
    """
    if not is_onnx_file(checkpoint):
        return "fp32"
    from sharp_depth_ros.backends.onnx_export import read_onnx_info

    return read_onnx_info(checkpoint).precision


def resolve_backend(backend: str, checkpoint: str | Path | None) -> str:
    """`auto` -> onnxruntime for an .onnx checkpoint, torch otherwise.

    Raises:
        ValueError: an unknown backend, or torch asked to run an ONNX file.
    """
    if backend not in BACKEND_CHOICES:
        raise ValueError(f"backend must be one of {BACKEND_CHOICES}, got {backend!r}")
    if backend == "auto":
        return "onnxruntime" if is_onnx_file(checkpoint) else "torch"
    if backend == "torch" and is_onnx_file(checkpoint):
        raise ValueError(
            f"{checkpoint} is an ONNX file: run it with backend onnxruntime or openvino"
        )
    return backend


def open_onnx(
    backend: str, path: str | Path, device: str, precision: str, threads: int | None = None
) -> NetworkRunner:
    """Open an exported ONNX file on onnxruntime or openvino.

    `threads` sets the runtime's CPU threads (None: its default, one per physical core).

    Raises:
        BackendUnavailableError: the runtime or provider is missing (names the pip package).
        FileNotFoundError: missing file.
        ValueError: bad file, device or precision.
    """
    if backend == "onnxruntime":
        from sharp_depth_ros.backends.onnxruntime_runner import OnnxRuntimeRunner

        return OnnxRuntimeRunner(path, device=device, precision=precision, threads=threads)
    if backend == "openvino":
        from sharp_depth_ros.backends.openvino_runner import OpenVinoRunner

        return OpenVinoRunner(path, device=device, precision=precision, threads=threads)
    raise ValueError(f"backend {backend!r} does not run ONNX files; use onnxruntime or openvino")

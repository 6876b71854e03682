"""The onnxruntime backend: CPU, CUDA or TensorRT execution providers."""

from __future__ import annotations

import logging
from pathlib import Path
from types import ModuleType

import torch

from sharp_depth_ros.backends.onnx_export import DEPTH_OUTPUT, FOV_OUTPUT, INPUT_NAME
from sharp_depth_ros.backends.onnx_file_runner import OnnxFileRunner
from sharp_depth_ros.backends.precision import PRECISION_CHOICES, onnx_file_precision
from sharp_depth_ros.backends.runtime_imports import BackendUnavailableError

LOGGER = logging.getLogger(__name__)

CPU_PROVIDER = "CPUExecutionProvider"
CUDA_PROVIDER = "CUDAExecutionProvider"
TENSORRT_PROVIDER = "TensorrtExecutionProvider"
GPU_PACKAGE = "onnxruntime-gpu"


def choose_providers(device: str, available: list[str]) -> list[str]:
    """Execution providers for a device: TensorRT, then CUDA, on GPUs; CPU always last.

    Args:
        device: auto, cpu, cuda or cuda:N (auto: the GPU providers if any exist, else CPU).
        available: `onnxruntime.get_available_providers()`.

    Raises:
        BackendUnavailableError: a GPU was asked for and no GPU provider exists.
        ValueError: an unknown device name.
    """
    gpu = [name for name in (TENSORRT_PROVIDER, CUDA_PROVIDER) if name in available]
    if device == "cpu" or (device == "auto" and not gpu):
        return [CPU_PROVIDER]
    if device not in ("auto", "cuda") and not device.startswith("cuda:"):
        raise ValueError(f"device must be auto, cpu, cuda or cuda:N, got {device!r}")
    if not gpu:
        raise BackendUnavailableError(
            f"onnxruntime has no CUDA or TensorRT execution provider here (available: "
            f"{', '.join(available)}): pip install {GPU_PACKAGE}, or use device cpu"
        )
    return [*gpu, CPU_PROVIDER]


def _with_options(providers: list[str], device: str, precision: str) -> list[str | tuple]:
    """Attach the device id, and TensorRT's precision and engine cache."""
    device_id = int(device.split(":", 1)[1]) if device.startswith("cuda:") else 0
    options = {
        TENSORRT_PROVIDER: {
            "device_id": device_id,
            "trt_fp16_enable": precision == "fp16",
            # Engines for depth-pro take minutes to build: keep them between runs.
            "trt_engine_cache_enable": True,
            "trt_engine_cache_path": str(Path.home() / ".cache" / "sharp_depth_trt"),
        },
        CUDA_PROVIDER: {"device_id": device_id},
    }
    return [(name, options[name]) if name in options else name for name in providers]


def _resolve_precision(requested: str, file_precision: str, on_gpu: bool, tensorrt: bool) -> str:
    """The precision the session runs in; fp16 needs a GPU, bf16 has no kernels, int8 a file.

    Raises:
        ValueError: a precision this file and provider cannot run.
    """
    if requested not in PRECISION_CHOICES:
        raise ValueError(f"precision must be one of {PRECISION_CHOICES}, got {requested!r}")
    int8 = onnx_file_precision(requested, file_precision, on_gpu)
    if int8 is not None:
        return int8.precision
    if requested == "bf16":
        raise ValueError(
            "onnxruntime has no bf16 kernels; use --backend openvino or torch for bf16, "
            "or precision fp32"
        )
    if not on_gpu:
        if file_precision != "fp32" or requested == "fp16":
            raise ValueError(
                "onnxruntime on CPU runs fp32 files only (no fp16 CPU kernels): export with "
                "--precision fp32 and run with precision fp32 or auto"
            )
        return "fp32"
    if tensorrt:  # TensorRT builds fp16 engines from an fp32 file too
        return "fp16" if requested in ("auto", "fp16") else file_precision
    if requested in ("fp16", "fp32") and requested != file_precision:
        raise ValueError(
            f"this ONNX file is {file_precision}; the CUDA provider runs it as stored: export "
            f"with --precision {requested}"
        )
    return file_precision


class OnnxRuntimeRunner(OnnxFileRunner):
    """Runs an exported ONNX file in an onnxruntime session (see `NetworkRunner`)."""

    backend = "onnxruntime"

    def _open(
        self, ort: ModuleType, path: str | Path, device: str, precision: str, threads: int | None
    ) -> None:
        """Open a session on the providers `device` selects (threads: intra-op threads)."""
        names = choose_providers(device, ort.get_available_providers())
        on_gpu, tensorrt = names[0] != CPU_PROVIDER, names[0] == TENSORRT_PROVIDER
        self.precision = _resolve_precision(precision, self.info.precision, on_gpu, tensorrt)
        providers = _with_options(names, device, self.precision)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # warnings about CPU fall-back nodes are expected
        # No busy-waiting between frames: it would steal the cores from the node's other work
        # (measured: torch beside a spinning session ran 4x slower on 2 cores).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if threads is not None:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(path), options, providers=providers)
        used = self.session.get_providers()
        self.description = f"onnxruntime {ort.__version__} ({', '.join(used)}), {self.precision}"
        LOGGER.info("%s from %s", self.description, path)

    def run(self, images: torch.Tensor, run_fov: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
        """See `NetworkRunner.run`; fetching only the depth skips the FOV branch."""
        want_fov = run_fov and self.has_focal_head
        outputs = [DEPTH_OUTPUT, FOV_OUTPUT] if want_fov else [DEPTH_OUTPUT]
        results = self.session.run(outputs, {INPUT_NAME: images.contiguous().numpy()})
        fov = torch.from_numpy(results[1]) if want_fov else None
        return torch.from_numpy(results[0]), fov

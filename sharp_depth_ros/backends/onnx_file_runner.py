"""What the runners of exported ONNX files share: the runtime import, the file's metadata."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import torch

from sharp_depth_ros.backends.onnx_export import read_onnx_info
from sharp_depth_ros.backends.runtime_imports import import_runtime


class OnnxFileRunner:
    """Base of the `NetworkRunner`s for ONNX files from `export_onnx` (onnxruntime, openvino).

    Pre- and post-processing stay on the CPU: numpy crosses into the runtime. A subclass names
    its `backend` (also the runtime's module name) and opens the file in `_open`.
    """

    backend: str
    precision: str
    description: str

    def __init__(
        self,
        path: str | Path,
        device: str = "auto",
        precision: str = "fp32",
        threads: int | None = None,
    ) -> None:
        """Open the file on the backend's runtime.

        Args:
            path: an ONNX file from `export_onnx`.
            device: auto, cpu, cuda or cuda:N (openvino: auto or cpu).
            precision: auto, fp32, fp16 (onnxruntime on a GPU) or bf16 (openvino on CPUs with
                native bf16).
            threads: CPU threads of the runtime; None: its default, one per physical core.

        Raises:
            BackendUnavailableError: the runtime or the execution provider it needs is missing.
            FileNotFoundError: missing file.
            ValueError: a file without our metadata, or an unsupported device or precision.
        """
        runtime = import_runtime(self.backend)
        self.info = read_onnx_info(path)
        self.input_device = torch.device("cpu")
        self.network_resolution = self.info.network_resolution
        self.has_focal_head = self.info.has_fov_head
        self._open(runtime, path, device, precision, threads)

    def _open(
        self, module: ModuleType, path: str | Path, device: str, precision: str, threads: int | None
    ) -> None:
        """Load the file for `run` with the runtime `module`; set `precision` and `description`."""
        raise NotImplementedError

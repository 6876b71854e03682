"""The openvino backend: an ONNX file compiled for the CPU."""

from __future__ import annotations

import logging
from pathlib import Path
from types import ModuleType

import torch

from sharp_depth_ros.backends.onnx_file_runner import OnnxFileRunner
from sharp_depth_ros.backends.precision import choose_precision, onnx_file_precision
from sharp_depth_ros.backends.runtime_imports import import_runtime

LOGGER = logging.getLogger(__name__)

# OpenVINO's CPU plugin defaults to bf16 on CPUs with AMX: always say which one we want.
# An int8 file's quantised nodes run in int8, the rest (stems, head) in f32.
INFERENCE_PRECISION = {"fp32": "f32", "bf16": "bf16", "int8": "f32"}


class OpenVinoRunner(OnnxFileRunner):
    """Runs an exported ONNX file with OpenVINO on the CPU (see `NetworkRunner`)."""

    backend = "openvino"

    def _open(
        self, ov: ModuleType, path: str | Path, device: str, precision: str, threads: int | None
    ) -> None:
        """Read and compile the model for the CPU (threads: None is OpenVINO's default).

        Raises:
            ValueError: a device other than cpu/auto, or a precision the CPU does not run
                natively.
        """
        if device not in ("auto", "cpu"):
            raise ValueError(
                f"the openvino backend runs on cpu here, got device {device!r}; use onnxruntime "
                "or torch for CUDA"
            )
        choice = onnx_file_precision(precision, self.info.precision, on_gpu=False)
        choice = choice or choose_precision(precision, self.backend, "cpu")
        self.precision = choice.precision
        core = ov.Core()
        model = core.read_model(str(path))
        config = {
            "INFERENCE_PRECISION_HINT": INFERENCE_PRECISION[self.precision],
            "PERFORMANCE_HINT": "LATENCY",
        }
        if threads is not None:
            config["INFERENCE_NUM_THREADS"] = threads
        self._core, self._model, self._config = core, model, config
        self._compiled = core.compile_model(model, "CPU", config)
        self._compiled_depth_only = None if self.has_focal_head else self._compiled
        self.description = f"openvino {ov.__version__} (CPU), {self.precision}"
        LOGGER.info("%s from %s (precision: %s)", self.description, path, choice.reason)

    def _depth_only(self):
        """A compiled copy without the FOV branch (OpenVINO runs every output it compiled)."""
        if self._compiled_depth_only is None:
            ov = import_runtime("openvino")
            depth = self._model.get_results()[0]
            model = ov.Model([depth], self._model.get_parameters(), "depth_only")
            self._compiled_depth_only = self._core.compile_model(model, "CPU", self._config)
        return self._compiled_depth_only

    def run(self, images: torch.Tensor, run_fov: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
        """See `NetworkRunner.run`."""
        want_fov = run_fov and self.has_focal_head
        compiled = self._compiled if want_fov else self._depth_only()
        results = compiled(images.contiguous().numpy())
        depth = torch.from_numpy(results[compiled.output(0)].copy())
        fov = torch.from_numpy(results[compiled.output(1)].copy()) if want_fov else None
        return depth, fov

"""The predictor: image in, metric depth out. The CLI and the ROS node both call it."""

from __future__ import annotations

import json
import logging
import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from sharp_depth_ros.backends.factory import (
    is_onnx_file,
    open_onnx,
    resolve_backend,
    stored_precision,
)
from sharp_depth_ros.backends.onnx_export import export_onnx
from sharp_depth_ros.backends.runner import NetworkRunner
from sharp_depth_ros.checkpoints.bundled import DEFAULT_MODEL_NAME, bundled_checkpoint
from sharp_depth_ros.checkpoints.formats import load_checkpoint
from sharp_depth_ros.config import ConvDepthConfig, NetworkConfig, network_config_from_json
from sharp_depth_ros.inference.devices import resolve_device
from sharp_depth_ros.inference.edge_refinement import MODES as EDGE_REFINEMENT_MODES
from sharp_depth_ros.inference.edge_refinement import refine_depth
from sharp_depth_ros.inference.prediction import DepthPrediction, FocalSource
from sharp_depth_ros.inference.torch_runner import TorchRunner
from sharp_depth_ros.model.presets import DepthNetwork, build_network, get_preset
from sharp_depth_ros.pinhole import (
    focal_px_to_fov_deg,
    focal_ratio_from_fov,
    span_over_width,
    validate_focal_px,
)

LOGGER = logging.getLogger(__name__)
# Reference infer(): inverse depth is clamped to [1e-4, 1e4] 1/m before inversion.
MIN_INVERSE_DEPTH = 1e-4
MAX_INVERSE_DEPTH = 1e4


def image_to_unit_float(image: np.ndarray) -> np.ndarray:
    """Validate an (H, W, 3) RGB image and scale it to float32 in [0, 1].

    uint8 is divided by 255 and uint16 by 65535 (the reference feeds 16-bit values unscaled,
    which gives garbage); float input must already lie in [0, 1].

    Raises:
        ValueError: wrong shape, empty image, unsupported dtype or out-of-range floats.
    """
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3:
        shape = getattr(image, "shape", None)
        raise ValueError(f"expected an RGB image of shape (H, W, 3), got {shape}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"expected a non-empty image, got shape {image.shape}")
    if image.dtype == np.uint8:
        return image.astype(np.float32) / 255.0
    if image.dtype == np.uint16:
        return image.astype(np.float32) / 65535.0
    if image.dtype in (np.float32, np.float64):
        if not np.isfinite(image).all() or image.min() < 0 or image.max() > 1:
            raise ValueError("float images must be finite and lie in [0, 1]")
        return image.astype(np.float32)
    raise ValueError(f"expected uint8, uint16 or float image data, got {image.dtype}")


class DepthPredictor:
    """Runs a depth network on single images and converts its output to metric depth (§3.2).

    The network body runs on a backend (`torch`, `onnxruntime` or `openvino`); resizing,
    normalisation, the focal policy and the metric conversion are the same for every backend.
    """

    def __init__(
        self,
        model: DepthNetwork | NetworkRunner,
        device: str = "auto",
        precision: str = "fp32",
        edge_refinement: str = "auto",
        **torch_options: Any,
    ) -> None:
        """Wrap a network, or a backend runner that already holds one.

        Args:
            model: the network, `DepthPro` or `ConvDepthPro` (run by `TorchRunner`, moved to
                `device`, eval mode), or a `NetworkRunner` (e.g. `OnnxRuntimeRunner`; the other
                arguments must then keep their defaults).
            device: auto, cpu, cuda or cuda:N.
            precision: auto (the fastest precision the hardware runs natively), fp32, bf16
                (CPUs with avx512_bf16 or AMX, and CUDA) or fp16 (CUDA only).
            edge_refinement: guided (the depth is refined along the image's edges,
                `edge_refinement.refine_depth`), none, or auto: guided for the convolutional
                networks (`sharp-small`, whose coarse output smears depth steps), none for the
                Depth Pro ViT (the official model keeps its reference output).
            **torch_options: `TorchRunner`'s further arguments (patch_micro_batch,
                compile_network, reduced_pyramid).

        Raises:
            ValueError: unavailable device, a precision the hardware does not run natively, or
                a pyramid option the network does not have, or an unknown edge_refinement.
        """
        if edge_refinement not in EDGE_REFINEMENT_MODES:
            raise ValueError(
                f"edge_refinement must be one of {', '.join(EDGE_REFINEMENT_MODES)}, "
                f"got {edge_refinement!r}"
            )
        if isinstance(model, nn.Module):
            model = TorchRunner(model, device=device, precision=precision, **torch_options)
        elif torch_options:
            raise ValueError(f"{', '.join(torch_options)} need the torch backend")
        self.runner: NetworkRunner = model
        self.device = model.input_device
        self.precision = model.precision
        self.backend = model.backend
        # What the FOV head's angle spans: the width, or sqrt(W H) (ConvDepthConfig.fov_span).
        self._fov_span: str = getattr(_network_config(model), "fov_span", "width")
        if edge_refinement == "auto":
            convolutional = isinstance(_network_config(model), ConvDepthConfig)
            edge_refinement = "guided" if convolutional else "none"
        self.edge_refinement = edge_refinement

    @property
    def model(self) -> DepthNetwork | None:
        """The torch module (torch backend), else None."""
        return getattr(self.runner, "model", None)

    def warmup(self, image_shape: tuple[int, int] = (480, 640)) -> None:
        """Run once on a blank image so the first real frame is not slow (allocations, kernels)."""
        blank = np.zeros((*image_shape, 3), dtype=np.uint8)
        self.predict(blank)  # also exercises the FOV head

    @property
    def network_resolution(self) -> int:
        """Side of the square network input."""
        return self.runner.network_resolution

    @property
    def has_focal_head(self) -> bool:
        """Whether the network can estimate the focal length."""
        return self.runner.has_focal_head

    @staticmethod
    def resolve_device(name: str) -> str:
        """Resolve auto/cpu/cuda to a device string, or raise ValueError."""
        return str(resolve_device(name))

    @classmethod
    def from_pretrained(
        cls,
        preset: str | None = None,
        checkpoint: str | Path | None = None,
        config: str | Path | None = None,
        device: str = "auto",
        precision: str | None = None,
        backend: str = "auto",
        **options: Any,
    ) -> DepthPredictor:
        """Build a predictor from a checkpoint, a preset, or the shipped default model.

        Args:
            preset: preset name; its shipped weights are used if the package has them, random
                weights otherwise (for tests and benchmarks; a warning says so).
            checkpoint: a checkpoint file (ours or the official format), or an ONNX file from
                `sharp-depth export` (it carries its config).
            config: a JSON config file (ours or the reference fixture format), for official
                checkpoints of a non-default size or for a random-weight network.
            device: auto, cpu, cuda or cuda:N.
            precision: auto, fp32, bf16, fp16 (CUDA only) or int8 (an int8 .onnx file);
                None: fp32, or the precision an .onnx file was exported in.
            backend: auto (onnxruntime for .onnx files, else torch), torch, onnxruntime or
                openvino; a torch checkpoint on onnxruntime/openvino is exported on the fly.
            **options: further `DepthPredictor` arguments (edge_refinement; patch_micro_batch,
                compile_network and reduced_pyramid: torch only).

        Raises:
            FileNotFoundError: a named file does not exist.
            ValueError: a bad config, checkpoint, device, precision or backend (CheckpointError
                and BackendUnavailableError included).
        """
        backend = resolve_backend(backend, checkpoint)
        precision = precision or stored_precision(checkpoint)
        if is_onnx_file(checkpoint):
            if config is not None or preset is not None:
                raise ValueError(f"{checkpoint} carries its config: drop --config and --preset")
            runner = open_onnx(backend, checkpoint, device, precision)  # type: ignore[arg-type]
            return cls(runner, **options)
        model = load_network(preset, checkpoint, config)
        if backend == "torch":
            return cls(model, device=device, precision=precision, **options)
        with tempfile.TemporaryDirectory(prefix="sharp_depth_onnx_") as folder:
            # fp16 weights for the CUDA provider (TensorRT builds fp16 engines from either).
            stored = "fp16" if precision == "fp16" else "fp32"
            exported = export_onnx(
                model, Path(folder) / "model.onnx", precision=stored, preset=preset or ""
            )
            runner = open_onnx(backend, exported, device, precision)
        return cls(runner, **options)

    def network_input(self, image: np.ndarray) -> torch.Tensor:
        """(H, W, 3) image -> (1, 3, S, S) in [-1, 1] at network resolution."""
        unit = torch.from_numpy(image_to_unit_float(image)).to(self.device)
        tensor = (unit.permute(2, 0, 1)[None] - 0.5) / 0.5
        size = self.network_resolution
        if tensor.shape[-2:] != (size, size):
            # As the reference: bilinear, align_corners=False, no antialias, aspect not kept.
            tensor = F.interpolate(tensor, size=(size, size), mode="bilinear", align_corners=False)
        return tensor

    @torch.inference_mode()
    def predict(self, image: np.ndarray, focal_px: float | None = None) -> DepthPrediction:
        """Predict metric depth for one RGB image.

        Args:
            image: (H, W, 3) uint8, uint16 or float in [0, 1].
            focal_px: the camera's horizontal focal length in pixels of this image; when None the
                FOV head estimates it (and it only runs then).

        Returns:
            A `DepthPrediction` at the input's size.

        Raises:
            ValueError: bad image, bad focal length, or no focal length and no FOV head.
        """
        if focal_px is not None:
            focal_px = validate_focal_px(focal_px)
        elif not self.has_focal_head:
            raise ValueError("this network has no focal-length head: pass focal_px")
        height, width = image.shape[:2] if isinstance(image, np.ndarray) else (0, 0)
        network_input = self.network_input(image)
        canonical, fov = self.runner.run(network_input, run_fov=focal_px is None)
        if focal_px is None:
            # Reference infer(): f = 0.5 W / tan(FOV / 2) in float32, W the ORIGINAL width.
            assert fov is not None
            if not 0.0 < float(fov[0]) < 180.0:
                # An unconstrained regression output outside (0, 180) deg has no focal length:
                # report it and return NaN depth rather than a clamped, meaningless map.
                LOGGER.warning("focal head estimated an impossible FOV of %.3f deg", float(fov[0]))
                fov = torch.full_like(fov, torch.nan)
            # A head whose angle spans sqrt(W H) (`fov_span`) needs the aspect it cannot see.
            aspect = torch.full_like(fov, width / height if height else 1.0)
            span = span_over_width(self._fov_span, aspect)
            focal_tensor = width * focal_ratio_from_fov(fov) * span
            estimated_focal = float(focal_tensor[0])
            inverse_depth = canonical * (width / focal_tensor).view(-1, 1, 1, 1)
            source = FocalSource.ESTIMATED
            used_focal = estimated_focal
        else:
            # §3.2: D = f_px / (w C)  <=>  inverse depth = C w / f_px.
            inverse_depth = canonical * (width / focal_px)
            source = FocalSource.GIVEN
            used_focal = focal_px
        if inverse_depth.shape[-2:] != (height, width):
            inverse_depth = F.interpolate(
                inverse_depth, size=(height, width), mode="bilinear", align_corners=False
            )
        depth = 1.0 / inverse_depth.clamp(MIN_INVERSE_DEPTH, MAX_INVERSE_DEPTH)
        depth = torch.where(torch.isfinite(inverse_depth), depth, torch.nan)
        depth_m = depth[0, 0].cpu().numpy()
        if self.edge_refinement == "guided":
            refined = refine_depth(image_to_unit_float(image), depth_m)
            # The filter may overshoot a step slightly: keep the documented range.
            depth_m = np.clip(refined, 1.0 / MAX_INVERSE_DEPTH, 1.0 / MIN_INVERSE_DEPTH)
        fov_deg = focal_px_to_fov_deg(used_focal, width) if math.isfinite(used_focal) else math.nan
        return DepthPrediction(
            depth_m=depth_m,
            focal_px=used_focal,
            focal_source=source,
            fov_deg=fov_deg,
            canonical_inverse_depth=canonical[0, 0].cpu().numpy(),
        )


def _network_config(model: NetworkRunner) -> NetworkConfig | None:
    """The config of the network a runner holds (torch module or exported ONNX file)."""
    network = getattr(model, "model", None)
    if network is not None:
        return getattr(network, "config", None)
    info = getattr(model, "info", None)
    return getattr(info, "config", None)


def load_network(
    preset: str | None = None,
    checkpoint: str | Path | None = None,
    config: str | Path | None = None,
) -> DepthNetwork:
    """The network a checkpoint, a preset or the shipped default describes (torch, CPU).

    Raises:
        FileNotFoundError: a named file does not exist.
        KeyError: an unknown preset.
        ValueError: a bad config or checkpoint.
    """
    model_config = load_config_file(config) if config is not None else None
    if checkpoint is None and preset is None and model_config is None:
        preset = DEFAULT_MODEL_NAME
    if checkpoint is None and preset is not None:
        checkpoint = bundled_checkpoint(preset)
        if checkpoint is None and preset == DEFAULT_MODEL_NAME:
            raise FileNotFoundError(
                f"the default model {DEFAULT_MODEL_NAME!r} is not installed with this package; "
                "pass a preset or a checkpoint"
            )
    if checkpoint is not None:
        model = load_checkpoint(checkpoint, config=model_config, preset=preset).model
    else:
        model_config = model_config or get_preset(preset)  # type: ignore[arg-type]
        LOGGER.warning(
            "no weights for %s: using RANDOM weights (outputs are meaningless)",
            preset or "the given config",
        )
        model = build_network(model_config)
    return model


def load_config_file(path: str | Path) -> NetworkConfig:
    """Read a JSON model config (ours, with an optional `architecture` key, or the reference's).

    Raises:
        FileNotFoundError: missing file.
        ValueError: not JSON, or not a valid config.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config {path} does not exist")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"config {path} is not valid JSON: {error}") from error
    try:
        return network_config_from_json(data)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"config {path} is not a valid model config: {error}") from error

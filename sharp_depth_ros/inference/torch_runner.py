"""The torch backend: the module itself, eager or `torch.compile`d, with autocast."""

from __future__ import annotations

import logging

import torch

from sharp_depth_ros.backends.precision import choose_precision
from sharp_depth_ros.inference.devices import PRECISIONS, autocast_for, resolve_device
from sharp_depth_ros.model.presets import DepthNetwork

LOGGER = logging.getLogger(__name__)


class TorchRunner:
    """Runs a `DepthPro` or `ConvDepthPro` module (see `NetworkRunner`)."""

    backend = "torch"

    def __init__(
        self,
        model: DepthNetwork,
        device: str = "auto",
        precision: str = "fp32",
        patch_micro_batch: int | None = None,
        compile_network: bool = False,
        reduced_pyramid: bool = False,
    ) -> None:
        """Move the module to `device` in eval mode.

        Args:
            model: the network.
            device: auto, cpu, cuda or cuda:N.
            precision: auto (the fastest precision the hardware runs natively), fp32, bf16
                (CPUs with avx512_bf16 or AMX, and CUDA) or fp16 (CUDA only).
            patch_micro_batch: run the 35 pyramid patches through the patch ViT this many at a
                time (bounds activation memory, e.g. for 8 GB GPUs); None runs them in one batch.
                ViT Depth Pro only.
            compile_network: `torch.compile` the network (static shapes); the first call is slow.
            reduced_pyramid: skip the finest pyramid level (10 patch-ViT passes instead of 35)
                for navigation rates; the finest level carries the sharpest edges, so boundaries
                get softer (not yet measured). ViT Depth Pro only.

        Raises:
            ValueError: unavailable device, a precision the hardware does not run natively, or
                a pyramid option the network does not have.
        """
        self.input_device = resolve_device(device)
        choice = choose_precision(precision, self.backend, self.input_device.type)
        self.precision = choice.precision
        self.compute_dtype = PRECISIONS[choice.precision]
        # Channels-last convolutions: 1.57x faster decoder + head on this project's AVX2 CPU
        # (docs/benchmarks.md), and the layout tensor cores want on CUDA. The ViT token grids
        # are already NHWC in memory, so the encoder's projections get it for free.
        self.model = model.to(self.input_device, memory_format=torch.channels_last).eval()
        if patch_micro_batch is not None and patch_micro_batch < 1:
            raise ValueError(f"patch_micro_batch must be >= 1 or None, got {patch_micro_batch}")
        self.model.set_inference_options(
            patch_micro_batch=patch_micro_batch, reduced_pyramid=reduced_pyramid
        )
        self.compiled = compile_network
        self.network = torch.compile(self.model, dynamic=False) if compile_network else self.model
        self.network_resolution = self.model.network_resolution
        self.has_focal_head = self.model.fov is not None
        compiled = ", compiled" if compile_network else ""
        self.description = f"torch on {self.input_device}, {self.precision}{compiled}"
        LOGGER.info("%s (precision: %s)", self.description, choice.reason)

    def run(self, images: torch.Tensor, run_fov: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
        """See `NetworkRunner.run`."""
        with autocast_for(self.input_device, self.compute_dtype):
            output = self.network(images, run_fov=run_fov)
        fov = output.fov_deg.float() if output.fov_deg is not None else None
        return output.canonical_inverse_depth.float(), fov

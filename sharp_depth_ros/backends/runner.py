"""The interface every backend implements for `DepthPredictor`."""

from __future__ import annotations

from typing import Protocol

import torch


class NetworkRunner(Protocol):
    """Runs the network body: normalised image in, canonical inverse depth and FOV out.

    Attributes:
        backend: torch, onnxruntime or openvino.
        precision: the precision it runs in (fp32, bf16 or fp16).
        input_device: where `DepthPredictor` prepares the input and post-processes the output.
        network_resolution: side S of the square network input.
        has_focal_head: whether `run` can return a FOV.
        description: one line for logs (provider, device, precision).
    """

    backend: str
    precision: str
    input_device: torch.device
    network_resolution: int
    has_focal_head: bool
    description: str

    def run(self, images: torch.Tensor, run_fov: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(1, 3, S, S) float32 in [-1, 1] -> ((1, 1, S, S) float32, (1,) FOV in deg or None)."""
        ...

"""Depth Pro: composition of encoder, decoder, depth head and FOV head.

Besides `forward`, the small interface that the predictor and the trainer use on any network:
`encoder_modules`, `set_inference_options` and `init_output_biases` (as `ConvDepthPro`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from sharp_depth_ros.config import DepthProConfig
from sharp_depth_ros.model.decoder import MultiResolutionDecoder, create_depth_head
from sharp_depth_ros.model.encoder import MultiResolutionEncoder
from sharp_depth_ros.model.fov import FovHead


@dataclass(frozen=True)
class DepthProOutput:
    """Network output at network resolution.

    Attributes:
        canonical_inverse_depth: (B, 1, S, S), non-negative.
        fov_deg: (B,) horizontal field of view in degrees, or None when the FOV head did not run.
    """

    canonical_inverse_depth: torch.Tensor
    fov_deg: torch.Tensor | None


def check_network_input(images: torch.Tensor, size: int) -> None:
    """Refuse anything but a (B, 3, size, size) batch.

    Raises:
        ValueError: naming the expected and the received shape.
    """
    if images.ndim != 4 or images.shape[1] != 3 or images.shape[-2:] != (size, size):
        raise ValueError(
            f"expected images of shape (B, 3, {size}, {size}), got {tuple(images.shape)}"
        )


class DepthPro(nn.Module):
    """The Depth Pro network. Module names match the official checkpoint's keys."""

    def __init__(self, config: DepthProConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = MultiResolutionEncoder(config)
        self.decoder = MultiResolutionDecoder(config.decoder_dims, config.decoder_features)
        self.head = create_depth_head(config.decoder_features, config.head_last_dims)
        self.fov = (
            FovHead(
                config.decoder_features,
                config.fov_encoder,
                grid_size=config.patch_encoder.grid_size,
            )
            if config.use_fov_head
            else None
        )

    @property
    def network_resolution(self) -> int:
        """Side of the square input the network expects (1536 for the official model)."""
        return self.config.network_resolution

    def encoder_modules(self) -> list[nn.Module]:
        """The ViT backbones (patch, image and FOV encoders): they take the encoder learning rate.

        The FOV encoder's projection (a new Linear after its ViT) is not among them.
        """
        modules: list[nn.Module] = [self.encoder.patch_encoder, self.encoder.image_encoder]
        if self.fov is not None and self.fov.encoder is not None:
            modules.append(self.fov.encoder[0])
        return modules

    def set_inference_options(
        self, patch_micro_batch: int | None = None, reduced_pyramid: bool = False
    ) -> None:
        """Set the pyramid's run-time options (see `DepthPredictor`).

        Args:
            patch_micro_batch: patches per patch-ViT call; None runs them all in one batch.
            reduced_pyramid: skip the finest pyramid level (10 patch-ViT passes instead of 35).
        """
        self.encoder.patch_micro_batch = patch_micro_batch
        self.encoder.reduced_pyramid = reduced_pyramid

    @torch.no_grad()
    def init_output_biases(self, inverse_depth: float, fov_deg: float) -> None:
        """Start the depth head's last bias at `inverse_depth` and the FOV head's at `fov_deg`."""
        self.head[4].bias.fill_(inverse_depth)
        if self.fov is not None:
            self.fov.head[-1].bias.fill_(fov_deg)

    def forward(self, images: torch.Tensor, run_fov: bool = True) -> DepthProOutput:
        """Predict canonical inverse depth (and the FOV) from normalised images.

        Args:
            images: (B, 3, S, S) in [-1, 1], S = `network_resolution`.
            run_fov: run the FOV head (skip it when the focal length is known: it costs a ViT).

        Returns:
            A `DepthProOutput`.

        Raises:
            ValueError: if the input is not (B, 3, S, S).
        """
        check_network_input(images, self.network_resolution)
        encodings = self.encoder(images)
        features, lowres_features = self.decoder(encodings)
        canonical_inverse_depth = self.head(features)
        fov_deg = None
        if run_fov and self.fov is not None:
            # §3.3: the FOV head is trained on frozen depth features.
            fov_deg = self.fov(images, lowres_features.detach())
        return DepthProOutput(canonical_inverse_depth=canonical_inverse_depth, fov_deg=fov_deg)

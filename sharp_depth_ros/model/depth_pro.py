"""Depth Pro: composition of encoder, decoder, depth head and FOV head (forward only)."""

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
        size = self.network_resolution
        if images.ndim != 4 or images.shape[1] != 3 or images.shape[-2:] != (size, size):
            raise ValueError(
                f"expected images of shape (B, 3, {size}, {size}), got {tuple(images.shape)}"
            )
        encodings = self.encoder(images)
        features, lowres_features = self.decoder(encodings)
        canonical_inverse_depth = self.head(features)
        fov_deg = None
        if run_fov and self.fov is not None:
            # §3.3: the FOV head is trained on frozen depth features.
            fov_deg = self.fov(images, lowres_features.detach())
        return DepthProOutput(canonical_inverse_depth=canonical_inverse_depth, fov_deg=fov_deg)

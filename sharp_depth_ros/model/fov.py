"""Field-of-view head (paper §3.3): a separate ViT plus frozen depth-decoder features."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from sharp_depth_ros.config import ViTConfig
from sharp_depth_ros.model.vit import create_vit


class FovHead(nn.Module):
    """Predicts the horizontal field of view in degrees.

    With its own encoder ("parallel encoders", the paper's best design, Tab. 14) the ViT sees the
    image at 1/4 resolution; its tokens are projected and added to downsampled low-resolution
    decoder features, then three convolutions reduce the grid to one value.
    """

    def __init__(self, num_features: int, encoder_config: ViTConfig | None, grid_size: int) -> None:
        super().__init__()
        half, quarter, eighth = num_features // 2, num_features // 4, num_features // 8
        downsample = [
            nn.Conv2d(num_features, half, kernel_size=3, stride=2, padding=1),
            nn.ReLU(True),
        ]
        # The last convolution covers the whole remaining grid (6x6 for the official model).
        head = [
            nn.Conv2d(half, quarter, kernel_size=3, stride=2, padding=1),
            nn.ReLU(True),
            nn.Conv2d(quarter, eighth, kernel_size=3, stride=2, padding=1),
            nn.ReLU(True),
            nn.Conv2d(eighth, 1, kernel_size=grid_size // 4, stride=1, padding=0),
        ]
        if encoder_config is not None:
            vit = create_vit(encoder_config)
            self.encoder = nn.Sequential(vit, nn.Linear(encoder_config.embed_dim, half))
            self.downsample = nn.Sequential(*downsample)
            self.head = nn.Sequential(*head)
        else:
            self.encoder = None
            self.downsample = None
            self.head = nn.Sequential(*downsample, *head)

    def forward(self, images: torch.Tensor, lowres_features: torch.Tensor) -> torch.Tensor:
        """Estimate the FOV.

        Args:
            images: (B, 3, S, S) normalised network input.
            lowres_features: (B, D, S/32, S/32) decoder features (detached by the caller).

        Returns:
            (B,) horizontal field of view in degrees (unconstrained regression output).
        """
        x = lowres_features
        if self.encoder is not None:
            small = F.interpolate(images, scale_factor=0.25, mode="bilinear", align_corners=False)
            vit, projection = self.encoder[0], self.encoder[1]
            tokens = projection(vit.forward_features(small))[:, vit.num_prefix_tokens :]
            downsampled = self.downsample(lowres_features)
            x = tokens.permute(0, 2, 1).reshape_as(downsampled) + downsampled
        return self.head(x).flatten(1)[:, 0]

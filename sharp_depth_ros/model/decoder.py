"""DPT-style multi-resolution decoder and the canonical inverse-depth head (paper §3.1)."""

from __future__ import annotations

import torch
from torch import nn


class ResidualBlock(nn.Module):
    """Pre-activation residual unit: x + conv(relu(conv(relu(x))))."""

    def __init__(self, features: int) -> None:
        super().__init__()
        # Non-inplace ReLU: an in-place first ReLU would overwrite the skip input.
        self.residual = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(features, features, kernel_size=3, padding=1, bias=True),
            nn.ReLU(inplace=False),
            nn.Conv2d(features, features, kernel_size=3, padding=1, bias=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block to (B, C, H, W)."""
        return x + self.residual(x)


class FeatureFusionBlock(nn.Module):
    """Adds a refined skip connection, refines, optionally upsamples 2x, then projects."""

    def __init__(self, features: int, upsample: bool) -> None:
        super().__init__()
        self.resnet1 = ResidualBlock(features)
        self.resnet2 = ResidualBlock(features)
        self.deconv = (
            nn.ConvTranspose2d(features, features, kernel_size=2, stride=2, bias=False)
            if upsample
            else None
        )
        self.out_conv = nn.Conv2d(features, features, kernel_size=1, bias=True)

    def forward(self, x: torch.Tensor, skip: torch.Tensor | None = None) -> torch.Tensor:
        """Fuse (B, C, H, W) features with an optional same-sized skip input."""
        if skip is not None:
            x = x + self.resnet1(skip)
        x = self.resnet2(x)
        if self.deconv is not None:
            x = self.deconv(x)
        return self.out_conv(x)


class MultiResolutionDecoder(nn.Module):
    """Fuses the encoder's five maps from coarsest to finest."""

    def __init__(self, dims_encoder: tuple[int, ...], dim_decoder: int) -> None:
        super().__init__()
        first = (
            nn.Identity()
            if dims_encoder[0] == dim_decoder
            else nn.Conv2d(dims_encoder[0], dim_decoder, kernel_size=1, bias=False)
        )
        self.convs = nn.ModuleList(
            [first]
            + [
                nn.Conv2d(dim, dim_decoder, kernel_size=3, padding=1, bias=False)
                for dim in dims_encoder[1:]
            ]
        )
        self.fusions = nn.ModuleList(
            [FeatureFusionBlock(dim_decoder, upsample=i != 0) for i in range(len(dims_encoder))]
        )

    def forward(self, encodings: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Decode encoder maps (finest first).

        Returns:
            Decoder features at the finest encoder resolution (B, D, S/2, S/2) and the
            projected coarsest features (B, D, S/32, S/32) that also feed the FOV head.
        """
        features = self.convs[-1](encodings[-1])
        lowres_features = features
        features = self.fusions[-1](features)
        for level in range(len(encodings) - 2, -1, -1):
            features = self.fusions[level](features, self.convs[level](encodings[level]))
        return features, lowres_features


def create_depth_head(dim_decoder: int, last_dims: tuple[int, int]) -> nn.Sequential:
    """Head from decoder features to non-negative canonical inverse depth, upsampling 2x."""
    half = dim_decoder // 2
    head = nn.Sequential(
        nn.Conv2d(dim_decoder, half, kernel_size=3, padding=1),
        nn.ConvTranspose2d(half, half, kernel_size=2, stride=2, bias=True),
        nn.Conv2d(half, last_dims[0], kernel_size=3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(last_dims[0], last_dims[1], kernel_size=1),
        nn.ReLU(),  # canonical inverse depth is non-negative
    )
    nn.init.zeros_(head[4].bias)
    return head

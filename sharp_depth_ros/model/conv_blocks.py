"""The convolutional building blocks of `ConvDepthPro` and its refiner."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from timm.layers import GroupNorm
from torch import nn

NORM_GROUPS = 8


def norm_layer(kind: str, channels: int) -> nn.Module:
    """BatchNorm for `kind` "batch", else GroupNorm with up to `NORM_GROUPS` groups."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    return GroupNorm(channels, math.gcd(NORM_GROUPS, channels))


def upsample(x: torch.Tensor, size: int | tuple[int, int]) -> torch.Tensor:
    """Bilinear resize of (B, C, H, W) maps to `size` (no transposed convolutions)."""
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


class ConvUnit(nn.Sequential):
    """3x3 convolution, normalisation, ReLU."""

    def __init__(self, channels_in: int, channels_out: int, norm: str) -> None:
        super().__init__(
            nn.Conv2d(channels_in, channels_out, kernel_size=3, padding=1, bias=False),
            norm_layer(norm, channels_out),
            nn.ReLU(inplace=True),
        )


class ResidualUnit(nn.Module):
    """relu(x + norm(conv(relu(norm(conv(x)))))); the last norm starts at zero (an identity)."""

    def __init__(self, channels: int, norm: str) -> None:
        super().__init__()
        self.residual = nn.Sequential(
            ConvUnit(channels, channels, norm),
            nn.Conv2d(channels, channels, kernel_size=3, padding=1, bias=False),
            norm_layer(norm, channels),
        )
        nn.init.zeros_(self.residual[-1].weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Refine (B, C, H, W) features."""
        return F.relu(x + self.residual(x))

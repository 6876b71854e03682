"""An image-guided stage that gives `ConvDepthPro` its output at the full input resolution.

The head of `ConvDepthPro` predicts log canonical inverse depth z at half the input side; bilinear
upsampling then smears every depth step over several pixels, which caps boundary F1
(docs/benchmarks.md#boundary-f1-ceiling). This stage sees the full-resolution image next to the
upsampled z and the head's features, and adds a correction to z: it can move a step onto the
image edge, which the half-resolution head cannot place. Its last convolution starts at zero,
so a network that gains the stage predicts exactly what it did before until the stage trains.
"""

from __future__ import annotations

import torch
from torch import nn

from sharp_depth_ros.model.conv_blocks import ConvUnit, ResidualUnit, upsample


class FullResolutionRefiner(nn.Module):
    """z_full = upsample(z_half) + correction(image, upsampled head features, upsampled z_half)."""

    def __init__(self, head_channels: int, channels: int, norm: str) -> None:
        super().__init__()
        self.image = nn.Sequential(ConvUnit(3, channels, norm), ConvUnit(channels, channels, norm))
        # 1x1 on the half-resolution context, then bilinear up: the same map as the other
        # order (both are linear) at a quarter of the cost.
        self.context = nn.Conv2d(head_channels + 1, channels, kernel_size=1)
        self.fuse = nn.Sequential(
            ConvUnit(2 * channels, channels, norm), ResidualUnit(channels, norm)
        )
        self.out = nn.Conv2d(channels, 1, kernel_size=3, padding=1)
        for layer in self.modules():
            if isinstance(layer, nn.Conv2d):
                nn.init.kaiming_normal_(layer.weight, mode="fan_in", nonlinearity="relu")
                if layer.bias is not None:
                    nn.init.zeros_(layer.bias)
        # Zero correction at start; the residual unit keeps its own zero-initialised last norm.
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(
        self, images: torch.Tensor, head_features: torch.Tensor, z_half: torch.Tensor
    ) -> torch.Tensor:
        """Log canonical inverse depth at the input resolution.

        Args:
            images: (B, 3, S, S) normalised network input.
            head_features: (B, F, S/2, S/2) the head's last features before its output layer.
            z_half: (B, 1, S/2, S/2) the head's log canonical inverse depth.

        Returns:
            (B, 1, S, S) log canonical inverse depth.
        """
        size = images.shape[-2:]
        context = upsample(self.context(torch.cat([head_features, z_half], dim=1)), size)
        fused = self.fuse(torch.cat([self.image(images), torch.relu(context)], dim=1))
        return upsample(z_half, size) + self.out(fused)

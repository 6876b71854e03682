"""An image-guided stage that gives `ConvDepthPro` its output at the full input resolution.

The head of `ConvDepthPro` predicts log canonical inverse depth z at half the input side; bilinear
upsampling then smears every depth step over several pixels, which caps boundary F1
(docs/benchmarks.md#boundary-f1-ceiling). This stage sees the full-resolution image next to the
upsampled z and the head's features, and adds a correction to z: it can move a step onto the
image edge, which the half-resolution head cannot place. Its last convolution starts at zero,
so a network that gains the stage predicts exactly what it did before until the stage trains.

The correction is high-passed: its mean over every window of side 2 S/32 + 1 is removed, so it
can reshape depth only within about S/32 pixels (8 at 256, as the guided filter's window) and
cannot change the depth of whole regions. Placing edges is its only job; without this, a first
training run learnt colour-dependent depth offsets that lowered validation delta1 from 0.58 to
0.49 within 250 steps (docs/default-model.md).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from sharp_depth_ros.model.conv_blocks import ConvUnit, ResidualUnit, upsample

# Window radius of the high-pass, as a fraction of the network input side.
HIGH_PASS_RADIUS_FRACTION = 1 / 32


def high_pass(correction: torch.Tensor, radius: int) -> torch.Tensor:
    """`correction` minus its mean over the (2 radius + 1)^2 window around each pixel.

    Windows are cut at the image border (the mean is over the pixels inside).
    """
    local_mean = F.avg_pool2d(
        correction, 2 * radius + 1, stride=1, padding=radius, count_include_pad=False
    )
    return correction - local_mean


class FullResolutionRefiner(nn.Module):
    """z_full = upsample(z_half) + high_pass(correction(image, head features, z_half))."""

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
        radius = max(1, round(HIGH_PASS_RADIUS_FRACTION * size[-1]))
        return upsample(z_half, size) + high_pass(self.out(fused), radius)

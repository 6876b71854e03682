"""Multi-resolution patch encoder (§3.1): one ViT shared by overlapping patches at 3 scales.

The input (network resolution S = 4P, P the patch size) becomes a pyramid S, S/2, S/4. Level 0 is
cut into 5x5 patches overlapping by 25 %, level 1 into 3x3 overlapping by 50 %, level 2 is one
patch. All 35 patches go through the shared patch ViT as one batch; a second ViT (the image
encoder) sees level 2 for global context. Features of overlapping patches are merged by
cropping half the overlap from every inner edge.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from sharp_depth_ros.config import HIGH_RES_OVERLAP_RATIO, MID_RES_OVERLAP_RATIO, DepthProConfig
from sharp_depth_ros.model.vit import create_vit, tokens_to_grid, vit_with_hooks


def patch_steps(size_px: int, patch_px: int, overlap_ratio: float) -> tuple[int, int]:
    """Return (stride in px, patches per side) of the sliding-window split."""
    stride = int(patch_px * (1 - overlap_ratio))
    steps = int(math.ceil((size_px - patch_px) / stride)) + 1
    return stride, steps


def split_into_patches(images: torch.Tensor, patch_px: int, overlap_ratio: float) -> torch.Tensor:
    """Cut (B, C, H, H) images into overlapping square patches.

    Returns:
        (steps*steps*B, C, patch_px, patch_px), position-major: all images' first patch, then all
        images' second patch, ... with positions in row-major order.
    """
    stride, steps = patch_steps(images.shape[-1], patch_px, overlap_ratio)
    patches = [
        images[..., row * stride : row * stride + patch_px, col * stride : col * stride + patch_px]
        for row in range(steps)
        for col in range(steps)
    ]
    return torch.cat(patches, dim=0)


def merge_patches(features: torch.Tensor, batch_size: int, crop: int) -> torch.Tensor:
    """Stitch position-major patch features back into one map per image.

    Every patch loses `crop` feature pixels on each side that touches a neighbour (half the
    overlap), so the kept parts tile the image exactly.

    Args:
        features: (steps*steps*B, C, G, G).
        batch_size: B.
        crop: feature pixels removed from each inner edge.

    Returns:
        (B, C, M, M) with M = steps*G - 2*crop*(steps - 1).
    """
    steps = int(math.isqrt(features.shape[0] // batch_size))
    tiles = features.split(batch_size, dim=0)
    grid_size = features.shape[-1]
    rows = []
    for row in range(steps):
        top = crop if row > 0 else 0
        bottom = grid_size - crop if row < steps - 1 else grid_size
        row_tiles = []
        for col in range(steps):
            left = crop if col > 0 else 0
            right = grid_size - crop if col < steps - 1 else grid_size
            row_tiles.append(tiles[row * steps + col][..., top:bottom, left:right])
        rows.append(torch.cat(row_tiles, dim=-1))
    return torch.cat(rows, dim=-2)


def _project_upsample(
    dim_in: int, dim_out: int, upsample_layers: int, dim_projected: int | None = None
) -> nn.Sequential:
    """1x1 projection to `dim_projected` then `upsample_layers` 2x transposed convolutions.

    The first transposed convolution maps `dim_projected` to `dim_out`; no layer has a bias.
    """
    dim_projected = dim_out if dim_projected is None else dim_projected
    layers: list[nn.Module] = [nn.Conv2d(dim_in, dim_projected, kernel_size=1, bias=False)]
    layers += [
        nn.ConvTranspose2d(dim_projected if i == 0 else dim_out, dim_out, 2, stride=2, bias=False)
        for i in range(upsample_layers)
    ]
    return nn.Sequential(*layers)


class MultiResolutionEncoder(nn.Module):
    """Patch encoder + image encoder + projections; returns five feature maps for the decoder."""

    def __init__(self, config: DepthProConfig) -> None:
        super().__init__()
        self.config = config
        self.patch_encoder = create_vit(config.patch_encoder)
        self.image_encoder = create_vit(config.image_encoder)
        patch_dim = config.patch_encoder.embed_dim
        dims = config.encoder_feature_dims
        # Official layout: latent0 is projected to dims[0] and its first deconv widens it to the
        # decoder width (equal widths in the full model, visible only in reduced ones).
        self.upsample_latent0 = _project_upsample(
            patch_dim, config.decoder_features, 3, dim_projected=dims[0]
        )
        self.upsample_latent1 = _project_upsample(patch_dim, dims[0], 2)
        self.upsample0 = _project_upsample(patch_dim, dims[1], 1)
        self.upsample1 = _project_upsample(patch_dim, dims[2], 1)
        self.upsample2 = _project_upsample(patch_dim, dims[3], 1)
        self.upsample_lowres = nn.ConvTranspose2d(
            config.image_encoder.embed_dim, dims[3], kernel_size=2, stride=2, bias=True
        )
        self.fuse_lowres = nn.Conv2d(2 * dims[3], dims[3], kernel_size=1, bias=True)
        # Merge crops in tokens: half of each level's overlap (3 and 6 for the official model).
        patch_px, patch_size = config.patch_px, config.patch_encoder.patch_size
        self.high_res_crop = int(patch_px * HIGH_RES_OVERLAP_RATIO) // (2 * patch_size)
        self.mid_res_crop = int(patch_px * MID_RES_OVERLAP_RATIO) // (2 * patch_size)
        self.patch_micro_batch: int | None = None
        # Navigation-rate option (off by default): skip the finest pyramid level, 10 patches
        # instead of 35; its three maps are replaced by the 1/2-level ones upsampled 2x.
        self.reduced_pyramid = False

    def _patch_encoder_batches(
        self, patches: torch.Tensor
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Run the shared ViT over all patches, optionally in micro-batches to bound memory."""
        hooks = self.config.hook_block_ids
        if not self.patch_micro_batch or self.patch_micro_batch >= patches.shape[0]:
            return vit_with_hooks(self.patch_encoder, patches, hooks)
        finals, hooked = [], []
        for chunk in patches.split(self.patch_micro_batch, dim=0):
            final, chunk_hooked = vit_with_hooks(self.patch_encoder, chunk, hooks)
            finals.append(final)
            hooked.append(chunk_hooked)
        return torch.cat(finals), [torch.cat(parts) for parts in zip(*hooked, strict=True)]

    def forward(self, images: torch.Tensor) -> list[torch.Tensor]:
        """Encode (B, 3, S, S) normalised images into the decoder's five inputs.

        Returns:
            [latent0 (B, D, S/2, S/2), latent1 (B, d0, S/4, S/4), x0 (B, d1, S/8, S/8),
             x1 (B, d2, S/16, S/16), global (B, d3, S/32, S/32)] where D is the decoder width.
        """
        batch = images.shape[0]
        patch_px = self.config.patch_px
        grid = self.config.patch_encoder.grid_size
        prefix = self.patch_encoder.num_prefix_tokens
        # 1. Pyramid. Bilinear, align_corners=False, no antialias (matches the reference).
        mid = F.interpolate(images, scale_factor=0.5, mode="bilinear", align_corners=False)
        low = F.interpolate(images, scale_factor=0.25, mode="bilinear", align_corners=False)
        if self.reduced_pyramid:
            return self._forward_reduced(images, mid, low)
        # 2. Overlapping patches at every level, one batch through the shared ViT.
        high_patches = split_into_patches(images, patch_px, HIGH_RES_OVERLAP_RATIO)
        mid_patches = split_into_patches(mid, patch_px, MID_RES_OVERLAP_RATIO)
        all_patches = torch.cat((high_patches, mid_patches, low), dim=0)
        final_tokens, (hook0, hook1) = self._patch_encoder_batches(all_patches)
        features = tokens_to_grid(final_tokens, grid, prefix)
        high_feats, mid_feats, low_feats = features.split(
            [high_patches.shape[0], mid_patches.shape[0], low.shape[0]], dim=0
        )
        # 3. Merge. Hooked intermediate features come from the high-resolution patches only.
        num_high = high_patches.shape[0]
        latent0 = merge_patches(hook0[:num_high], batch, self.high_res_crop)
        latent1 = merge_patches(hook1[:num_high], batch, self.high_res_crop)
        x0 = merge_patches(high_feats, batch, self.high_res_crop)
        x1 = merge_patches(mid_feats, batch, self.mid_res_crop)
        return self._project(latent0, latent1, x0, x1, low_feats, low)

    def _project(
        self,
        latent0: torch.Tensor,
        latent1: torch.Tensor,
        x0: torch.Tensor,
        x1: torch.Tensor,
        low_feats: torch.Tensor,
        low: torch.Tensor,
    ) -> list[torch.Tensor]:
        """Add global context and project every map to the decoder's resolution and width."""
        grid = self.config.patch_encoder.grid_size
        # Global context from a separate ViT on the whole (downsampled) image.
        global_tokens = self.image_encoder.forward_features(low)
        global_feats = tokens_to_grid(global_tokens, grid, self.image_encoder.num_prefix_tokens)
        global_feats = self.upsample_lowres(global_feats)
        fused = self.fuse_lowres(torch.cat((self.upsample2(low_feats), global_feats), dim=1))
        return [
            self.upsample_latent0(latent0),
            self.upsample_latent1(latent1),
            self.upsample0(x0),
            self.upsample1(x1),
            fused,
        ]

    def _forward_reduced(
        self, images: torch.Tensor, mid: torch.Tensor, low: torch.Tensor
    ) -> list[torch.Tensor]:
        """The reduced pyramid: only the 1/2 and 1/4 levels go through the patch ViT."""
        batch = images.shape[0]
        grid = self.config.patch_encoder.grid_size
        prefix = self.patch_encoder.num_prefix_tokens
        mid_patches = split_into_patches(mid, self.config.patch_px, MID_RES_OVERLAP_RATIO)
        final_tokens, (hook0, hook1) = self._patch_encoder_batches(torch.cat((mid_patches, low)))
        features = tokens_to_grid(final_tokens, grid, prefix)
        num_mid = mid_patches.shape[0]
        x1 = merge_patches(features[:num_mid], batch, self.mid_res_crop)

        def upsampled(feature_map: torch.Tensor) -> torch.Tensor:
            return F.interpolate(
                feature_map, scale_factor=2.0, mode="bilinear", align_corners=False
            )

        latent0 = upsampled(merge_patches(hook0[:num_mid], batch, self.mid_res_crop))
        latent1 = upsampled(merge_patches(hook1[:num_mid], batch, self.mid_res_crop))
        return self._project(latent0, latent1, upsampled(x1), x1, features[num_mid:], low)

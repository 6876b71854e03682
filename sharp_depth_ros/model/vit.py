"""The ViT backbone, built on timm's VisionTransformer with the DINOv2 layout."""

from __future__ import annotations

from functools import partial

import torch
from timm.models.vision_transformer import VisionTransformer
from torch import nn

from sharp_depth_ros.config import ViTConfig


def create_vit(config: ViTConfig) -> VisionTransformer:
    """Build a ViT whose state-dict keys match the official checkpoint's encoder entries.

    No classifier: `num_classes=0` leaves `head`/`fc_norm` as parameter-free identities, so
    the keys are exactly cls_token, pos_embed, patch_embed, blocks.N.* and the final norm.
    """
    return VisionTransformer(
        img_size=config.img_size,
        patch_size=config.patch_size,
        embed_dim=config.embed_dim,
        depth=config.depth,
        num_heads=config.num_heads,
        mlp_ratio=config.mlp_ratio,
        qkv_bias=config.qkv_bias,
        init_values=config.layer_scale_init,
        num_classes=0,
        global_pool="token",
        class_token=True,
        reg_tokens=0,
        norm_layer=partial(nn.LayerNorm, eps=config.layernorm_eps),
        act_layer=nn.GELU,  # exact (erf) GELU, as DINOv2
        dynamic_img_size=True,
    )


def tokens_to_grid(tokens: torch.Tensor, grid_size: int, num_prefix_tokens: int) -> torch.Tensor:
    """Drop prefix tokens and fold the rest row-major into a feature map.

    Args:
        tokens: (N, prefix + grid_size**2, C).
        grid_size: tokens per side.
        num_prefix_tokens: leading tokens to drop (the class token).

    Returns:
        (N, C, grid_size, grid_size).
    """
    batch, _, channels = tokens.shape
    patch_tokens = tokens[:, num_prefix_tokens:]
    return patch_tokens.reshape(batch, grid_size, grid_size, channels).permute(0, 3, 1, 2)


def vit_with_hooks(
    vit: VisionTransformer, images: torch.Tensor, hook_block_ids: tuple[int, ...]
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Run a ViT and also return the raw outputs of chosen blocks.

    Args:
        vit: the backbone.
        images: (N, 3, S, S) normalised images.
        hook_block_ids: block indices whose outputs (before the final norm) are returned.

    Returns:
        Final normalised tokens (N, 1 + G*G, C) and one (N, C, G, G) map per hooked block.
    """
    final_tokens, hooked = vit.forward_intermediates(
        images, indices=list(hook_block_ids), norm=False, output_fmt="NCHW"
    )
    return final_tokens, list(hooked)

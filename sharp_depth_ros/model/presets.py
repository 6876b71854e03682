"""The preset table: the only place that names model sizes."""

from __future__ import annotations

import dataclasses
from typing import Any

from sharp_depth_ros.config import DepthProConfig, ViTConfig
from sharp_depth_ros.model.depth_pro import DepthPro

_VIT_LARGE = ViTConfig()  # DINOv2 ViT-L/16 at 384, as in the official checkpoint
_VIT_TINY = ViTConfig(embed_dim=32, depth=4, num_heads=2, img_size=128)
# The shipped default, sized for CPU training and inference: 128 px patches keep the full
# 35-patch pyramid at a 512x512 input; ViT width 128 and a 32-channel decoder bring a forward
# pass to 15.8 GFLOP (the first draft, width 192 / decoder 64, needed 55.6; decoder dominated).
_VIT_SMALL = ViTConfig(embed_dim=128, depth=6, num_heads=2, img_size=128)
_VIT_SMALL_FOV = ViTConfig(embed_dim=96, depth=4, num_heads=2, img_size=128)

PRESETS: dict[str, DepthProConfig] = {
    # The official layout: three ViT-L/16 encoders, 1536x1536 input, 952 M parameters.
    "depth-pro": DepthProConfig(
        patch_encoder=_VIT_LARGE, image_encoder=_VIT_LARGE, fov_encoder=_VIT_LARGE
    ),
    # The small default model this package trains and ships (see docs/default-model.md).
    "sharp-small": DepthProConfig(
        patch_encoder=_VIT_SMALL,
        image_encoder=_VIT_SMALL,
        fov_encoder=_VIT_SMALL_FOV,
        hook_block_ids=(1, 3),
        encoder_feature_dims=(32, 64, 128, 128),
        decoder_features=32,
        head_last_dims=(16, 1),
    ),
    # Same structure with tiny widths and a 512x512 input: for tests, well under a second on CPU.
    "test-tiny": DepthProConfig(
        patch_encoder=_VIT_TINY,
        image_encoder=_VIT_TINY,
        fov_encoder=_VIT_TINY,
        hook_block_ids=(1, 2),
        encoder_feature_dims=(16, 24, 32, 32),
        decoder_features=16,
        head_last_dims=(8, 1),
    ),
}


def list_presets() -> list[str]:
    """Names of the available presets, sorted."""
    return sorted(PRESETS)


def get_preset(name: str) -> DepthProConfig:
    """Return a preset's config.

    Raises:
        KeyError: for an unknown name; the message lists the valid ones.
    """
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(
            f"unknown preset {name!r}; valid presets: {', '.join(list_presets())}"
        ) from None


def create_model(name: str, **overrides: Any) -> DepthPro:
    """Build a randomly initialised network from a preset, with optional config overrides."""
    config = get_preset(name)
    if overrides:
        config = dataclasses.replace(config, **overrides)
    return DepthPro(config)

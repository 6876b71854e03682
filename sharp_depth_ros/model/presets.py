"""The preset table: the only place that names model sizes."""

from __future__ import annotations

import dataclasses
from typing import Any

from sharp_depth_ros.config import ConvDepthConfig, DepthProConfig, NetworkConfig, ViTConfig
from sharp_depth_ros.model.conv_depth_pro import ConvDepthPro
from sharp_depth_ros.model.depth_pro import DepthPro

DepthNetwork = DepthPro | ConvDepthPro

_VIT_LARGE = ViTConfig()  # DINOv2 ViT-L/16 at 384, as in the official checkpoint
_VIT_TINY = ViTConfig(embed_dim=32, depth=4, num_heads=2, img_size=128)
# `sharp-small-vit`, the ViT default before the convolutional one, sized for CPU training and
# inference: 128 px patches keep the full 35-patch pyramid at a 512x512 input; ViT width 128
# and a 32-channel decoder bring a forward pass to 15.8 GFLOP (the first draft, width 192 /
# decoder 64, needed 55.6; decoder dominated).
_VIT_SMALL = ViTConfig(embed_dim=128, depth=6, num_heads=2, img_size=128)
_VIT_SMALL_FOV = ViTConfig(embed_dim=96, depth=4, num_heads=2, img_size=128)

PRESETS: dict[str, NetworkConfig] = {
    # The official layout: three ViT-L/16 encoders, 1536x1536 input, 952 M parameters.
    "depth-pro": DepthProConfig(
        patch_encoder=_VIT_LARGE, image_encoder=_VIT_LARGE, fov_encoder=_VIT_LARGE
    ),
    # The default: Depth Pro's pyramid structure on a ResNet-18, the first small network that
    # learns from scratch on CPU (the ViT one's fresh output barely depends on the image).
    "sharp-small": ConvDepthConfig(
        backbone="resnet18", resolution=256, decoder_features=64, norm="batch"
    ),
    # The earlier ViT default (docs/default-model.md); its weights load with their own config.
    "sharp-small-vit": DepthProConfig(
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
    # ConvDepthPro for tests: 128x128 input, 16-channel decoder.
    "test-tiny-conv": ConvDepthConfig(backbone="resnet18", resolution=128, decoder_features=16),
}


def list_presets() -> list[str]:
    """Names of the available presets, sorted."""
    return sorted(PRESETS)


def get_preset(name: str) -> NetworkConfig:
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


def build_network(config: NetworkConfig) -> DepthNetwork:
    """The randomly initialised network a config describes (its class follows the config's)."""
    if isinstance(config, ConvDepthConfig):
        return ConvDepthPro(config)
    return DepthPro(config)


def create_model(name: str, **overrides: Any) -> DepthNetwork:
    """Build a randomly initialised network from a preset, with optional config overrides."""
    config = get_preset(name)
    if overrides:
        config = dataclasses.replace(config, **overrides)
    return build_network(config)

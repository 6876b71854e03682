"""The depth networks: the ViT Depth Pro and its convolutional hybrid."""

from sharp_depth_ros.model.conv_depth_pro import ConvDepthPro
from sharp_depth_ros.model.depth_pro import DepthPro, DepthProOutput
from sharp_depth_ros.model.presets import (
    PRESETS,
    DepthNetwork,
    build_network,
    create_model,
    get_preset,
    list_presets,
)

__all__ = [
    "PRESETS",
    "ConvDepthPro",
    "DepthNetwork",
    "DepthPro",
    "DepthProOutput",
    "build_network",
    "create_model",
    "get_preset",
    "list_presets",
]

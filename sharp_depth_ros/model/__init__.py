"""The Depth Pro network."""

from sharp_depth_ros.model.depth_pro import DepthPro, DepthProOutput
from sharp_depth_ros.model.presets import PRESETS, create_model, get_preset, list_presets

__all__ = ["PRESETS", "DepthPro", "DepthProOutput", "create_model", "get_preset", "list_presets"]

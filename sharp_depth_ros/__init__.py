"""sharp_depth_ros: sharp metric monocular depth (Depth Pro) for ROS 2.

Public API: `create_model`, `list_presets`, `load_checkpoint`, `DepthPredictor`. Everything
outside `sharp_depth_ros.ros` imports without ROS. The names are imported on first use
(PEP 562), so `sharp_depth_ros.data` worker processes start without loading torch and timm.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sharp_depth_ros.checkpoints import load_checkpoint
    from sharp_depth_ros.inference import DepthPrediction, DepthPredictor
    from sharp_depth_ros.model import create_model, list_presets

_PUBLIC = {
    "DepthPrediction": "sharp_depth_ros.inference",
    "DepthPredictor": "sharp_depth_ros.inference",
    "create_model": "sharp_depth_ros.model",
    "list_presets": "sharp_depth_ros.model",
    "load_checkpoint": "sharp_depth_ros.checkpoints",
}

__all__ = [
    "DepthPrediction",
    "DepthPredictor",
    "create_model",
    "list_presets",
    "load_checkpoint",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first access."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'sharp_depth_ros' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

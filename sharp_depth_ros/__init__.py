"""sharp_depth_ros: sharp metric monocular depth (Depth Pro) for ROS 2.

Public API: `create_model`, `list_presets`, `load_checkpoint`, `DepthPredictor`. Everything
outside `sharp_depth_ros.ros` imports without ROS.
"""

from sharp_depth_ros.checkpoints import load_checkpoint
from sharp_depth_ros.inference import DepthPrediction, DepthPredictor
from sharp_depth_ros.model import create_model, list_presets

__all__ = ["DepthPrediction", "DepthPredictor", "create_model", "list_presets", "load_checkpoint"]
__version__ = "0.1.0"

"""Inference: the predictor, image loading and focal-length conversions."""

from sharp_depth_ros.inference.prediction import DepthPrediction, FocalSource
from sharp_depth_ros.inference.predictor import DepthPredictor, load_config_file

__all__ = ["DepthPrediction", "DepthPredictor", "FocalSource", "load_config_file"]

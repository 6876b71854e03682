"""Training: the curriculum of §3.2/§3.3, schedule, resumable checkpoints, torchrun support.

Nothing here imports ROS. Entry point: `train(TrainConfig.from_yaml(path), out_dir)`, or the
`sharp-depth train` command.
"""

from sharp_depth_ros.training.config import TrainConfig
from sharp_depth_ros.training.curriculum import DATASET_KINDS, OBJECTIVES
from sharp_depth_ros.training.loop import TrainResult, train

__all__ = ["DATASET_KINDS", "OBJECTIVES", "TrainConfig", "TrainResult", "train"]

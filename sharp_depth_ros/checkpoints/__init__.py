"""Checkpoint formats: the official Depth Pro state dict and our safetensors format."""

from sharp_depth_ros.checkpoints.errors import CheckpointError, check_state_dict
from sharp_depth_ros.checkpoints.formats import (
    CheckpointFormat,
    LoadedCheckpoint,
    detect_format,
    load_checkpoint,
)
from sharp_depth_ros.checkpoints.native import save_native
from sharp_depth_ros.checkpoints.official import native_to_official, official_to_native

__all__ = [
    "CheckpointError",
    "CheckpointFormat",
    "LoadedCheckpoint",
    "check_state_dict",
    "detect_format",
    "load_checkpoint",
    "native_to_official",
    "official_to_native",
    "save_native",
]

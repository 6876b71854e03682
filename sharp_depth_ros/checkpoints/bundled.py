"""Weights shipped inside the package (`sharp_depth_ros/weights/<name>.safetensors`)."""

from __future__ import annotations

from pathlib import Path

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"
# The model used when neither a preset nor a checkpoint is given (trained by this package).
DEFAULT_MODEL_NAME = "sharp-small"


def bundled_checkpoint(name: str) -> Path | None:
    """Path of the shipped weights for a model name, or None if none are shipped."""
    path = WEIGHTS_DIR / f"{name}.safetensors"
    return path if path.is_file() else None

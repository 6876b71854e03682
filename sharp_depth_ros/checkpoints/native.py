"""Our checkpoint format: one safetensors file whose metadata holds the config.

Metadata keys: `format` = "sharp_depth_ros", `format_version`, `preset` (may be empty),
`architecture` ("depth_pro" or "conv_depth_pro"; absent in version-1 files, which are all
"depth_pro") and `config` (JSON of the architecture's config `to_dict()`). Tensors use the
network's state-dict names (for Depth Pro, the official ones); floating-point tensors may be
stored in float16 and load as float32.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import nn

from sharp_depth_ros.atomic import atomic_path
from sharp_depth_ros.checkpoints.errors import CheckpointError
from sharp_depth_ros.config import DepthProConfig, NetworkConfig, network_config_from_dict

FORMAT_NAME = "sharp_depth_ros"
FORMAT_VERSION = 2  # 2: the `architecture` key


def read_metadata(path: str | Path) -> dict[str, str]:
    """Return a safetensors file's metadata (empty if it has none).

    Raises:
        CheckpointError: if the file is not a readable safetensors file.
    """
    try:
        with safe_open(str(path), framework="pt") as handle:
            return dict(handle.metadata() or {})
    except Exception as error:  # safetensors raises several exception types
        raise CheckpointError(f"cannot read {path} as safetensors: {error}") from error


def is_native(metadata: dict[str, str]) -> bool:
    """True if safetensors metadata marks our format."""
    return metadata.get("format") == FORMAT_NAME


def save_native(
    model: nn.Module,
    path: str | Path,
    config: NetworkConfig,
    preset: str = "",
    extra: dict[str, str] | None = None,
    dtype: torch.dtype | None = None,
) -> Path:
    """Write weights and config atomically (temp file in the same folder, then rename).

    Args:
        model: the network.
        path: the .safetensors file to write.
        config: the network's config (its `architecture` is stored too).
        preset: the preset name, or "".
        extra: further metadata entries.
        dtype: store floating-point tensors in this type (e.g. torch.float16 halves the file);
            None keeps the model's.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {
        "format": FORMAT_NAME,
        "format_version": str(FORMAT_VERSION),
        "preset": preset,
        "architecture": config.architecture,
        "config": json.dumps(config.to_dict(), sort_keys=True),
        **(extra or {}),
    }

    def stored(tensor: torch.Tensor) -> torch.Tensor:
        tensor = tensor.detach().to("cpu")
        if dtype is not None and tensor.is_floating_point():
            tensor = tensor.to(dtype)
        return tensor.contiguous()

    tensors = {key: stored(value) for key, value in model.state_dict().items()}
    with atomic_path(path) as temp_path:
        mode = temp_path.stat().st_mode & 0o777  # a new file's permissions (umask applied)
        save_file(tensors, str(temp_path), metadata=metadata)
        temp_path.chmod(mode)  # safetensors recreates the file 0600: a node user could not read it
    return path


def load_native(path: str | Path) -> tuple[NetworkConfig, dict[str, torch.Tensor], dict[str, str]]:
    """Read config, tensors (floating point as float32) and metadata of a native checkpoint.

    Raises:
        CheckpointError: unreadable file, wrong format or unsupported version.
    """
    metadata = read_metadata(path)
    if not is_native(metadata):
        raise CheckpointError(f"{path} is not a {FORMAT_NAME} checkpoint (metadata {metadata})")
    version = int(metadata.get("format_version", "0"))
    if version > FORMAT_VERSION:
        raise CheckpointError(
            f"{path} has format_version {version}; this package reads up to {FORMAT_VERSION}: "
            "upgrade sharp_depth_ros"
        )
    architecture = metadata.get("architecture", DepthProConfig.architecture)
    try:
        config = network_config_from_dict(json.loads(metadata["config"]), architecture)
    except (KeyError, ValueError, TypeError) as error:
        raise CheckpointError(f"{path} holds an invalid config: {error}") from error
    tensors = {
        key: value.float() if value.is_floating_point() else value
        for key, value in load_file(str(path)).items()
    }
    return config, tensors, metadata

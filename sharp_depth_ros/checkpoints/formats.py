"""Detect a checkpoint's format and load it into a network, strictly and safely."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file

from sharp_depth_ros.checkpoints.errors import CheckpointError, check_state_dict
from sharp_depth_ros.checkpoints.native import is_native, load_native, read_metadata
from sharp_depth_ros.checkpoints.official import is_official_state_dict, official_to_native
from sharp_depth_ros.compat import StrEnum
from sharp_depth_ros.config import DepthProConfig, NetworkConfig
from sharp_depth_ros.model.presets import DepthNetwork, build_network, get_preset

SAFETENSORS_MAGIC_OFFSET = 8  # u64 header length, then the JSON header starting with "{"


class CheckpointFormat(StrEnum):
    """Known checkpoint formats."""

    NATIVE = "native"  # ours: safetensors + config metadata
    OFFICIAL_TORCH = "official-torch"  # the released depth_pro.pt (torch.save'd state dict)
    OFFICIAL_SAFETENSORS = "official-safetensors"  # official key names in a safetensors file


@dataclass(frozen=True)
class LoadedCheckpoint:
    """A network with weights loaded, and where they came from."""

    model: DepthNetwork
    format: CheckpointFormat
    preset: str
    path: Path


def _looks_like_safetensors(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(SAFETENSORS_MAGIC_OFFSET + 1)
    return len(head) == SAFETENSORS_MAGIC_OFFSET + 1 and head[-1:] == b"{"


def detect_format(path: str | Path) -> CheckpointFormat:
    """Tell which format a checkpoint file has, from its content (not its name).

    Raises:
        FileNotFoundError: the path does not exist.
        CheckpointError: the file is neither safetensors nor a torch zip archive.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist (or is not a file)")
    if _looks_like_safetensors(path):
        metadata = read_metadata(path)
        return (
            CheckpointFormat.NATIVE
            if is_native(metadata)
            else CheckpointFormat.OFFICIAL_SAFETENSORS
        )
    if zipfile.is_zipfile(path):
        return CheckpointFormat.OFFICIAL_TORCH
    raise CheckpointError(
        f"{path} is neither a safetensors file nor a torch.save archive; expected our .safetensors "
        "checkpoint or the official depth_pro.pt"
    )


def _read_official(path: Path, checkpoint_format: CheckpointFormat) -> dict[str, torch.Tensor]:
    try:
        if checkpoint_format is CheckpointFormat.OFFICIAL_SAFETENSORS:
            raw = load_file(str(path))
        else:
            # weights_only: never unpickle arbitrary objects from a downloaded file.
            raw = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception as error:  # torch/safetensors raise many types for a corrupt file
        raise CheckpointError(f"cannot read checkpoint {path}: {error}") from error
    if not isinstance(raw, dict) or not all(isinstance(v, torch.Tensor) for v in raw.values()):
        raise CheckpointError(f"{path} does not hold a plain state dict of tensors")
    if not is_official_state_dict(raw):
        raise CheckpointError(
            f"{path} holds no Depth Pro weights (key 'encoder.patch_encoder.cls_token' not found)"
        )
    return official_to_native(raw)


def load_checkpoint(
    path: str | Path, config: NetworkConfig | None = None, preset: str | None = None
) -> LoadedCheckpoint:
    """Build the network a checkpoint describes and load its weights strictly.

    Our format carries its config and architecture (`DepthPro` or `ConvDepthPro`). Official
    files do not: they use `config`, else `preset`, else the official `depth-pro` layout, and
    always hold the ViT Depth Pro.

    Raises:
        FileNotFoundError: missing file.
        CheckpointError: unreadable file, or keys/shapes that do not fit the network.
    """
    path = Path(path)
    checkpoint_format = detect_format(path)
    if checkpoint_format is CheckpointFormat.NATIVE:
        stored_config, state_dict, metadata = load_native(path)
        if config is not None and config != stored_config:
            raise CheckpointError(
                f"{path} stores its own config, which differs from the one given; drop --config"
            )
        config, preset_name = stored_config, metadata.get("preset", "")
    else:
        state_dict = _read_official(path, checkpoint_format)
        preset_name = preset or ("" if config is not None else "depth-pro")
        config = config or get_preset(preset_name)
        if not isinstance(config, DepthProConfig):
            raise CheckpointError(
                f"{path} is an official Depth Pro checkpoint, which holds the ViT network; the "
                f"given {'preset ' + repr(preset_name) if preset_name else 'config'} describes a "
                f"{config.architecture} network: pass a Depth Pro preset or config"
            )
    model = build_network(config)
    check_state_dict(model, state_dict, path)
    model.load_state_dict(state_dict, strict=True)
    return LoadedCheckpoint(
        model=model.eval(), format=checkpoint_format, preset=preset_name, path=path
    )

"""Checkpoint errors and the strict state-dict check."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

_MAX_LISTED = 8


class CheckpointError(ValueError):
    """A checkpoint that cannot be read or does not fit the network."""


def _listed(keys: list[str]) -> str:
    shown = ", ".join(keys[:_MAX_LISTED])
    more = f" (+{len(keys) - _MAX_LISTED} more)" if len(keys) > _MAX_LISTED else ""
    return shown + more


def check_state_dict(
    model: nn.Module, state_dict: Mapping[str, torch.Tensor], source: str | Path
) -> None:
    """Refuse a state dict that does not match `model` key for key and shape for shape.

    Raises:
        CheckpointError: naming the missing keys, the unexpected keys and the shape mismatches,
            and saying what to do about them.
    """
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(expected))
    mismatched = sorted(
        f"{key}: checkpoint {tuple(state_dict[key].shape)} vs network {tuple(expected[key].shape)}"
        for key in set(expected) & set(state_dict)
        if tuple(state_dict[key].shape) != tuple(expected[key].shape)
    )
    if not (missing or unexpected or mismatched):
        return
    problems = []
    if missing:
        problems.append(f"missing keys [{_listed(missing)}]")
    if unexpected:
        problems.append(f"unexpected keys [{_listed(unexpected)}]")
    if mismatched:
        problems.append(f"shape mismatches [{_listed(mismatched)}]")
    raise CheckpointError(
        f"checkpoint {source} does not fit the network: {'; '.join(problems)}. "
        "Pass the configuration the checkpoint was trained with (--config FILE or the matching "
        "--preset), or check that the file is a complete Depth Pro checkpoint."
    )

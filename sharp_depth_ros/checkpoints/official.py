"""The official Depth Pro checkpoint format (`depth_pro.pt`).

The official file is a `torch.save`d plain OrderedDict of float16 tensors whose key names
already match our module tree, so the conversion is a pure key/dtype remap.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

OFFICIAL_MARKER_KEY = "encoder.patch_encoder.cls_token"
# Prefixes added by wrappers such as DistributedDataParallel or torch.compile.
_WRAPPER_PREFIXES = ("module.", "_orig_mod.")


def is_official_state_dict(state_dict: Mapping[str, torch.Tensor]) -> bool:
    """True if the keys look like the official Depth Pro state dict."""
    return any(strip_wrapper_prefix(key) == OFFICIAL_MARKER_KEY for key in state_dict)


def strip_wrapper_prefix(key: str) -> str:
    """Remove one leading DDP/compile wrapper prefix from a key."""
    for prefix in _WRAPPER_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


def official_to_native(
    state_dict: Mapping[str, torch.Tensor], dtype: torch.dtype = torch.float32
) -> dict[str, torch.Tensor]:
    """Map an official state dict to ours: same names, wrapper prefixes removed, cast to `dtype`.

    The released weights are float16 and every value is exactly representable, so the cast to
    float32 is lossless.
    """
    return {strip_wrapper_prefix(key): value.to(dtype) for key, value in state_dict.items()}


def native_to_official(
    state_dict: Mapping[str, torch.Tensor], dtype: torch.dtype = torch.float16
) -> dict[str, torch.Tensor]:
    """Map our state dict to the official layout (float16 like the released file)."""
    return {key: value.detach().to(dtype).contiguous() for key, value in state_dict.items()}

"""Device and precision choices for inference."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import Iterator

import torch

LOGGER = logging.getLogger(__name__)

PRECISIONS = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def resolve_device(name: str) -> torch.device:
    """Turn `auto`, `cpu`, `cuda` or `cuda:N` into a device.

    Raises:
        ValueError: unknown name, or CUDA asked for but not available.
    """
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise ValueError(
                f"device {name!r} requested but CUDA is not available; use cpu or auto"
            )
        return torch.device(name)
    raise ValueError(f"device must be auto, cpu, cuda or cuda:N, got {name!r}")


@contextlib.contextmanager
def autocast_for(device: torch.device, dtype: torch.dtype) -> Iterator[None]:
    """Mixed precision for the network body; a no-op in fp32."""
    if dtype == torch.float32:
        yield
        return
    with torch.autocast(device_type=device.type, dtype=dtype):
        yield


def free_accelerator_memory() -> None:
    """Give the memory of dropped models back: collect garbage, then empty the CUDA cache.

    Call once the last reference to a model is gone (PyTorch's caching allocator keeps freed
    blocks for reuse; other processes only see them again after `empty_cache`).
    """
    gc.collect()
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.empty_cache()

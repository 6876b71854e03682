"""Multi-process training through torchrun: process-group set-up and small helpers.

`torchrun` sets RANK, LOCAL_RANK and WORLD_SIZE (and MASTER_ADDR/MASTER_PORT); without them the
run is a single process and nothing here does anything. Backends: NCCL on CUDA, gloo on CPU.
Data sharding lives in `sampling.ShardedBatchSampler`, which keeps the global batches of a
distributed run identical to a single-process run with the same global batch.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistributedContext:
    """Where this process sits in the run.

    Attributes:
        rank: global rank (0 logs, validates and writes files).
        local_rank: rank on this machine (picks the GPU).
        world_size: number of processes.
        device: this process's device.
    """

    rank: int = 0
    local_rank: int = 0
    world_size: int = 1
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        """True for the process that writes logs and checkpoints."""
        return self.rank == 0

    @property
    def is_distributed(self) -> bool:
        """True when more than one process trains."""
        return self.world_size > 1


def pick_device(device: str, local_rank: int) -> torch.device:
    """Resolve "auto" (CUDA if available, else CPU), "cpu" or "cuda" to this process's device."""
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda":
        if not torch.cuda.is_available():
            raise ValueError("device 'cuda' was asked for but CUDA is not available")
        return torch.device("cuda", local_rank)
    if device != "cpu":
        raise ValueError(f"device={device!r} is invalid; expected 'auto', 'cpu' or 'cuda'")
    return torch.device("cpu")


def init_distributed(device: str = "auto") -> DistributedContext:
    """Join the process group torchrun describes, or return a single-process context.

    Args:
        device: "auto", "cpu" or "cuda".

    Returns:
        The context; the process group is initialised when WORLD_SIZE > 1.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    resolved = pick_device(device, local_rank)
    if world_size > 1 and not dist.is_initialized():
        if resolved.type == "cuda":
            torch.cuda.set_device(resolved)
        backend = "nccl" if resolved.type == "cuda" else "gloo"
        dist.init_process_group(backend=backend, rank=rank, world_size=world_size)
    return DistributedContext(
        rank=rank, local_rank=local_rank, world_size=world_size, device=resolved
    )


def barrier(context: DistributedContext) -> None:
    """Wait for every process (no-op for a single process)."""
    if context.is_distributed:
        dist.barrier()


def broadcast_flag(context: DistributedContext, flag: bool) -> bool:
    """Rank 0's value of `flag` on every process (e.g. "stop now")."""
    if not context.is_distributed:
        return flag
    tensor = torch.tensor([int(flag)], device=context.device)
    dist.broadcast(tensor, src=0)
    return bool(tensor.item())


def all_reduce_mean(context: DistributedContext, value: torch.Tensor) -> torch.Tensor:
    """Mean of a tensor over the processes (for logging the global loss)."""
    if not context.is_distributed:
        return value
    value = value.detach().clone()
    dist.all_reduce(value, op=dist.ReduceOp.SUM)
    return value / context.world_size


def wrap_model(model: torch.nn.Module, context: DistributedContext) -> torch.nn.Module:
    """Wrap in DistributedDataParallel when distributed (only parameters that train sync).

    Call again after changing which parameters require gradients (a new stage).
    """
    if not context.is_distributed:
        return model
    device_ids = [context.device.index] if context.device.type == "cuda" else None
    # Some parameters never take part in the forward (the deepest fusion block's unused
    # `resnet1`, kept for checkpoint compatibility), so DDP must look for unused ones.
    return torch.nn.parallel.DistributedDataParallel(
        model, device_ids=device_ids, find_unused_parameters=True
    )


def cleanup(context: DistributedContext) -> None:
    """Leave the process group."""
    if context.is_distributed and dist.is_initialized():
        dist.destroy_process_group()

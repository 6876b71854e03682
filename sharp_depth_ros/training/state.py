"""Seeding and resumable training checkpoints.

A checkpoint holds everything a run needs to continue exactly: model and optimizer (and
GradScaler) state, the next global step, the best validation scores, the RNG states and a stage's
running weight average. The data
order needs no state of its own: it is a pure function of (seed, step) (`data_order.py`). Files are
written to a temporary name and renamed (`os.replace`), so a kill during the write leaves the
previous checkpoint intact and a run never loses more than one checkpoint interval.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sharp_depth_ros.atomic import atomic_path

CHECKPOINT_NAME = "checkpoint.pt"
CHECKPOINT_VERSION = 1
# Config entries that fix the sample order and the step count: a resume must not change them.
RESUME_INVARIANTS = ("seed", "data.batch_size", "curriculum")


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (all devices)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def step_seed(seed: int, step: int, rank: int) -> int:
    """Seed of the torch RNG for one step of one process (any dropout or noise in the model).

    Re-seeding every step makes the random stream a function of the step, so a resume or a
    different number of workers cannot shift it.
    """
    return (seed * 1_000_003 + step) * 1_009 + rank


def rng_state() -> dict[str, Any]:
    """The Python, NumPy and torch RNG states, as tensors and plain values."""
    numpy_state = np.random.get_state()
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": [
            numpy_state[0],
            torch.from_numpy(numpy_state[1].astype(np.int64)),
            *[int(v) if isinstance(v, int | np.integer) else float(v) for v in numpy_state[2:]],
        ],
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what `rng_state` returned."""
    random.setstate(_as_tuple(state["python"]))
    name, keys, *rest = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), *rest))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _as_tuple(value: Any) -> Any:
    return tuple(_as_tuple(v) for v in value) if isinstance(value, list | tuple) else value


def _lookup(config: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        config = config[part]
    return config


def save_training_checkpoint(
    path: str | Path,
    *,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler | None,
    next_step: int,
    optimizer_stage: int,
    best_scores: dict[str, float],
    config: dict[str, Any],
    average: dict[str, Any] | None = None,
) -> Path:
    """Write a resumable checkpoint atomically.

    Args:
        path: the file (usually OUT/checkpoint.pt).
        model: the bare network (not the DDP wrapper).
        optimizer: the current stage's optimizer.
        scaler: the fp16 GradScaler, or None.
        next_step: the global step the resumed run starts with.
        optimizer_stage: index of the stage the optimizer state belongs to (a checkpoint at a
            stage end holds the finished stage's optimizer, which the next stage does not use).
        best_scores: best validation score per stage name.
        config: `TrainConfig.to_dict()` of the run.
        average: `StageAverage.state_dict()` of the stage's weight average while one is being
            kept, else None.

    Returns:
        The path written.
    """
    payload = {
        "version": CHECKPOINT_VERSION,
        "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "optimizer": optimizer.state_dict(),
        "scaler": scaler.state_dict() if scaler is not None else None,
        "next_step": int(next_step),
        "optimizer_stage": int(optimizer_stage),
        "best_scores": dict(best_scores),
        "config": config,
        "rng": rng_state(),
        "average": average,
    }
    with atomic_path(path) as temp_path:
        torch.save(payload, temp_path)
    return Path(path)


def load_training_checkpoint(path: str | Path, config: dict[str, Any]) -> dict[str, Any]:
    """Read a checkpoint written by `save_training_checkpoint` for the run `config`.

    Raises:
        FileNotFoundError: no checkpoint at `path`.
        ValueError: the checkpoint is from another format version or its run differs in seed,
            batch size or curriculum (it could not continue exactly).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint to resume from at {path}; drop --resume")
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if payload.get("version") != CHECKPOINT_VERSION:
        raise ValueError(
            f"{path} has checkpoint version {payload.get('version')!r}; "
            f"expected {CHECKPOINT_VERSION}"
        )
    for key in RESUME_INVARIANTS:
        if _lookup(payload["config"], key) != _lookup(config, key):
            raise ValueError(
                f"{path} was written by a run with another {key}; resume with the same config "
                "or start a new --out folder"
            )
    return payload

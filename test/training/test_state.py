"""Tests of seeding and resumable checkpoints."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from sharp_depth_ros.training.state import (
    load_training_checkpoint,
    rng_state,
    save_training_checkpoint,
    seed_everything,
    set_rng_state,
)


def draws() -> tuple:
    return random.random(), float(np.random.rand()), float(torch.rand(()))


def test_restoring_the_rng_state_repeats_the_random_streams():
    seed_everything(3)
    state = rng_state()
    first = draws()
    set_rng_state(state)
    assert draws() == first


def save(path, config, **overrides):
    model = torch.nn.Linear(2, 1)
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.ones(1, 2)).sum().backward()
    optimizer.step()
    arguments = {
        "model": model,
        "optimizer": optimizer,
        "scaler": None,
        "next_step": 7,
        "optimizer_stage": 0,
        "best_scores": {"s1": 0.5},
        "config": config,
        **overrides,
    }
    save_training_checkpoint(path, **arguments)
    return model, optimizer


CONFIG = {"seed": 0, "data": {"batch_size": 4}, "curriculum": {"stages": ()}}


def test_checkpoint_round_trips_model_optimizer_and_progress(tmp_path):
    path = tmp_path / "checkpoint.pt"
    model, optimizer = save(path, CONFIG)
    payload = load_training_checkpoint(path, CONFIG)
    assert payload["next_step"] == 7 and payload["best_scores"] == {"s1": 0.5}
    assert torch.equal(payload["model"]["weight"], model.weight)
    restored = torch.optim.Adam(torch.nn.Linear(2, 1).parameters())
    restored.load_state_dict(payload["optimizer"])
    assert torch.equal(
        restored.state_dict()["state"][0]["exp_avg"], optimizer.state_dict()["state"][0]["exp_avg"]
    )
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]  # no temp files left


def test_a_failed_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.pt"
    save(path, CONFIG)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # a kill in the middle of writing

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        save(path, CONFIG, next_step=9)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]


def test_resuming_with_another_seed_or_batch_size_is_refused(tmp_path):
    path = tmp_path / "checkpoint.pt"
    save(path, CONFIG)
    with pytest.raises(ValueError, match="seed"):
        load_training_checkpoint(path, {**CONFIG, "seed": 1})
    with pytest.raises(ValueError, match="batch_size"):
        load_training_checkpoint(path, {**CONFIG, "data": {"batch_size": 8}})
    with pytest.raises(FileNotFoundError, match="--resume"):
        load_training_checkpoint(tmp_path / "none.pt", CONFIG)

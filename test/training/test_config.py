"""Tests of the training configs: strict parsing, validation, the shipped recipes."""

from __future__ import annotations

from pathlib import Path

import pytest

from sharp_depth_ros.training.config import TrainConfig

RECIPES = Path(__file__).resolve().parents[2] / "config" / "train"


def minimal() -> dict:
    return {
        "data": {"datasets": [{"name": "a", "kind": "metric_synthetic", "source": "analytic"}]},
        "curriculum": {"stages": [{"name": "s1", "steps": 10}]},
    }


def test_from_dict_builds_nested_frozen_configs_with_defaults():
    config = TrainConfig.from_dict(minimal())
    assert config.data.datasets[0].weight == 1.0
    assert config.curriculum.stages[0].lr_decoder == pytest.approx(1.28e-4)
    assert config.optim.grad_clip_norm == pytest.approx(0.2)
    assert isinstance(config.data.datasets, tuple)


def test_unknown_keys_are_rejected_with_their_location():
    data = minimal()
    data["curriculum"]["stages"][0]["lr"] = 1e-3
    with pytest.raises(ValueError, match=r"curriculum\.stages\[0\]: unknown keys \['lr'\]"):
        TrainConfig.from_dict(data)
    with pytest.raises(ValueError, match="unknown keys"):
        TrainConfig.from_dict({**minimal(), "epochs": 3})


def test_custom_losses_parse_from_names_and_weighted_entries():
    data = minimal()
    data["curriculum"]["stages"][0].update(
        objective="custom",
        losses={"metric_synthetic": ["mae", {"name": "mse", "weight": 0.5}]},
    )
    stage = TrainConfig.from_dict(data).curriculum.stages[0]
    terms = stage.losses_by_kind()["metric_synthetic"]
    assert [(t.name, t.weight) for t in terms] == [("mae", 1.0), ("mse", 0.5)]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("data", "batch_size"), 0, "batch_size"),
        (("optim", "precision"), "fp8", "precision"),
    ],
)
def test_invalid_values_name_the_field(path, value, message):
    data = minimal()
    target = data
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value
    with pytest.raises(ValueError, match=message):
        TrainConfig.from_dict(data)


def test_stage_naming_an_unknown_dataset_is_rejected():
    data = minimal()
    data["curriculum"]["stages"][0]["datasets"] = ["nope"]
    with pytest.raises(ValueError, match="datasets"):
        TrainConfig.from_dict(data)


def test_round_trip_through_to_dict():
    config = TrainConfig.from_yaml(RECIPES / "sharp-small-robot.yaml")
    assert TrainConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize("path", sorted(RECIPES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_recipe_parses(path):
    config = TrainConfig.from_yaml(path)
    assert config.curriculum.total_steps > 0


def test_shipped_default_recipe_follows_the_curriculum_on_robot_then_mixed_scenes():
    config = TrainConfig.from_yaml(RECIPES / "sharp-small-robot.yaml")
    stages = config.curriculum.stages
    assert [s.trains for s in stages] == ["depth", "depth", "fov"]
    assert [s.datasets for s in stages] == [("robot",), ("robot", "clutter"), ("robot",)]
    stage2_losses = {t.name for _, terms in stages[1].losses for t in terms}
    assert {"mage", "msge"} <= stage2_losses  # the paper's derivative terms for sharp edges
    assert config.model.preset == "sharp-small"


def test_device_recipe_is_the_cpu_recipe_at_more_steps():
    cpu = TrainConfig.from_yaml(RECIPES / "sharp-small-robot.yaml")
    gpu = TrainConfig.from_yaml(RECIPES / "sharp-small-robot-device.yaml")
    assert [s.losses for s in gpu.curriculum.stages] == [s.losses for s in cpu.curriculum.stages]
    assert gpu.data.datasets == cpu.data.datasets
    pairs = zip(gpu.curriculum.stages, cpu.curriculum.stages, strict=True)
    ratios = [g.steps / c.steps for g, c in pairs]
    assert all(r >= 8 for r in ratios)


def test_finetune_recipe_reads_a_folder_data_set():
    config = TrainConfig.from_yaml(RECIPES / "finetune.yaml")
    assert {d.source for d in config.data.datasets} == {"folder"}
    assert config.optim.freeze_layernorm


def test_missing_yaml_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        TrainConfig.from_yaml(tmp_path / "none.yaml")

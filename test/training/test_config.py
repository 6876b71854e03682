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
    config = TrainConfig.from_yaml(RECIPES / "sharp-small.yaml")
    assert TrainConfig.from_dict(config.to_dict()) == config


def test_shipped_default_recipe_has_the_three_stages():
    config = TrainConfig.from_yaml(RECIPES / "sharp-small.yaml")
    stages = config.curriculum.stages
    assert [s.objective for s in stages] == ["stage1", "stage2", "focal"]
    assert [s.trains for s in stages] == ["depth", "depth", "fov"]
    assert config.model.preset == "sharp-small"


def test_second_focal_pass_recipe_trains_only_the_fov_head_from_the_first_run():
    config = TrainConfig.from_yaml(RECIPES / "sharp-small-focal.yaml")
    first = TrainConfig.from_yaml(RECIPES / "sharp-small.yaml")
    assert [(s.objective, s.trains) for s in config.curriculum.stages] == [("focal", "fov")]
    assert config.model.checkpoint == "runs/sharp-small/model.safetensors"
    assert config.model.preset == first.model.preset
    assert config.data == first.data


def test_finetune_recipe_reads_a_folder_data_set():
    config = TrainConfig.from_yaml(RECIPES / "finetune.yaml")
    assert {d.source for d in config.data.datasets} == {"folder"}
    assert config.optim.freeze_layernorm


def test_missing_yaml_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        TrainConfig.from_yaml(tmp_path / "none.yaml")

"""Tests of the training configs: strict parsing, validation, the shipped recipes."""

from __future__ import annotations

import dataclasses
import re
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


def test_unknown_keys_are_rejected_with_their_location_and_the_allowed_keys():
    data = minimal()
    data["curriculum"]["stages"][0]["lr"] = 1e-3
    with pytest.raises(ValueError) as error:
        TrainConfig.from_dict(data)
    message = str(error.value)
    assert message.startswith("config.curriculum.stages[0].lr: unknown key (allowed keys: name,")
    assert "lr_encoder" in message and "\n" not in message
    with pytest.raises(ValueError, match=r"^config\.epochs: unknown key"):
        TrainConfig.from_dict({**minimal(), "epochs": 3})


@pytest.mark.parametrize(
    ("path", "value", "shown"),
    [
        (("data", "batch_size"), "four", "config.data.batch_size='four'"),
        (("data", "batch_size"), 2.5, "config.data.batch_size=2.5"),
        (("data", "batch_size"), True, "config.data.batch_size=True"),
        (("curriculum", "stages", 0, "steps"), "many", "config.curriculum.stages[0].steps='many'"),
        (("optim", "grad_clip_norm"), "0.2x", "config.optim.grad_clip_norm='0.2x'"),
        (("optim", "grad_clip_norm"), "0.2", "config.optim.grad_clip_norm='0.2'"),
        (("data", "datasets", 0, "augment"), "no", "config.data.datasets[0].augment='no'"),
        (("data", "datasets", 0, "augment"), 1, "config.data.datasets[0].augment=1"),
        (("seed",), "zero", "config.seed='zero'"),
        (("optim", "betas"), "0.9, 0.99", "config.optim.betas='0.9, 0.99'"),
        (("model", "preset"), 7, "config.model.preset=7"),
    ],
)
def test_wrong_types_are_refused_naming_the_key_path_value_and_expected_type(
    set_key, path, value, shown
):
    with pytest.raises(ValueError) as error:
        TrainConfig.from_dict(set_key(minimal(), path, value))
    message = str(error.value)
    assert message.startswith(shown + " is invalid: ")
    assert any(word in message for word in ("integer", "number", "boolean", "string", "array"))
    assert "\n" not in message


@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        (("data", "batch_size"), 0, "config.data.batch_size"),
        (("curriculum", "stages", 0, "steps"), -3, "config.curriculum.stages[0].steps"),
        (("optim", "grad_clip_norm"), -0.1, "config.optim.grad_clip_norm"),
        (("optim", "betas"), [0.9, 1.0], "config.optim.betas[1]"),
        (("optim", "betas"), [0.9], "config.optim.betas[1]: missing"),
        (("model", "init_fov_deg"), 180.0, "config.model.init_fov_deg"),
        (("curriculum", "stages", 0, "schedule", "decay_factor"), 0.0, "decay_factor"),
        (("curriculum", "stages", 0, "lr_decoder"), float("nan"), "stages[0].lr_decoder"),
    ],
)
def test_out_of_range_values_are_refused_naming_the_key(set_key, path, value, key):
    with pytest.raises(ValueError, match=re.escape(key)):
        TrainConfig.from_dict(set_key(minimal(), path, value))


def test_unquoted_yaml_no_reads_as_false_never_true(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        "data: {datasets: [{name: a, kind: metric_synthetic, source: analytic, augment: no}]}\n"
        "curriculum: {stages: [{name: s1, steps: 10}]}\n"
    )
    assert TrainConfig.from_yaml(recipe).data.datasets[0].augment is False
    recipe.write_text(recipe.read_text().replace("augment: no", "augment: 'no'"))
    with pytest.raises(ValueError, match=r"datasets\[0\]\.augment='no' is invalid"):
        TrainConfig.from_yaml(recipe)


def test_exponent_without_a_dot_is_a_number_in_yaml_recipes(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        "data: {datasets: [{name: a, kind: metric_synthetic, source: analytic}]}\n"
        "curriculum: {stages: [{name: s1, steps: 10, lr_encoder: 1e-4, lr_decoder: 3E-3}]}\n"
        "optim: {grad_clip_norm: 2e0}\n"
    )
    config = TrainConfig.from_yaml(recipe)
    assert config.curriculum.stages[0].lr_encoder == 1e-4
    assert config.curriculum.stages[0].lr_decoder == 3e-3
    assert config.optim.grad_clip_norm == 2.0


def test_yaml_errors_name_the_file_and_the_key(tmp_path):
    recipe = tmp_path / "bad.yaml"
    recipe.write_text(
        "data: {datasets: [{name: a, kind: metric_synthetic, source: analytic}],\n"
        "       batch_size: four}\n"
        "curriculum: {stages: [{name: s1, steps: 10}]}\n"
    )
    with pytest.raises(ValueError, match=r"bad\.yaml: config\.data\.batch_size='four'"):
        TrainConfig.from_yaml(recipe)


def test_configs_are_frozen_and_revalidated_on_replace():
    config = TrainConfig.from_dict(minimal())
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.seed = 3  # type: ignore[misc]
    with pytest.raises(ValueError, match="batch_size"):
        dataclasses.replace(config.data, batch_size="8")


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


def test_device_recipe_is_the_cpu_recipe_on_more_images():
    cpu = TrainConfig.from_yaml(RECIPES / "sharp-small-robot.yaml")
    gpu = TrainConfig.from_yaml(RECIPES / "sharp-small-robot-device.yaml")
    assert [s.losses for s in gpu.curriculum.stages] == [s.losses for s in cpu.curriculum.stages]
    assert [s.average_last for s in gpu.curriculum.stages] == [
        s.average_last for s in cpu.curriculum.stages
    ]
    assert gpu.data.datasets == cpu.data.datasets
    pairs = zip(gpu.curriculum.stages, cpu.curriculum.stages, strict=True)
    images = gpu.data.batch_size / cpu.data.batch_size
    assert all(g.steps * images >= 8 * c.steps for g, c in pairs)


def test_finetune_recipe_reads_a_folder_data_set():
    config = TrainConfig.from_yaml(RECIPES / "finetune.yaml")
    assert {d.source for d in config.data.datasets} == {"folder"}
    assert config.optim.freeze_layernorm


def test_missing_yaml_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        TrainConfig.from_yaml(tmp_path / "none.yaml")


def test_device_recipe_overrides_steps_paths_batch_and_precision(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "recipe.yaml"
    script = RECIPES.parents[1] / "scripts" / "device_recipe.py"
    args = [sys.executable, str(script), str(RECIPES / "sharp-small-robot-device.yaml"), str(out)]
    args += ["--data", "/tmp/d", "--steps", "stage1=60,stage2=0", "--batch", "4"]
    subprocess.run(args + ["--workers", "0", "--precision", "fp32"], check=True)
    config = TrainConfig.from_yaml(out)
    original = TrainConfig.from_yaml(RECIPES / "sharp-small-robot-device.yaml")
    steps = [stage.steps for stage in config.curriculum.stages]
    assert steps == [60] + [stage.steps for stage in original.curriculum.stages][1:]
    assert (config.data.batch_size, config.data.num_workers) == (4, 0)
    assert config.optim.precision == "fp32" and config.validation.every_steps == 20
    assert all(d.path.startswith("/tmp/d/synth/") for d in config.data.datasets)


@pytest.mark.parametrize("name", ["sharp-small-robot.yaml", "sharp-small-robot-device.yaml"])
def test_default_recipes_give_the_fov_head_an_encoder_from_the_trained_backbone(name):
    config = TrainConfig.from_yaml(RECIPES / name)
    focal = config.curriculum.stages[-1]
    assert config.model.fov_encoder_stages == 3  # as the shipped weights (CPU run 14)
    assert focal.trains == "fov" and focal.fov_encoder_from_backbone
    assert not any(s.fov_encoder_from_backbone for s in config.curriculum.stages[:-1])

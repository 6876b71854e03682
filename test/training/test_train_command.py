"""Tests of `sharp-depth train`: argument handling and one-line errors (no long training)."""

from __future__ import annotations

import copy

import pytest
import yaml

from sharp_depth_ros.cli import main

RECIPE = {
    "model": {"preset": "test-tiny"},
    "data": {
        "datasets": [{"name": "a", "kind": "metric_synthetic", "source": "analytic", "size": 2}],
        "batch_size": 1,
    },
    "curriculum": {"stages": [{"name": "s1", "steps": 5}]},
    "checkpoint_every_steps": 1000,
}


def write(path, recipe) -> str:
    path.write_text(yaml.safe_dump(recipe))
    return str(path)


def test_a_typo_in_the_recipe_exits_2_with_a_one_line_message(tmp_path, capsys):
    recipe = {**RECIPE, "optim": {"grad_clip": 0.2}}
    code = main(["train", write(tmp_path / "r.yaml", recipe), "--out", str(tmp_path / "o")])
    error = capsys.readouterr().err
    assert code == 2
    assert "config.optim.grad_clip: unknown key (allowed keys: grad_clip_norm," in error
    assert error.count("\n") == 1


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        (("data", "batch_size"), "four", "config.data.batch_size='four'"),
        (("data", "batch_size"), 2.5, "config.data.batch_size=2.5"),
        (("curriculum", "stages", 0, "steps"), "many", "config.curriculum.stages[0].steps='many'"),
        (("optim", "grad_clip_norm"), "0.2x", "config.optim.grad_clip_norm='0.2x'"),
        (("data", "datasets", 0, "augment"), "no", "config.data.datasets[0].augment='no'"),
    ],
)
def test_a_badly_typed_recipe_is_refused_before_any_work(
    tmp_path, capsys, set_key, path, value, named
):
    out = tmp_path / "o"
    recipe = write(tmp_path / "r.yaml", set_key(copy.deepcopy(RECIPE), path, value))
    code = main(["train", recipe, "--out", str(out)])
    error = capsys.readouterr().err
    assert code == 2
    assert f"{named} is invalid: Input should be a valid " in error and error.count("\n") == 1
    assert not out.exists()


def test_resume_without_a_checkpoint_says_to_drop_resume(tmp_path, capsys):
    args = ["train", write(tmp_path / "r.yaml", RECIPE), "--out", str(tmp_path / "o"), "--resume"]
    assert main([*args, "--device", "cpu", "--no-progress"]) == 2
    assert "drop --resume" in capsys.readouterr().err


def test_max_steps_stops_with_a_resumable_checkpoint(tmp_path):
    out = tmp_path / "o"
    args = ["train", write(tmp_path / "r.yaml", RECIPE), "--out", str(out), "--device", "cpu"]
    assert main([*args, "--max-steps", "1", "--no-progress"]) == 0
    assert (out / "checkpoint.pt").is_file() and not (out / "model.safetensors").exists()
    assert (out / "metrics.csv").read_text().splitlines()[1].startswith("1,s1,")

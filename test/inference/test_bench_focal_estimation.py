"""bench_focal_estimation.py: a row per checkpoint and focal case, ratios to the first."""

from __future__ import annotations

import json
import sys

import torch

from sharp_depth_ros.checkpoints import save_native
from sharp_depth_ros.model import create_model


def test_rows_cover_every_checkpoint_with_the_focal_given_and_estimated(
    tmp_path, monkeypatch, capsys, benchmark_script
):
    paths = []
    for stages in (0, 2):
        torch.manual_seed(0)
        model = create_model("test-tiny-conv", fov_encoder_stages=stages)
        path = tmp_path / f"stages{stages}.safetensors"
        save_native(model, path, model.config, preset="test-tiny-conv")
        paths.append(str(path))
    script = benchmark_script("bench_focal_estimation")
    argv = ["bench", "--size", "64x48", "--repeats", "2", "--threads", "1"]
    for path in paths:
        argv += ["--checkpoint", path]
    monkeypatch.setattr(sys, "argv", argv)
    script.main()
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["checkpoint"], r["focal"]) for r in rows] == [
        (paths[0], "given"),
        (paths[0], "estimated"),
        (paths[1], "given"),
        (paths[1], "estimated"),
    ]
    assert rows[0]["ratio_to_first_given"] == 1.0
    assert all(r["latency_median_s"] > 0 and r["image"] == "64x48" and r["cpu"] for r in rows)

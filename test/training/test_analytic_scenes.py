"""Tests of the procedural scenes of `source: analytic` recipes."""

from __future__ import annotations

import torch

from sharp_depth_ros.training.analytic_scenes import AnalyticDataset


def test_analytic_scenes_are_reproducible_and_differ_between_indices():
    dataset = AnalyticDataset(kind="metric_synthetic", size=3, resolution=32, seed=5)
    first, again = dataset.get(1, 0), dataset.get(1, 7)
    assert torch.equal(first["inverse_depth"], again["inverse_depth"])
    assert not torch.equal(first["inverse_depth"], dataset.get(2, 0)["inverse_depth"])

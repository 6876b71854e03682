from __future__ import annotations

import math

import pytest
import torch

from sharp_depth_ros.metrics import focal_metrics


def test_focal_metrics_count_images_strictly_under_25_and_50_percent():
    target = torch.tensor([1000.0, 1000.0, 1000.0, 1000.0])
    pred = torch.tensor([1100.0, 1250.0, 600.0, 2000.0])  # errors 0.1, 0.25, 0.4, 1.0
    metrics = focal_metrics(pred, target)
    torch.testing.assert_close(
        metrics["focal_relative_error"], torch.tensor([0.1, 0.25, 0.4, 1.0], dtype=torch.float64)
    )
    assert metrics["delta25"].tolist() == [1.0, 0.0, 0.0, 0.0]
    assert metrics["delta50"].tolist() == [1.0, 1.0, 1.0, 0.0]


def test_focal_metrics_accept_scalars_and_count_nan_as_a_miss():
    metrics = focal_metrics(math.nan, 500.0)
    assert metrics["delta50"].item() == 0.0
    assert focal_metrics(500.0, 500.0)["focal_relative_error"].item() == 0.0


def test_focal_metrics_reject_a_non_positive_target():
    with pytest.raises(ValueError, match="target_focal_px"):
        focal_metrics([100.0], [0.0])

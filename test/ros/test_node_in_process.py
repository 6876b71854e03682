"""The node in this process with a stand-in predictor (rclpy, DDS and the worker are real).

A stand-in predictor can fail on demand, which a real network does not; everything around it, the
worker thread, logging to /rosout and /diagnostics over DDS, is the node's own code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from rclpy.parameter import Parameter

from sharp_depth_ros.inference.prediction import DepthPrediction, FocalSource
from sharp_depth_ros.ros.node import DepthNode

pytestmark = pytest.mark.ros

WIDTH, HEIGHT = 64, 48
RGB = np.random.default_rng(0).integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)
FIXED = [
    Parameter("focal_source", value="fixed"),
    Parameter("fixed_focal_px", value=50.0),
    Parameter("input_reliability", value="reliable"),
    Parameter("diagnostics_period_s", value=0.2),
]


class FlakyPredictor:
    """Constant 2 m depth, or an exception while `failing` is set."""

    device = "cpu"

    def __init__(self) -> None:
        self.failing = True
        self.failures = 0

    def predict(self, rgb: np.ndarray, focal_px: float | None) -> DepthPrediction:
        if self.failing:
            self.failures += 1
            _out_of_memory()
        height, width = rgb.shape[:2]
        return DepthPrediction(
            depth_m=np.full((height, width), 2.0, np.float32),
            focal_px=float(focal_px),
            focal_source=FocalSource.GIVEN,
            fov_deg=math.degrees(2 * math.atan(width / (2 * focal_px))),
            canonical_inverse_depth=np.zeros((8, 8), np.float32),
        )


def _out_of_memory() -> None:
    raise RuntimeError("simulated out of memory")


class HumbleDepthNode(DepthNode):
    """The node as it runs on rclpy Humble, which has no post-set parameter callbacks."""

    add_post_set_parameters_callback = None


@pytest.mark.parametrize("node_class", [DepthNode, HumbleDepthNode], ids=["iron+", "humble"])
def test_parameters_are_validated_and_applied_with_and_without_post_set_callbacks(
    rclpy_context: None, node_class: type[DepthNode]
) -> None:
    node = node_class(FlakyPredictor(), namespace=f"/{node_class.__name__.lower()}")
    try:
        results = node.set_parameters([Parameter("points_stride", value=4)])
        assert results[0].successful and node.params.points_stride == 4
        refused = node.set_parameters([Parameter("min_depth", value=500.0)])  # > max_depth
        assert not refused[0].successful and "min_depth" in refused[0].reason
        assert node.params.min_depth == 0.0 and node.get_parameter("min_depth").value == 0.0
        node.set_parameters([Parameter("focal_source", value="estimate")])
        assert str(node.focal_policy.mode) == "estimate"
    finally:
        node.destroy_node()

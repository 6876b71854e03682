"""The node in this process with a stand-in predictor (rclpy, DDS and the worker are real).

A stand-in predictor can fail on demand, which a real network does not; everything around it, the
worker thread, logging to /rosout and /diagnostics over DDS, is the node's own code.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from diagnostic_msgs.msg import DiagnosticStatus
from rcl_interfaces.msg import Log
from rclpy.parameter import Parameter
from sensor_msgs.msg import CameraInfo

from sharp_depth_ros.inference.prediction import DepthPrediction, FocalSource
from sharp_depth_ros.ros import conversions
from sharp_depth_ros.ros.node import DepthNode
from sharp_depth_ros.ros.player import Received, StreamClient

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
    """Constant 2 m depth, or an exception while `failing` is set; estimates `estimate_px`."""

    device = "cpu"

    def __init__(self, failing: bool = True) -> None:
        self.failing = failing
        self.failures = 0
        self.calls = 0
        self.estimate_px = 100.0

    def predict(self, rgb: np.ndarray, focal_px: float | None) -> DepthPrediction:
        self.calls += 1
        if self.failing:
            self.failures += 1
            _out_of_memory()
        height, width = rgb.shape[:2]
        source = FocalSource.GIVEN if focal_px is not None else FocalSource.ESTIMATED
        focal_px = self.estimate_px if focal_px is None else focal_px
        return DepthPrediction(
            depth_m=np.full((height, width), 2.0, np.float32),
            focal_px=float(focal_px),
            focal_source=source,
            fov_deg=math.degrees(2 * math.atan(width / (2 * focal_px))),
            canonical_inverse_depth=np.zeros((8, 8), np.float32),
        )


def _out_of_memory() -> None:
    raise RuntimeError("simulated out of memory")


def _status(client: StreamClient, namespace: str) -> DiagnosticStatus | None:
    for message in reversed(client.diagnostics.messages):
        for status in message.status:
            if status.name.startswith(f"{namespace}/"):
                return status
    return None


def _values(status: DiagnosticStatus) -> dict[str, str]:
    return {kv.key: kv.value for kv in status.values}


def test_a_failing_frame_logs_its_traceback_once_and_diagnostics_show_error_until_recovery(
    spun: Any,
) -> None:
    predictor = FlakyPredictor()
    node = spun(DepthNode(predictor, namespace="/flaky", parameter_overrides=FIXED))
    client = StreamClient(namespace="/flaky")
    logs = Received()
    client.create_subscription(Log, "/rosout", logs.add, 100)
    try:
        assert client.wait_for_node(20)
        for _ in range(6):  # 0.6 s of failing frames
            client.publish_frame(RGB)
            client.spin_for(0.1)
        assert client.spin_until(lambda: node.failed_frames >= 3, 10)

        def is_error() -> bool:
            status = _status(client, "/flaky")
            return status is not None and status.level == DiagnosticStatus.ERROR

        assert client.spin_until(is_error, 5)
        status = _status(client, "/flaky")
        assert status.message == "frames failing: RuntimeError: simulated out of memory"
        assert int(_values(status)["failed_frames"]) >= 3
        assert _values(status)["last_error"] == "RuntimeError: simulated out of memory"
        assert node.failed_frames == predictor.failures and len(client.depth) == 0

        client.spin_for(0.5)  # let /rosout arrive
        errors = [
            m.msg for m in logs.messages if m.name.endswith("sharp_depth") and m.level == Log.ERROR
        ]
        traced = [text for text in errors if "Traceback (most recent call last)" in text]
        assert len(traced) == 1, errors
        assert "RuntimeError: simulated out of memory" in traced[0]
        assert "in _out_of_memory" in traced[0] and "in predict" in traced[0]
        # Throttled: after the traceback, at most one line per 5 s for the same failure.
        assert len(errors) <= 2 and predictor.failures >= 3, errors

        predictor.failing = False
        client.depth.clear()
        for _ in range(3):
            client.publish_frame(RGB)
            client.spin_for(0.1)
        assert client.spin_until(lambda: len(client.depth) > 0, 10)

        def is_ok() -> bool:
            status = _status(client, "/flaky")
            return status is not None and status.level == DiagnosticStatus.OK

        assert client.spin_until(is_ok, 5), _status(client, "/flaky")
        assert _values(_status(client, "/flaky"))["failed_frames"] == str(predictor.failures)
    finally:
        client.destroy_node()


def test_without_subscribers_frames_are_skipped_and_the_focal_estimate_is_kept(
    spun: Any,
) -> None:
    predictor = FlakyPredictor(failing=False)
    overrides = [
        Parameter("focal_source", value="estimate"),
        Parameter("focal_smoothing", value=0.5),
        Parameter("input_reliability", value="reliable"),
        Parameter("diagnostics_period_s", value=0.2),
    ]
    node = spun(DepthNode(predictor, namespace="/idle", parameter_overrides=overrides))
    client = StreamClient(namespace="/idle")
    try:
        assert client.wait_for_node(20)
        client.publish_frame(RGB)
        assert client.spin_until(lambda: len(client.depth_info) > 0, 10)
        assert client.depth_info.messages[-1].k[0] == pytest.approx(100.0)
        calls = predictor.calls

        # Nobody listens: frames arrive and are counted, the predictor is not called.
        outputs = [s for s in client.subscriptions if s.topic_name != "/diagnostics"]
        for subscription in outputs:
            client.destroy_subscription(subscription)
        assert client.spin_until(lambda: not node.has_output_subscribers(), 10)
        predictor.estimate_px = 1000.0  # would move the average if idle frames were inferred
        for _ in range(5):
            client.publish_frame(RGB)
            client.spin_for(0.1)
        assert client.spin_until(lambda: node.skipped_idle >= 5, 5)
        assert predictor.calls == calls

        def idle_status() -> bool:
            status = _status(client, "/idle")
            return status is not None and "no subscribers" in status.message

        assert client.spin_until(idle_status, 5)
        assert _status(client, "/idle").level == DiagnosticStatus.OK

        # A subscriber again: the smoothed estimate continues from 100, not from scratch.
        predictor.estimate_px = 200.0
        info = Received()
        client.create_subscription(CameraInfo, "depth/camera_info", info.add, 5)
        assert client.spin_until(node.has_output_subscribers, 10)
        client.publish_frame(RGB)
        assert client.spin_until(lambda: len(info) > 0, 10)
        assert info.messages[-1].k[0] == pytest.approx(0.5 * 100.0 + 0.5 * 200.0)
    finally:
        client.destroy_node()


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


def test_the_floor_scale_puts_the_published_floor_at_the_camera_height(
    spun: Any, level_floor: Any, level_floor_predictor: Any
) -> None:
    overrides = [
        *FIXED,
        Parameter("camera_height_m", value=1.5),
        Parameter("ground_smoothing", value=0.0),
    ]
    node = spun(DepthNode(level_floor_predictor, namespace="/floor", parameter_overrides=overrides))
    client = StreamClient(namespace="/floor")

    def published_depth() -> np.ndarray:
        client.depth.clear()
        client.publish_frame(RGB)
        assert client.spin_until(lambda: len(client.depth) > 0, 10)
        return conversions.image_to_array(client.depth.messages[-1])

    def ground_scale() -> str | None:
        status = _status(client, "/floor")
        return None if status is None else _values(status).get("ground_scale")

    try:
        assert client.wait_for_node(20)
        unscaled = level_floor(0.5, 50.0, WIDTH, HEIGHT)
        np.testing.assert_allclose(published_depth(), unscaled * 3.0, rtol=1e-5)
        assert client.spin_until(lambda: ground_scale() == "3.000", 5), ground_scale()
        assert node.floor_frames == 1

        # Switched off at run time: the network's own scale again.
        assert node.set_parameters([Parameter("camera_height_m", value=0.0)])[0].successful
        np.testing.assert_allclose(published_depth(), unscaled, rtol=1e-6)
        assert client.spin_until(lambda: ground_scale() == "off", 5), ground_scale()
    finally:
        client.destroy_node()

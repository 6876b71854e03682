"""Lazy inference: with nothing subscribed to an output the node neither decodes nor infers.

Measured on real processes over DDS: the node's own CPU time (user + system, from /proc) while a
camera streams 640x480 at 10 Hz, first with no output subscriber, then with one on `depth`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rclpy
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from rclpy.node import Node
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import Image

from sharp_depth_ros.ros import conversions
from sharp_depth_ros.ros.player import Received

pytestmark = pytest.mark.ros

NAMESPACE = "/lazy"
WIDTH, HEIGHT, RATE_HZ = 640, 480, 10.0
PHASE_S = 4.0  # measured seconds per phase
START_TIMEOUT_S = 90.0  # imports torch + timm on a loaded 2-core machine
MAX_IDLE_SHARE = 0.25  # idle CPU time / CPU time with a depth subscriber
PROC_STAT = Path("/proc/self/stat")


def cpu_time_s(pid: int) -> float:
    """User + system CPU seconds of process `pid`, all its threads (Linux /proc)."""
    # Fields after the ")" closing the command name: state is field 3, utime 14, stime 15.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Camera(Node):
    """Publishes one 640x480 rgb8 frame over and over; listens to /diagnostics only."""

    def __init__(self) -> None:
        super().__init__("lazy_camera", namespace=NAMESPACE)
        self.qos = QoSProfile(
            history=HistoryPolicy.KEEP_LAST, depth=1, reliability=ReliabilityPolicy.RELIABLE
        )
        self.image_pub = self.create_publisher(Image, "image", self.qos)
        self.diagnostics = Received()
        self.create_subscription(DiagnosticArray, "/diagnostics", self.diagnostics.add, 10)
        rgb = np.random.default_rng(0).integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)
        self.frame = conversions.array_to_image(rgb, "rgb8")
        self.frame.header.frame_id = "camera_optical_frame"

    def stream(self, duration_s: float) -> None:
        """Publish at RATE_HZ for `duration_s`, spinning in between."""
        next_s = time.monotonic()
        end_s = next_s + duration_s
        while (now_s := time.monotonic()) < end_s:
            if now_s >= next_s:
                self.frame.header.stamp = self.get_clock().now().to_msg()
                self.image_pub.publish(self.frame)
                next_s += 1.0 / RATE_HZ
            rclpy.spin_once(self, timeout_sec=max(0.0, min(next_s, end_s) - time.monotonic()))

    def status(self) -> DiagnosticStatus | None:
        """The depth node's latest diagnostic status."""
        for message in reversed(self.diagnostics.messages):
            for status in message.status:
                if status.name.startswith(f"{NAMESPACE}/"):
                    return status
        return None


@pytest.fixture
def camera(rclpy_context: None) -> Iterator[Camera]:
    node = Camera()
    yield node
    node.destroy_node()


@pytest.mark.skipif(not PROC_STAT.exists(), reason="reads CPU time from /proc")
def test_without_subscribers_the_node_uses_under_a_quarter_of_the_cpu(
    start_tiny_node: Any, camera: Camera
) -> None:
    process = start_tiny_node(
        {"focal_smoothing": 0.5, "diagnostics_period_s": 0.5}, name="lazy", namespace=NAMESPACE
    )
    pid = process.process.pid

    def ready() -> bool:
        return (
            camera.image_pub.get_subscription_count() > 0
            and camera.count_publishers(f"{NAMESPACE}/depth") > 0
        )

    deadline_s = time.monotonic() + START_TIMEOUT_S
    while not ready():
        assert time.monotonic() < deadline_s and process.process.poll() is None, process.log()
        camera.stream(0.1)

    # 1. Nobody subscribes to depth, depth/camera_info or points: frames arrive, none is processed.
    camera.stream(1.0)  # settle
    idle_start_s = cpu_time_s(pid)
    camera.stream(PHASE_S)
    idle_cpu_s = cpu_time_s(pid) - idle_start_s
    camera.stream(0.6)  # one more diagnostics period
    status = camera.status()
    assert status is not None and status.level == DiagnosticStatus.OK, status
    assert "no subscribers" in status.message
    values = {kv.key: kv.value for kv in status.values}
    assert values["frames_out"] == "0" and int(values["skipped_no_subscriber"]) >= 30, values
    assert float(values["input_rate_hz"]) > 5.0, values

    # 2. A depth subscriber: the same stream is decoded, inferred and published.
    depth = Received()
    camera.create_subscription(Image, "depth", depth.add, camera.qos)
    deadline_s = time.monotonic() + 30.0
    while not depth.messages:  # discovery and the first inference are not measured
        assert time.monotonic() < deadline_s, process.log()[-3000:]
        camera.stream(0.1)
    camera.stream(1.0)
    depth.clear()
    active_start_s = cpu_time_s(pid)
    camera.stream(PHASE_S)
    active_cpu_s = cpu_time_s(pid) - active_start_s
    assert len(depth) >= 5, len(depth)  # it did work: at least 5 of 40 frames came out

    share = idle_cpu_s / active_cpu_s
    print(
        f"\nnode CPU over {PHASE_S:.0f} s of {WIDTH}x{HEIGHT} at {RATE_HZ:.0f} Hz: "
        f"idle {idle_cpu_s:.2f} s, with a depth subscriber {active_cpu_s:.2f} s "
        f"({len(depth)} depth images): idle share {share:.1%}"
    )
    assert share < MAX_IDLE_SHARE, (idle_cpu_s, active_cpu_s)
    assert "no subscribers to depth, depth/camera_info or points" in process.log()
    assert "an output has a subscriber: processing frames" in process.log()

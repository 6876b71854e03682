"""A client node that plays images (+ CameraInfo) into the depth node and records its outputs.

Used by the demo, the integration tests and the node benchmark: the depth node runs in its own
process and this client talks to it over DDS, as a camera driver and a consumer would.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import rclpy
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.client import Client
from rclpy.node import Node
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CameraInfo, CompressedImage, Image, PointCloud2
from std_msgs.msg import Header

from sharp_depth_ros.ros import conversions
from sharp_depth_ros.ros.camera_info import Intrinsics, make_camera_info


@dataclass
class Received:
    """Messages received on one topic, each with its arrival time (time.monotonic())."""

    messages: list = field(default_factory=list)
    times_s: list[float] = field(default_factory=list)

    def add(self, msg: object) -> None:
        """Record one message."""
        self.messages.append(msg)
        self.times_s.append(time.monotonic())

    def __len__(self) -> int:
        return len(self.messages)

    def clear(self) -> None:
        """Forget what was received."""
        self.messages.clear()
        self.times_s.clear()


class StreamClient(Node):
    """Publishes `image`, `image/compressed`, `camera_info`; records `depth`, `points`, ...

    Args:
        namespace: the depth node's namespace ("" for the root).
        reliable: reliable QoS on all topics (tests: delivery matters); otherwise best effort.
        depth: history depth of the QoS.
    """

    def __init__(self, namespace: str = "", reliable: bool = True, depth: int = 5) -> None:
        super().__init__("sharp_depth_player", namespace=namespace)
        qos = QoSProfile(
            history=HistoryPolicy.KEEP_LAST,
            depth=depth,
            reliability=ReliabilityPolicy.RELIABLE if reliable else ReliabilityPolicy.BEST_EFFORT,
        )
        self.image_pub = self.create_publisher(Image, "image", qos)
        self.compressed_pub = self.create_publisher(CompressedImage, "image/compressed", qos)
        self.info_pub = self.create_publisher(CameraInfo, "camera_info", qos)
        self.depth, self.depth_info = Received(), Received()
        self.points, self.diagnostics = Received(), Received()
        self.create_subscription(Image, "depth", self.depth.add, qos)
        self.create_subscription(CameraInfo, "depth/camera_info", self.depth_info.add, qos)
        self.create_subscription(PointCloud2, "points", self.points.add, qos)
        self.create_subscription(DiagnosticArray, "/diagnostics", self.diagnostics.add, 10)
        self.sent_times_s: dict[tuple[int, int], float] = {}

    def header(self, frame_id: str = "camera_optical_frame") -> Header:
        """A header stamped now (wall clock) whose stamp identifies the frame."""
        return Header(stamp=self.get_clock().now().to_msg(), frame_id=frame_id)

    def publish_frame(
        self,
        rgb: np.ndarray,
        *,
        encoding: str = "rgb8",
        intrinsics: Intrinsics | None = None,
        compressed: bool = False,
        frame_id: str = "camera_optical_frame",
    ) -> Header:
        """Publish one (H, W, 3) uint8 RGB frame (converted to `encoding`) and its CameraInfo.

        Returns:
            The header used (the depth node copies it into its outputs).
        """
        header = self.header(frame_id)
        if intrinsics is not None:
            self.info_pub.publish(make_camera_info(intrinsics, header))
        if compressed:
            self.compressed_pub.publish(conversions.rgb_to_compressed(rgb, header))
        else:
            self.image_pub.publish(
                conversions.array_to_image(rgb_to_encoding(rgb, encoding), encoding, header)
            )
        self.sent_times_s[(header.stamp.sec, header.stamp.nanosec)] = time.monotonic()
        return header

    def latency_s(self, index: int = -1) -> float:
        """Time from publishing a frame to receiving its depth image."""
        stamp = self.depth.messages[index].header.stamp
        return self.depth.times_s[index] - self.sent_times_s[(stamp.sec, stamp.nanosec)]

    def spin_until(self, condition: Callable[[], bool], timeout_s: float) -> bool:
        """Spin until `condition()` holds or `timeout_s` passes; returns the condition."""
        deadline_s = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline_s:
                return False
            rclpy.spin_once(self, timeout_sec=0.02)
        return True

    def call(
        self, service: Client, request: object, timeout_s: float = 10.0, attempts: int = 3
    ) -> object | None:
        """Call `service` and return its response, or None when no answer comes in `timeout_s`.

        The request is sent again (up to `attempts` times, evenly spread over `timeout_s`) while
        no answer has come: just after discovery a server may not yet see this client's
        response reader, and DDS then drops the answer. A late answer to an earlier send still
        counts. Only for requests that are safe to repeat (queries, setting parameters).
        """
        futures = []
        try:
            for _ in range(attempts):
                futures.append(service.call_async(request))
                if self.spin_until(lambda: any(f.done() for f in futures), timeout_s / attempts):
                    return next(f for f in futures if f.done()).result()
            return None
        finally:
            for future in futures:
                service.remove_pending_request(future)

    def spin_for(self, duration_s: float) -> None:
        """Spin for a fixed time."""
        self.spin_until(lambda: False, duration_s)

    def wait_for_node(self, timeout_s: float, compressed: bool = False) -> bool:
        """Wait until the depth node subscribes to our image topic and publishes depth."""
        publisher = self.compressed_pub if compressed else self.image_pub
        return self.spin_until(
            lambda: (
                publisher.get_subscription_count() > 0
                and self.count_publishers(self.resolve_topic_name("depth")) > 0
            ),
            timeout_s,
        )


def rgb_to_encoding(rgb: np.ndarray, encoding: str) -> np.ndarray:
    """(H, W, 3) uint8 RGB as an array in `encoding` (for publishing test and demo frames)."""
    if encoding == "rgb8":
        return rgb
    if encoding == "bgr8":
        return np.ascontiguousarray(rgb[:, :, ::-1])
    if encoding in ("rgba8", "bgra8"):
        colour = rgb if encoding == "rgba8" else rgb[:, :, ::-1]
        alpha = np.full(rgb.shape[:2] + (1,), 255, np.uint8)
        return np.concatenate([colour, alpha], axis=2)
    grey = rgb.mean(axis=2)
    if encoding == "mono8":
        return grey.round().astype(np.uint8)
    if encoding in ("mono16", "16UC1"):
        return (grey * 257).round().astype(np.uint16)
    raise ValueError(f"cannot produce encoding {encoding!r}")

"""What `sharp-depth bag` reads and writes, and how it processes frames (the node's parameters)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rosbags.rosbag2 import StoragePlugin

from sharp_depth_ros.ros.parameter_specs import SPECS_BY_NAME, validate_values

STORAGES = {"mcap": StoragePlugin.MCAP, "sqlite3": StoragePlugin.SQLITE3}


def _node_default(name: str) -> Any:
    """The default of the node parameter `name`."""
    return SPECS_BY_NAME[name].default


@dataclass(frozen=True, kw_only=True)
class BagDepthOptions:
    """What to read and what to write; the defaults are the node's parameter defaults.

    Attributes:
        image_topic: sensor_msgs/Image topic (CompressedImage with `compressed`).
        camera_info_topic: its CameraInfo; None uses `<image_topic's parent>/camera_info` when
            the bag has it (ROS's naming convention), else the focal length is estimated.
        compressed: the image topic holds sensor_msgs/CompressedImage.
        namespace: prefix of the output topics.
        storage: mcap or sqlite3; None writes the input's format.
        rectify, focal_source, fixed_focal_px, focal_smoothing, camera_height_m,
        camera_pitch_deg, camera_roll_deg, ground_smoothing, max_image_side_px, publish_points,
        points_stride, min_depth, max_depth, points_organised, points_colour: as the node's
            parameters of the same names (docs/ros.md), with their defaults and checks.
    """

    image_topic: str
    camera_info_topic: str | None = None
    compressed: bool = False
    namespace: str = "/sharp_depth"
    storage: str | None = None
    focal_source: str = _node_default("focal_source")
    fixed_focal_px: float = _node_default("fixed_focal_px")
    focal_smoothing: float = _node_default("focal_smoothing")
    camera_height_m: float = _node_default("camera_height_m")
    camera_pitch_deg: float = _node_default("camera_pitch_deg")
    camera_roll_deg: float = _node_default("camera_roll_deg")
    ground_smoothing: float = _node_default("ground_smoothing")
    max_image_side_px: int = _node_default("max_image_side_px")
    rectify: bool = _node_default("rectify")
    publish_points: bool = _node_default("publish_points")
    points_stride: int = _node_default("points_stride")
    min_depth: float = _node_default("min_depth")
    max_depth: float = _node_default("max_depth")
    points_organised: bool = _node_default("points_organised")
    points_colour: bool = _node_default("points_colour")

    def __post_init__(self) -> None:
        if self.storage is not None and self.storage not in STORAGES:
            raise ValueError(
                f"storage must be one of {sorted(STORAGES)}, received {self.storage!r}"
            )
        validate_values(self)  # the node's checks of its parameters of the same names
        if not self.namespace.startswith("/") or self.namespace.endswith("/"):
            raise ValueError(
                f"namespace must start with '/' and not end with one, received {self.namespace!r}"
            )

    def output_topics(self) -> tuple[str, ...]:
        """depth, depth/camera_info and (when published) points, under the namespace."""
        topics = (f"{self.namespace}/depth", f"{self.namespace}/depth/camera_info")
        return (*topics, f"{self.namespace}/points") if self.publish_points else topics

"""What `sharp-depth bag` reads and writes, and how it processes frames (the node's parameters)."""

from __future__ import annotations

from dataclasses import dataclass

from rosbags.rosbag2 import StoragePlugin

from sharp_depth_ros.ros.focal_policy import FocalMode

STORAGES = {"mcap": StoragePlugin.MCAP, "sqlite3": StoragePlugin.SQLITE3}


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
        rectify, focal_source, fixed_focal_px, focal_smoothing, max_image_side_px, publish_points,
        points_stride, min_depth, max_depth, points_organised, points_colour: as the node's
            parameters of the same names (docs/ros.md).
    """

    image_topic: str
    camera_info_topic: str | None = None
    compressed: bool = False
    namespace: str = "/sharp_depth"
    storage: str | None = None
    focal_source: str = "auto"
    fixed_focal_px: float = 0.0
    focal_smoothing: float = 0.9
    max_image_side_px: int = 4096
    rectify: bool = True
    publish_points: bool = True
    points_stride: int = 1
    min_depth: float = 0.0
    max_depth: float = 100.0
    points_organised: bool = True
    points_colour: bool = True

    def __post_init__(self) -> None:
        if self.storage is not None and self.storage not in STORAGES:
            raise ValueError(
                f"storage must be one of {sorted(STORAGES)}, received {self.storage!r}"
            )
        FocalMode(self.focal_source)  # ValueError names the value
        if self.focal_source == FocalMode.FIXED and not self.fixed_focal_px > 0:
            raise ValueError(f"a fixed focal length must be > 0, received {self.fixed_focal_px}")
        if not 0.0 <= self.focal_smoothing < 1.0:
            raise ValueError(f"focal_smoothing must be in [0, 1), received {self.focal_smoothing}")
        if self.points_stride < 1:
            raise ValueError(f"points_stride must be >= 1, received {self.points_stride}")
        if not 0.0 <= self.min_depth < self.max_depth:
            raise ValueError(
                f"need 0 <= min_depth < max_depth, received {self.min_depth}, {self.max_depth}"
            )
        if not self.namespace.startswith("/") or self.namespace.endswith("/"):
            raise ValueError(
                f"namespace must start with '/' and not end with one, received {self.namespace!r}"
            )

    def output_topics(self) -> tuple[str, ...]:
        """depth, depth/camera_info and (when published) points, under the namespace."""
        topics = (f"{self.namespace}/depth", f"{self.namespace}/depth/camera_info")
        return (*topics, f"{self.namespace}/points") if self.publish_points else topics

"""Depth, its CameraInfo and a point cloud for every image of a recorded rosbag2 bag.

The output bag holds every input message unchanged plus, per image, `<ns>/depth` (32FC1 metres),
`<ns>/depth/camera_info` and `<ns>/points`, each with the image's header and bag timestamp. The
frames go through the node's own code: `predict_frame_depth` (predictor and focal policy), the
CameraInfo values and the cloud layout, so a bag gives what the live node would have published.
CameraInfo is taken as the node takes it: the latest valid one recorded before the image.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rosbags.interfaces import Connection, ConnectionExtRosbag2
from rosbags.rosbag2 import Writer
from tqdm import tqdm

from sharp_depth_ros.atomic import atomic_directory
from sharp_depth_ros.bag import messages
from sharp_depth_ros.bag.options import STORAGES, BagDepthOptions
from sharp_depth_ros.bag.topics import check_topics, open_reader
from sharp_depth_ros.ros.cloud_points import cloud_fields, depth_to_points
from sharp_depth_ros.ros.focal_policy import FocalPolicy, FocalSourceInUse
from sharp_depth_ros.ros.frame_depth import (
    FrameDepth,
    Predictor,
    SkippedFrame,
    frame_rectifier,
    predict_frame_depth,
)
from sharp_depth_ros.ros.ground_policy import ground_policy_for
from sharp_depth_ros.ros.image_arrays import array_to_image_fields, compressed_to_rgb, image_to_rgb
from sharp_depth_ros.ros.intrinsics import (
    Intrinsics,
    camera_info_values,
    intrinsics_from_camera_info,
)

LOGGER = logging.getLogger(__name__)
BAG_VERSION = 9  # rosbag2 metadata version written: the newest of the two rosbags writes (8, 9)
# Placeholder type hash for recorded types that come without a definition or hash (Humble's
# sqlite3 bags): the writer needs one, and the messages are copied byte for byte regardless.
UNKNOWN_TYPE_HASH = "RIHS01_" + "0" * 64


@dataclass(frozen=True, kw_only=True)
class BagReport:
    """What `write_depth_bag` did.

    Attributes:
        frames: images on the image topic.
        skipped: of those, frames without output (undecodable, or no focal length).
        copied: input messages written unchanged.
        output: the output bag folder.
    """

    frames: int
    skipped: int
    copied: int
    output: Path


def write_depth_bag(
    input_path: str | Path,
    output_path: str | Path,
    options: BagDepthOptions,
    predictor: Predictor,
    *,
    overwrite: bool = False,
    show_progress: bool = True,
) -> BagReport:
    """Read a rosbag2 bag and write a copy with depth, CameraInfo and points added.

    The output appears only when complete (written next to it, then renamed). A frame that
    cannot be decoded or has no focal length is skipped with a warning that names it.

    Args:
        input_path: a rosbag2 folder (or a single .mcap / .db3 file).
        output_path: the output bag folder.
        options: topics, output namespace and the node's processing parameters.
        predictor: a `DepthPredictor` (or anything with its `predict`).
        overwrite: replace an existing output.
        show_progress: draw a progress bar over the frames on stderr.

    Raises:
        FileNotFoundError: no input bag.
        FileExistsError: the output exists and `overwrite` is false.
        ValueError: unreadable bag, or a topic missing or of the wrong type (the message lists
            the bag's topics).
    """
    input_path, output_path = Path(input_path), Path(output_path)
    if output_path.resolve() == input_path.resolve():
        raise ValueError(f"output {output_path} is the input bag")
    reader = open_reader(input_path)
    try:
        info_topic = check_topics(reader, options, input_path)
        if info_topic is None and options.focal_source == "auto":
            LOGGER.warning(
                "no CameraInfo for %s: the network estimates the focal length (metric scale)",
                options.image_topic,
            )
        storage = options.storage or _storage_of(input_path)
        total = sum(c.msgcount for c in reader.connections if c.topic == options.image_topic)
        with (
            atomic_directory(output_path, overwrite=overwrite) as temp_path,
            tqdm(total=total, unit="frame", disable=not show_progress, file=sys.stderr) as progress,
        ):
            # The writer is closed (index and metadata written) before the folder is renamed.
            with Writer(temp_path, version=BAG_VERSION, storage_plugin=STORAGES[storage]) as writer:
                frames = _FrameWriter(writer, options, predictor)
                copies = {conn.id: _copy_connection(writer, conn) for conn in reader.connections}
                copied = 0
                for connection, timestamp, raw in reader.messages():
                    writer.write(copies[connection.id], timestamp, raw)
                    copied += 1
                    if connection.topic == options.image_topic:
                        frames.add_frame(connection.msgtype, timestamp, raw)
                        progress.update(1)
                    elif connection.topic == info_topic:
                        frames.note_camera_info(connection.msgtype, raw)
    finally:
        reader.close()
    return BagReport(frames=frames.count, skipped=frames.skipped, copied=copied, output=output_path)


class _FrameWriter:
    """Per-frame state (latest CameraInfo, focal policy) and the output connections."""

    def __init__(self, writer: Writer, options: BagDepthOptions, predictor: Predictor) -> None:
        self.writer, self.options, self.predictor = writer, options, predictor
        self.policy = FocalPolicy(
            options.focal_source, options.fixed_focal_px, options.focal_smoothing
        )
        self.ground = ground_policy_for(options)
        types = (messages.IMAGE, messages.CAMERA_INFO, messages.POINT_CLOUD2)
        self.connections = [
            writer.add_connection(topic, msgtype, typestore=messages.TYPESTORE)
            for topic, msgtype in zip(options.output_topics(), types, strict=False)
        ]
        self.camera_info: Any = None
        self.camera: Intrinsics | None = None
        self.count = self.skipped = 0
        self._warned_camera_info = False

    def note_camera_info(self, msgtype: str, raw: bytes | memoryview) -> None:
        """Keep the latest valid CameraInfo; an invalid one is ignored (warned about once)."""
        try:
            msg = messages.deserialize(raw, msgtype)
            camera = intrinsics_from_camera_info(msg)
        except ValueError as error:
            if not self._warned_camera_info:
                LOGGER.warning("ignoring CameraInfo: %s", error)
                self._warned_camera_info = True
            return
        self.camera_info, self.camera = msg, camera

    def add_frame(self, msgtype: str, timestamp: int, raw: bytes | memoryview) -> None:
        """Write depth, CameraInfo and points for one image, or skip it with a warning."""
        index, self.count = self.count, self.count + 1
        name = f"frame {index} (bag time {timestamp} ns)"
        try:
            msg = messages.deserialize(raw, msgtype)
            stamp = msg.header.stamp
            name = f"frame {index} (stamp {stamp.sec}.{stamp.nanosec:09d}, bag time {timestamp} ns)"
            max_side = self.options.max_image_side_px
            if msgtype == messages.COMPRESSED_IMAGE:
                rgb = compressed_to_rgb(msg, max_side_px=max_side)
            else:
                rgb = image_to_rgb(msg, max_side_px=max_side)
            height, width = rgb.shape[:2]
            rectify = self.options.rectify
            rectifier = frame_rectifier(self.camera_info, width, height) if rectify else None
            depth = predict_frame_depth(
                self.predictor, self.policy, rgb, self.camera, rectifier, self.ground
            )
        except (ValueError, SkippedFrame) as error:
            self.skipped += 1
            LOGGER.warning("skipping %s on %s: %s", name, self.options.image_topic, error)
            return
        self._write(msg.header, timestamp, depth)

    def _write(self, header: Any, timestamp: int, depth: FrameDepth) -> None:
        options = self.options
        # As the node: the camera's own D is passed on only for its unrectified intrinsics.
        from_camera = depth.source is FocalSourceInUse.CAMERA_INFO and not depth.rectified
        source = self.camera_info if from_camera else None
        outputs = [
            messages.image_message(array_to_image_fields(depth.depth_m, "32FC1"), header),
            messages.camera_info_message(camera_info_values(depth.intrinsics, source), header),
        ]
        if options.publish_points:
            points = depth_to_points(
                depth.depth_m,
                depth.intrinsics,
                stride=options.points_stride,
                min_depth_m=options.min_depth,
                max_depth_m=options.max_depth,
                rgb=depth.rgb if options.points_colour else None,
                organised=options.points_organised,
            )
            layout = cloud_fields(points, dense=not options.points_organised)
            outputs.append(messages.cloud_message(layout, header))
        for connection, msg in zip(self.connections, outputs, strict=True):
            self.writer.write(connection, timestamp, messages.serialize(msg))


def _storage_of(input_path: Path) -> str:
    """The storage format of the input bag's files: mcap or sqlite3."""
    files: Sequence[Path] = [input_path] if input_path.is_file() else list(input_path.iterdir())
    return "mcap" if any(".mcap" in path.suffixes for path in files) else "sqlite3"


def _copy_connection(writer: Writer, connection: Connection) -> Connection:
    """A connection of the output bag with the input's type, definition, hash and QoS."""
    ext = connection.ext
    assert isinstance(ext, ConnectionExtRosbag2)  # the rosbag2 reader only makes these
    definition = connection.msgdef.data or None
    if definition is None and connection.msgtype in messages.TYPESTORE.types:
        return writer.add_connection(
            connection.topic,
            connection.msgtype,
            typestore=messages.TYPESTORE,
            serialization_format=ext.serialization_format,
            offered_qos_profiles=ext.offered_qos_profiles,
        )
    return writer.add_connection(
        connection.topic,
        connection.msgtype,
        msgdef=definition or "",
        rihs01=connection.digest or UNKNOWN_TYPE_HASH,
        serialization_format=ext.serialization_format,
        offered_qos_profiles=ext.offered_qos_profiles,
    )

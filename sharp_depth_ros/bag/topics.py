"""The input bag's topics: the image and CameraInfo topics to read, checked before any work."""

from __future__ import annotations

import logging
from pathlib import Path

from rosbags.rosbag2 import Reader, ReaderError

from sharp_depth_ros.bag import messages
from sharp_depth_ros.bag.options import BagDepthOptions

LOGGER = logging.getLogger(__name__)


def check_input(input_path: str | Path, options: BagDepthOptions) -> str | None:
    """Check that the bag can be read and has the topics `options` name, before any work.

    Returns:
        The CameraInfo topic that will be used, or None (focal length estimated).

    Raises:
        FileNotFoundError: no input bag.
        ValueError: unreadable bag, or a topic missing or of the wrong type.
    """
    reader = open_reader(Path(input_path))
    try:
        return check_topics(reader, options, Path(input_path))
    finally:
        reader.close()


def open_reader(input_path: Path) -> Reader:
    """Open a rosbag2 folder or a single .mcap / .db3 file.

    Raises:
        FileNotFoundError: no such path, or a folder without metadata.yaml.
        ValueError: a bag rosbags cannot read (the message says why).
    """
    if not input_path.exists():
        raise FileNotFoundError(f"no bag at {input_path}")
    try:
        reader = Reader(input_path)
        reader.open()
    except ReaderError as error:
        raise ValueError(f"cannot read bag {input_path}: {error}") from error
    return reader


def check_topics(reader: Reader, options: BagDepthOptions, input_path: Path) -> str | None:
    """Check the image and CameraInfo topics; returns the CameraInfo topic to use, if any.

    Raises:
        ValueError: a missing topic or one of the wrong type (listing the bag's topics), an
            output topic that the input already has, or focal_source camera_info without a
            CameraInfo topic.
    """
    topics = {topic: info.msgtype for topic, info in reader.topics.items()}
    listing = ", ".join(f"{topic} ({msgtype})" for topic, msgtype in sorted(topics.items()))
    expected = messages.COMPRESSED_IMAGE if options.compressed else messages.IMAGE
    image_type = topics.get(options.image_topic)
    if image_type is None:
        raise ValueError(f"{input_path} has no topic {options.image_topic}; its topics: {listing}")
    if image_type != expected:
        hint = " (pass --compressed)" if image_type == messages.COMPRESSED_IMAGE else ""
        raise ValueError(f"{options.image_topic} is {image_type}, expected {expected}{hint}")
    info_topic = options.camera_info_topic
    if info_topic is None:
        sibling = _sibling_camera_info(options.image_topic, options.compressed)
        info_topic = sibling if topics.get(sibling) == messages.CAMERA_INFO else None
    elif info_topic not in topics:
        raise ValueError(f"{input_path} has no topic {info_topic}; its topics: {listing}")
    elif topics[info_topic] != messages.CAMERA_INFO:
        raise ValueError(f"{info_topic} is {topics[info_topic]}, expected {messages.CAMERA_INFO}")
    if info_topic is None and options.focal_source == "camera_info":
        raise ValueError(
            f"focal source camera_info, but {input_path} has no CameraInfo topic for "
            f"{options.image_topic} (pass --camera-info-topic); its topics: {listing}"
        )
    if clashes := [topic for topic in options.output_topics() if topic in topics]:
        raise ValueError(
            f"{input_path} already has {', '.join(clashes)}: choose another --namespace"
        )
    LOGGER.info("image topic %s, CameraInfo topic %s", options.image_topic, info_topic)
    return info_topic


def _sibling_camera_info(image_topic: str, compressed: bool) -> str:
    """`/cam/image_raw` -> `/cam/camera_info`; `/cam/image_raw/compressed` -> the same."""
    parts = image_topic.rstrip("/").split("/")
    if compressed and len(parts) > 2 and parts[-1] == "compressed":
        parts = parts[:-1]
    return "/".join([*parts[:-1], "camera_info"])

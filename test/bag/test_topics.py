"""check_input: the CameraInfo topic used, and missing topics."""

from __future__ import annotations

import pytest

from sharp_depth_ros.bag.options import BagDepthOptions
from sharp_depth_ros.bag.topics import check_input


def test_camera_info_topic_defaults_to_the_image_topics_sibling(record_camera_bag) -> None:
    plain = record_camera_bag("plain", count=1)
    assert check_input(plain.path, BagDepthOptions(image_topic=plain.image_topic)) == (
        "/camera/camera_info"
    )
    packed = record_camera_bag("packed", count=1, compressed=True)
    options = BagDepthOptions(image_topic=packed.image_topic, compressed=True)
    assert check_input(packed.path, options) == "/camera/camera_info"
    without = record_camera_bag("without", count=1, with_info=False)
    assert check_input(without.path, BagDepthOptions(image_topic=without.image_topic)) is None
    with pytest.raises(ValueError, match="no topic /other/camera_info; its topics: /camera"):
        check_input(
            without.path,
            BagDepthOptions(
                image_topic=without.image_topic, camera_info_topic="/other/camera_info"
            ),
        )


def test_a_folder_that_is_no_bag_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="metadata"):
        check_input(tmp_path, BagDepthOptions(image_topic="/image"))
    with pytest.raises(FileNotFoundError, match="no bag at"):
        check_input(tmp_path / "missing", BagDepthOptions(image_topic="/image"))


def test_camera_info_focal_source_needs_a_camera_info_topic(record_camera_bag) -> None:
    recorded = record_camera_bag(count=1, with_info=False)
    options = BagDepthOptions(image_topic=recorded.image_topic, focal_source="camera_info")
    with pytest.raises(ValueError, match="no CameraInfo topic for /camera/image_raw"):
        check_input(recorded.path, options)

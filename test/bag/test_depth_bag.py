"""write_depth_bag: what the output messages hold, option effects, atomicity, topic clashes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from rosbags.typesys import Stores, get_typestore

from sharp_depth_ros.bag.depth_bag import write_depth_bag
from sharp_depth_ros.bag.options import BagDepthOptions
from sharp_depth_ros.bag.topics import check_input
from sharp_depth_ros.inference import DepthPredictor
from sharp_depth_ros.inference.prediction import DepthPrediction, FocalSource
from sharp_depth_ros.inference.rectification import CameraModel, Rectifier
from sharp_depth_ros.model import create_model
from sharp_depth_ros.ros.cloud_points import cloud_to_array, pack_rgb

STORE = get_typestore(Stores.ROS2_HUMBLE)
IMAGE, INFO, CLOUD = (
    "sensor_msgs/msg/Image",
    "sensor_msgs/msg/CameraInfo",
    "sensor_msgs/msg/PointCloud2",
)


@pytest.fixture(scope="module")
def predictor() -> DepthPredictor:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the tiny network is faster on one thread than on two contended
    torch.manual_seed(0)
    yield DepthPredictor(create_model("test-tiny-conv"), device="cpu")
    torch.set_num_threads(threads)


def _messages(read_bag, path, topic, msgtype):
    return [STORE.deserialize_cdr(raw, msgtype) for _, raw in read_bag(path)[topic]]


def test_outputs_are_the_predictors_depth_with_camera_info_and_a_matching_cloud(
    predictor, record_camera_bag, read_bag, tmp_path
) -> None:
    recorded = record_camera_bag(count=2)
    out = tmp_path / "out"
    options = BagDepthOptions(image_topic=recorded.image_topic, max_depth=1e4)
    report = write_depth_bag(recorded.path, out, options, predictor, show_progress=False)
    assert (report.frames, report.skipped, report.copied) == (2, 0, 4)
    depths = _messages(read_bag, out, "/sharp_depth/depth", IMAGE)
    infos = _messages(read_bag, out, "/sharp_depth/depth/camera_info", INFO)
    clouds = _messages(read_bag, out, "/sharp_depth/points", CLOUD)
    for rgb, depth_msg, info, cloud in zip(recorded.rgb, depths, infos, clouds, strict=True):
        # The recorded bgr8 frame reaches the network as the original RGB, with CameraInfo's fx.
        expected = predictor.predict(rgb, focal_px=60.0).depth_m
        depth = np.frombuffer(depth_msg.data, "<f4").reshape(48, 64)
        np.testing.assert_allclose(depth, expected, rtol=1e-6)
        np.testing.assert_array_equal(info.k, [60.0, 0, 31.5, 0, 60.0, 23.5, 0, 0, 1])
        np.testing.assert_array_equal(info.p, [60.0, 0, 31.5, 0, 0, 60.0, 23.5, 0, 0, 0, 1, 0])
        assert info.distortion_model == "plumb_bob" and not info.d.any()
        points = cloud_to_array(cloud)
        assert points.shape == (48, 64) and not cloud.is_dense
        np.testing.assert_allclose(points["z"], depth, rtol=1e-6)
        u = np.arange(64)[None, :]
        np.testing.assert_allclose(points["x"], (u - 31.5) * depth / 60.0, rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(points["rgb"], pack_rgb(rgb))


def test_stride_and_dense_points_follow_the_options(
    predictor, record_camera_bag, read_bag, tmp_path
) -> None:
    recorded = record_camera_bag(count=1)
    out = tmp_path / "out"
    options = BagDepthOptions(
        image_topic=recorded.image_topic,
        points_stride=4,
        points_organised=False,
        points_colour=False,
        max_depth=1e4,
    )
    write_depth_bag(recorded.path, out, options, predictor, show_progress=False)
    (cloud,) = _messages(read_bag, out, "/sharp_depth/points", CLOUD)
    assert cloud.is_dense and cloud.height == 1 and cloud.width == 12 * 16
    assert [field.name for field in cloud.fields] == ["x", "y", "z"]


def test_a_failing_predictor_leaves_no_output_and_the_old_one_untouched(
    record_camera_bag, tmp_path
) -> None:
    class Broken:
        def predict(self, image, focal_px=None):
            raise RuntimeError("CUDA out of memory")

    recorded = record_camera_bag(count=2)
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("kept")
    options = BagDepthOptions(image_topic=recorded.image_topic)
    with pytest.raises(RuntimeError, match="out of memory"):
        write_depth_bag(recorded.path, out, options, Broken(), overwrite=True, show_progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input_bag", "out"]
    assert [p.name for p in out.iterdir()] == ["old.txt"]


def test_output_topics_already_in_the_input_need_another_namespace(
    predictor, record_camera_bag, read_bag, tmp_path
) -> None:
    recorded = record_camera_bag(count=1)
    first = tmp_path / "first"
    options = BagDepthOptions(image_topic=recorded.image_topic, storage="sqlite3")
    write_depth_bag(recorded.path, first, options, predictor, show_progress=False)
    assert any(path.suffix == ".db3" for path in first.iterdir())  # mcap in, sqlite3 out
    with pytest.raises(ValueError, match="already has /sharp_depth/depth.*--namespace"):
        check_input(first, options)
    second = tmp_path / "second"
    options = dataclasses.replace(options, namespace="/again", publish_points=False)
    write_depth_bag(first, second, options, predictor, show_progress=False)
    topics = read_bag(second)
    assert len(topics["/again/depth"]) == 1 and "/again/points" not in topics
    assert topics["/sharp_depth/points"] == read_bag(first)["/sharp_depth/points"]


BARREL = (-0.28, 0.07, 5e-4, -2e-4, 0.0)  # issue 17's plumb_bob D


@pytest.mark.parametrize("rectify", [True, False])
def test_distorted_frames_are_rectified_unless_turned_off(
    rectify, predictor, record_camera_bag, read_bag, tmp_path
) -> None:
    recorded = record_camera_bag(count=1, distortion=BARREL)
    out = tmp_path / "out"
    options = BagDepthOptions(image_topic=recorded.image_topic, rectify=rectify, max_depth=1e4)
    write_depth_bag(recorded.path, out, options, predictor, show_progress=False)
    (info,) = _messages(read_bag, out, "/sharp_depth/depth/camera_info", INFO)
    (depth_msg,) = _messages(read_bag, out, "/sharp_depth/depth", IMAGE)
    (cloud,) = _messages(read_bag, out, "/sharp_depth/points", CLOUD)
    camera = CameraModel(k=(60.0, 0, 31.5, 0, 60.0, 23.5, 0, 0, 1), d=BARREL,
                         distortion_model="plumb_bob", width=64, height=48)  # fmt: skip
    rgb = Rectifier(camera).rectify(recorded.rgb[0]) if rectify else recorded.rgb[0]
    depth = np.frombuffer(depth_msg.data, "<f4").reshape(48, 64)
    np.testing.assert_allclose(depth, predictor.predict(rgb, focal_px=60.0).depth_m, rtol=1e-6)
    np.testing.assert_array_equal(cloud_to_array(cloud)["rgb"], pack_rgb(rgb))
    # Rectified: a pinhole camera (K, as P is unset), D all zero; otherwise the camera's own D.
    np.testing.assert_array_equal(info.k, camera.k)
    np.testing.assert_allclose(info.d, (0.0,) * 5 if rectify else BARREL)


def test_without_camera_info_the_estimate_is_smoothed_across_frames(
    record_camera_bag, read_bag, tmp_path, caplog
) -> None:
    class Estimating:
        """Estimates 50 px, then 70 px; depth 1 m at the estimate."""

        def __init__(self) -> None:
            self.estimates = [50.0, 70.0]

        def predict(self, image, focal_px=None):
            assert focal_px is None
            estimate = self.estimates.pop(0)
            depth = np.ones(image.shape[:2], np.float32)
            return DepthPrediction(depth_m=depth, focal_px=estimate, canonical_inverse_depth=depth,
                                   focal_source=FocalSource.ESTIMATED, fov_deg=60.0)  # fmt: skip

    recorded = record_camera_bag(count=2, with_info=False)
    out = tmp_path / "out"
    options = BagDepthOptions(image_topic=recorded.image_topic, focal_smoothing=0.5)
    write_depth_bag(recorded.path, out, options, Estimating(), show_progress=False)
    assert "no CameraInfo for /camera/image_raw" in caplog.text
    infos = _messages(read_bag, out, "/sharp_depth/depth/camera_info", INFO)
    depths = _messages(read_bag, out, "/sharp_depth/depth", IMAGE)
    # Smoothed: 50, then 0.5 * 50 + 0.5 * 70 = 60 px; depth rescaled by 60 / 70 (§3.2).
    assert [info.k[0] for info in infos] == [50.0, 60.0]
    np.testing.assert_array_equal(infos[1].k, [60.0, 0, 31.5, 0, 60.0, 23.5, 0, 0, 1])
    assert not infos[1].d.any()
    second = np.frombuffer(depths[1].data, "<f4")
    np.testing.assert_allclose(second, 60.0 / 70.0, rtol=1e-6)


def test_a_known_camera_height_rescales_the_recorded_depth_by_the_floor(
    record_camera_bag, read_bag, tmp_path, level_floor, level_floor_predictor
) -> None:
    recorded = record_camera_bag(count=1)
    out = tmp_path / "out"
    options = BagDepthOptions(
        image_topic=recorded.image_topic, camera_height_m=1.0, ground_smoothing=0.0
    )
    write_depth_bag(recorded.path, out, options, level_floor_predictor, show_progress=False)
    depth = _messages(read_bag, out, "/sharp_depth/depth", IMAGE)[0]
    published = np.frombuffer(depth.data, "<f4").reshape(depth.height, depth.width)
    unscaled = level_floor(0.5, 60.0, depth.width, depth.height)
    np.testing.assert_allclose(published, unscaled * 2.0, rtol=1e-5)

"""Integration tests: the node in its own process; this process publishes and subscribes (DDS)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rcl_interfaces.msg import SetParametersResult
from rcl_interfaces.srv import SetParameters
from rclpy.parameter import Parameter
from sensor_msgs.msg import CameraInfo, Image

from sharp_depth_ros.ros import conversions
from sharp_depth_ros.ros.camera_info import intrinsics_from_camera_info, intrinsics_from_focal
from sharp_depth_ros.ros.player import StreamClient

pytestmark = pytest.mark.ros

WIDTH, HEIGHT = 160, 120
RGB = np.random.default_rng(0).integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)
START_TIMEOUT_S = 90.0  # imports torch + timm on a loaded 2-core machine


@pytest.fixture(scope="module")
def node(depth_node: Any) -> Any:
    return depth_node


@pytest.fixture(scope="module")
def client(node: Any, rclpy_context: None) -> Iterator[StreamClient]:
    stream = StreamClient()
    assert stream.wait_for_node(START_TIMEOUT_S), node.log()
    yield stream
    stream.destroy_node()


def _set_parameters(client: StreamClient, **values: object) -> list[SetParametersResult]:
    """Set the node's parameters through its service, as `ros2 param set` does.

    The service, not rclpy.parameter_client (Iron and later), so this runs on Humble too.
    """
    service = client.create_client(SetParameters, "/sharp_depth/set_parameters")
    try:
        assert service.wait_for_service(10)
        request = SetParameters.Request(
            parameters=[Parameter(k, value=v).to_parameter_msg() for k, v in values.items()]
        )
        response = client.call(service, request)
        assert response is not None, "no answer from set_parameters"
        return response.results
    finally:
        client.destroy_client(service)


def _set(client: StreamClient, **values: object) -> None:
    results = _set_parameters(client, **values)
    assert all(r.successful for r in results), [r.reason for r in results]


def _one_depth(client: StreamClient, **publish_kwargs: object) -> tuple[Image, CameraInfo]:
    """Publish a frame and wait for its depth and depth/camera_info (matched by stamp).

    The frame is sent again every 4 s: right after start-up the node may not have matched our
    subscriptions yet, and then (lazy inference) it rightly drops the frame.
    """
    client.spin_for(0.05)
    client.depth.clear(), client.depth_info.clear(), client.points.clear()
    for _ in range(5):
        header = client.publish_frame(RGB, **publish_kwargs)
        if client.spin_until(
            lambda h=header: any(m.header.stamp == h.stamp for m in client.depth_info.messages), 4
        ):
            break
    else:
        raise AssertionError("no depth for the frame")
    depth = next(m for m in client.depth.messages if m.header.stamp == header.stamp)
    info = next(m for m in client.depth_info.messages if m.header.stamp == header.stamp)
    return depth, info


def test_device_cuda_without_cuda_falls_back_to_cpu_with_a_warning(
    node: Any, client: StreamClient
) -> None:
    # The node runs with CUDA_VISIBLE_DEVICES="" (conftest.CPU_ONLY_ENV), also on a GPU machine.
    assert "CUDA is not available" in node.log() and "falling back to cpu" in node.log()


def test_without_camera_info_the_estimated_focal_is_used_and_published(
    client: StreamClient, test_fov_deg: float
) -> None:
    _set(client, focal_source="estimate")  # as if no CameraInfo had arrived, in any test order
    try:
        depth, info = _one_depth(client)
    finally:
        _set(client, focal_source="auto")
    expected_fx = 0.5 * WIDTH / math.tan(math.radians(test_fov_deg) / 2)
    assert info.k[0] == pytest.approx(expected_fx, rel=1e-4)
    assert info.k[4] == pytest.approx(expected_fx, rel=1e-4)
    assert (info.width, info.height) == (WIDTH, HEIGHT)


@pytest.mark.parametrize("encoding", ["rgb8", "bgr8", "mono16"])
def test_depth_is_32fc1_at_source_size_with_the_source_header(
    client: StreamClient, encoding: str
) -> None:
    camera = intrinsics_from_focal(150.0, WIDTH, HEIGHT)
    depth, info = _one_depth(client, encoding=encoding, intrinsics=camera, frame_id="cam_optical")
    assert (depth.encoding, depth.height, depth.width) == ("32FC1", HEIGHT, WIDTH)
    assert depth.header.frame_id == "cam_optical" == info.header.frame_id
    depth_m = conversions.image_to_array(depth)
    assert np.isfinite(depth_m).any() and (depth_m[np.isfinite(depth_m)] > 0).all()
    assert info.k[0] == 150.0


def test_points_agree_with_depth_and_the_intrinsics(client: StreamClient, read_cloud) -> None:
    camera = intrinsics_from_focal(140.0, WIDTH, HEIGHT)
    depth, info = _one_depth(client, intrinsics=camera)
    assert client.spin_until(lambda: len(client.points) > 0, 10)
    cloud = client.points.messages[-1]
    assert cloud.header.stamp == depth.header.stamp and (cloud.height, cloud.width) == (
        HEIGHT,
        WIDTH,
    )
    depth_m = conversions.image_to_array(depth)
    points = read_cloud(cloud)
    intr = intrinsics_from_camera_info(info)
    rng = np.random.default_rng(1)
    for v, u in zip(rng.integers(0, HEIGHT, 20), rng.integers(0, WIDTH, 20), strict=True):
        z = depth_m[v, u]
        if not math.isfinite(z) or z > 100.0:  # max_depth default clips the cloud
            assert math.isnan(points["z"][v, u])
            continue
        assert points["z"][v, u] == pytest.approx(z, rel=1e-6)
        assert points["x"][v, u] == pytest.approx((u - intr.cx_px) * z / intr.fx_px, rel=1e-5)
        assert points["y"][v, u] == pytest.approx((v - intr.cy_px) * z / intr.fy_px, rel=1e-5)


def test_camera_info_of_another_resolution_is_scaled(client: StreamClient) -> None:
    big = intrinsics_from_focal(300.0, 2 * WIDTH, 2 * HEIGHT)
    _, info = _one_depth(client, intrinsics=big)
    assert info.k[0] == pytest.approx(150.0) and (info.width, info.height) == (WIDTH, HEIGHT)


def test_dynamic_parameters_change_the_cloud_without_restart(client: StreamClient) -> None:
    _set(client, points_stride=4, points_organised=False, points_colour=False)
    try:
        _one_depth(client, intrinsics=intrinsics_from_focal(150.0, WIDTH, HEIGHT))
        assert client.spin_until(lambda: len(client.points) > 0, 10)
        cloud = client.points.messages[-1]
        assert (
            cloud.height == 1
            and cloud.is_dense
            and [f.name for f in cloud.fields]
            == [
                "x",
                "y",
                "z",
            ]
        )
        assert 0 < cloud.width <= (WIDTH // 4) * (HEIGHT // 4)
    finally:
        _set(client, points_stride=1, points_organised=True, points_colour=True)


def test_invalid_parameter_values_are_refused(client: StreamClient) -> None:
    (result,) = _set_parameters(client, focal_source="exif")
    assert not result.successful and "focal_source must be one of" in result.reason


def test_rate_caps_hold(client: StreamClient) -> None:
    _set(client, depth_rate_hz=2.0, points_rate_hz=1.0)
    try:
        client.spin_for(0.2)
        client.depth.clear(), client.points.clear()
        for _ in range(30):  # 10 Hz for 3 s
            client.publish_frame(RGB)
            client.spin_for(0.1)
        client.spin_for(1.0)
        assert 1 <= len(client.depth) <= 2 * 3 + 1
        assert 1 <= len(client.points) <= 1 * 3 + 1 and len(client.points) < len(client.depth)
        gaps = np.diff(client.depth.times_s)
        assert len(gaps) == 0 or np.median(gaps) > 0.4
    finally:
        _set(client, depth_rate_hz=0.0, points_rate_hz=0.0)


def test_a_fast_camera_builds_no_backlog(client: StreamClient) -> None:
    client.spin_for(0.3)
    client.depth.clear()
    for _ in range(60):  # 30 Hz for 2 s, faster than the network
        client.publish_frame(RGB)
        client.spin_for(1 / 30)
    client.spin_for(1.5)
    latencies = [client.latency_s(i) for i in range(len(client.depth))]
    diagnostics = {kv.key: kv.value for kv in client.diagnostics.messages[-1].status[0].values}
    inference_s = float(diagnostics["inference_median_ms"]) / 1e3
    assert int(diagnostics["dropped_frames"]) > 0
    assert len(latencies) < 60  # frames were dropped, not queued
    # Bounded: wait for the frame in progress + own inference (+ transport). A queue would grow
    # to 60 x inference.
    assert np.median(latencies) < 2 * inference_s + 0.3, (latencies, inference_s)


BAD_IMAGES = {
    "unsupported encoding": dict(encoding="yuv422", step=2 * WIDTH, data=bytes(2 * WIDTH * HEIGHT)),
    "data length": dict(encoding="rgb8", step=3 * WIDTH, data=bytes(3 * WIDTH * HEIGHT - 1)),
    "zero size": dict(encoding="rgb8", height=0, width=0, step=0, data=b""),
    "huge size": dict(encoding="rgb8", height=1, width=100000, step=300000, data=bytes(300000)),
}


@pytest.mark.parametrize("case", list(BAD_IMAGES))
def test_bad_images_are_skipped_with_a_throttled_log_and_the_next_frame_works(
    node: Any, client: StreamClient, case: str
) -> None:
    fields = dict(height=HEIGHT, width=WIDTH) | BAD_IMAGES[case]
    expected = {
        "unsupported encoding": "unsupported encoding 'yuv422'",
        "data length": "does not match height*step",
        "zero size": "must be positive",
        "huge size": "exceeds the limit",
    }[case]
    for _ in range(3):  # the same problem three times: logged at most once
        msg = Image(header=client.header(), **{k: v for k, v in fields.items() if k != "data"})
        msg.data = conversions.bytes_to_uint8_array(fields["data"])
        client.image_pub.publish(msg)
        client.spin_for(0.1)
    assert node.wait_for_log(expected, 10), node.log()[-2000:]
    assert node.log().count(expected) == 1
    _one_depth(client)  # still answers
    assert node.process.poll() is None


@pytest.mark.parametrize("k", [[0.0] * 9, [math.nan, 0, 80, 0, math.nan, 60, 0, 0, 1]])
def test_camera_info_with_invalid_k_is_ignored(
    node: Any, client: StreamClient, k: list[float]
) -> None:
    _one_depth(client, intrinsics=intrinsics_from_focal(150.0, WIDTH, HEIGHT))
    client.info_pub.publish(CameraInfo(header=client.header(), width=WIDTH, height=HEIGHT, k=k))
    assert node.wait_for_log("ignoring CameraInfo: CameraInfo K", 10)
    _, info = _one_depth(client)  # the last valid CameraInfo still holds
    assert info.k[0] == 150.0


def test_camera_info_of_another_aspect_ratio_skips_frames_until_a_matching_one(
    node: Any, client: StreamClient
) -> None:
    wrong = intrinsics_from_focal(150.0, WIDTH, WIDTH)  # square: not a resize of 160x120
    client.depth.clear()
    client.publish_frame(RGB, intrinsics=wrong)
    assert node.wait_for_log("is not a resize of the image size", 10)
    client.spin_for(0.5)
    assert len(client.depth) == 0
    _, info = _one_depth(client, intrinsics=intrinsics_from_focal(150.0, WIDTH, HEIGHT))
    assert info.k[0] == 150.0


def _distorted_info(header: Any, model: str, d: list[float]) -> CameraInfo:
    info = CameraInfo(header=header, width=WIDTH, height=HEIGHT, distortion_model=model, d=d)
    info.k = [140.0, 0.0, 80.0, 0.0, 140.0, 60.0, 0.0, 0.0, 1.0]  # unlike the other tests' K
    info.p = [140.0, 0.0, 80.0, 0.0, 0.0, 140.0, 60.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    return info


def test_a_distorted_camera_gives_the_rectified_pinhole_camera_info(
    node: Any, client: StreamClient
) -> None:
    # The wide-angle camera; the geometry is checked in test_node_rectification.py.
    distortion = [-0.28, 0.07, 5e-4, -2e-4, 0.0]
    for _ in range(3):  # CameraInfo and image travel separately: send until one pair is used
        client.info_pub.publish(_distorted_info(client.header(), "plumb_bob", distortion))
        client.spin_for(0.2)
        _, info = _one_depth(client)
        if info.k[0] == 140.0:  # made with the distorted CameraInfo
            break
    assert info.distortion_model == "plumb_bob" and list(info.d) == [0.0] * 5
    assert list(info.k) == [140.0, 0.0, 80.0, 0.0, 140.0, 60.0, 0.0, 0.0, 1.0]
    assert list(info.p) == [140.0, 0.0, 80.0, 0.0, 0.0, 140.0, 60.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    # A model that cannot be undone skips frames with a reason; a usable CameraInfo recovers.
    client.info_pub.publish(_distorted_info(client.header(), "kannala", distortion[:4]))
    client.spin_for(0.2)
    client.depth.clear()
    client.publish_frame(RGB)
    assert node.wait_for_log("cannot rectify distortion model 'kannala'", 10), node.log()[-2000:]
    client.spin_for(0.5)
    assert len(client.depth) == 0
    _, info = _one_depth(client, intrinsics=intrinsics_from_focal(150.0, WIDTH, HEIGHT))
    assert info.k[0] == 150.0


def test_non_finite_model_output_is_published_as_nan_and_compressed_input_works(
    nan_checkpoint: Path, start_node, rclpy_context: None, read_cloud
) -> None:
    process = start_node(
        {
            "checkpoint": nan_checkpoint,
            "device": "cpu",
            "use_compressed": True,
            "input_reliability": "reliable",
            "focal_source": "fixed",
            "fixed_focal_px": 100.0,
        },
        name="nan",
        namespace="/nan",
    )
    stream = StreamClient(namespace="/nan")
    try:
        assert stream.wait_for_node(START_TIMEOUT_S, compressed=True), process.log()
        depth, info = _one_depth(stream, compressed=True)
        assert info.k[0] == 100.0
        assert np.isnan(conversions.image_to_array(depth)).all()
        assert stream.spin_until(lambda: len(stream.points) > 0, 10)
        assert np.isnan(read_cloud(stream.points.messages[-1])["z"]).all()
    finally:
        stream.destroy_node()


def test_start_up_failures_exit_non_zero_naming_the_file(start_node, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.safetensors"
    wrong.write_bytes(b"this is not a checkpoint")
    missing = start_node({"checkpoint": tmp_path / "missing.pt"}, name="missing")
    bad = start_node({"checkpoint": wrong}, name="wrong")
    strict = start_node({"preset": "test-tiny", "device": "cuda", "require_device": True})
    assert missing.wait(START_TIMEOUT_S) != 0 and "missing.pt" in missing.log()
    assert bad.wait(START_TIMEOUT_S) != 0 and "wrong.safetensors" in bad.log()
    assert strict.wait(START_TIMEOUT_S) != 0 and "require_device" in strict.log()

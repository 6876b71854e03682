"""`sharp-depth bag` end to end on MCAP and sqlite3 bags written with rosbags."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from rosbags.typesys import Stores, get_typestore

from sharp_depth_ros.cli import main

STORE = get_typestore(Stores.ROS2_HUMBLE)
MODEL_ARGS = ["--preset", "test-tiny-conv", "--device", "cpu"]  # random weights: fast
OUTPUTS = ("/sharp_depth/depth", "/sharp_depth/depth/camera_info", "/sharp_depth/points")
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(autouse=True)
def _one_torch_thread():
    # The tiny network is faster on one thread than on two contended ones.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _decode(raw: bytes, msgtype: str):
    return STORE.deserialize_cdr(raw, msgtype)


@pytest.mark.parametrize("storage", ["mcap", "sqlite3"])
def test_bag_adds_depth_per_good_frame_keeps_every_message_and_names_the_bad_one(
    storage, record_camera_bag, read_bag, tmp_path, capsys, caplog
) -> None:
    recorded = record_camera_bag(storage=storage, count=12, truncated=(5,))
    out = tmp_path / "with_depth"
    code = main(
        ["bag", str(recorded.path), "--out", str(out), "--image-topic", recorded.image_topic]
        + MODEL_ARGS
    )
    assert code == 1
    assert "1 of 12 frames skipped" in capsys.readouterr().err
    sec, nanosec = recorded.stamps[5]
    assert f"frame 5 (stamp {sec}.{nanosec:09d}" in caplog.text
    assert "data length" in caplog.text  # the reason: the data is shorter than height * step

    written, recorded_messages = read_bag(out), read_bag(recorded.path)
    assert sorted(written) == sorted([*recorded_messages, *OUTPUTS])
    for topic, messages in recorded_messages.items():  # all 24 input messages, byte for byte
        assert written[topic] == messages
    assert sum(len(messages) for messages in recorded_messages.values()) == 24
    assert any(
        path.suffix == {"mcap": ".mcap", "sqlite3": ".db3"}[storage] for path in out.iterdir()
    )

    good = [index for index in range(12) if index != 5]
    types = ("sensor_msgs/msg/Image", "sensor_msgs/msg/CameraInfo", "sensor_msgs/msg/PointCloud2")
    for topic, msgtype in zip(OUTPUTS, types, strict=True):
        assert len(written[topic]) == 11
        for (bag_time, raw), index in zip(written[topic], good, strict=True):
            msg = _decode(raw, msgtype)
            assert bag_time == recorded.bag_times_ns[index]
            assert (msg.header.stamp.sec, msg.header.stamp.nanosec) == recorded.stamps[index]
            assert msg.header.frame_id == recorded.frame_id
            assert (msg.height, msg.width) == (48, 64)
    depth = _decode(written[OUTPUTS[0]][0][1], types[0])
    assert depth.encoding == "32FC1" and depth.step == 64 * 4
    info = _decode(written[OUTPUTS[1]][0][1], types[1])
    np.testing.assert_array_equal(info.k, [60.0, 0, 31.5, 0, 60.0, 23.5, 0, 0, 1])  # CameraInfo's
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder


def test_missing_topic_is_one_line_error_listing_the_topics(
    record_camera_bag, tmp_path, capsys
) -> None:
    recorded = record_camera_bag(count=1)
    out = tmp_path / "out"
    code = main(["bag", str(recorded.path), "--out", str(out), "--image-topic", "/cam/rgb"])
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert "no topic /cam/rgb" in lines[0]
    assert "/camera/image_raw (sensor_msgs/msg/Image)" in lines[0]
    assert "/camera/camera_info (sensor_msgs/msg/CameraInfo)" in lines[0]
    assert not out.exists()


def test_compressed_topic_needs_the_compressed_flag(record_camera_bag, tmp_path, capsys) -> None:
    recorded = record_camera_bag(count=1, compressed=True)
    code = main(
        [
            "bag",
            str(recorded.path),
            "--out",
            str(tmp_path / "o"),
            "--image-topic",
            recorded.image_topic,
        ]
    )
    assert code == 2
    assert "pass --compressed" in capsys.readouterr().err


def test_existing_output_is_refused_unless_overwrite(record_camera_bag, tmp_path, capsys) -> None:
    recorded = record_camera_bag(count=2)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    args = ["bag", str(recorded.path), "--out", str(out), "--image-topic", recorded.image_topic]
    assert main(args + MODEL_ARGS) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert main([*args, "--overwrite", *MODEL_ARGS]) == 0
    assert (out / "metadata.yaml").is_file() and not (out / "keep.txt").exists()


def test_compressed_bag_is_processed_without_any_ros_package(
    record_camera_bag, read_bag, tmp_path
) -> None:
    """JPEG frames (one truncated) in a process where rclpy and the message packages are absent."""
    recorded = record_camera_bag(count=3, compressed=True, truncated=(1,), storage="sqlite3")
    out = tmp_path / "out"
    blocked = ["rclpy", "sensor_msgs", "std_msgs", "rcl_interfaces", "builtin_interfaces"]
    script = (
        "import sys\n"
        f"for name in {blocked!r}: sys.modules[name] = None  # import raises ImportError\n"
        "import torch; torch.set_num_threads(1)\n"
        "from sharp_depth_ros.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    args = [str(recorded.path), "--out", str(out), "--image-topic", recorded.image_topic]
    result = subprocess.run(
        [sys.executable, "-c", script, "bag", *args, "--compressed", *MODEL_ARGS],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": REPO_ROOT, "CUDA_VISIBLE_DEVICES": ""},
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    assert "frame 1 (stamp" in result.stderr and "cannot decode compressed image" in result.stderr
    assert "1 of 3 frames skipped" in result.stderr
    written = read_bag(out)
    assert [len(written[topic]) for topic in OUTPUTS] == [2, 2, 2]
    assert len(written[recorded.image_topic]) == 3


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--focal-source", "fixed"], "--focal-source fixed needs --focal-px"),
        (["--focal-source", "estimate", "--focal-px", "500"], "--focal-px needs --focal-source"),
        (["--namespace", "depth/"], "namespace must start with '/'"),
    ],
)
def test_contradictory_options_are_one_line_errors(extra, message, tmp_path, capsys) -> None:
    code = main(["bag", str(tmp_path), "--out", str(tmp_path / "o"), "--image-topic", "/i", *extra])
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]

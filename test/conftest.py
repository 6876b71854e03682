"""Shared test fixtures: paths to ../shared and small helpers."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"
FIXTURES_DIR = SHARED_DIR / "fixtures"


@pytest.fixture(scope="session")
def benchmark_script():
    """Load a script of benchmarks/ by name (they are not a package) and return its module."""

    def load(name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "benchmarks" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The reference fixtures folder (../shared/fixtures); skips if absent."""
    if not FIXTURES_DIR.is_dir():
        pytest.skip(f"reference fixtures not found at {FIXTURES_DIR}")
    return FIXTURES_DIR


# ---- recorded rosbag2 bags (sharp-depth bag) ---------------------------------------------------
BAG_START_NS = 1_700_000_000_000_000_000
BAG_PERIOD_NS = 100_000_000  # 10 Hz
RECEIVE_DELAY_NS = 7_000_000  # bag time = header stamp + 7 ms, so the two can be told apart
BAG_FOCAL_PX = 60.0


@dataclass(frozen=True)
class RecordedBag:
    """A camera bag written by `record_camera_bag`: what each frame holds.

    Attributes:
        rgb: per frame, the (H, W, 3) uint8 image that was recorded (as bgr8 or JPEG).
        bag_times_ns: per frame, the bag timestamp of the image.
        stamps: per frame, (sec, nanosec) of its header.
        truncated: indices of frames whose data was cut short.
    """

    path: Path
    image_topic: str
    info_topic: str | None
    frame_id: str
    rgb: list[np.ndarray]
    bag_times_ns: list[int]
    stamps: list[tuple[int, int]]
    truncated: tuple[int, ...]


def _test_image(index: int, width: int, height: int) -> np.ndarray:
    """A smooth colour pattern that differs per frame: (height, width, 3) uint8."""
    u, v = np.meshgrid(np.linspace(0.0, 1.0, width), np.linspace(0.0, 1.0, height))
    phase = index / 7.0
    channels = [np.sin(3 * u + phase) * v, np.cos(2 * v + phase) * u, (u + v) / 2]
    return (np.stack(channels, axis=2) * 127 + 128).astype(np.uint8)


@pytest.fixture()
def record_camera_bag(tmp_path: Path):
    """Factory: write a rosbag2 bag of `count` camera frames with rosbags; returns a RecordedBag.

    Images are bgr8 sensor_msgs/Image on /camera/image_raw (or JPEG CompressedImage on
    /camera/image_raw/compressed); each is preceded by 1 ms by a CameraInfo on /camera/camera_info
    (fx = fy = 60 px, centred, plumb_bob with D = `distortion`, P unset) unless `with_info` is
    false.
    """
    import cv2
    from rosbags.rosbag2 import StoragePlugin, Writer
    from rosbags.typesys import Stores, get_typestore

    store = get_typestore(Stores.ROS2_HUMBLE)
    types = store.types

    def record(
        name: str = "input_bag",
        *,
        storage: str = "mcap",
        count: int = 12,
        truncated: tuple[int, ...] = (),
        compressed: bool = False,
        with_info: bool = True,
        size: tuple[int, int] = (64, 48),
        distortion: tuple[float, ...] = (0.0,) * 5,
    ) -> RecordedBag:
        width, height = size
        path = tmp_path / name
        plugin = {"mcap": StoragePlugin.MCAP, "sqlite3": StoragePlugin.SQLITE3}[storage]
        image_type = "sensor_msgs/msg/CompressedImage" if compressed else "sensor_msgs/msg/Image"
        image_topic = "/camera/image_raw/compressed" if compressed else "/camera/image_raw"
        info_topic = "/camera/camera_info" if with_info else None
        frame_id = "camera_optical_frame"
        recorded = RecordedBag(path, image_topic, info_topic, frame_id, [], [], [], truncated)
        with Writer(path, version=9, storage_plugin=plugin) as writer:
            image_conn = writer.add_connection(image_topic, image_type, typestore=store)
            if with_info:
                info_type = "sensor_msgs/msg/CameraInfo"
                info_conn = writer.add_connection(info_topic, info_type, typestore=store)
            for index in range(count):
                bag_time = BAG_START_NS + index * BAG_PERIOD_NS
                stamp_ns = bag_time - RECEIVE_DELAY_NS
                stamp = (stamp_ns // 10**9, stamp_ns % 10**9)
                header = types["std_msgs/msg/Header"](
                    stamp=types["builtin_interfaces/msg/Time"](sec=stamp[0], nanosec=stamp[1]),
                    frame_id=frame_id,
                )
                rgb = _test_image(index, width, height)
                bgr = np.ascontiguousarray(rgb[:, :, ::-1])
                if compressed:
                    data = cv2.imencode(".jpg", bgr)[1].reshape(-1)
                    msg = types[image_type](header=header, format="jpeg", data=data)
                else:
                    data = bgr.reshape(-1)
                    msg = types[image_type](
                        header=header, height=height, width=width, encoding="bgr8",
                        is_bigendian=0, step=3 * width, data=data,
                    )  # fmt: skip
                if index in truncated:
                    msg.data = data[: len(data) // 2]
                if with_info:
                    info = types["sensor_msgs/msg/CameraInfo"](
                        header=header, height=height, width=width, distortion_model="plumb_bob",
                        d=np.array(distortion), k=np.array([BAG_FOCAL_PX, 0, (width - 1) / 2, 0,
                        BAG_FOCAL_PX, (height - 1) / 2, 0, 0, 1.0]), r=np.eye(3).reshape(-1),
                        p=np.zeros(12), binning_x=0, binning_y=0,
                        roi=types["sensor_msgs/msg/RegionOfInterest"](
                            x_offset=0, y_offset=0, height=0, width=0, do_rectify=False),
                    )  # fmt: skip
                    info_raw = store.serialize_cdr(info, info_type)
                    writer.write(info_conn, bag_time - 1_000_000, info_raw)
                writer.write(image_conn, bag_time, store.serialize_cdr(msg, image_type))
                recorded.rgb.append(rgb)
                recorded.bag_times_ns.append(bag_time)
                recorded.stamps.append(stamp)
        return recorded

    return record


def read_bag_messages(path: Path) -> dict[str, list[tuple[int, bytes]]]:
    """topic -> [(bag time ns, raw CDR bytes)] in bag order."""
    from rosbags.rosbag2 import Reader

    topics: dict[str, list[tuple[int, bytes]]] = {}
    with Reader(path) as reader:
        for connection, timestamp, raw in reader.messages():
            topics.setdefault(connection.topic, []).append((timestamp, bytes(raw)))
    return topics


@pytest.fixture()
def read_bag():
    """`read_bag_messages` as a fixture (test modules cannot import each other)."""
    return read_bag_messages


def level_floor_depth(height_m: float, focal_px: float, width: int, height: int) -> np.ndarray:
    """Planar depth that a level camera `height_m` above a floor sees (square pixels, principal
    point at the centre), with a wall 20 m ahead above the horizon."""
    rows = np.arange(height, dtype=np.float64)[:, None] - (height - 1) / 2.0
    with np.errstate(divide="ignore"):
        floor = np.where(rows > 0, height_m * focal_px / rows, np.inf)
    return np.broadcast_to(np.minimum(floor, 20.0), (height, width)).astype(np.float32)


class LevelFloorPredictor:
    """Stand-in predictor: whatever the image, the level floor 0.5 m below (focal length given)."""

    device = "cpu"

    def predict(self, image: np.ndarray, focal_px: float | None = None):
        from sharp_depth_ros.inference.prediction import DepthPrediction, FocalSource

        height, width = image.shape[:2]
        return DepthPrediction(
            depth_m=level_floor_depth(0.5, float(focal_px), width, height),
            focal_px=float(focal_px),
            focal_source=FocalSource.GIVEN,
            fov_deg=60.0,
            canonical_inverse_depth=np.zeros((8, 8), np.float32),
        )


@pytest.fixture()
def level_floor():
    """`level_floor_depth` as a fixture (test modules cannot import each other)."""
    return level_floor_depth


@pytest.fixture()
def level_floor_predictor() -> LevelFloorPredictor:
    """A `LevelFloorPredictor`."""
    return LevelFloorPredictor()

"""ROS test fixtures: an isolated DDS domain, tiny checkpoints, the node in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

# Isolate concurrent test sessions on this machine: own domain, localhost only. Set before rclpy
# creates a context, for this process and (through os.environ) for the node subprocesses.
os.environ["ROS_DOMAIN_ID"] = str(os.getpid() % 100 + 1)
os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"

FOV_DEG = 60.0  # the FOV head of the test checkpoint always says this

# sensor_msgs/PointField datatype constants (the message definition) -> numpy type codes.
POINT_FIELD_TYPES = {1: "i1", 2: "u1", 3: "i2", 4: "u2", 5: "i4", 6: "u4", 7: "f4", 8: "f8"}


def read_pointcloud2(cloud: Any) -> dict[str, np.ndarray]:
    """Each field of a PointCloud2 as a (height, width) array, read as any consumer would: from
    the message's own fields, offsets, datatypes, point_step, row_step and byte order. Independent
    of the package's writer and of its `cloud_to_array`, so the two check each other."""
    order = ">" if cloud.is_bigendian else "<"
    data = bytes(cloud.data)
    assert len(data) == cloud.row_step * cloud.height, "data size != row_step * height"
    assert cloud.row_step >= cloud.point_step * cloud.width, "row_step too small"
    return {
        field.name: np.ndarray(
            (cloud.height, cloud.width),
            np.dtype(order + POINT_FIELD_TYPES[field.datatype]),
            buffer=data,
            offset=field.offset,
            strides=(cloud.row_step, cloud.point_step),
        ).copy()
        for field in cloud.fields
    }


@pytest.fixture(scope="session")
def read_cloud() -> Callable[[Any], dict[str, np.ndarray]]:
    """`read_pointcloud2`, for tests (test modules cannot import conftest)."""
    return read_pointcloud2


def make_checkpoint(
    path: Path, *, fov_deg: float | None = FOV_DEG, nan_depth: bool = False
) -> Path:
    """A test-tiny checkpoint with a constant FOV head (random weights give nonsense focal lengths)
    or a depth head that outputs NaN (the non-finite model case)."""
    import torch

    from sharp_depth_ros.checkpoints.native import save_native
    from sharp_depth_ros.model import create_model
    from sharp_depth_ros.model.presets import get_preset

    torch.manual_seed(0)
    model = create_model("test-tiny")
    with torch.no_grad():
        last_fov = model.fov.head[-1]
        last_fov.weight.zero_()
        last_fov.bias.fill_(fov_deg)
        if nan_depth:
            for parameter in model.parameters():
                parameter.fill_(float("nan"))
    return save_native(model, path, get_preset("test-tiny"), preset="test-tiny")


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny_fov60.safetensors")


@pytest.fixture(scope="session")
def nan_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny_nan.safetensors", nan_depth=True)


# The node tests assert CPU behaviour (`device: cuda` falls back to cpu, `require_device` fails):
# hide any GPU from the node processes so they hold on a machine with CUDA as well.
CPU_ONLY_ENV = {"CUDA_VISIBLE_DEVICES": ""}


class NodeProcess:
    """The depth node in its own process (CPU only); stdout+stderr go to a log file."""

    def __init__(self, params: dict[str, object], log_path: Path, namespace: str = "") -> None:
        args = [sys.executable, "-m", "sharp_depth_ros.ros.node", "--ros-args"]
        if namespace:
            args += ["-r", f"__ns:={namespace}"]
        for key, value in params.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            args += ["-p", f"{key}:={text}"]
        self.log_path = log_path
        self._log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        env = dict(
            os.environ, PYTHONUNBUFFERED="1", RCUTILS_LOGGING_BUFFERED_STREAM="0", **CPU_ONLY_ENV
        )
        self.process = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, env=env)

    def log(self) -> str:
        return self.log_path.read_text()

    def wait_for_log(self, text: str, timeout_s: float) -> bool:
        deadline_s = time.monotonic() + timeout_s
        while time.monotonic() < deadline_s:
            if text in self.log():
                return True
            time.sleep(0.05)
        return False

    def wait(self, timeout_s: float) -> int:
        return self.process.wait(timeout_s)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._log.close()


@pytest.fixture
def start_node(tmp_path: Path) -> Iterator:
    """Factory: start_node(params) -> NodeProcess; every node is stopped at teardown."""
    started: list[NodeProcess] = []

    def start(params: dict[str, object], name: str = "node", namespace: str = "") -> NodeProcess:
        node = NodeProcess(params, tmp_path / f"{name}_{len(started)}.log", namespace)
        started.append(node)
        return node

    yield start
    for node in started:
        node.stop()


@pytest.fixture
def start_tiny_node(start_node: Any, tiny_checkpoint: Path) -> Any:
    """Factory: start_node(params) on `tiny_checkpoint`, on the CPU, with reliable input."""
    defaults = {"checkpoint": tiny_checkpoint, "device": "cpu", "input_reliability": "reliable"}

    def start(params: dict[str, object], name: str = "node", namespace: str = "") -> NodeProcess:
        return start_node({**defaults, **params}, name=name, namespace=namespace)

    return start


@pytest.fixture(scope="module")
def rclpy_context() -> Iterator[None]:
    import rclpy

    rclpy.init()
    yield
    rclpy.shutdown()


@pytest.fixture(scope="session")
def test_fov_deg() -> float:
    """The field of view the FOV head of `tiny_checkpoint` always predicts."""
    return FOV_DEG


@pytest.fixture(scope="module")
def depth_node(tiny_checkpoint: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """One node for a whole test module (start-up costs seconds). device cuda with CUDA hidden
    (CPU_ONLY_ENV): it must fall back to cpu with a warning."""
    process = NodeProcess(
        {
            "preset": "test-tiny",
            "checkpoint": tiny_checkpoint,
            "device": "cuda",
            "input_reliability": "reliable",
            "focal_smoothing": 0.0,
            "diagnostics_period_s": 0.5,
        },
        tmp_path_factory.mktemp("node") / "node.log",
    )
    yield process
    process.stop()


@pytest.fixture
def spun(rclpy_context: None) -> Iterator:
    """Factory: spun(node) spins an in-process node in a thread; destroyed at teardown."""
    from rclpy.executors import SingleThreadedExecutor

    executors: list[tuple[SingleThreadedExecutor, threading.Thread, Any]] = []

    def spin(node: Any) -> Any:
        executor = SingleThreadedExecutor()
        executor.add_node(node)
        thread = threading.Thread(target=executor.spin, daemon=True)
        thread.start()
        executors.append((executor, thread, node))
        return node

    yield spin
    for executor, thread, node in executors:
        executor.shutdown()
        thread.join(5)
        node.destroy_node()

"""`sharp-depth bag` overhead: what the bag path adds per frame outside the network.

    python benchmarks/bench_bag.py [--frames 30] [--size 640x480]

Writes a bag of random bgr8 frames (MCAP, then sqlite3) with rosbags, then runs `write_depth_bag`
with a predictor that returns a constant 2 m depth, so the time is reading, decoding, depth /
CameraInfo / organised xyz+rgb cloud at stride 1, CDR serialisation and writing. Prints wall and
process CPU time per frame and the output size per frame.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from rosbags.rosbag2 import StoragePlugin, Writer
from rosbags.typesys import Stores, get_typestore

from sharp_depth_ros.bag.depth_bag import write_depth_bag
from sharp_depth_ros.bag.options import BagDepthOptions
from sharp_depth_ros.inference.prediction import DepthPrediction, FocalSource

STORE = get_typestore(Stores.ROS2_HUMBLE)


class ConstantPredictor:
    """2 m everywhere: the network is not what is measured."""

    def predict(self, image: np.ndarray, focal_px: float | None = None) -> DepthPrediction:
        """Constant depth at the image's size."""
        depth = np.full(image.shape[:2], 2.0, np.float32)
        return DepthPrediction(
            depth_m=depth,
            focal_px=focal_px or 500.0,
            focal_source=FocalSource.GIVEN,
            fov_deg=60.0,
            canonical_inverse_depth=depth,
        )


def write_input(path: Path, storage: StoragePlugin, frames: int, width: int, height: int) -> None:
    """A bag of `frames` random bgr8 images on /camera/image_raw at 10 Hz."""
    types = STORE.types
    rng = np.random.default_rng(0)
    with Writer(path, version=9, storage_plugin=storage) as writer:
        connection = writer.add_connection(
            "/camera/image_raw", "sensor_msgs/msg/Image", typestore=STORE
        )
        for index in range(frames):
            stamp = types["builtin_interfaces/msg/Time"](sec=index, nanosec=0)
            msg = types["sensor_msgs/msg/Image"](
                header=types["std_msgs/msg/Header"](stamp=stamp, frame_id="camera"),
                height=height,
                width=width,
                encoding="bgr8",
                is_bigendian=0,
                step=3 * width,
                data=rng.integers(0, 255, height * width * 3, dtype=np.uint8),
            )
            writer.write(connection, index * 10**8, STORE.serialize_cdr(msg, msg.__msgtype__))


def main() -> None:
    """Run the benchmark and print one line per storage format."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--size", default="640x480", help="WxH")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    options = BagDepthOptions(
        image_topic="/camera/image_raw", focal_source="fixed", fixed_focal_px=500.0
    )
    with tempfile.TemporaryDirectory() as folder:
        for name, storage in (("mcap", StoragePlugin.MCAP), ("sqlite3", StoragePlugin.SQLITE3)):
            source, output = Path(folder, f"in_{name}"), Path(folder, f"out_{name}")
            write_input(source, storage, args.frames, width, height)
            wall_s, cpu_s = time.perf_counter(), time.process_time()
            write_depth_bag(source, output, options, ConstantPredictor(), show_progress=False)
            wall_s, cpu_s = time.perf_counter() - wall_s, time.process_time() - cpu_s
            size_mb = sum(path.stat().st_size for path in output.iterdir()) / 1e6
            print(
                f"{name:8s} {width}x{height}: {wall_s / args.frames * 1e3:.1f} ms wall, "
                f"{cpu_s / args.frames * 1e3:.1f} ms CPU, {size_mb / args.frames:.2f} MB per frame"
            )


if __name__ == "__main__":
    main()

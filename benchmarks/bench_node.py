"""Node benchmarks: per-frame overhead outside the network, and end-to-end latency / output rate.

    python benchmarks/bench_node.py [--preset test-tiny] [--repeats 30]
    python benchmarks/bench_node.py --preset "" --backend openvino --precision auto --no-overhead

`--preset ""` is the shipped default model; `--backend` and `--precision` are the node's
parameters of those names.

1. Overhead at 640x480 and 1920x1080: Image -> RGB conversion, depth -> 32FC1 Image, CameraInfo,
   organised xyz+rgb cloud at stride 1, and rclpy publish of the three messages (serialisation
   included, no subscriber). The network is not run.
2. End to end: the node in its own process, a 30 Hz 640x480 camera played into it for 6 s from
   this process; latency = publish of a frame -> arrival of its depth image.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np

os.environ.setdefault("ROS_DOMAIN_ID", str(os.getpid() % 100 + 1))
os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")

import rclpy  # noqa: E402
from sensor_msgs.msg import CameraInfo, Image, PointCloud2  # noqa: E402

from sharp_depth_ros.ros import conversions  # noqa: E402
from sharp_depth_ros.ros.camera_info import intrinsics_from_focal, make_camera_info  # noqa: E402
from sharp_depth_ros.ros.player import StreamClient  # noqa: E402
from sharp_depth_ros.ros.point_cloud import depth_to_cloud  # noqa: E402


def overhead_ms(width: int, height: int, repeats: int) -> dict[str, float]:
    node = rclpy.create_node("bench_overhead")
    pubs = (
        node.create_publisher(Image, "bench/depth", 1),
        node.create_publisher(CameraInfo, "bench/depth/camera_info", 1),
        node.create_publisher(PointCloud2, "bench/points", 1),
    )
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    depth = rng.uniform(0.5, 20.0, (height, width)).astype(np.float32)
    intr = intrinsics_from_focal(0.8 * width, width, height)
    msg = conversions.array_to_image(rgb[:, :, ::-1].copy(), "bgr8")
    steps: dict[str, list[float]] = {k: [] for k in ("convert", "depth", "cloud", "publish")}
    totals = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        frame = conversions.image_to_rgb(msg)
        t1 = time.perf_counter()
        depth_msg = conversions.depth_to_image(depth, msg.header)
        info_msg = make_camera_info(intr, msg.header)
        t2 = time.perf_counter()
        cloud = depth_to_cloud(depth, intr, msg.header, rgb=frame, max_depth_m=100.0)
        t3 = time.perf_counter()
        for pub, out in zip(pubs, (depth_msg, info_msg, cloud), strict=True):
            pub.publish(out)
        t4 = time.perf_counter()
        for key, a, b in (("convert", t0, t1), ("depth", t1, t2), ("cloud", t2, t3),
                          ("publish", t3, t4)):  # fmt: skip
            steps[key].append(b - a)
        totals.append(t4 - t0)
    node.destroy_node()
    result = {k: 1e3 * float(np.median(v)) for k, v in steps.items()}
    result["total"] = 1e3 * float(np.median(totals))
    return result


def end_to_end(
    preset: str,
    backend: str = "auto",
    precision: str = "fp32",
    duration_s: float = 6.0,
    rate_hz: float = 30.0,
) -> dict[str, float]:
    # An empty override cannot be parsed by rcl: leave preset out for the default model.
    model = ["-p", f"preset:={preset}"] if preset else []
    command = [sys.executable, "-m", "sharp_depth_ros.ros.node", "--ros-args", *model,
               "-p", "device:=cpu", "-p", "input_reliability:=reliable",
               "-p", f"backend:={backend}", "-p", f"precision:={precision}",
               "-p", "focal_source:=fixed", "-p", "fixed_focal_px:=500.0",
               "-p", "diagnostics_period_s:=0.5"]  # fmt: skip
    node = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = StreamClient()
    try:
        assert client.wait_for_node(120), "node did not start"
        rgb = np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8)
        for _ in range(10):  # warm-up
            client.publish_frame(rgb)
            client.spin_for(1 / rate_hz)
        client.spin_for(1.0)
        client.depth.clear()
        start_s = time.monotonic()
        while time.monotonic() - start_s < duration_s:
            client.publish_frame(rgb)
            client.spin_for(1 / rate_hz)
        client.spin_for(1.5)
        latencies = [client.latency_s(i) for i in range(len(client.depth))]
        times = client.depth.times_s
        diagnostics = {kv.key: kv.value for kv in client.diagnostics.messages[-1].status[0].values}
        return {
            "input_rate_hz": rate_hz,
            "output_rate_hz": (len(times) - 1) / (times[-1] - times[0]),
            "latency_median_ms": 1e3 * float(np.median(latencies)),
            "latency_p95_ms": 1e3 * float(np.percentile(latencies, 95)),
            "inference_median_ms": float(diagnostics["inference_median_ms"]),
            "overhead_median_ms": float(diagnostics["overhead_median_ms"]),
            "dropped_frames": float(diagnostics["dropped_frames"]),
        }
    finally:
        client.destroy_node()
        node.terminate()
        node.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="test-tiny")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--backend", default="auto", help="the node's backend parameter")
    parser.add_argument("--precision", default="fp32", help="the node's precision parameter")
    parser.add_argument(
        "--no-overhead", dest="overhead", action="store_false", help="end to end only"
    )
    args = parser.parse_args()
    rclpy.init()
    try:
        for width, height in ((640, 480), (1920, 1080)) if args.overhead else ():
            result = overhead_ms(width, height, args.repeats)
            print(f"overhead {width}x{height} (median ms): "
                  + ", ".join(f"{k} {v:.2f}" for k, v in result.items()))  # fmt: skip
        result = end_to_end(args.preset, args.backend, args.precision)
        print(f"end-to-end 640x480 {args.preset or 'default'} {args.backend} {args.precision}: "
              + ", ".join(f"{k} {v:.1f}" for k, v in result.items()))  # fmt: skip
    finally:
        rclpy.shutdown()


if __name__ == "__main__":
    main()

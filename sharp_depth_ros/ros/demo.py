"""The node demo: start the depth node, play the bundled frames into it, save what comes out.

    python -m sharp_depth_ros.ros.demo --out demo_out [--preset test-tiny] [--checkpoint FILE]

Writes `depth_NNN.png` (uint16 millimetres, 0 = invalid or beyond 65.535 m: the same rule as
`sharp-depth predict`), `depth_NNN_vis.png` (turbo-coloured inverse depth, for any image
viewer), `depth_NNN.npy` (float32 metres), `contact_sheet.jpg` (input | depth for each bundled
frame), `points.ply` (the last cloud) and `summary.json` / `summary.md` (rates and latencies).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from sharp_depth_ros.inference.outputs import colourise_depth, depth_to_png_mm
from sharp_depth_ros.ros.cloud_view import render_cloud_view
from sharp_depth_ros.ros.intrinsics import Intrinsics

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "demo"


def load_frames(folder: Path = ASSETS) -> tuple[list[np.ndarray], dict[str, float]]:
    """The bundled frames as (H, W, 3) uint8 RGB and their intrinsics (camera.json)."""
    paths = sorted(folder.glob("frame_*.png"))
    if not paths:
        raise FileNotFoundError(f"no demo frames (frame_*.png) in {folder}")
    frames = [cv2.imread(str(p), cv2.IMREAD_COLOR)[:, :, ::-1].copy() for p in paths]
    return frames, json.loads((folder / "camera.json").read_text())


def side_by_side(images: list[np.ndarray], height: int = 240) -> np.ndarray:
    """BGR images scaled to one height and joined left to right."""
    scaled = []
    for image in images:
        width = round(image.shape[1] * height / image.shape[0])
        scaled.append(cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA))
    return np.concatenate(scaled, axis=1)


def input_and_depth(
    rgb: np.ndarray, depth_preview_bgr: np.ndarray, height: int = 240
) -> np.ndarray:
    """One contact-sheet row, BGR: the input frame beside its depth preview, both `height` tall."""
    return side_by_side([np.ascontiguousarray(rgb[:, :, ::-1]), depth_preview_bgr], height)


def cloud_picture(cloud: np.ndarray, intrinsics: Intrinsics) -> np.ndarray:
    """The cloud (a structured x, y, z [, rgb] array) seen from above and to the right."""
    xyz = np.stack([cloud[name].reshape(-1) for name in ("x", "y", "z")], axis=-1)
    if "rgb" in cloud.dtype.names:
        packed = cloud["rgb"].reshape(-1).view(np.uint32)
        colours = np.stack([(packed >> shift) & 0xFF for shift in (0, 8, 16)], -1).astype(np.uint8)
    else:
        colours = np.full((len(xyz), 3), 255, np.uint8)
    k = np.array(intrinsics.camera_matrix, dtype=np.float64).reshape(3, 3)
    return render_cloud_view(xyz, colours, k, (intrinsics.width, intrinsics.height))


def write_ply(path: Path, points: np.ndarray) -> None:
    """Binary little-endian PLY of the finite points of a (..., 3|4) float32 cloud (+ rgb)."""
    flat = points.reshape(-1, points.shape[-1])
    flat = flat[np.isfinite(flat[:, :3]).all(axis=1)]
    has_rgb = flat.shape[1] == 4
    header = ["ply", "format binary_little_endian 1.0", f"element vertex {len(flat)}"]
    header += [f"property float {axis}" for axis in "xyz"]
    record = [("x", "<f4"), ("y", "<f4"), ("z", "<f4")]
    if has_rgb:
        header += [f"property uchar {c}" for c in ("red", "green", "blue")]
        record += [("red", "u1"), ("green", "u1"), ("blue", "u1")]
    rows = np.empty(len(flat), dtype=record)
    rows["x"], rows["y"], rows["z"] = flat[:, 0], flat[:, 1], flat[:, 2]
    if has_rgb:
        packed = flat[:, 3].copy().view(np.uint32)
        rows["red"], rows["green"], rows["blue"] = packed >> 16, packed >> 8, packed
    path.write_bytes(("\n".join([*header, "end_header"]) + "\n").encode() + rows.tobytes())


def _node_command(args: argparse.Namespace) -> list[str]:
    command = [sys.executable, "-m", "sharp_depth_ros.ros.node", "--ros-args"]
    params = {"preset": args.preset, "checkpoint": args.checkpoint, "device": args.device}
    for key, value in params.items():
        if value:
            command += ["-p", f"{key}:={value}"]
    command += ["-p", f"max_depth:={float(args.max_depth_m)}"]
    return command + ["-p", "input_reliability:=reliable", "-p", "diagnostics_period_s:=0.5"]


def run_demo(args: argparse.Namespace) -> dict[str, object]:
    """Start the node, play the frames at `args.rate_hz`, write the outputs; returns the summary."""
    # Own DDS domain on localhost: the demo must not talk to other robots or other runs.
    os.environ.setdefault("ROS_DOMAIN_ID", str(os.getpid() % 100 + 1))
    os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
    import rclpy

    from sharp_depth_ros.ros import conversions
    from sharp_depth_ros.ros.camera_info import Intrinsics
    from sharp_depth_ros.ros.player import StreamClient

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    frames, camera = load_frames()
    height, width = frames[0].shape[:2]
    intrinsics = Intrinsics(width=width, height=height, **camera)
    log = open(out / "node.log", "w")  # noqa: SIM115 - closed in finally
    node = subprocess.Popen(_node_command(args), stdout=log, stderr=subprocess.STDOUT)
    rclpy.init()
    client = StreamClient()
    try:
        if not client.wait_for_node(args.start_timeout_s):
            raise RuntimeError(f"the depth node did not come up; see {out / 'node.log'}")
        started_s = time.monotonic()
        frame_of_stamp: dict[tuple[int, int], int] = {}
        for index in range(args.loops * len(frames)):
            header = client.publish_frame(frames[index % len(frames)], intrinsics=intrinsics)
            frame_of_stamp[(header.stamp.sec, header.stamp.nanosec)] = index % len(frames)
            client.spin_for(1.0 / args.rate_hz)
        client.spin_until(lambda: len(client.depth) > 0, 30)
        client.spin_for(2.0)  # let the last frame and a diagnostics message arrive
        duration_s = time.monotonic() - started_s
        sheet_rows: dict[int, np.ndarray] = {}
        for index, msg in enumerate(client.depth.messages):
            depth_m = conversions.image_to_array(msg)
            np.save(out / f"depth_{index:03d}.npy", depth_m)
            cv2.imwrite(str(out / f"depth_{index:03d}.png"), depth_to_png_mm(depth_m))
            preview = colourise_depth(depth_m)
            cv2.imwrite(str(out / f"depth_{index:03d}_vis.png"), preview)
            frame = frame_of_stamp.get((msg.header.stamp.sec, msg.header.stamp.nanosec))
            if frame is not None:
                sheet_rows[frame] = input_and_depth(frames[frame], preview)
        if sheet_rows:
            rows = [sheet_rows[k] for k in sorted(sheet_rows)]
            cv2.imwrite(str(out / "contact_sheet.jpg"), np.concatenate(rows, axis=0))
        if client.points.messages:
            from sharp_depth_ros.ros.point_cloud import cloud_to_array

            message = client.points.messages[-1]
            cloud = cloud_to_array(message)
            stacked = [cloud[name] for name in ("x", "y", "z")]
            if "rgb" in cloud.dtype.names:
                stacked.append(cloud["rgb"].view(np.float32))
            write_ply(out / "points.ply", np.stack(stacked, axis=-1))
            frame = frame_of_stamp.get((message.header.stamp.sec, message.header.stamp.nanosec))
            if frame is not None and frame in sheet_rows:
                view = cloud_picture(cloud, intrinsics)
                cv2.imwrite(str(out / "cloud_view.png"), view)
                cv2.imwrite(str(out / "demo.jpg"), side_by_side([sheet_rows[frame], view]))
        times = client.depth.times_s
        latencies_ms = [1e3 * client.latency_s(i) for i in range(len(client.depth))]
        diagnostics = (
            {kv.key: kv.value for kv in client.diagnostics.messages[-1].status[0].values}
            if client.diagnostics.messages
            else {}
        )
        summary = {
            "model": args.checkpoint or args.preset or "default",
            "frames_sent": len(client.sent_times_s),
            "depth_received": len(client.depth),
            "points_received": len(client.points),
            "input_rate_hz": args.rate_hz,
            # Output rate while frames flowed: span of the depth arrivals, not of the whole run.
            "depth_rate_hz": (len(client.depth) - 1) / (times[-1] - times[0])
            if len(times) > 1
            else 0.0,
            "run_duration_s": duration_s,
            "latency_median_ms": float(np.median(latencies_ms)) if latencies_ms else None,
            "latency_p95_ms": float(np.percentile(latencies_ms, 95)) if latencies_ms else None,
            "node_diagnostics": diagnostics,
        }
    finally:
        client.destroy_node()
        rclpy.shutdown()
        node.terminate()
        try:
            node.wait(10)
        except subprocess.TimeoutExpired:
            node.kill()
        log.close()
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    lines = ["# sharp_depth node demo", ""] + [
        f"- {key}: {value}" for key, value in summary.items() if key != "node_diagnostics"
    ]
    lines += ["", "## Node diagnostics (last message)", ""]
    lines += [f"- {key}: {value}" for key, value in summary["node_diagnostics"].items()]
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    return summary


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="demo_out", help="output folder")
    parser.add_argument("--preset", default="", help="model preset (empty: the default model)")
    parser.add_argument("--checkpoint", default="", help="checkpoint file")
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda")
    parser.add_argument("--rate-hz", type=float, default=10.0, help="playback rate")
    parser.add_argument("--loops", type=int, default=2, help="times to play the sequence")
    parser.add_argument(
        "--max-depth-m", type=float, default=100.0, help="cloud clip (random weights: use 1e4)"
    )
    parser.add_argument("--start-timeout-s", type=float, default=120.0)
    args = parser.parse_args(argv)
    try:
        summary = run_demo(args)
    except (RuntimeError, FileNotFoundError) as error:
        print(f"demo: {error}", file=sys.stderr)
        return 1
    print(json.dumps({k: v for k, v in summary.items() if k != "node_diagnostics"}, indent=2))
    print(f"outputs in {args.out}")
    return 0 if summary["depth_received"] else 1


if __name__ == "__main__":
    sys.exit(main())

"""What estimating the focal length costs: predictor latency with the focal given and estimated.

Example (the FOV head with and without its own image encoder, torch fp32, 2 threads):
    .venv/bin/python benchmarks/bench_focal_estimation.py \
        --checkpoint BEFORE.safetensors --checkpoint sharp_depth_ros/weights/sharp-small.safetensors

Every checkpoint runs `DepthPredictor.predict` on one image twice per round, once with a
focal length (the node's usual case: CameraInfo gives it, the FOV head does not run) and once
without (the FOV head runs); rounds go round robin over all rows, so load from other jobs hits
each alike. Prints one JSON line per row and the ratios to the first checkpoint's given-focal
row, measured in this one run, with the CPU's features.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from sharp_depth_ros.backends.cpu_features import cpu_features
from sharp_depth_ros.inference import DepthPredictor
from sharp_depth_ros.inference.image_io import load_image

DEFAULT_IMAGE = Path(__file__).resolve().parents[1] / "sharp_depth_ros/assets/demo/frame_000.png"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", action="append", required=True, help="repeatable")
    parser.add_argument("--image", type=Path, default=DEFAULT_IMAGE)
    parser.add_argument("--size", default="640x480", help="WxH the image is resized to first")
    parser.add_argument("--focal-px", type=float, default=525.0, help="the given focal length")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    width, height = (int(v) for v in args.size.split("x"))
    image = np.asarray(Image.fromarray(load_image(args.image).rgb).resize((width, height)))
    predictors = [
        DepthPredictor.from_pretrained(checkpoint=c, device="cpu") for c in args.checkpoint
    ]
    rows = [
        (c, p, focal)
        for c, p in zip(args.checkpoint, predictors, strict=True)
        for focal in (args.focal_px, None)
    ]
    for _, predictor, focal in rows:  # warm-up
        predictor.predict(image, focal_px=focal)
    times: list[list[float]] = [[] for _ in rows]
    for _ in range(args.repeats):
        for index, (_, predictor, focal) in enumerate(rows):
            start = time.perf_counter()
            predictor.predict(image, focal_px=focal)
            times[index].append(time.perf_counter() - start)
    base = statistics.median(times[0])
    for (checkpoint, _, focal), samples in zip(rows, times, strict=True):
        median = statistics.median(samples)
        print(
            json.dumps(
                {
                    "checkpoint": checkpoint,
                    "focal": "given" if focal is not None else "estimated",
                    "latency_median_s": round(median, 4),
                    "ratio_to_first_given": round(median / base, 3),
                    "image": f"{width}x{height}",
                    "threads": args.threads,
                    "cpu": cpu_features().summary(),
                }
            )
        )


if __name__ == "__main__":
    main()

"""How much boundary F1 can a network's output resolution allow at all?

The true depth of each image is sent through a square map of the given side and back (inverse
depth, area-averaged down, bilinear up to the image size), then scored with the same boundary F1
as `sharp-depth eval` (only images whose depth is valid everywhere). A network whose depth is
exact but only `side` pixels across can score no more than this. `sharp-small` resizes its input
to 256 px and its head predicts at 128 px before a bilinear step to 256.

    python benchmarks/boundary_ceiling.py data/eval/robot --sides 512 256 128 [--out report.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from sharp_depth_ros.atomic import atomic_write_text
from sharp_depth_ros.evaluation.folder import list_samples, load_sample
from sharp_depth_ros.metrics import boundary_f1


def through_side(depth_m: np.ndarray, side: int) -> np.ndarray:
    """Depth (H, W) after a round trip through a (side, side) inverse-depth map."""
    height, width = depth_m.shape
    small = cv2.resize(1.0 / depth_m, (side, side), interpolation=cv2.INTER_AREA)
    return 1.0 / cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


def ceiling(folder: Path, sides: list[int]) -> dict[str, object]:
    """Mean boundary F1 of the exact depth, then of its round trip through each side."""
    depths = []
    for name in list_samples(folder):
        sample = load_sample(folder, name)
        if sample.valid.all():
            depths.append(sample.depth_m.astype(np.float32))
    if not depths:
        raise SystemExit(f"boundary_ceiling: no image in {folder} has valid depth everywhere")
    rows = [{"side": None, "boundary_f1": float(np.mean([boundary_f1(d, d) for d in depths]))}]
    for side in sides:
        scores = [boundary_f1(through_side(d, side), d) for d in depths]
        rows.append({"side": side, "boundary_f1": float(np.mean(scores))})
    return {"folder": str(folder), "images": len(depths), "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="an eval folder (synth --eval-folder)")
    parser.add_argument("--sides", type=int, nargs="+", default=[512, 384, 256, 128])
    parser.add_argument("--out", type=Path, help="write the report as JSON here")
    args = parser.parse_args()
    report = ceiling(args.folder, args.sides)
    for row in report["rows"]:
        side = "exact" if row["side"] is None else f"{row['side']} px"
        print(f"{side:>8}: boundary F1 {row['boundary_f1']:.3f} ({report['images']} images)")
    if args.out:
        atomic_write_text(args.out, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""Convert the shared real RGB-D frames into one `sharp-depth eval` folder (depth in metres).

Usage: python benchmarks/realdata_folder.py [--src ../shared/realdata/open3d_rgbd] --out DIR

The frames come in four depth encodings (shared/realdata/README.md): Redwood in millimetres, TUM
in 1/5000 m, SUN RGB-D with its bits rotated by three, and NYU as raw Kinect disparity. Each
becomes `depth/NAME.npy` in metres (0 = invalid) with `intrinsics/NAME.json` (the nominal
PrimeSense fx = fy = 525, cx = 319.5, cy = 239.5 that the README gives for all of them).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

PRIMESENSE = {"fx": 525.0, "fy": 525.0, "cx": 319.5, "cy": 239.5}


def _read_u16(path: Path) -> np.ndarray:
    depth = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if depth is None or depth.dtype != np.uint16:
        raise ValueError(f"{path}: expected a 16-bit depth image")
    return depth


def millimetres(path: Path) -> np.ndarray:
    """Redwood: uint16 millimetres."""
    return _read_u16(path).astype(np.float32) / 1000.0


def tum(path: Path) -> np.ndarray:
    """TUM RGB-D: uint16, metres = v / 5000."""
    return _read_u16(path).astype(np.float32) / 5000.0


def sun(path: Path) -> np.ndarray:
    """SUN RGB-D: the 16 bits are rotated right by 3; metres = rotated / 1000."""
    raw = _read_u16(path)
    rotated = (raw >> 3) | (raw << 13)  # uint16 arithmetic drops the high bits
    return rotated.astype(np.float32) / 1000.0


def nyu(path: Path) -> np.ndarray:
    """NYU Depth v2 raw Kinect disparity (16-bit PGM): metres = 351.3 / (1092.5 - v)."""
    data = path.read_bytes()
    header, offset = [], 0
    while len(header) < 4:  # magic, width, height, maxval; skip comments
        end = data.index(b"\n", offset)
        line = data[offset:end].split(b"#")[0].split()
        header += line
        offset = end + 1
    if header[0] != b"P5" or int(header[3]) < 256:
        raise ValueError(f"{path}: expected a 16-bit binary PGM")
    width, height = int(header[1]), int(header[2])
    # Kinect disparity is 11-bit (2047 = no reading). The PGM standard is big-endian, but this
    # file's bytes only give 11-bit values read little-endian (big-endian gives a median of
    # 54275), so take the byte order whose values fit in 11 bits.
    for order in (">u2", "<u2"):
        disparity = np.frombuffer(data, order, width * height, offset).reshape(height, width)
        if disparity.max() <= 2047:
            break
    else:
        raise ValueError(f"{path}: values exceed 11 bits in either byte order")
    disparity = disparity.astype(np.float32)
    with np.errstate(divide="ignore"):
        depth = 351.3 / (1092.5 - disparity)
    return np.where((disparity > 0) & (disparity < 1092.5) & (depth < 10.0), depth, 0.0)


def frames(src: Path) -> list[tuple[str, Path, Path, object]]:
    """(name, rgb, depth, decoder) of every shared frame."""
    items = [
        (f"redwood_{p.stem}", p, src / "redwood_depth" / f"{p.stem}.png", millimetres)
        for p in sorted((src / "redwood_color").glob("*.jpg"))
    ]
    other = src / "other_formats"
    items += [
        ("tum", other / "TUM_color.png", other / "TUM_depth.png", tum),
        ("sun", other / "SUN_color.jpg", other / "SUN_depth.png", sun),
        ("nyu", other / "NYU_color.ppm", other / "NYU_depth.pgm", nyu),
    ]
    return items


def convert(src: Path, out: Path, skip: set[str] | None = None) -> list[str]:
    """Write the eval folder (without the frames named in `skip`); returns the sample names."""
    for sub in ("rgb", "depth", "intrinsics"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    names = []
    for name, rgb_path, depth_path, decode in frames(src):
        if name in (skip or set()):
            continue
        bgr = cv2.imread(str(rgb_path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise ValueError(f"{rgb_path}: unreadable image")
        depth = decode(depth_path)
        if depth.shape != bgr.shape[:2]:
            raise ValueError(f"{depth_path}: depth {depth.shape} differs from {bgr.shape[:2]}")
        cv2.imwrite(str(out / "rgb" / f"{name}.png"), bgr)
        np.save(out / "depth" / f"{name}.npy", depth.astype(np.float32))
        (out / "intrinsics" / f"{name}.json").write_text(json.dumps(PRIMESENSE))
        names.append(name)
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=Path("../shared/realdata/open3d_rgbd"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated frame names to leave out (e.g. nyu: raw, unregistered disparity)",
    )
    args = parser.parse_args()
    for name in convert(args.src, args.out, skip=set(filter(None, args.skip.split(",")))):
        depth = np.load(args.out / "depth" / f"{name}.npy")
        valid = depth > 0
        print(
            f"{name}: valid {valid.mean():.0%}, depth {np.percentile(depth[valid], 5):.2f}-"
            f"{np.percentile(depth[valid], 95):.2f} m (5-95 %)"
        )


if __name__ == "__main__":
    main()

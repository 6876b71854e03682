"""Compact shards: the shard format at about a tenth of the bytes, for moving data sets.

A device machine receives at most 64 MiB per call, and a 64-sample shard at 256x192 takes about
15 MB. The compact form stores, per sample, the image as a JPEG (quality 95), the depth as a
16-bit PNG of log depth (relative step 1.8e-4 between 0.01 m and 1000 m; code 0 = no depth) and
the instance ids as a 16-bit PNG; masks, intrinsics and parameters are kept exactly. Unpacking
gives ordinary shards that the trainer reads. Only the image and the depth change, within the
bounds that `test/data/test_compact_shards.py` checks.

    python -m sharp_depth_ros.data.compact_shards pack data/synth/robot-train .devdata/robot
    python -m sharp_depth_ros.data.compact_shards unpack .devdata/robot /tmp/data/robot-train
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing
import shutil
import sys
from pathlib import Path

import cv2
import numpy as np

from sharp_depth_ros.atomic import atomic_path
from sharp_depth_ros.data.sample import SyntheticSample
from sharp_depth_ros.data.shards import (
    MANIFEST_NAME,
    list_shards,
    params_array,
    read_shard,
    write_shard,
)

COMPACT_FORMAT = "compact-shard-1"
JPEG_QUALITY = 95
LOG_DEPTH_RANGE_M = (0.01, 1000.0)
_LOG_LOW, _LOG_HIGH = np.log(LOG_DEPTH_RANGE_M[0]), np.log(LOG_DEPTH_RANGE_M[1])
_CODES = 65534  # 1 .. 65535 hold depth, 0 holds "no depth"
_PNG = (cv2.IMWRITE_PNG_COMPRESSION, 9)


def encode_depth(depth_m: np.ndarray) -> np.ndarray:
    """Planar depth (0 = none) as uint16 codes of log depth."""
    depth = np.asarray(depth_m, dtype=np.float64)
    has_depth = depth > 0
    log_depth = np.log(np.clip(np.where(has_depth, depth, 1.0), *LOG_DEPTH_RANGE_M))
    codes = 1 + np.round((log_depth - _LOG_LOW) / (_LOG_HIGH - _LOG_LOW) * _CODES)
    return np.where(has_depth, codes, 0).astype(np.uint16)


def decode_depth(codes: np.ndarray) -> np.ndarray:
    """The inverse of `encode_depth`, in float32 metres (0 where there was no depth)."""
    log_depth = _LOG_LOW + (codes.astype(np.float64) - 1) / _CODES * (_LOG_HIGH - _LOG_LOW)
    return np.where(codes > 0, np.exp(log_depth), 0.0).astype(np.float32)


def _encode(extension: str, image: np.ndarray, *params: int) -> np.ndarray:
    ok, buffer = cv2.imencode(extension, image, list(params))
    if not ok:
        raise ValueError(f"could not encode an image as {extension}")
    return buffer.reshape(-1)


def _decode(buffer: np.ndarray, flags: int) -> np.ndarray:
    image = cv2.imdecode(buffer, flags)
    if image is None:
        raise ValueError("a compact shard holds an undecodable image")
    return image


def pack_shard(source: str | Path, destination: str | Path) -> None:
    """Write the compact form of the shard `source` to `destination` (atomically)."""
    samples = read_shard(source)
    with np.load(source) as data:
        indices = data["indices"]
    arrays: dict[str, np.ndarray] = {"indices": indices, "format": np.array(COMPACT_FORMAT)}
    for k, sample in enumerate(samples):
        bgr = np.ascontiguousarray(sample.rgb[..., ::-1])
        arrays |= {
            f"jpeg_{k:04d}": _encode(".jpg", bgr, cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY),
            f"depth_{k:04d}": _encode(".png", encode_depth(sample.depth_m), *_PNG),
            f"instance_{k:04d}": _encode(".png", sample.instance.astype(np.uint16), *_PNG),
            f"valid_{k:04d}": np.packbits(sample.valid),
            f"alpha_{k:04d}": np.round(sample.foreground_alpha * 255.0).astype(np.uint8),
            f"intrinsics_{k:04d}": sample.intrinsics,
            f"params_{k:04d}": params_array(sample),
        }
    with atomic_path(destination) as temp_path, open(temp_path, "wb") as handle:
        np.savez_compressed(handle, **arrays)


def unpack_shard(source: str | Path, destination: str | Path, compress: bool = True) -> None:
    """Write the ordinary shard that the compact shard `source` holds to `destination`.

    Without `compress` the shard is stored uncompressed: faster training reads.
    """
    with np.load(source) as data:
        if "format" not in data or str(data["format"]) != COMPACT_FORMAT:
            raise ValueError(f"{source} is not a compact shard ({COMPACT_FORMAT})")
        indices = [int(i) for i in data["indices"]]
        samples = []
        for k in range(len(indices)):
            depth = decode_depth(_decode(data[f"depth_{k:04d}"], cv2.IMREAD_UNCHANGED))
            params = json.loads(data[f"params_{k:04d}"].tobytes().decode("utf-8"))
            samples.append(
                SyntheticSample(
                    rgb=_decode(data[f"jpeg_{k:04d}"], cv2.IMREAD_COLOR)[..., ::-1].copy(),
                    depth_m=depth,
                    valid=np.unpackbits(data[f"valid_{k:04d}"], count=depth.size)
                    .reshape(depth.shape)
                    .astype(bool),
                    instance=_decode(data[f"instance_{k:04d}"], cv2.IMREAD_UNCHANGED),
                    foreground_alpha=data[f"alpha_{k:04d}"].astype(np.float32) / 255.0,
                    intrinsics=data[f"intrinsics_{k:04d}"],
                    seed=int(params["seed"]),
                    params=params,
                )
            )
    write_shard(destination, indices, samples, compress)


def convert_folder(
    source: str | Path,
    destination: str | Path,
    *,
    pack: bool,
    workers: int = 1,
    compress: bool = True,
) -> int:
    """Pack (or unpack) every shard of a folder, copying its manifest; returns the shard count.

    Shards already present in `destination` are kept, so an interrupted run resumes.
    `compress=False` unpacks to uncompressed shards.
    """
    source, destination = Path(source), Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    shards = list_shards(source)
    if not shards:
        raise FileNotFoundError(f"no shard-*.npz files in {source}")
    convert = pack_shard if pack else functools.partial(unpack_shard, compress=compress)
    jobs = [(s, destination / s.name) for s in shards if not (destination / s.name).exists()]
    if workers > 1 and len(jobs) > 1:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            pool.starmap(convert, jobs, chunksize=1)
    else:
        for job in jobs:
            convert(*job)
    if (source / MANIFEST_NAME).exists():
        shutil.copyfile(source / MANIFEST_NAME, destination / MANIFEST_NAME)
    return len(shards)


def main(argv: list[str] | None = None) -> int:
    """`pack SOURCE DEST` or `unpack SOURCE DEST` over shard folders."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["pack", "unpack"])
    parser.add_argument("source", type=Path)
    parser.add_argument("destination", type=Path)
    parser.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    parser.add_argument(
        "--uncompressed",
        action="store_true",
        help="unpack to uncompressed shards (about 3x the disk, faster training reads)",
    )
    args = parser.parse_args(argv)
    try:
        count = convert_folder(
            args.source,
            args.destination,
            pack=args.action == "pack",
            workers=args.workers,
            compress=not args.uncompressed,
        )
    except (FileNotFoundError, ValueError) as error:
        print(f"compact_shards: {error}", file=sys.stderr)
        return 1
    print(f"{args.action}: {count} shards {args.source} -> {args.destination}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Compact shards: exact masks and metadata, bounded image and depth changes, resumable folders."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sharp_depth_ros.data.compact_shards import (
    LOG_DEPTH_RANGE_M,
    convert_folder,
    decode_depth,
    encode_depth,
    main,
)
from sharp_depth_ros.data.sample import SyntheticSample
from sharp_depth_ros.data.shards import MANIFEST_NAME, read_shard, shard_path, write_shard


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(*LOG_DEPTH_RANGE_M), min_size=1, max_size=64))
def test_depth_codes_round_trip_within_relative_step(depths: list[float]) -> None:
    depth = np.asarray(depths, dtype=np.float32)
    decoded = decode_depth(encode_depth(depth))
    assert np.all(np.abs(decoded / depth - 1.0) < 1.0e-4)


def test_no_depth_stays_no_depth() -> None:
    codes = encode_depth(np.array([0.0, 2.0, 0.0], dtype=np.float32))
    assert codes[0] == 0 and codes[2] == 0 and codes[1] > 0
    assert decode_depth(codes)[[0, 2]].tolist() == [0.0, 0.0]


def _sample(seed: int) -> SyntheticSample:
    rng = np.random.default_rng(seed)
    height, width = 48, 64
    rows = np.linspace(0.0, 1.0, height)[:, None] * np.ones((1, width))
    rgb = (np.stack([rows, rows[::-1], 0.5 * np.ones_like(rows)], -1) * 255).astype(np.uint8)
    depth = (1.0 + 9.0 * rows).astype(np.float32)
    valid = rng.random((height, width)) > 0.1
    depth[~valid] = 0.0
    return SyntheticSample(
        rgb=rgb,
        depth_m=depth,
        valid=valid,
        instance=rng.integers(0, 70000, (height, width)).astype(np.uint16),
        foreground_alpha=np.round(rng.random((height, width)) * 255) / 255,
        intrinsics=np.array([[50.0, 0, 31.5], [0, 50.0, 23.5], [0, 0, 1]]),
        seed=seed,
        params={"family": "robot"},
    )


def test_folder_pack_and_unpack_round_trip(tmp_path) -> None:
    source, packed, unpacked = tmp_path / "src", tmp_path / "packed", tmp_path / "out"
    source.mkdir()
    originals = [_sample(s) for s in range(3)]
    write_shard(shard_path(source, 0), [0, 1], originals[:2])
    write_shard(shard_path(source, 1), [2], originals[2:])
    (source / MANIFEST_NAME).write_text(json.dumps({"count": 3}))
    assert convert_folder(source, packed, pack=True) == 2
    assert main(["unpack", str(packed), str(unpacked), "--workers", "2"]) == 0
    assert (unpacked / MANIFEST_NAME).read_text() == (source / MANIFEST_NAME).read_text()
    restored_samples = read_shard(shard_path(unpacked, 0)) + read_shard(shard_path(unpacked, 1))
    for original, restored in zip(originals, restored_samples, strict=True):
        assert np.array_equal(restored.valid, original.valid)
        assert np.array_equal(restored.instance, original.instance)
        assert np.array_equal(
            restored.foreground_alpha, original.foreground_alpha.astype(np.float32)
        )
        assert np.array_equal(restored.intrinsics, original.intrinsics)
        assert (restored.seed, restored.params) == (
            original.seed,
            dict(original.params, seed=original.seed),
        )
        assert np.array_equal(restored.depth_m > 0, original.depth_m > 0)
        has = original.depth_m > 0
        assert np.max(np.abs(restored.depth_m[has] / original.depth_m[has] - 1)) < 1e-4
        assert np.mean(np.abs(restored.rgb.astype(float) - original.rgb)) < 2.0


def test_uncompressed_unpack_stores_members_and_holds_the_same_samples(tmp_path) -> None:
    import zipfile

    source, packed = tmp_path / "src", tmp_path / "packed"
    source.mkdir()
    write_shard(shard_path(source, 0), [0, 1], [_sample(0), _sample(1)])
    convert_folder(source, packed, pack=True)
    main(["unpack", str(packed), str(tmp_path / "zipped")])
    assert main(["unpack", str(packed), str(tmp_path / "stored"), "--uncompressed"]) == 0
    with zipfile.ZipFile(shard_path(tmp_path / "stored", 0)) as archive:
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}
    with zipfile.ZipFile(shard_path(tmp_path / "zipped", 0)) as archive:
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_DEFLATED}
    stored = read_shard(shard_path(tmp_path / "stored", 0))
    zipped = read_shard(shard_path(tmp_path / "zipped", 0))
    for a, b in zip(stored, zipped, strict=True):
        for field in ("rgb", "depth_m", "valid", "instance", "foreground_alpha", "intrinsics"):
            assert np.array_equal(getattr(a, field), getattr(b, field)), field
        assert a.params == b.params


def test_not_a_compact_shard_is_refused(tmp_path, capsys) -> None:
    write_shard(shard_path(tmp_path / "plain", 0), [0], [_sample(0)])
    assert main(["unpack", str(tmp_path / "plain"), str(tmp_path / "out")]) == 1
    assert "not a compact shard" in capsys.readouterr().err

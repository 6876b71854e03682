from __future__ import annotations

import numpy as np
import pytest

from sharp_depth_ros.data.export import export_eval_folder
from sharp_depth_ros.data.sample import SyntheticSample
from sharp_depth_ros.data.shards import shard_path, write_shard
from sharp_depth_ros.evaluation.folder import list_samples, load_sample


def _sample(seed: int) -> SyntheticSample:
    rng = np.random.default_rng(seed)
    height, width = 12, 16
    valid = rng.random((height, width)) > 0.2
    k = np.array([[20.0 + seed, 0.0, 7.5], [0.0, 21.0, 5.5], [0.0, 0.0, 1.0]])
    return SyntheticSample(
        rgb=rng.integers(0, 256, (height, width, 3), dtype=np.uint8),
        depth_m=np.where(valid, rng.uniform(0.3, 50.0, (height, width)), 0.0).astype(np.float32),
        valid=valid,
        instance=rng.integers(0, 5, (height, width)).astype(np.uint16),
        foreground_alpha=np.round(rng.random((height, width)) * 255.0).astype(np.float32) / 255.0,
        intrinsics=k,
        seed=seed,
    )


def test_exported_folder_reads_back_the_exact_samples(tmp_path):
    samples = [_sample(s) for s in range(3)]
    write_shard(shard_path(tmp_path / "shards", 0), [0, 1], samples[:2])
    write_shard(shard_path(tmp_path / "shards", 1), [2], samples[2:])

    assert export_eval_folder(tmp_path / "shards", tmp_path / "folder") == 3

    names = list_samples(tmp_path / "folder")
    assert names == ["synth-000000", "synth-000001", "synth-000002"]
    for name, expected in zip(names, samples, strict=True):
        loaded = load_sample(tmp_path / "folder", name)
        np.testing.assert_array_equal(loaded.rgb, expected.rgb)
        np.testing.assert_array_equal(loaded.valid, expected.valid)
        np.testing.assert_array_equal(loaded.depth_m, expected.depth_m)
        np.testing.assert_allclose(loaded.mask, expected.foreground_alpha, atol=1e-6)
        k = expected.intrinsics
        assert (loaded.intrinsics.fx_px, loaded.intrinsics.fy_px) == (k[0, 0], k[1, 1])
        assert (loaded.intrinsics.cx_px, loaded.intrinsics.cy_px) == (k[0, 2], k[1, 2])


def test_export_without_shards_says_what_to_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="sharp-depth synth"):
        export_eval_folder(tmp_path, tmp_path / "folder")

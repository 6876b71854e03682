from __future__ import annotations

import numpy as np
import pytest

from sharp_depth_ros.data.generate import generate
from sharp_depth_ros.data.renderer import RenderConfig
from sharp_depth_ros.data.sample import SyntheticSample
from sharp_depth_ros.data.scene_sampler import SceneConfig, sample_seed
from sharp_depth_ros.data.shards import list_shards, read_shard

SCENE = SceneConfig(width=16, height=12)
RENDER = RenderConfig(spp=1, max_bounces=2, alpha_grid=1)


def fake_render(index: int, seed: int = 5) -> SyntheticSample:
    """A cheap deterministic stand-in for the renderer (a pure function of the sample seed)."""
    rng = np.random.default_rng(sample_seed(seed, index))
    depth = rng.uniform(0.5, 9.0, (12, 16)).astype(np.float32)
    return SyntheticSample(
        rgb=rng.integers(0, 256, (12, 16, 3), dtype=np.uint8),
        depth_m=depth,
        valid=depth < 8.0,
        instance=rng.integers(0, 9, (12, 16)).astype(np.uint16),
        foreground_alpha=rng.uniform(0, 1, (12, 16)).astype(np.float32),
        intrinsics=np.eye(3),
        seed=sample_seed(seed, index),
        params={"index": index},
    )


class Crash(RuntimeError):
    pass


def crashing_render(crash_at: int):
    def render(index: int) -> SyntheticSample:
        if index == crash_at:
            raise Crash(f"worker died at {index}")
        return fake_render(index)

    return render


def read_all(root):
    return {int(s.params["index"]): s for shard in list_shards(root) for s in read_shard(shard)}


def test_interrupted_run_resumes_to_the_same_shards_without_duplicates(tmp_path):
    kwargs = dict(count=7, seed=5, scene=SCENE, render=RENDER, shard_size=2, workers=0)
    with pytest.raises(Crash):
        generate(tmp_path / "run", render_fn=crashing_render(5), **kwargs)
    # Shards 0 and 1 are complete; shard 2 (samples 4, 5) was never written, not even partly.
    assert [p.name for p in list_shards(tmp_path / "run")] == ["shard-00000.npz", "shard-00001.npz"]
    assert not [p for p in (tmp_path / "run").iterdir() if "tmp" in p.name]
    before = (tmp_path / "run" / "shard-00000.npz").read_bytes()
    resumed = generate(tmp_path / "run", render_fn=fake_render, **kwargs)
    assert (resumed.skipped_shards, resumed.written_shards, resumed.rendered) == (2, 2, 3)
    assert (tmp_path / "run" / "shard-00000.npz").read_bytes() == before
    clean = generate(tmp_path / "clean", render_fn=fake_render, **kwargs)
    assert clean.rendered == 7
    resumed_samples, clean_samples = read_all(tmp_path / "run"), read_all(tmp_path / "clean")
    assert sorted(resumed_samples) == list(range(7))
    for index, sample in clean_samples.items():
        other = resumed_samples[index]
        np.testing.assert_array_equal(sample.rgb, other.rgb)
        np.testing.assert_array_equal(sample.depth_m, other.depth_m)
        np.testing.assert_array_equal(sample.valid, other.valid)
        np.testing.assert_array_equal(sample.instance, other.instance)
        assert sample.seed == other.seed


def test_shards_round_trip_every_field(tmp_path):
    generate(
        tmp_path,
        count=3,
        seed=5,
        scene=SCENE,
        render=RENDER,
        shard_size=4,
        workers=0,
        render_fn=fake_render,
    )
    (sample,) = [s for s in read_all(tmp_path).values() if s.params["index"] == 1]
    original = fake_render(1)
    np.testing.assert_array_equal(sample.rgb, original.rgb)
    np.testing.assert_array_equal(sample.depth_m, original.depth_m)
    np.testing.assert_array_equal(sample.instance, original.instance)
    np.testing.assert_allclose(sample.foreground_alpha, original.foreground_alpha, atol=0.5 / 255)
    assert sample.seed == original.seed


def test_resuming_with_other_settings_is_refused(tmp_path):
    generate(
        tmp_path, count=2, seed=5, scene=SCENE, render=RENDER, workers=0, render_fn=fake_render
    )
    with pytest.raises(ValueError, match="seed"):
        generate(
            tmp_path, count=2, seed=6, scene=SCENE, render=RENDER, workers=0, render_fn=fake_render
        )


def test_denoiser_guides_enter_the_manifest_only_when_on_so_older_folders_still_resume(tmp_path):
    import json
    from dataclasses import replace

    kwargs = dict(count=2, seed=5, scene=SCENE, workers=0, render_fn=fake_render)
    generate(tmp_path / "plain", render=RENDER, **kwargs)
    manifest = json.loads((tmp_path / "plain" / "manifest.json").read_text())
    assert "denoise_guides" not in manifest["render"]  # as written before the option existed
    guided = replace(RENDER, denoise_guides=True)
    generate(tmp_path / "guided", render=guided, **kwargs)
    manifest = json.loads((tmp_path / "guided" / "manifest.json").read_text())
    assert manifest["render"]["denoise_guides"] is True
    with pytest.raises(ValueError, match="render"):
        generate(tmp_path / "plain", render=guided, **kwargs)


def test_spawned_workers_render_what_one_process_renders(tmp_path):
    pytest.importorskip("mitsuba")
    generate(tmp_path / "one", count=3, seed=2, scene=SCENE, render=RENDER, shard_size=2, workers=0)
    generate(tmp_path / "two", count=3, seed=2, scene=SCENE, render=RENDER, shard_size=2, workers=2)
    one, two = read_all(tmp_path / "one"), read_all(tmp_path / "two")
    assert sorted(one) == sorted(two) == [0, 1, 2]
    for index in one:
        np.testing.assert_array_equal(one[index].rgb, two[index].rgb)
        np.testing.assert_array_equal(one[index].depth_m, two[index].depth_m)

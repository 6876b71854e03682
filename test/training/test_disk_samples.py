"""Tests of the samples read from synthetic shards and data-set folders (`DiskSamples`)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from sharp_depth_ros.data.sample import SyntheticSample
from sharp_depth_ros.data.shards import shard_path, write_shard
from sharp_depth_ros.training.config import DatasetConfig
from sharp_depth_ros.training.data_sources import build_dataset


def sample(seed: int, width: int = 48, height: int = 32) -> SyntheticSample:
    depth = np.full((height, width), 3.0, np.float32)
    depth[:, : width // 3] = 1.5
    return SyntheticSample(
        rgb=np.random.default_rng(seed).integers(0, 255, (height, width, 3), dtype=np.uint8),
        depth_m=depth,
        valid=np.ones((height, width), bool),
        instance=np.zeros((height, width), np.uint16),
        foreground_alpha=np.zeros((height, width), np.float32),
        intrinsics=np.array([[40.0, 0, 23.5], [0, 40.0, 15.5], [0, 0, 1]]),
        seed=seed,
    )


def test_sensor_noise_of_the_recipe_reaches_the_training_samples_only(shards):
    plain, noisy = dataset(shards, augment=True), dataset(shards, augment=True, sensor_noise=1.0)
    for seed in range(3):
        a, b = plain.get(0, seed), noisy.get(0, seed)
        assert torch.equal(a["inverse_depth"], b["inverse_depth"])
        assert not torch.equal(a["image"], b["image"])
    validation = dataset(shards, augment=False, sensor_noise=1.0)
    assert torch.equal(
        validation.get(0, 5)["image"], dataset(shards, augment=False).get(0, 5)["image"]
    )


@pytest.mark.parametrize("key", ["vignetting", "surface_texture"])
def test_image_changes_of_the_recipe_reach_the_training_samples_only(shards, key):
    plain, changed = dataset(shards, augment=True), dataset(shards, augment=True, **{key: 1.0})
    for seed in range(3):
        a, b = plain.get(0, seed), changed.get(0, seed)
        assert torch.equal(a["inverse_depth"], b["inverse_depth"])
        assert not torch.equal(a["image"], b["image"])
    validation = dataset(shards, augment=False, **{key: 1.0})
    assert torch.equal(
        validation.get(0, 5)["image"], dataset(shards, augment=False).get(0, 5)["image"]
    )


@pytest.fixture
def shards(tmp_path):
    write_shard(shard_path(tmp_path, 0), [0, 1], [sample(0), sample(1)])
    return tmp_path


def dataset(
    root,
    augment: bool,
    sensor_noise: float = 0.0,
    vignetting: float = 0.0,
    surface_texture: float = 0.0,
):
    config = DatasetConfig(
        name="s",
        kind="metric_synthetic",
        source="synthetic",
        path=str(root),
        sensor_noise=sensor_noise,
        vignetting=vignetting,
        surface_texture=surface_texture,
    )
    return build_dataset(config, resolution=64, training=augment)


def test_shard_samples_get_canonical_targets_at_network_resolution(shards):
    item = dataset(shards, augment=False).get(0, 0)
    assert item["image"].shape == (3, 64, 64)
    # f_px / W = 40 / 48 whatever the resize; C = (f_px / W) / D.
    assert item["focal_ratio"].item() == pytest.approx(40 / 48)
    assert item["inverse_depth"][0, 0, 0].item() == pytest.approx((40 / 48) / 1.5)
    assert item["inverse_depth"][0, 0, -1].item() == pytest.approx((40 / 48) / 3.0)


def test_samples_carry_the_aspect_ratio_the_squash_hides(shards, folder):
    # 48 x 32 images: W / H = 1.5, kept by the crop augmentation's FOV change.
    augmented = dataset(shards, augment=True)
    assert {round(augmented.get(i, s)["aspect"].item(), 6) for i in (0, 1) for s in range(6)} == {
        1.5
    }
    assert dataset(shards, augment=False).get(0, 0)["aspect"].item() == pytest.approx(1.5)
    assert folder_dataset(folder, "metric_real").get(0, 0)["aspect"].item() == pytest.approx(1.5)


def test_augmentations_depend_only_on_the_sample_seed(shards):
    data = dataset(shards, augment=True)
    seeds = range(8)
    first = [data.get(1, s)["image"] for s in seeds]
    again = [data.get(1, s)["image"] for s in reversed(seeds)][::-1]
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    assert any(not torch.equal(first[0], image) for image in first[1:])


@pytest.fixture
def folder(shards, tmp_path):
    """The two shard samples exported to a data-set folder (fx = 40 px at width 48)."""
    from sharp_depth_ros.data.export import export_eval_folder

    out = tmp_path / "folder"
    export_eval_folder(shards, out)
    return out


def folder_dataset(root, kind: str, augment: bool = False):
    config = DatasetConfig(name="f", kind=kind, source="folder", path=str(root))
    return build_dataset(config, resolution=64, training=augment)


def test_folder_samples_get_the_same_targets_as_the_shards_they_came_from(shards, folder):
    from_folder = folder_dataset(folder, "metric_real").get(0, 0)
    from_shards = dataset(shards, augment=False).get(0, 0)
    assert from_folder["focal_ratio"].item() == pytest.approx(40 / 48)
    torch.testing.assert_close(from_folder["inverse_depth"], from_shards["inverse_depth"])
    torch.testing.assert_close(from_folder["image"], from_shards["image"], atol=2 / 255, rtol=0)


def test_metric_folders_need_intrinsics_and_nonmetric_ones_do_not(folder):
    for path in (folder / "intrinsics").iterdir():
        path.unlink()
    with pytest.raises(ValueError, match="intrinsics"):
        folder_dataset(folder, "metric_real").get(0, 0)
    item = folder_dataset(folder, "nonmetric_real", augment=True).get(0, 3)
    assert not item["has_focal"] and math.isnan(item["focal_ratio"].item())
    valid = item["valid"]
    torch.testing.assert_close(item["inverse_depth"][valid], 1.0 / item["depth_m"][valid])


def test_folder_augmentations_depend_only_on_the_sample_seed(folder):
    data = folder_dataset(folder, "metric_real", augment=True)
    first = [data.get(1, s)["image"] for s in range(6)]
    again = [data.get(1, s)["image"] for s in reversed(range(6))][::-1]
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    assert any(not torch.equal(first[0], image) for image in first[1:])


def test_an_empty_folder_is_refused(tmp_path):
    for sub in ("rgb", "depth"):
        (tmp_path / sub).mkdir()
    with pytest.raises(ValueError, match="no images"):
        folder_dataset(tmp_path, "metric_real")

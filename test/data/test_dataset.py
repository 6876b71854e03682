from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import torch

from sharp_depth_ros.data.augment import AugmentConfig
from sharp_depth_ros.data.dataset import FolderDataset, ShardDataset
from sharp_depth_ros.data.generate import generate
from sharp_depth_ros.data.renderer import RenderConfig
from sharp_depth_ros.data.scene_sampler import SceneConfig

from .test_generate import fake_render


@pytest.fixture
def shard_root(tmp_path):
    generate(
        tmp_path,
        count=5,
        seed=5,
        scene=SceneConfig(width=16, height=12),
        render=RenderConfig(),
        shard_size=2,
        workers=0,
        render_fn=fake_render,
    )
    return tmp_path


def test_shard_dataset_returns_normalised_tensors_and_metadata(shard_root):
    dataset = ShardDataset(shard_root)
    assert len(dataset) == 5
    item = dataset[3]
    sample = fake_render(3)
    assert item["image"].shape == (3, 12, 16) and item["depth_m"].shape == (1, 12, 16)
    expected = (torch.from_numpy(sample.rgb).permute(2, 0, 1).float() / 255 - 0.5) / 0.5
    torch.testing.assert_close(item["image"], expected)
    assert torch.equal(item["valid"][0], torch.from_numpy(sample.valid))
    assert (item["depth_m"][~item["valid"]] == 0).all()
    assert float(item["focal_px"]) == float(sample.intrinsics[0, 0])


def test_resizing_scales_the_focal_length(shard_root):
    item = ShardDataset(shard_root, size=(24, 32))[0]
    assert item["image"].shape == (3, 24, 32)
    assert float(item["focal_px"]) == pytest.approx(2.0)  # fake samples have K = identity


def test_augmented_items_are_reproducible_per_seed_and_epoch(shard_root):
    dataset = ShardDataset(shard_root, augment=AugmentConfig(), seed=3)
    a, b = dataset[1], dataset[1]
    assert all(torch.equal(a[key], b[key]) for key in a)
    differs = False
    for epoch in range(1, 6):
        dataset.set_epoch(epoch)
        differs |= not torch.equal(dataset[1]["image"], a["image"])
    assert differs


def test_missing_shards_raise_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        ShardDataset(tmp_path)


def test_folder_dataset_reads_the_evaluation_layout(tmp_path):
    for sub in ("rgb", "depth", "intrinsics"):
        (tmp_path / sub).mkdir()
    rgb = np.full((6, 8, 3), 200, np.uint8)
    cv2.imwrite(str(tmp_path / "rgb" / "a.png"), rgb)
    np.save(tmp_path / "depth" / "a.npy", np.full((6, 8), 2.5, np.float32))
    (tmp_path / "intrinsics" / "a.json").write_text(
        json.dumps({"fx": 7.0, "fy": 7.0, "cx": 3.5, "cy": 2.5})
    )
    item = FolderDataset(tmp_path)[0]
    assert item["image"].shape == (3, 6, 8)
    assert float(item["focal_px"]) == 7.0
    assert torch.allclose(item["depth_m"], torch.full((1, 6, 8), 2.5))

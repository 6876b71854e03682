"""Patch split and merge of the multi-resolution encoder."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from sharp_depth_ros.model.encoder import merge_patches, patch_steps, split_into_patches


def test_official_patch_layout():
    assert patch_steps(1536, 384, 0.25) == (288, 5)
    assert patch_steps(768, 384, 0.5) == (192, 3)


def test_split_is_position_major_and_row_major():
    images = torch.arange(2 * 8 * 8, dtype=torch.float32).reshape(2, 1, 8, 8)
    patches = split_into_patches(images, patch_px=4, overlap_ratio=0.5)  # stride 2, 3x3
    assert patches.shape == (18, 1, 4, 4)
    # position 1 (row 0, col 1) of image 1 sits at batch index 1*2 + 1
    assert torch.equal(patches[3], images[1, :, 0:4, 2:6])
    # position 8 (row 2, col 2) of image 1 is the last entry
    assert torch.equal(patches[17], images[1, :, 4:8, 4:8])


@settings(max_examples=20, deadline=None)
@given(batch=st.integers(1, 3), grid=st.sampled_from([8, 16, 24]), level=st.sampled_from([0, 1]))
def test_merge_of_split_reconstructs_the_image(batch, grid, level):
    # Feature maps of "coordinate images": merging the split patches must give back the image
    # exactly when features are the pixels themselves (patch = grid, crop = half the overlap).
    overlap = 0.25 if level == 0 else 0.5
    size = 4 * grid if level == 0 else 2 * grid
    images = torch.randn(batch, 2, size, size)
    patches = split_into_patches(images, patch_px=grid, overlap_ratio=overlap)
    crop = int(grid * overlap) // 2
    merged = merge_patches(patches, batch_size=batch, crop=crop)
    assert torch.equal(merged, images)


def test_reduced_pyramid_runs_10_patches_and_keeps_the_output_shapes(monkeypatch):
    from sharp_depth_ros.model import create_model
    from sharp_depth_ros.model import encoder as encoder_module

    torch.manual_seed(0)
    model = create_model("test-tiny").eval()
    seen_batches = []
    original = encoder_module.vit_with_hooks

    def counting(vit, images, hooks):
        seen_batches.append(images.shape[0])
        return original(vit, images, hooks)

    monkeypatch.setattr(encoder_module, "vit_with_hooks", counting)
    x = torch.randn(1, 3, 512, 512)
    with torch.no_grad():
        full = model.encoder(x)
        model.encoder.reduced_pyramid = True
        reduced = model.encoder(x)
        output = model(x)
    assert seen_batches[:2] == [35, 10]
    assert [f.shape for f in reduced] == [f.shape for f in full]
    assert torch.equal(reduced[-1], full[-1])  # global branch unchanged
    assert not torch.equal(reduced[0], full[0])
    assert torch.isfinite(output.canonical_inverse_depth).all()

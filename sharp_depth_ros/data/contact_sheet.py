"""A contact sheet: RGB, depth and foreground mask of 16 samples in one PNG, for a quick look."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from sharp_depth_ros.atomic import atomic_path
from sharp_depth_ros.data.renderer import RenderConfig
from sharp_depth_ros.data.sample import SyntheticSample
from sharp_depth_ros.data.scene_sampler import SceneConfig


def colourise_depth(depth_m: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """(H, W) depth -> (H, W, 3) uint8: inverse depth on a turbo-like ramp, invalid = black."""
    inverse = np.where(valid, 1.0 / np.maximum(depth_m, 1e-3), 0.0)
    top = np.percentile(inverse[valid], 99) if valid.any() else 1.0
    t = np.clip(inverse / max(top, 1e-6), 0.0, 1.0)
    rgb = np.stack(
        [
            np.clip(1.5 - abs(4 * t - 3), 0, 1),
            np.clip(1.5 - abs(4 * t - 2), 0, 1),
            np.clip(1.5 - abs(4 * t - 1), 0, 1),
        ],
        axis=-1,
    )
    return (rgb * 255 * valid[..., None]).astype(np.uint8)


def sample_tile(sample: SyntheticSample, size: int) -> np.ndarray:
    """RGB | depth | mask (alpha in white, other objects' edges in grey), resized to `size` high."""
    from PIL import Image

    alpha = (sample.foreground_alpha * 255).astype(np.uint8)
    mask = np.repeat(alpha[..., None], 3, axis=-1)
    row = np.concatenate([sample.rgb, colourise_depth(sample.depth_m, sample.valid), mask], axis=1)
    image = Image.fromarray(row)
    width = round(row.shape[1] * size / row.shape[0])
    return np.asarray(image.resize((width, size), Image.Resampling.NEAREST))


def write_contact_sheet(
    path: str | Path, samples: list[SyntheticSample], tile_px: int = 160
) -> None:
    """Write samples as a 2-column grid of RGB | depth | mask rows (atomic PNG write)."""
    from PIL import Image

    tiles = [sample_tile(s, tile_px) for s in samples]
    tile_w = max(t.shape[1] for t in tiles)
    tiles = [np.pad(t, ((0, 4), (0, tile_w - t.shape[1] + 8), (0, 0))) for t in tiles]
    if len(tiles) % 2:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.concatenate(tiles[i : i + 2], axis=1) for i in range(0, len(tiles), 2)]
    with atomic_path(path) as temp_path:
        Image.fromarray(np.concatenate(rows, axis=0)).save(temp_path)


def render_contact_sheet(
    path: str | Path,
    *,
    seed: int,
    scene: SceneConfig,
    render: RenderConfig,
    workers: int = 2,
    count: int = 16,
) -> None:
    """Render `count` samples (through the shard writer) and write their contact sheet."""
    from sharp_depth_ros.data.generate import generate
    from sharp_depth_ros.data.shards import list_shards, read_shard

    with tempfile.TemporaryDirectory(prefix="synth-sheet-") as folder:
        generate(
            folder,
            count=count,
            seed=seed,
            scene=scene,
            render=render,
            shard_size=count,
            workers=workers,
        )
        samples = [s for shard in list_shards(folder) for s in read_shard(shard)]
    write_contact_sheet(path, samples)

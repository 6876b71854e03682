"""Render a numbered set of samples into shards with K worker processes, resumably.

Sample i always uses the seed `sample_seed(seed, i)`, and shard j always holds samples
j*S .. j*S+S-1, so an interrupted run that is started again skips the complete shards and
writes the missing ones with exactly the content an uninterrupted run would have written.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from sharp_depth_ros.atomic import atomic_write_text
from sharp_depth_ros.data.renderer import RenderConfig, render_sample
from sharp_depth_ros.data.sample import SyntheticSample
from sharp_depth_ros.data.scene_sampler import SceneConfig, sample_scene, sample_seed
from sharp_depth_ros.data.shards import FORMAT_VERSION, MANIFEST_NAME, shard_path, write_shard

RenderFn = Callable[[int], SyntheticSample]


@dataclass(frozen=True, kw_only=True)
class GenerationResult:
    """What a run did.

    Attributes:
        rendered: samples rendered in this run.
        skipped_shards: complete shards found and kept.
        written_shards: shards written in this run.
        seconds: wall time of the run.
    """

    rendered: int
    skipped_shards: int
    written_shards: int
    seconds: float

    @property
    def images_per_second(self) -> float:
        """Rendered samples per second of wall time."""
        return self.rendered / self.seconds if self.seconds > 0 else 0.0


def render_index(
    index: int, seed: int, scene: SceneConfig, render: RenderConfig
) -> SyntheticSample:
    """Render sample `index` of a run seeded with `seed` (pure function of its arguments)."""
    sample_seed_value = sample_seed(seed, index)
    sample = render_sample(sample_scene(sample_seed_value, scene), render, sample_seed_value)
    sample.params["index"] = index
    return sample


_WORKER_CONFIG: tuple[int, SceneConfig, RenderConfig] | None = None


def _init_worker(seed: int, scene: SceneConfig, render: RenderConfig, threads: int) -> None:
    global _WORKER_CONFIG
    from sharp_depth_ros.data.backend import load_mitsuba, set_render_threads

    load_mitsuba()
    set_render_threads(threads)
    _WORKER_CONFIG = (seed, scene, render)


def _worker_render(index: int) -> tuple[int, SyntheticSample]:
    assert _WORKER_CONFIG is not None, "worker not initialised"
    return index, render_index(index, *_WORKER_CONFIG)


def _check_manifest(root: Path, manifest: dict) -> None:
    path = root / MANIFEST_NAME
    if path.exists():
        existing = json.loads(path.read_text())
        if existing != manifest:
            changed = sorted(k for k in manifest if existing.get(k) != manifest[k])
            raise ValueError(
                f"{root} holds shards made with other settings ({', '.join(changed)}); "
                "use the same arguments to resume or choose another --out folder"
            )
    else:
        atomic_write_text(path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def generate(
    root: str | Path,
    *,
    count: int,
    seed: int,
    scene: SceneConfig,
    render: RenderConfig,
    shard_size: int = 64,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    render_fn: RenderFn | None = None,
) -> GenerationResult:
    """Render samples 0 .. count-1 into shards under `root`, skipping complete shards.

    Args:
        root: output folder (created).
        count: number of samples.
        seed: global seed.
        scene: scene distribution.
        render: sampling settings.
        shard_size: samples per shard (the last shard may be shorter).
        workers: worker processes (spawn); 0 renders in this process.
        progress: called with the number of samples finished since the last call.
        render_fn: in-process renderer override (tests); requires `workers=0`.

    Returns:
        Counts and the wall time.

    Raises:
        ValueError: bad counts, or `root` holds shards made with other settings.
    """
    if count < 1 or shard_size < 1 or workers < 0:
        raise ValueError(
            f"count and shard_size must be >= 1 and workers >= 0, got "
            f"{count}, {shard_size}, {workers}"
        )
    if render_fn is not None and workers != 0:
        raise ValueError("render_fn only works in-process (workers=0)")
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    manifest = {
        "format_version": FORMAT_VERSION,
        "count": count,
        "seed": seed,
        "shard_size": shard_size,
        "scene": asdict(scene),
        "render": asdict(render),
    }
    manifest["scene"] = {
        k: list(v) if isinstance(v, tuple) else v for k, v in manifest["scene"].items()
    }
    _check_manifest(root, manifest)
    shard_count = (count + shard_size - 1) // shard_size
    missing = [j for j in range(shard_count) if not shard_path(root, j).exists()]
    todo = [i for j in missing for i in range(j * shard_size, min(count, (j + 1) * shard_size))]
    start = time.perf_counter()
    pending: dict[int, dict[int, SyntheticSample]] = {j: {} for j in missing}

    def collect(index: int, sample: SyntheticSample) -> None:
        shard = index // shard_size
        pending[shard][index] = sample
        expected = min(count, (shard + 1) * shard_size) - shard * shard_size
        if len(pending[shard]) == expected:
            indices = sorted(pending[shard])
            write_shard(shard_path(root, shard), indices, [pending[shard][i] for i in indices])
            del pending[shard]
        if progress is not None:
            progress(1)

    if workers == 0:
        fn = render_fn or (lambda i: render_index(i, seed, scene, render))
        for index in todo:
            collect(index, fn(index))
    elif todo:
        threads = max(1, (os.cpu_count() or 1) // workers)
        context = multiprocessing.get_context("spawn")
        with context.Pool(workers, _init_worker, (seed, scene, render, threads)) as pool:
            for index, sample in pool.imap_unordered(_worker_render, todo, chunksize=1):
                collect(index, sample)
    return GenerationResult(
        rendered=len(todo),
        skipped_shards=shard_count - len(missing),
        written_shards=len(missing),
        seconds=time.perf_counter() - start,
    )

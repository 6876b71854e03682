"""Render a numbered set of samples into shards with K worker processes, resumably.

Sample i always uses the seed `sample_seed(seed, i)`, and shard j always holds samples
j*S .. j*S+S-1, so an interrupted run that is started again skips the complete shards and
writes the missing ones with exactly the content an uninterrupted run would have written.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.queues
import os
import queue
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from sharp_depth_ros.atomic import atomic_write_text
from sharp_depth_ros.data.renderer import RenderConfig, render_sample
from sharp_depth_ros.data.sample import SyntheticSample
from sharp_depth_ros.data.scene_families import sample_scene
from sharp_depth_ros.data.scene_sampler import SceneConfig, sample_seed
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
_WORKER_PROGRESS: multiprocessing.queues.Queue | None = None


def _init_worker(
    seed: int,
    scene: SceneConfig,
    render: RenderConfig,
    threads: int,
    progress: multiprocessing.queues.Queue,
) -> None:
    global _WORKER_CONFIG, _WORKER_PROGRESS
    from sharp_depth_ros.data.backend import load_mitsuba, set_render_threads

    load_mitsuba()
    set_render_threads(threads)
    _WORKER_CONFIG = (seed, scene, render)
    _WORKER_PROGRESS = progress


def _worker_render_shard(job: tuple[Path, list[int]]) -> int:
    """Render and write one whole shard (so compression runs in parallel too)."""
    assert _WORKER_CONFIG is not None and _WORKER_PROGRESS is not None, "worker not initialised"
    path, indices = job
    config, done = _WORKER_CONFIG, _WORKER_PROGRESS
    _render_shard(path, indices, lambda i: render_index(i, *config), lambda: done.put(1))
    return len(indices)


def _render_shard(
    path: Path, indices: list[int], render_fn: RenderFn, on_sample: Callable[[], None]
) -> None:
    """Render the samples of one shard in order, then write the shard atomically."""
    samples = []
    for index in indices:
        samples.append(render_fn(index))
        on_sample()
    write_shard(path, indices, samples)


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

    Each worker renders and writes whole shards, so compression runs in parallel too; shard j
    always holds the same samples, so the result does not depend on the number of workers.

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
    if not render.denoise_guides:  # folders made before the option existed still resume
        del manifest["render"]["denoise_guides"]
    if not scene.surface_detail:
        del manifest["scene"]["surface_detail"]
    manifest["scene"] = {
        k: list(v) if isinstance(v, tuple) else v for k, v in manifest["scene"].items()
    }
    _check_manifest(root, manifest)
    shard_count = (count + shard_size - 1) // shard_size
    missing = [j for j in range(shard_count) if not shard_path(root, j).exists()]
    start = time.perf_counter()
    jobs = [
        (shard_path(root, j), list(range(j * shard_size, min(count, (j + 1) * shard_size))))
        for j in missing
    ]
    if workers == 0:
        fn = render_fn or (lambda i: render_index(i, seed, scene, render))
        tick = (lambda: progress(1)) if progress is not None else (lambda: None)
        for path, indices in jobs:
            _render_shard(path, indices, fn, tick)
    elif jobs:
        _render_in_workers(jobs, workers, (seed, scene, render), progress)
    return GenerationResult(
        rendered=sum(len(indices) for _, indices in jobs),
        skipped_shards=shard_count - len(missing),
        written_shards=len(missing),
        seconds=time.perf_counter() - start,
    )


def _render_in_workers(
    jobs: list[tuple[Path, list[int]]],
    workers: int,
    config: tuple[int, SceneConfig, RenderConfig],
    progress: Callable[[int], None] | None,
) -> None:
    """Run the shard jobs on `workers` spawned processes, reporting progress per sample."""
    threads = max(1, (os.cpu_count() or 1) // workers)
    context = multiprocessing.get_context("spawn")
    done = context.Queue()
    with context.Pool(workers, _init_worker, (*config, threads, done)) as pool:
        result = pool.map_async(_worker_render_shard, jobs, chunksize=1)
        while True:
            try:
                done.get(timeout=0.2)
            except queue.Empty:
                if result.ready():
                    break
                continue
            if progress is not None:
                progress(1)
        result.get()  # re-raises a worker's error
        while not done.empty():  # samples finished between the last poll and the end
            done.get()
            if progress is not None:
                progress(1)

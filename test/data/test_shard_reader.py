"""ShardReader: the same samples as a fresh read, shards kept open, no handle shared by a fork."""

from __future__ import annotations

import multiprocessing

import numpy as np

from sharp_depth_ros.data.sample import SyntheticSample
from sharp_depth_ros.data.shards import ShardReader, read_shard_sample, shard_path, write_shard


def _sample(seed: int) -> SyntheticSample:
    rng = np.random.default_rng(seed)
    shape = (12, 16)
    return SyntheticSample(
        rgb=rng.integers(0, 256, (*shape, 3), dtype=np.uint8),
        depth_m=rng.uniform(0.5, 9.0, shape).astype(np.float32),
        valid=rng.random(shape) > 0.2,
        instance=rng.integers(0, 9, shape).astype(np.uint16),
        foreground_alpha=np.zeros(shape, np.float32),
        intrinsics=np.array([[20.0, 0, 7.5], [0, 20.0, 5.5], [0, 0, 1]]),
        seed=seed,
        params={"family": "robot"},
    )


def _shards(root) -> list:
    write_shard(shard_path(root, 0), [0, 1], [_sample(0), _sample(1)])
    write_shard(shard_path(root, 1), [2], [_sample(2)], compress=False)
    return [(shard_path(root, 0), 0), (shard_path(root, 0), 1), (shard_path(root, 1), 0)]


def _same(a: SyntheticSample, b: SyntheticSample) -> bool:
    return all(
        np.array_equal(getattr(a, f), getattr(b, f)) for f in ("rgb", "depth_m", "valid")
    ) and (a.seed, a.params) == (b.seed, b.params)


def test_reader_gives_what_a_fresh_read_gives_and_keeps_each_shard_open_once(tmp_path) -> None:
    places = _shards(tmp_path)
    reader = ShardReader()
    for _ in range(2):
        for path, k in places:
            assert _same(reader.sample(path, k), read_shard_sample(path, k))
    assert len(reader._open) == 2  # one handle per shard, reused
    reader.close()
    assert reader._open == {}


def _read_in_child(reader: ShardReader, places: list, queue) -> None:
    opened_before = len(reader._open)
    seeds = [reader.sample(path, k).seed for path, k in reversed(places)]
    queue.put((opened_before, len(reader._open), seeds))


def test_a_forked_worker_opens_its_own_handles(tmp_path) -> None:
    places = _shards(tmp_path)
    reader = ShardReader()
    reader.sample(*places[0])  # the parent holds an open shard before the fork
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_read_in_child, args=(reader, places, queue))
    child.start()
    result = queue.get(timeout=60)
    child.join(timeout=60)
    inherited, opened, seeds = result
    # The child saw the parent's handle but replaced the whole cache with its own.
    assert inherited == 1 and opened == 2 and seeds == [2, 1, 0]
    assert _same(reader.sample(*places[1]), read_shard_sample(*places[1]))  # the parent still reads

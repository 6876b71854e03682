"""Tests of the data order: determinism, weights, and sharding across processes."""

from __future__ import annotations

from collections import Counter

from sharp_depth_ros.training.data_order import MixedOrder, ShardedBatchSampler


def test_order_is_a_pure_function_of_the_seed():
    first = [MixedOrder([5, 7], [1.0, 2.0], seed=3).key(p) for p in range(40)]
    again = MixedOrder([5, 7], [1.0, 2.0], seed=3)
    assert [again.key(p) for p in reversed(range(40))][::-1] == first
    other = [MixedOrder([5, 7], [1.0, 2.0], seed=4).key(p) for p in range(40)]
    assert other != first


def test_each_epoch_visits_every_sample_of_an_evenly_drawn_data_set():
    order = MixedOrder([6], [1.0], seed=0)
    epoch = [order.key(p)[1] for p in range(6)]
    assert sorted(epoch) == list(range(6))


def test_data_sets_are_drawn_in_proportion_to_their_weights():
    order = MixedOrder([50, 50], [1.0, 3.0], seed=0)
    counts = Counter(order.key(p)[0] for p in range(4000))
    assert 0.70 < counts[1] / 4000 < 0.80


def test_shards_of_two_ranks_make_up_the_single_process_batches():
    order = MixedOrder([9, 4], [1.0, 1.0], seed=1)
    single = list(
        ShardedBatchSampler(order, local_batch=4, rank=0, world_size=1, start_step=2, stop_step=5)
    )
    ranks = [
        list(
            ShardedBatchSampler(
                order, local_batch=2, rank=r, world_size=2, start_step=2, stop_step=5
            )
        )
        for r in (0, 1)
    ]
    assert [a + b for a, b in zip(ranks[0], ranks[1], strict=True)] == single


def test_resuming_at_a_step_continues_the_same_sequence():
    order = MixedOrder([9], [1.0], seed=2)
    full = list(
        ShardedBatchSampler(order, local_batch=3, rank=0, world_size=1, start_step=0, stop_step=6)
    )
    resumed = list(
        ShardedBatchSampler(order, local_batch=3, rank=0, world_size=1, start_step=4, stop_step=6)
    )
    assert resumed == full[4:]

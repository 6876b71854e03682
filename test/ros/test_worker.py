from __future__ import annotations

import threading

from sharp_depth_ros.ros.worker import LatestFrameWorker


def test_newest_item_wins_and_replaced_items_count_as_dropped() -> None:
    gate, started = threading.Event(), threading.Event()
    seen: list[int] = []

    def process(item: int) -> None:
        started.set()
        gate.wait(5)
        seen.append(item)

    worker = LatestFrameWorker(process)
    try:
        worker.submit(0)  # taken at once, blocks on the gate
        assert started.wait(5)
        for item in range(1, 6):
            worker.submit(item)  # 1..4 replaced by their successors
        gate.set()
        assert worker.wait_idle(5)
        assert seen == [0, 5]
        assert (worker.submitted, worker.dropped, worker.processed) == (6, 4, 2)
    finally:
        worker.stop()


def test_an_exception_is_reported_and_the_worker_keeps_going() -> None:
    errors: list[BaseException] = []
    seen: list[int] = []

    def process(item: int) -> None:
        if item == 1:
            raise RuntimeError("bad frame")
        seen.append(item)

    worker = LatestFrameWorker(process, on_error=errors.append)
    try:
        worker.submit(1)
        assert worker.wait_idle(5)
        worker.submit(2)
        assert worker.wait_idle(5)
        assert seen == [2] and str(errors[0]) == "bad frame"
    finally:
        worker.stop()


def test_stop_ends_the_thread() -> None:
    worker = LatestFrameWorker(lambda item: None)
    worker.stop()
    assert not worker._thread.is_alive()

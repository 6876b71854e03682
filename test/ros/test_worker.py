from __future__ import annotations

import threading

import pytest

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
        assert errors[0].__traceback__ is not None and (worker.failed, worker.processed) == (1, 2)
    finally:
        worker.stop()


def _fail(item: int) -> None:
    raise ZeroDivisionError(f"frame {item}")


def test_without_a_handler_the_type_and_traceback_go_to_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    worker = LatestFrameWorker(_fail)
    try:
        worker.submit(7)
        assert worker.wait_idle(5)
    finally:
        worker.stop()
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "in _fail" in err
    assert "ZeroDivisionError: frame 7" in err and worker.failed == 1


def test_a_handler_that_raises_does_not_stop_the_worker(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def broken_handler(error: BaseException) -> None:
        raise RuntimeError("handler broke")

    seen: list[int] = []

    def process(item: int) -> None:
        if item == 1:
            _fail(item)
        seen.append(item)

    worker = LatestFrameWorker(process, on_error=broken_handler)
    try:
        worker.submit(1)
        assert worker.wait_idle(5)
        worker.submit(2)
        assert worker.wait_idle(5)
    finally:
        worker.stop()
    err = capsys.readouterr().err
    assert seen == [2] and "ZeroDivisionError: frame 1" in err and "handler broke" in err


def test_stop_ends_the_thread() -> None:
    worker = LatestFrameWorker(lambda item: None)
    worker.stop()
    assert not worker._thread.is_alive()

"""Keep-latest inference off the executor thread: a one-slot mailbox where the newest frame wins.

When the camera is faster than the network, queuing frames only adds latency: each frame would wait
behind all older ones. The worker holds at most one pending frame; a newer one replaces it and the
replaced frame counts as dropped. Latency is then bounded by about two inference times.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def print_traceback(error: BaseException) -> None:
    """Write `error` with its type and traceback to stderr (the default error handler)."""
    traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)


class LatestFrameWorker(Generic[T]):
    """Runs `process` on the newest submitted item in a background thread.

    Args:
        process: called with each item taken from the mailbox; exceptions are passed to `on_error`
            (with their `__traceback__`) and the worker carries on with the next item.
        on_error: receives exceptions raised by `process` (default: `print_traceback`). An
            exception raised by `on_error` itself is printed and does not stop the worker.
        name: thread name.
    """

    def __init__(
        self,
        process: Callable[[T], None],
        on_error: Callable[[BaseException], None] | None = None,
        name: str = "sharp_depth_worker",
    ) -> None:
        self._process = process
        self._on_error = on_error or print_traceback
        self._condition = threading.Condition()
        self._pending: T | None = None
        self._has_pending = False
        self._stopping = False
        self._busy = False
        self.submitted = 0
        self.dropped = 0
        self.processed = 0
        self.failed = 0  # items whose `process` raised
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, item: T) -> bool:
        """Put `item` in the mailbox, replacing (dropping) any item not yet taken.

        Returns:
            True if an older pending item was dropped.
        """
        with self._condition:
            dropped = self._has_pending
            if dropped:
                self.dropped += 1
            self._pending, self._has_pending = item, True
            self.submitted += 1
            self._condition.notify()
        return dropped

    @property
    def busy(self) -> bool:
        """Whether an item is being processed or waiting."""
        with self._condition:
            return self._busy or self._has_pending

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._has_pending and not self._stopping:
                    self._condition.wait()
                if self._stopping:
                    return
                item, self._pending, self._has_pending = self._pending, None, False
                self._busy = True
            try:
                self._process(item)  # type: ignore[arg-type]
            except Exception as error:  # one bad frame must not stop the stream
                with self._condition:
                    self.failed += 1
                try:
                    self._on_error(error)
                except Exception as handler_error:  # a broken handler must not hide the error
                    print_traceback(error)
                    print_traceback(handler_error)
            finally:
                with self._condition:
                    self._busy = False
                    self.processed += 1
                    self._condition.notify_all()

    def wait_idle(self, timeout_s: float | None = None) -> bool:
        """Block until nothing is pending or in progress; returns False on timeout."""
        with self._condition:
            return self._condition.wait_for(
                lambda: not (self._busy or self._has_pending), timeout=timeout_s
            )

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop after the item in progress; a pending item is discarded."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout_s)

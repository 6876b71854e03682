"""Rate and latency statistics of the node, and their diagnostic_msgs/DiagnosticArray."""

from __future__ import annotations

import collections
import threading
import time

import numpy as np
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from std_msgs.msg import Header


class RateMeter:
    """Events per second over a sliding time window (thread-safe).

    Args:
        window_s: only events within the last `window_s` seconds count.
    """

    def __init__(self, window_s: float = 5.0) -> None:
        self.window_s = window_s
        self._stamps: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()
        self.count = 0

    def tick(self, now_s: float | None = None) -> None:
        """Record one event."""
        now_s = time.monotonic() if now_s is None else now_s
        with self._lock:
            self._stamps.append(now_s)
            self.count += 1
            self._trim(now_s)

    def rate_hz(self, now_s: float | None = None) -> float:
        """Events per second in the window (0 with fewer than two events)."""
        now_s = time.monotonic() if now_s is None else now_s
        with self._lock:
            self._trim(now_s)
            if len(self._stamps) < 2:
                return 0.0
            span_s = self._stamps[-1] - self._stamps[0]
            return (len(self._stamps) - 1) / span_s if span_s > 0 else 0.0

    def _trim(self, now_s: float) -> None:
        while self._stamps and self._stamps[0] < now_s - self.window_s:
            self._stamps.popleft()


class LatencyStats:
    """Median and 95th percentile of the last `size` durations in seconds (thread-safe)."""

    def __init__(self, size: int = 100) -> None:
        self._values: collections.deque[float] = collections.deque(maxlen=size)
        self._lock = threading.Lock()

    def add(self, seconds: float) -> None:
        """Record one duration."""
        with self._lock:
            self._values.append(seconds)

    def summary_ms(self) -> tuple[float, float]:
        """(median, p95) in milliseconds; NaN when empty."""
        with self._lock:
            if not self._values:
                return float("nan"), float("nan")
            values = np.asarray(self._values)
        return float(np.median(values)) * 1e3, float(np.percentile(values, 95)) * 1e3


IDLE_MESSAGE = "idle: no subscribers to depth, depth/camera_info or points"
MAX_ERROR_CHARS = 200  # the status message is a one-liner in rqt_runtime_monitor


def status_level(
    *,
    input_hz: float,
    output_hz: float,
    ready: bool,
    idle: bool = False,
    error: str | None = None,
) -> tuple[bytes, str]:
    """The status level and message for the current state.

    Args:
        input_hz: rate of input images.
        output_hz: rate of published depth images.
        ready: whether the model is loaded.
        idle: nothing subscribes to an output, so frames are deliberately not processed (OK).
        error: the latest frame's exception while frames fail (ERROR), else None.
    """
    if not ready:
        return DiagnosticStatus.ERROR, "model not loaded"
    if idle:
        return DiagnosticStatus.OK, IDLE_MESSAGE
    if error is not None:
        first_line = (error.splitlines() or [""])[0][:MAX_ERROR_CHARS]
        return DiagnosticStatus.ERROR, f"frames failing: {first_line}"
    if input_hz == 0.0:
        return DiagnosticStatus.WARN, "no input images"
    if output_hz == 0.0:
        return DiagnosticStatus.WARN, "images arriving but no depth published"
    return DiagnosticStatus.OK, "running"


def build_diagnostics(
    header: Header,
    name: str,
    hardware_id: str,
    values: dict[str, object],
    *,
    ready: bool = True,
    idle: bool = False,
    error: str | None = None,
) -> DiagnosticArray:
    """One DiagnosticStatus with the given key/values (floats shown with 3 decimals).

    Args:
        header: stamp of the message.
        name: status name (the node's fully qualified name).
        hardware_id: e.g. the inference device.
        values: must hold `input_rate_hz` and `depth_rate_hz` for the level; any others are listed.
        ready: whether the model is loaded.
        idle: nothing subscribes to an output (see `status_level`).
        error: the latest frame's exception while frames fail, else None.
    """
    level, message = status_level(
        input_hz=float(values.get("input_rate_hz", 0.0)),
        output_hz=float(values.get("depth_rate_hz", 0.0)),
        ready=ready,
        idle=idle,
        error=error,
    )
    pairs = [
        KeyValue(key=key, value=f"{value:.3f}" if isinstance(value, float) else str(value))
        for key, value in values.items()
    ]
    status = DiagnosticStatus(
        level=level, name=name, message=message, hardware_id=hardware_id, values=pairs
    )
    return DiagnosticArray(header=header, status=[status])

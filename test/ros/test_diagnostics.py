from __future__ import annotations

import math

from diagnostic_msgs.msg import DiagnosticStatus
from std_msgs.msg import Header

from sharp_depth_ros.ros.diagnostics import LatencyStats, RateMeter, build_diagnostics


def test_rate_meter_counts_events_per_second_in_the_window() -> None:
    meter = RateMeter(window_s=2.0)
    for i in range(11):
        meter.tick(now_s=10.0 + 0.1 * i)  # 10 Hz for 1 s
    assert math.isclose(meter.rate_hz(now_s=11.0), 10.0)
    assert meter.rate_hz(now_s=20.0) == 0.0 and meter.count == 11


def test_latency_stats_give_median_and_p95_in_ms() -> None:
    stats = LatencyStats(size=100)
    assert all(math.isnan(v) for v in stats.summary_ms())
    for i in range(1, 101):
        stats.add(i / 1000)
    median_ms, p95_ms = stats.summary_ms()
    assert math.isclose(median_ms, 50.5) and math.isclose(p95_ms, 95.05)


def test_diagnostics_warn_without_output_and_list_all_values() -> None:
    values = {"input_rate_hz": 30.0, "depth_rate_hz": 0.0, "device": "cpu"}
    array = build_diagnostics(Header(), "/sharp_depth: depth", "cpu", values)
    status = array.status[0]
    assert status.level == DiagnosticStatus.WARN and "no depth" in status.message
    assert {kv.key: kv.value for kv in status.values} == {
        "input_rate_hz": "30.000",
        "depth_rate_hz": "0.000",
        "device": "cpu",
    }
    ok = build_diagnostics(Header(), "n", "cpu", {"input_rate_hz": 1.0, "depth_rate_hz": 1.0})
    assert ok.status[0].level == DiagnosticStatus.OK


def test_idle_without_subscribers_is_ok_and_says_so() -> None:
    values = {"input_rate_hz": 10.0, "depth_rate_hz": 0.0}
    status = build_diagnostics(Header(), "n", "cpu", values, idle=True).status[0]
    assert status.level == DiagnosticStatus.OK and "no subscribers" in status.message


def test_failing_frames_are_an_error_naming_the_exception_until_they_stop() -> None:
    values = {"input_rate_hz": 10.0, "depth_rate_hz": 0.0, "failed_frames": 3}
    error = "RuntimeError: CUDA out of memory\nsecond line" + "x" * 500
    failing = build_diagnostics(Header(), "n", "cpu", values, error=error).status[0]
    assert failing.level == DiagnosticStatus.ERROR
    assert failing.message == "frames failing: RuntimeError: CUDA out of memory"
    values["depth_rate_hz"] = 10.0
    recovered = build_diagnostics(Header(), "n", "cpu", values, error=None).status[0]
    assert recovered.level == DiagnosticStatus.OK and recovered.message == "running"
    # Idle means no frame is processed, so none can fail: idle wins over a stale error.
    idle = build_diagnostics(Header(), "n", "cpu", values, idle=True, error=error).status[0]
    assert idle.level == DiagnosticStatus.OK


def test_a_long_error_line_is_cut() -> None:
    error = "ValueError: " + "y" * 1000
    status = build_diagnostics(Header(), "n", "cpu", {}, error=error).status[0]
    assert status.level == DiagnosticStatus.ERROR and len(status.message) < 250

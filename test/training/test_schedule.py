"""Tests of the warm-up / constant / decay learning-rate schedule."""

from __future__ import annotations

import pytest

from sharp_depth_ros.training.schedule import ScheduleConfig, lr_factor, phase_boundaries

PAPER = ScheduleConfig()


def test_paper_schedule_has_one_percent_warmup_and_80_percent_constant():
    assert phase_boundaries(1000, PAPER) == (10, 810)


def test_warmup_ramps_linearly_and_reaches_one_on_its_last_step():
    assert lr_factor(0, 1000, PAPER) == pytest.approx(0.1)
    assert lr_factor(4, 1000, PAPER) == pytest.approx(0.5)
    assert lr_factor(9, 1000, PAPER) == 1.0


def test_constant_phase_then_decay_by_ten_at_the_boundary():
    assert lr_factor(10, 1000, PAPER) == 1.0
    assert lr_factor(809, 1000, PAPER) == 1.0
    assert lr_factor(810, 1000, PAPER) == pytest.approx(0.1)
    assert lr_factor(999, 1000, PAPER) == pytest.approx(0.1)


def test_factor_is_non_decreasing_in_warmup_and_never_exceeds_one():
    factors = [lr_factor(s, 300, PAPER) for s in range(300)]
    assert max(factors) == 1.0 and min(factors) > 0
    warmup_end, _ = phase_boundaries(300, PAPER)
    assert factors[:warmup_end] == sorted(factors[:warmup_end])


def test_short_stage_without_warmup_steps_starts_at_full_rate():
    assert phase_boundaries(10, PAPER) == (0, 8)
    assert lr_factor(0, 10, PAPER) == 1.0


@pytest.mark.parametrize("step", [-1, 100])
def test_step_outside_the_stage_is_rejected(step):
    with pytest.raises(ValueError, match="step"):
        lr_factor(step, 100, PAPER)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"warmup_fraction": -0.1},
        {"warmup_fraction": 0.5, "constant_fraction": 0.6},
        {"decay_factor": 0.0},
    ],
)
def test_invalid_fractions_are_rejected_naming_the_field(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs)).split("_")[0]):
        ScheduleConfig(**kwargs)

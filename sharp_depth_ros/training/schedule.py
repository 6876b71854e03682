"""Learning-rate schedule: linear warm-up, constant, then a lower constant (paper Tab. 16).

The schedule is a pure function of the step inside a stage, so a resumed run gets exactly the
learning rate the uninterrupted run had, with nothing to save.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, PositiveFloat
from pydantic.dataclasses import dataclass

from sharp_depth_ros.typed_config import STRICT

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


@dataclass(frozen=True, kw_only=True, config=STRICT)
class ScheduleConfig:
    """Fractions of a stage's steps spent in each phase.

    Attributes:
        warmup_fraction: share of steps with a linear ramp up to the base rate.
        constant_fraction: share of steps at the base rate after the warm-up.
        decay_factor: multiplier of the base rate for the remaining steps.
    """

    warmup_fraction: Fraction = 0.01  # Tab. 16: 1 % warm-up
    constant_fraction: Fraction = 0.80  # Tab. 16: 80 % constant
    decay_factor: Annotated[PositiveFloat, Field(le=1.0)] = 0.1  # Tab. 16: the last 19 % at x0.1

    def __post_init__(self) -> None:
        total = self.warmup_fraction + self.constant_fraction
        if total > 1.0 + 1e-9:
            raise ValueError(
                f"warmup_fraction + constant_fraction = {total!r} is invalid; expected <= 1"
            )


def phase_boundaries(total_steps: int, config: ScheduleConfig) -> tuple[int, int]:
    """Return (warm-up end, constant end) as step indices of a stage of `total_steps`.

    Steps [0, warmup_end) ramp up, [warmup_end, constant_end) run at the base rate and
    [constant_end, total_steps) at `decay_factor` times it. Rounding is to the nearest step.
    """
    warmup_end = round(config.warmup_fraction * total_steps)
    constant_end = round((config.warmup_fraction + config.constant_fraction) * total_steps)
    return warmup_end, min(max(constant_end, warmup_end), total_steps)


def lr_factor(step: int, total_steps: int, config: ScheduleConfig) -> float:
    """Multiplier of the base learning rate at `step` (0-based) of a stage.

    The warm-up is linear and reaches 1 on its last step ((step + 1) / warmup_steps), so the
    very first update is small but not zero.

    Args:
        step: 0-based step inside the stage.
        total_steps: the stage's number of steps (> 0).
        config: the phase fractions.

    Returns:
        The factor in (0, 1].

    Raises:
        ValueError: if total_steps < 1 or step is outside [0, total_steps).
    """
    if total_steps < 1:
        raise ValueError(f"total_steps={total_steps!r} is invalid; expected >= 1")
    if not 0 <= step < total_steps:
        raise ValueError(f"step={step!r} is invalid; expected in [0, {total_steps})")
    warmup_end, constant_end = phase_boundaries(total_steps, config)
    if step < warmup_end:
        return (step + 1) / warmup_end
    if step < constant_end:
        return 1.0
    return config.decay_factor

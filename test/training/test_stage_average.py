"""Stage weight averaging: which steps enter the mean, and the mean itself."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from sharp_depth_ros.training.curriculum import StageConfig
from sharp_depth_ros.training.stage_average import StageAverage, first_averaged_step


@given(
    start=st.integers(0, 10_000),
    steps=st.integers(1, 5_000),
    fraction=st.floats(0.0, 1.0, exclude_max=True),
)
def test_the_last_ceil_fraction_of_steps_is_averaged_at_least_one(start, steps, fraction):
    first = first_averaged_step(start, steps, fraction)
    if fraction == 0.0:
        assert first is None
        return
    averaged = start + steps - first + 1  # step counts first .. start + steps
    assert averaged == max(1, math.ceil(fraction * steps))
    assert start + 1 <= first <= start + steps


def test_mean_of_weights_and_buffers_keeps_integer_buffers():
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
    average = StageAverage(model)
    seen = []
    for value in (1.0, 2.0, 6.0):
        with torch.no_grad():
            for tensor in model.state_dict().values():
                if tensor.is_floating_point():
                    tensor.fill_(value)
        model[1].num_batches_tracked.fill_(int(value))
        seen.append(value)
        average.update(model)
    assert average.count == 3
    average.copy_into(model)
    for name, tensor in model.state_dict().items():
        if tensor.is_floating_point():
            assert torch.allclose(tensor, torch.full_like(tensor, 3.0)), name
    assert int(model[1].num_batches_tracked) == 6  # the model's own, not a mean


def test_state_round_trips_and_an_empty_mean_is_refused():
    model = torch.nn.Linear(3, 1)
    average = StageAverage(model)
    with pytest.raises(RuntimeError, match="no weights"):
        average.copy_into(model)
    average.update(model)
    restored = StageAverage(torch.nn.Linear(3, 1))
    restored.load_state_dict(average.state_dict())
    assert restored.count == 1
    target = torch.nn.Linear(3, 1)
    restored.copy_into(target)
    torch.testing.assert_close(target.weight, model.weight)


@pytest.mark.parametrize("fraction", [-0.1, 1.0])
def test_stage_refuses_an_averaged_share_outside_0_to_1(fraction):
    with pytest.raises(ValueError, match="average_last"):
        StageConfig(name="s", steps=10, average_last=fraction)

"""Every scale- and shift-invariant loss of the curriculum table ignores scale and shift."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from sharp_depth_ros.losses import LOSSES

SSI_LOSS_NAMES = sorted(name for name in LOSSES if name.startswith("ssi_"))


def test_the_table_holds_the_ssi_losses_of_the_paper():
    assert SSI_LOSS_NAMES == ["ssi_mae", "ssi_mage", "ssi_trimmed_mae"]


@pytest.mark.parametrize("name", SSI_LOSS_NAMES)
@settings(max_examples=30, deadline=None)
@given(
    scale=st.floats(min_value=1e-3, max_value=1e3),
    shift=st.floats(min_value=-100.0, max_value=100.0),
    seed=st.integers(min_value=0, max_value=1000),
)
def test_ssi_losses_are_invariant_to_positive_scale_and_shift_of_the_prediction(
    name, scale, shift, seed
):
    loss = LOSSES[name]
    generator = torch.Generator().manual_seed(seed)
    shape = (2, 1, 16, 16)  # large enough for the gradient pyramid of ssi_mage
    pred = torch.rand(shape, generator=generator, dtype=torch.float64) + 0.1
    target = torch.rand(shape, generator=generator, dtype=torch.float64) + 0.1
    mask = torch.rand(shape, generator=generator) > 0.3
    reference = loss(pred, target, mask).item()
    assert loss(pred * scale + shift, target, mask).item() == pytest.approx(
        reference, rel=1e-6, abs=1e-9
    )

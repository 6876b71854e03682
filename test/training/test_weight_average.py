"""Post-hoc weight averaging (`training.weight_average`, `scripts/average_weights.py`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from sharp_depth_ros.checkpoints import load_checkpoint
from sharp_depth_ros.checkpoints.native import save_native
from sharp_depth_ros.model import create_model
from sharp_depth_ros.training.weight_average import average_state_dicts

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "average_weights.py"


def _state(value: float, steps: int) -> dict[str, torch.Tensor]:
    return {
        "conv.weight": torch.full((2, 3), value),
        "fov.linear.weight": torch.full((4,), value),
        "bn.num_batches_tracked": torch.tensor(steps),
    }


@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=6))
@settings(max_examples=50, deadline=None)
def test_floats_are_averaged_and_integer_buffers_come_from_the_last_state(values):
    states = [_state(v, i) for i, v in enumerate(values)]
    averaged = average_state_dicts(states)
    expected = torch.tensor(sum(values) / len(values), dtype=torch.float64).float()
    assert torch.allclose(averaged["conv.weight"], expected.expand(2, 3), atol=1e-4)
    assert averaged["bn.num_batches_tracked"].item() == len(values) - 1
    assert averaged["conv.weight"].dtype == torch.float32


def test_prefixes_to_take_last_are_copied_from_the_last_state():
    averaged = average_state_dicts([_state(0.0, 0), _state(2.0, 1)], take_last=["fov."])
    assert torch.equal(averaged["conv.weight"], torch.full((2, 3), 1.0))
    assert torch.equal(averaged["fov.linear.weight"], torch.full((4,), 2.0))


def test_states_of_different_networks_are_refused():
    other = _state(1.0, 0)
    other["conv.weight"] = torch.zeros(3, 3)
    with pytest.raises(ValueError, match="conv.weight has shape"):
        average_state_dicts([_state(0.0, 0), other])
    with pytest.raises(ValueError, match="other keys"):
        average_state_dicts([{"a": torch.zeros(1)}, _state(0.0, 0)])
    with pytest.raises(ValueError, match="nothing to average"):
        average_state_dicts([])


def test_script_writes_a_loadable_average_of_two_checkpoints(tmp_path):
    paths = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        model = create_model("test-tiny-conv")
        paths.append(save_native(model, tmp_path / f"{seed}.safetensors", model.config))
    out = tmp_path / "mean.safetensors"
    subprocess.run(
        [sys.executable, str(SCRIPT), str(out), *map(str, paths), "--take-last", "fov."],
        check=True,
        capture_output=True,
    )
    first, second, mean = (load_checkpoint(p).model.state_dict() for p in (*paths, out))
    assert mean.keys() == first.keys()
    for key, value in mean.items():
        if key.startswith("fov.") or not value.is_floating_point():
            assert torch.equal(value, second[key]), key
        else:
            assert torch.allclose(value, (first[key] + second[key]) / 2, atol=1e-6), key

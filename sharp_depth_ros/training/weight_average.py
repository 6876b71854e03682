"""Uniform averages of network weights from one run (stochastic weight averaging, post hoc).

Snapshots of one run late in training lie around a minimum; their mean often generalises better
than any one of them, at no training cost. Batch-norm running statistics are averaged like the
weights, an approximation to recomputing them.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


def average_state_dicts(
    states: Sequence[dict[str, torch.Tensor]], take_last: Sequence[str] = ()
) -> dict[str, torch.Tensor]:
    """The mean of floating-point tensors over `states`; other tensors from the last state.

    Args:
        states: state dicts of one network (same keys and shapes), oldest first.
        take_last: key prefixes copied from the last state instead (a head that only the run's
            last stage trained, e.g. "fov.").

    Raises:
        ValueError: no states, or states of different networks.
    """
    if not states:
        raise ValueError("nothing to average: no state dicts given")
    last = states[-1]
    for index, state in enumerate(states):
        if state.keys() != last.keys():
            raise ValueError(f"state {index} has other keys than the last one: another network")
        for key, value in state.items():
            if value.shape != last[key].shape:
                raise ValueError(
                    f"state {index}: {key} has shape {tuple(value.shape)}, the last state "
                    f"{tuple(last[key].shape)}"
                )
    averaged = {}
    for key, value in last.items():
        if not value.is_floating_point() or key.startswith(tuple(take_last)):
            averaged[key] = value.clone()
        else:
            total = torch.stack([state[key].double() for state in states]).mean(dim=0)
            averaged[key] = total.to(value.dtype)
    return averaged

"""Training test helpers shared as fixtures (test modules cannot import each other)."""

from __future__ import annotations

import pytest


def set_key_path(data: dict, path: tuple, value) -> dict:
    """Set `value` at a path of keys and list indices in `data` (missing mappings are created)."""
    target = data
    for key in path[:-1]:
        target = target[key] if isinstance(key, int) else target.setdefault(key, {})
    target[path[-1]] = value
    return data


@pytest.fixture(scope="session")
def set_key():
    """`set_key_path(data, path, value)`: `data` with `value` set at a path of keys."""
    return set_key_path

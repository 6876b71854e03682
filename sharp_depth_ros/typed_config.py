"""Strict parsing of the package's config dataclasses (pydantic v2) from YAML and JSON.

Every config class is a frozen `pydantic.dataclasses.dataclass` with `STRICT`: no type coercion
(`batch_size: "four"`, `2.5` for an integer and `"no"` for a boolean are refused), no unknown keys,
no NaN or infinity. `parse_config` validates plain data (parsed YAML or JSON) the way a JSON file
is read, so lists become tuples, and turns pydantic's errors into one line that names the full key
path (`config.curriculum.stages[0].steps`), the value and what was expected. `read_yaml` reads
`1e-4` as a number (PyYAML follows YAML 1.1, where a float needs a dot, and returns a string).
"""

from __future__ import annotations

import dataclasses
import json
import re
import typing
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ConfigDict, TypeAdapter, ValidationError

STRICT = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)
MAX_REPORTED_ERRORS = 5

ConfigT = TypeVar("ConfigT")

# YAML 1.2 core-schema floats: `1e-4`, `.5`, `1.0E+3`, `.inf`, `.nan`.
_YAML12_FLOAT = re.compile(
    r"""^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.VERBOSE,
)


def parse_config(cls: type[ConfigT], data: Any, root: str = "config") -> ConfigT:
    """Validate plain data (dicts, lists, numbers, strings) into the config class `cls`.

    Args:
        cls: a pydantic dataclass built with `STRICT`.
        data: parsed YAML or JSON (tuples count as lists).
        root: the name of `data` in messages.

    Raises:
        ValueError: one line naming each invalid key path, its value and what was expected.
    """
    try:
        text = json.dumps(data, allow_nan=True)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{root}: not plain YAML/JSON data ({error})") from None
    try:
        return TypeAdapter(cls).validate_json(text)
    except ValidationError as error:
        raise ValueError(describe_errors(error, cls, root)) from None


def describe_errors(error: ValidationError, cls: type, root: str = "config") -> str:
    """Pydantic's errors as one line: `path=value is invalid: expectation` per error."""
    parts = [_describe(item, cls, root) for item in error.errors()]
    if len(parts) > MAX_REPORTED_ERRORS:
        parts = [*parts[:MAX_REPORTED_ERRORS], f"and {len(parts) - MAX_REPORTED_ERRORS} more"]
    return "; ".join(parts)


def read_yaml(path: str | Path) -> Any:
    """Read a YAML file with YAML 1.2 numbers (`1e-4` is a float).

    Raises:
        FileNotFoundError: no file at `path`.
        ValueError: the file is not valid YAML.
    """
    import yaml

    class Loader(yaml.SafeLoader):
        """SafeLoader whose float resolver also matches exponents without a dot."""

    Loader.add_implicit_resolver("tag:yaml.org,2002:float", _YAML12_FLOAT, list("-+0123456789."))
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found")
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)  # noqa: S506 (safe)
    except yaml.YAMLError as error:
        raise ValueError(f"{path}: invalid YAML: {' '.join(str(error).split())}") from None


def require_named_entries(names: list[str], key: str, entry: str) -> None:
    """Refuse an empty list of named entries, or one that repeats a name.

    For `__post_init__`: `Field(min_length=1)` would also report an invalid entry as "too short".

    Raises:
        ValueError: `key` is empty, or two entries share a name.
    """
    if not names:
        raise ValueError(f"`{key}` is empty; expected at least one {entry}")
    if len(set(names)) != len(names):
        raise ValueError(f"{entry} names {names!r} are invalid; expected unique names")


def key_path(root: str, location: tuple[int | str, ...]) -> str:
    """`("stages", 0, "steps")` -> `root.stages[0].steps`."""
    return root + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in location)


def _describe(item: Any, cls: type, root: str) -> str:
    location = tuple(item["loc"])
    path = key_path(root, location)
    message = item["msg"].removeprefix("Value error, ")
    kind = item["type"]
    if kind in ("unexpected_keyword_argument", "extra_forbidden"):
        allowed = _field_names(cls, location[:-1])
        hint = f" (allowed keys: {', '.join(allowed)})" if allowed else ""
        return f"{path}: unknown key{hint}"
    if kind in ("missing", "missing_keyword_only_argument"):
        return f"{path}: missing (required)"
    if kind in ("value_error", "assertion_error"):
        return f"{path}: {message}"
    return f"{path}={item['input']!r} is invalid: {message}"


def _field_names(cls: Any, location: tuple[int | str, ...]) -> list[str]:
    """Field names of the config class found at `location` below `cls` (empty if unknown)."""
    for part in location:
        if isinstance(part, int):
            continue  # an index into a tuple: stay on its item type
        if not dataclasses.is_dataclass(cls):
            return []
        cls = _dataclass_in(typing.get_type_hints(cls).get(part))
    return [f.name for f in dataclasses.fields(cls)] if dataclasses.is_dataclass(cls) else []


def _dataclass_in(hint: Any) -> Any:
    """The dataclass inside a hint such as `X`, `X | None` or `tuple[X, ...]` (None if none)."""
    if dataclasses.is_dataclass(hint):
        return hint
    for argument in typing.get_args(hint):
        found = _dataclass_in(argument)
        if found is not None:
            return found
    return None


__all__ = [
    "STRICT",
    "describe_errors",
    "key_path",
    "parse_config",
    "read_yaml",
    "require_named_entries",
]

"""Tests of strict config parsing: YAML 1.2 numbers, one-line errors with key paths."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import PositiveInt
from pydantic.dataclasses import dataclass

from sharp_depth_ros.typed_config import STRICT, key_path, parse_config, read_yaml


@dataclass(frozen=True, kw_only=True, config=STRICT)
class Leaf:
    count: PositiveInt = 1
    ratio: float = 0.5
    mode: Literal["a", "b"] = "a"
    flag: bool = False


@dataclass(frozen=True, kw_only=True, config=STRICT)
class Tree:
    leaves: tuple[Leaf, ...] = ()
    best: Leaf | None = None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1e-4", 1e-4),
        ("-2E+3", -2000.0),
        ("1.0e-3", 1e-3),
        (".5", 0.5),
        ("3", 3),
        ("no", False),
        ("'1e-4'", "1e-4"),
        ("1e", "1e"),
        ("e5", "e5"),
        ("1.2.3", "1.2.3"),
    ],
)
def test_read_yaml_reads_yaml_1_2_numbers(tmp_path, text, expected):
    path = tmp_path / "v.yaml"
    path.write_text(f"value: {text}\n")
    value = read_yaml(path)["value"]
    assert value == expected and type(value) is type(expected)


def test_read_yaml_reports_the_file_on_bad_yaml_and_missing_files(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("a: [1, 2\n")
    with pytest.raises(ValueError, match=r"bad\.yaml: invalid YAML"):
        read_yaml(path)
    with pytest.raises(FileNotFoundError):
        read_yaml(tmp_path / "none.yaml")


def test_key_path_joins_keys_and_indices():
    assert key_path("config", ("leaves", 2, "count")) == "config.leaves[2].count"
    assert key_path("config", ()) == "config"


def test_parse_config_turns_lists_into_tuples_and_ints_into_floats():
    tree = parse_config(Tree, {"leaves": [{"count": 2, "ratio": 1}], "best": {"mode": "b"}})
    assert tree.leaves == (Leaf(count=2, ratio=1.0),)
    assert isinstance(tree.leaves[0].ratio, float)
    assert tree.best == Leaf(mode="b")


def test_parse_config_reports_every_error_on_one_line_with_its_path():
    with pytest.raises(ValueError) as error:
        parse_config(
            Tree,
            {"leaves": [{"count": 1}, {"count": "2", "flag": "yes", "extra": 0}], "best": 3},
            "recipe",
        )
    message = str(error.value)
    assert "\n" not in message
    parts = message.split("; ")
    assert "recipe.leaves[1].count='2' is invalid: Input should be a valid integer" in parts
    assert "recipe.leaves[1].flag='yes' is invalid: Input should be a valid boolean" in parts
    assert "recipe.leaves[1].extra: unknown key (allowed keys: count, ratio, mode, flag)" in parts
    assert any(p.startswith("recipe.best=3 is invalid") for p in parts)


def test_parse_config_refuses_out_of_range_nan_and_non_json_values():
    with pytest.raises(ValueError, match=r"config\.leaves\[0\]\.count=0 is invalid: .*greater"):
        parse_config(Tree, {"leaves": [{"count": 0}]})
    with pytest.raises(ValueError, match=r"config\.best\.ratio=nan is invalid: .*finite"):
        parse_config(Tree, {"best": {"ratio": float("nan")}})
    with pytest.raises(ValueError, match=r"config\.best\.mode='c' is invalid: .*'a' or 'b'"):
        parse_config(Tree, {"best": {"mode": "c"}})
    with pytest.raises(ValueError, match="not plain YAML/JSON"):
        parse_config(Tree, {"best": {"ratio": object()}})

from __future__ import annotations

import json

import pytest

from sharp_depth_ros.compat import StrEnum


class Colour(StrEnum):
    RED = "red"
    DARK_BLUE = "dark-blue"


def test_members_are_strings_equal_to_their_values() -> None:
    assert (
        isinstance(Colour.RED, str)
        and Colour.RED == "red"
        and Colour("dark-blue") is Colour.DARK_BLUE
    )
    assert {"red": 1}[Colour.RED] == 1


def test_str_format_and_f_strings_give_the_value_not_the_member_name() -> None:
    assert str(Colour.RED) == "red"
    assert f"{Colour.DARK_BLUE}" == "dark-blue" and format(Colour.RED) == "red"
    assert f"{Colour.RED:>5}|" == "  red|"
    assert json.dumps({"c": Colour.RED}) == '{"c": "red"}'


def test_an_unknown_value_is_refused() -> None:
    with pytest.raises(ValueError, match="'green' is not a valid Colour"):
        Colour("green")

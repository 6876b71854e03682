"""Stand-ins for standard-library features newer than Python 3.10, the Python of ROS 2 Humble."""

from __future__ import annotations

import enum


class StrEnum(str, enum.Enum):
    """`enum.StrEnum` (Python 3.11+) for Python 3.10.

    Members are strings, and `str()`, f-strings and `format()` give the value ("auto"), not the
    member name ("FocalMode.AUTO"). A plain `str, enum.Enum` formats differently across versions
    (3.12 made `format()` follow `str()`), so both methods are pinned here.
    """

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, format_spec: str) -> str:
        return format(str(self.value), format_spec)

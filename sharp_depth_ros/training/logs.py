"""CSV metrics logs that survive a resume without duplicated rows."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path

from sharp_depth_ros.atomic import atomic_write_text


class CsvLog:
    """Append rows with fixed columns to a CSV file; the first column is the global step."""

    def __init__(self, path: str | Path, columns: Sequence[str], *, resume_step: int) -> None:
        """Open `path`; on a resume keep only the rows of steps up to `resume_step`.

        Rows are keyed by the number of finished steps. A killed run may have logged steps after
        its last checkpoint; the resumed run logs those steps again, so the old rows are dropped
        rather than duplicated.
        """
        self.path, self.columns = Path(path), list(columns)
        kept: list[str] = []
        if resume_step > 0 and self.path.is_file():
            with self.path.open(newline="", encoding="utf-8") as handle:
                rows = list(csv.reader(handle))
            if rows and rows[0] == self.columns:
                kept = [",".join(r) for r in rows[1:] if r and int(float(r[0])) <= resume_step]
        atomic_write_text(self.path, "\n".join([",".join(self.columns), *kept]) + "\n")

    def write(self, values: dict[str, float | int | str]) -> None:
        """Append one row; missing columns stay empty, floats keep 6 significant digits."""
        cells = []
        for column in self.columns:
            value = values.get(column, "")
            if isinstance(value, float):
                value = "" if math.isnan(value) else f"{value:.6g}"
            cells.append(str(value))
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(",".join(cells) + "\n")

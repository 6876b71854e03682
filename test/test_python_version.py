"""The package runs on Python 3.10 (ROS 2 Humble): vermin finds nothing that needs a newer one."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
OLDEST_PYTHON = "3.10"  # ROS 2 Humble on Ubuntu 22.04
CHECKED = ["sharp_depth_ros", "launch", "test", "setup.py"]


def _vermin(*paths: str | Path) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec("vermin") is None:
        pytest.fail("vermin is missing: pip install -r requirements.txt")
    command = [
        sys.executable,
        "-c",
        "import sys, vermin; sys.exit(vermin.main())",
        f"-t={OLDEST_PYTHON}-",  # this version or older must be enough
        "--no-tips",
        "--violations",  # list only what needs a newer Python
        "--eval-annotations",  # annotations count as evaluated (typing.get_type_hints, pydantic)
        "--no-config-file",
        "--processes=1",
        *map(str, paths),
    ]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)


def test_nothing_in_the_package_needs_python_newer_than_3_10() -> None:
    result = _vermin(*CHECKED)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_check_catches_3_11_only_constructs(tmp_path: Path) -> None:
    newer = tmp_path / "newer.py"
    newer.write_text("import enum\n\n\nclass Mode(enum.StrEnum):\n    AUTO = 'auto'\n")
    result = _vermin(newer)
    assert result.returncode != 0 and "enum.StrEnum" in result.stdout, result.stdout

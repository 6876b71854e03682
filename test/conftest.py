"""Shared test fixtures: paths to ../shared and small helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"
FIXTURES_DIR = SHARED_DIR / "fixtures"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The reference fixtures folder (../shared/fixtures); skips if absent."""
    if not FIXTURES_DIR.is_dir():
        pytest.skip(f"reference fixtures not found at {FIXTURES_DIR}")
    return FIXTURES_DIR

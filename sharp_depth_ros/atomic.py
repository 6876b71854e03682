"""Atomic writes: write to a temporary file or folder next to the target, then rename."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; it replaces `path` only if the block succeeds.

    The temporary name keeps the final suffix so libraries that pick a format from the
    extension (OpenCV, NumPy) still do so.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}"
    )
    os.close(descriptor)
    temp_path = Path(temp_name)
    os.chmod(temp_path, 0o666 & ~_current_umask())  # mkstemp creates 0600; use normal permissions
    try:
        yield temp_path
        os.replace(temp_path, path)
    finally:
        if temp_path.exists():
            temp_path.unlink()


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write bytes to `path` atomically."""
    with atomic_path(path) as temp_path:
        temp_path.write_bytes(data)


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write UTF-8 text to `path` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def atomic_directory(path: str | Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a folder path to create; it becomes `path` only if the block succeeds.

    The yielded path does not exist yet and has the same name as `path` (inside a hidden temporary
    folder next to it), for writers that create their folder and name files after it (rosbag2).
    On failure nothing is left behind and an existing `path` is untouched.

    Args:
        path: the final folder.
        overwrite: replace an existing `path` (the old one is removed after the swap).

    Raises:
        FileExistsError: `path` exists and `overwrite` is false (checked before the block runs).
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists already (pass --overwrite to replace it)")
    path.parent.mkdir(parents=True, exist_ok=True)
    holder = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        yield holder / path.name
        if path.exists():
            # A folder cannot be os.replace'd onto a non-empty one: move the old one aside first.
            os.replace(path, holder / f"{path.name}.old")
        os.replace(holder / path.name, path)
    finally:
        shutil.rmtree(holder, ignore_errors=True)

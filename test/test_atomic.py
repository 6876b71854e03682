"""atomic_directory: the target appears whole or not at all."""

from __future__ import annotations

import pytest

from sharp_depth_ros.atomic import atomic_directory


def test_folder_appears_only_when_the_block_succeeds(tmp_path) -> None:
    target = tmp_path / "out_bag"
    with atomic_directory(target) as temp:
        assert temp.name == "out_bag" and not temp.exists()
        temp.mkdir()
        (temp / "data.mcap").write_text("x")
        assert not target.exists()
    assert (target / "data.mcap").read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out_bag"]


def test_failure_leaves_nothing_and_keeps_the_old_folder(tmp_path) -> None:
    target = tmp_path / "out_bag"
    target.mkdir()
    (target / "old").write_text("kept")
    with pytest.raises(RuntimeError), atomic_directory(target, overwrite=True) as temp:
        temp.mkdir()
        (temp / "half").write_text("x")
        raise RuntimeError("writer failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out_bag"]
    assert [p.name for p in target.iterdir()] == ["old"]


def test_existing_folder_is_refused_unless_overwrite(tmp_path) -> None:
    target = tmp_path / "out_bag"
    target.mkdir()
    (target / "old").write_text("x")
    with pytest.raises(FileExistsError, match="--overwrite"), atomic_directory(target):
        pass
    with atomic_directory(target, overwrite=True) as temp:
        temp.mkdir()
        (temp / "new").write_text("y")
    assert [p.name for p in target.iterdir()] == ["new"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out_bag"]

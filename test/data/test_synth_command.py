from __future__ import annotations

import pytest

from sharp_depth_ros.cli import main
from sharp_depth_ros.commands.synth import parse_size
from sharp_depth_ros.data.shards import list_shards, read_shard


def test_parse_size_reads_width_by_height():
    assert parse_size("64x48") == (64, 48)
    with pytest.raises(ValueError, match="--size"):
        parse_size("64")


def test_synth_writes_resumable_shards_and_reports_rate(tmp_path, capsys):
    pytest.importorskip("mitsuba")
    argv = [
        "synth",
        "--count",
        "3",
        "--size",
        "16x12",
        "--out",
        str(tmp_path),
        "--workers",
        "0",
        "--shard-size",
        "2",
        "--spp",
        "1",
        "--bounces",
        "2",
        "--no-progress",
    ]
    assert main(argv) == 0
    assert "images/s" in capsys.readouterr().out
    assert len(list_shards(tmp_path)) == 2
    samples = [s for p in list_shards(tmp_path) for s in read_shard(p)]
    assert [s.params["index"] for s in samples] == [0, 1, 2]
    assert samples[0].rgb.shape == (12, 16, 3)
    assert main(argv) == 0
    assert "0 images" in capsys.readouterr().out  # everything was already there


def test_synth_without_out_is_a_one_line_error(capsys):
    assert main(["synth", "--count", "1"]) == 2
    assert "--out" in capsys.readouterr().err

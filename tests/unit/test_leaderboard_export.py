"""The leaderboard's CSV export: exactly the rows given, formula-looking names neutralised, the
file whole or not at all."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tracker.domain.leaderboard import LeaderRow
from tracker.reports import leaderboard_export
from tracker.reports.leaderboard_export import write_leaderboard_csv

ROWS = [LeaderRow(1, "Ana P.", 20, False, 3), LeaderRow(2, "=HYPERLINK(\"x\")", 15, True, 4),
        LeaderRow(2, "Student 17", 15, False, None)]


def test_the_rows_are_written_with_a_header_and_formulas_neutralised(tmp_path: Path) -> None:
    target = write_leaderboard_csv(ROWS, tmp_path / "board.csv")
    with target.open(encoding="utf-8-sig", newline="") as f:
        assert list(csv.reader(f)) == [["Rank", "Name", "Points"], ["1", "Ana P.", "20"],
                                       ["2", "'=HYPERLINK(\"x\")", "15"], ["2", "Student 17", "15"]]
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    assert [p.name for p in tmp_path.iterdir()] == ["board.csv"]


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(rows: object) -> str:
        raise OSError("disk full")

    monkeypatch.setattr(leaderboard_export, "leaderboard_csv", broken)
    with pytest.raises(OSError, match="disk full"):
        leaderboard_export.write_leaderboard_csv(ROWS, tmp_path / "board.csv")
    assert list(tmp_path.iterdir()) == []

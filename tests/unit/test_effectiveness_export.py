"""The effectiveness table as CSV and XLSX (tracker/reports/effectiveness_export.py), read back."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from tracker.domain.analytics_types import ActivityEffectiveness, DropReason
from tracker.reports.effectiveness_export import (
    HEADER,
    write_csv,
    write_effectiveness,
    write_xlsx,
)
from tracker.reports.safe_files import neutralise

CHESS = ActivityEffectiveness(
    activity_id=1, activity="Échecs — Chess Club", category="Clubs", leads=("Tina Teacher", "Otto Other"),
    placed=20, students=19, active=10, completed=8, dropped=2, completion_rate=40.0, dropout_rate=10.0,
    retention_rate=90.0, median_days_to_completion=35.5, average_attendance_rate=92.3, average_progress=61.2,
    drop_reasons=(DropReason("Lost interest", 1), DropReason("No reason given", 1)))
FORMULA = ActivityEffectiveness(
    activity_id=2, activity="=HYPERLINK(\"http://x\",\"click\")", category="+Sport", leads=("@lead",),
    placed=0, students=0, active=0, completed=0, dropped=0, completion_rate=None, dropout_rate=None,
    retention_rate=None, median_days_to_completion=None, average_attendance_rate=None, average_progress=None)

CHESS_CELLS = ["Échecs — Chess Club", "Clubs", "Tina Teacher, Otto Other", 20, 19, 10, 8, 2, 40.0, 92.3, 10.0,
               90.0, 61.2, 35.5, "Lost interest: 1; No reason given: 1"]


def _xlsx_rows(path: Path) -> list[list[Any]]:
    """The sheet's rows, read with python-calamine when installed, else openpyxl."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        assert book.sheetnames == ["Effectiveness"]
        return [list(r) for r in book["Effectiveness"].iter_rows(values_only=True)]
    return [[None if c == "" else c for c in r] for r in CalamineWorkbook.from_path(str(path))
            .get_sheet_by_name("Effectiveness").to_python()]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_text_a_spreadsheet_would_run_is_neutralised(text: str) -> None:
    assert neutralise(text) == "'" + text


def test_plain_text_is_left_alone() -> None:
    assert neutralise("Chess Club") == "Chess Club" and neutralise("") == ""


def test_csv_with_bom_reads_back_with_every_figure(tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    write_csv([CHESS, FORMULA], path, bom=True)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == list(HEADER)
    assert rows[1] == [str(c) for c in CHESS_CELLS]
    assert rows[2][:3] == ["'=HYPERLINK(\"http://x\",\"click\")", "'+Sport", "'@lead"]
    assert rows[2][8:14] == ["", "", "", "", "", ""]  # not measured: empty, never 0


def test_csv_without_bom_is_plain_utf8(tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    write_effectiveness([CHESS], path, bom=False)
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8").splitlines()[1].startswith("Échecs — Chess Club,Clubs,")


def test_xlsx_reads_back_with_numbers_as_numbers(tmp_path: Path) -> None:
    path = tmp_path / "table.xlsx"
    write_effectiveness([CHESS, FORMULA], path)
    rows = _xlsx_rows(path)
    assert rows[0] == list(HEADER)
    assert rows[1] == CHESS_CELLS
    assert rows[2][0] == "'=HYPERLINK(\"http://x\",\"click\")"  # text, not a formula
    assert rows[2][8:14] == [None] * 6


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "table.xlsx"
    path.write_text("the previous file")

    class Broken(list[ActivityEffectiveness]):
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield CHESS
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_xlsx(Broken([CHESS]), path)
    assert path.read_text() == "the previous file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.xlsx"]


def test_an_unknown_suffix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="csv or .xlsx"):
        write_effectiveness([CHESS], tmp_path / "table.pdf")

"""Benchmark ``export_xlsx_100k``: 100,000 enrollment rows × 8 columns through the Progress-sheet
writer the export service uses (:func:`tracker.reports.records_xlsx.write_table`: neutralised
text, percentages as fractions formatted 0.0%, real dates), against a floor written in the same
run: a bare openpyxl write-only workbook (lxml installed) appending the same 800,000 values.
Bar: ≤ 1.1×. ``peak_rss_mb`` is the process's peak resident memory after both (it stays flat:
rows stream to a temporary file, never held as cells)."""

from __future__ import annotations

import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROWS = 100_000
BAR = 1.1


def _rows(n: int) -> list[tuple[str, str, str, str, str, float, float, date]]:
    """Rows shaped like the service's Progress rows (8 of its columns)."""
    start = date(2025, 9, 1)
    statuses = ("Active", "Completed", "Dropped")
    return [(f"Student {i:06d}", f"S{i:06d}", str(7 + i % 6), f"Activity {i % 40}", statuses[i % 3],
             (i % 101) / 100, (i % 97) / 96, start + timedelta(days=i % 200)) for i in range(n)]


def _ours(rows: list[tuple[str, str, str, str, str, float, float, date]], out: Path) -> float:
    from openpyxl import Workbook

    from tracker.reports.records_data import Column, Kind, Table
    from tracker.reports.records_xlsx import write_table

    table = Table("progress", "Progress", (
        Column("Student"), Column("Student number"), Column("Grade"), Column("Activity"), Column("Status"),
        Column("Progress %", Kind.PCT), Column("Attendance %", Kind.PCT), Column("Enrolled on", Kind.DATE)),
        rows)
    begin = time.perf_counter()
    book = Workbook(write_only=True)
    write_table(book, table, None, set(), freeze="B2")
    book.save(out)
    return time.perf_counter() - begin


def _floor(rows: list[tuple[str, str, str, str, str, float, float, date]], out: Path) -> float:
    from openpyxl import Workbook

    begin = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Progress")
    sheet.append(["Student", "Student number", "Grade", "Activity", "Status", "Progress %", "Attendance %",
                  "Enrolled on"])
    for row in rows:
        sheet.append(row)
    book.save(out)
    return time.perf_counter() - begin


def bench_export_xlsx_100k(repeat: int, students: int) -> None:
    from openpyxl.xml import LXML

    from tests.perf.run import emit, median

    rows = _rows(ROWS)
    ours, floor = [], []
    with tempfile.TemporaryDirectory() as folder:
        for i in range(max(repeat, 1)):  # alternate, so that neither side gets a warmer machine
            floor.append(_floor(rows, Path(folder) / f"floor{i}.xlsx"))
            ours.append(_ours(rows, Path(folder) / f"ours{i}.xlsx"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    emit("export_xlsx_100k", median(ours), "s", median(floor), bar=BAR, rows=ROWS, columns=8,
         lxml=LXML, peak_rss_mb=round(peak, 1))

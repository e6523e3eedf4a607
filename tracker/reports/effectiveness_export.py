"""The effectiveness table of the analytics page as a spreadsheet: CSV (UTF-8, optionally with a
byte-order mark so Excel reads the accents) or XLSX.

Pure functions from :class:`ActivityEffectiveness` rows to a file, with every figure of a row
(the page hides some columns on a small screen; the file never does). Numbers stay numbers and
a figure not measured yet is an empty cell, never 0. Text that a spreadsheet would take for a
formula (starting with = + - @, or a tab / carriage return) is neutralised with a leading
apostrophe: an activity named "=HYPERLINK(…)" is shown, never run. The file is written beside
its target and renamed into place, so a reader never sees half a file. openpyxl is imported
only when an XLSX is written (write-only mode: rows are streamed, not held as cells).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from tracker.domain.analytics_types import ActivityEffectiveness
from tracker.reports.safe_files import neutralise, replacing

Cell = str | int | float | None

HEADER = ("Activity", "Category", "Leads", "Placed", "Students", "Active", "Completed", "Dropped",
          "Completion %", "Attendance %", "Drop-out %", "Retention %", "Average progress %",
          "Median days to completion", "Drop reasons")
SHEET_TITLE = "Effectiveness"


def reasons_text(row: ActivityEffectiveness) -> str:
    """The recorded drop reasons with their counts: "Lost interest: 3; Injury: 1"."""
    return "; ".join(f"{r.reason}: {r.count}" for r in row.drop_reasons)


def effectiveness_rows(rows: Iterable[ActivityEffectiveness]) -> Iterator[list[Cell]]:
    """One list of cells per activity, in :data:`HEADER` order, text neutralised."""
    for r in rows:
        cells: list[Cell] = [r.activity, r.category, ", ".join(r.leads), r.placed, r.students, r.active,
                             r.completed, r.dropped, r.completion_rate, r.average_attendance_rate,
                             r.dropout_rate, r.retention_rate, r.average_progress,
                             r.median_days_to_completion, reasons_text(r)]
        yield [neutralise(c) if isinstance(c, str) else c for c in cells]


def write_csv(rows: Sequence[ActivityEffectiveness], path: str | os.PathLike[str], *, bom: bool = True) -> None:
    """CSV, UTF-8; ``bom`` adds the byte-order mark Excel needs to read it as UTF-8."""
    with replacing(path) as f:
        text = io.TextIOWrapper(f, encoding="utf-8-sig" if bom else "utf-8", newline="")
        out = csv.writer(text)
        out.writerow(HEADER)
        out.writerows(["" if c is None else c for c in row] for row in effectiveness_rows(rows))
        text.flush()
        text.detach()  # the binary file is closed by replacing


def write_xlsx(rows: Sequence[ActivityEffectiveness], path: str | os.PathLike[str]) -> None:
    """One sheet, a bold header row frozen above the activities."""
    cells = list(effectiveness_rows(rows))  # before the workbook: a failure leaves no half-written stream
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_TITLE)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in HEADER:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in cells:
        sheet.append(row)
    with replacing(path) as f:
        book.save(f)


def write_effectiveness(rows: Sequence[ActivityEffectiveness], path: str | os.PathLike[str], *,
                        bom: bool = True) -> None:
    """CSV or XLSX by the path's suffix (``bom`` for CSV only)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        write_csv(rows, path, bom=bom)
    elif suffix == ".xlsx":
        write_xlsx(rows, path)
    else:
        raise ValueError(f"Cannot export the table as {suffix or 'a file without a suffix'}: use .csv or .xlsx.")

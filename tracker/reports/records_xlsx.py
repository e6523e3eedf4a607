"""The records as an Excel workbook a registrar can file (openpyxl write-only mode: rows stream
to disk, never held as cells).

Sheets: Progress, one Attendance sheet per activity (students × sessions, each mark coloured as
the application shows its status), Milestones, Skills, Badges and Certificates (these two only
when there are any), and About (school, who exported, when, filters). Every sheet has a frozen,
bold header row, an auto filter and column widths fitted to its content's kind; numbers are
numbers, dates are dates and percentages are fractions formatted 0.0%. Text goes through
:func:`~tracker.reports.safe_files.neutralise`, so nothing is ever taken for a formula.

Lean on purpose (benchmark ``export_xlsx_100k``: at most 1.1× a bare write-only workbook of the
same values): plain values are appended as they are, and the few styled cells (percentages, the
header, attendance marks) reuse one styled cell per column or status, never a style per cell.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

from tracker.reports.records_data import Cell, Kind, Records, Table, Ticker, chunks
from tracker.reports.safe_files import neutralise

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

PERCENT = "0.0%"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def write_workbook(records: Records, out: IO[bytes], ticker: Ticker | None = None) -> None:
    """The whole workbook into ``out`` (the caller makes the file whole-or-nothing)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    titles: set[str] = set()
    try:
        write_table(book, records.progress, ticker, titles, freeze="B2")
        for grid_index in range(len(records.attendance)):
            _write_grid(book, records, grid_index, ticker, titles)
        for table in records.others:
            if table.shown:
                write_table(book, table, ticker, titles)
        _write_about(book, records, titles)
    except BaseException:
        _discard(book)
        raise
    book.save(out)


def _discard(book: Workbook) -> None:
    """Close the sheets' streams in order and remove their temporary files (after a cancel:
    left to the garbage collector, the half-written XML streams complain and the files stay)."""
    for sheet in book.worksheets:
        try:
            sheet.close()  # type: ignore[union-attr]
            sheet._writer.cleanup()  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001, S110 - best effort on the way out of a failed export
            pass


def write_table(book: Workbook, table: Table, ticker: Ticker | None, titles: set[str], *,
                freeze: str = "A2") -> None:
    """One table as a sheet: header, typed rows, filter, widths, frozen panes."""
    from openpyxl.cell import WriteOnlyCell

    sheet = _sheet(book, table.title, titles)
    _layout(sheet, [c.width for c in table.columns], len(table.rows), freeze)
    sheet.append(_header(sheet, [c.title for c in table.columns]))
    text = [i for i, c in enumerate(table.columns) if c.kind is Kind.TEXT]
    styled: list[tuple[int, Any]] = []
    percent: list[tuple[int, Any]] = []
    for i, c in enumerate(table.columns):
        if c.kind in (Kind.PCT, Kind.DATETIME):
            cell = WriteOnlyCell(sheet, value=0.0 if c.kind is Kind.PCT else None)
            cell.number_format = PERCENT if c.kind is Kind.PCT else DATETIME
            (percent if c.kind is Kind.PCT else styled).append((i, cell))
    for part in chunks(table.rows):
        for row in part:
            out: list[Any] = list(row)
            for i in text:
                value = out[i]
                if value is not None:
                    out[i] = neutralise(value)
            for i, cell in percent:  # a number already: skip openpyxl's type checks (hot path)
                value = out[i]
                if value is not None:
                    cell._value = value
                    out[i] = cell
            for i, cell in styled:  # the same styled cell, given this row's value (written at once)
                value = out[i]
                if value is not None:
                    cell.value = value
                    out[i] = cell
            sheet.append(out)
        if ticker is not None:
            ticker.rows(len(part), table.title)


def _write_grid(book: Workbook, records: Records, index: int, ticker: Ticker | None, titles: set[str]) -> None:
    """One activity's students × sessions, coloured by status; names and header frozen."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    grid = records.attendance[index]
    title = "Attendance" if len(records.attendance) == 1 else f"Att {grid.activity}"
    sheet = _sheet(book, title, titles)
    _layout(sheet, [24, 14] + [11] * len(grid.sessions), len(grid.students), "C2")
    header = _header(sheet, ["Student", "Student number"])
    for when in grid.sessions:
        cell = WriteOnlyCell(sheet, value=when.date())
        cell.number_format = DATE
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    centre = Alignment(horizontal="center")
    marks: dict[str, Any] = {}
    for status in records.statuses:
        cell = WriteOnlyCell(sheet)
        colour = status.colour.lstrip("#").upper()
        cell.fill = PatternFill("solid", fgColor=colour)
        cell.font = Font(bold=True, color="000000" if _light(colour) else "FFFFFF")
        cell.alignment = centre
        marks[status.code] = cell
    pending = 0  # marks written since the last tick
    for (name, number), codes in zip(grid.students, grid.codes, strict=True):
        sheet.append([neutralise(name), neutralise(number), *(_mark(marks, code) for code in codes)])
        pending += len(codes) - codes.count(None)
        if ticker is not None and pending >= 500:
            ticker.rows(pending, "Attendance")
            pending = 0
    if ticker is not None:
        ticker.rows(pending, "Attendance")


def _mark(marks: dict[str, Any], code: str | None) -> Any:
    """A status's styled cell given its code (the writer consumes it before the next cell)."""
    if code is None:
        return None
    cell = marks.get(code)
    if cell is None:
        return neutralise(code)
    cell.value = code
    return cell


def _write_about(book: Workbook, records: Records, titles: set[str]) -> None:
    sheet = _sheet(book, "About", titles)
    _layout(sheet, [22, 60], 0, None)
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    bold, left = Font(bold=True), Alignment(horizontal="left")
    for label, value in records.about:
        key = WriteOnlyCell(sheet, value=label)
        key.font = bold
        shown: Cell = neutralise(value) if isinstance(value, str) else value
        cell = WriteOnlyCell(sheet, value=shown)
        if hasattr(value, "year"):
            cell.number_format = DATETIME if hasattr(value, "hour") else DATE
        cell.alignment = left
        sheet.append([key, cell])


def _sheet(book: Workbook, title: str, used: set[str]) -> WriteOnlyWorksheet:
    """A sheet whose title Excel accepts (31 characters, no []:*?/\\) and no other sheet has."""
    base = _BAD_TITLE.sub(" ", title).strip("' ")[:31] or "Sheet"
    name, n = base, 1
    while name.lower() in used:
        n += 1
        name = f"{base[:31 - len(str(n)) - 1]} {n}"
    used.add(name.lower())
    sheet: WriteOnlyWorksheet = book.create_sheet(name)
    return sheet


def _layout(sheet: WriteOnlyWorksheet, widths: Sequence[int], rows: int, freeze: str | None) -> None:
    """Widths, the frozen panes and the auto filter (set before any row: write-only mode)."""
    from openpyxl.utils import get_column_letter

    for i, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    if freeze:
        sheet.freeze_panes = freeze
        sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(widths), 1))}{rows + 1}"


def _header(sheet: WriteOnlyWorksheet, titles: Sequence[str]) -> list[Any]:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    bold = Font(bold=True)
    cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=neutralise(title))
        cell.font = bold
        cells.append(cell)
    return cells


def _light(hex_colour: str) -> bool:
    """Whether black text reads better than white on this fill (relative luminance)."""
    try:
        r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return True
    return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5

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
import types
from collections.abc import Iterator, Sequence
from functools import cache
from typing import IO, TYPE_CHECKING, Any

from tracker.reports.records_data import Cell, Kind, Records, Table, Ticker, chunks
from tracker.reports.safe_files import FORMULA_STARTS, neutralise

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

PERCENT = "0.0%"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
FORMULA_FIRST = frozenset(FORMULA_STARTS)  # each is one character
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

    sheet = _sheet(book, table.title, titles)
    _layout(sheet, [c.width for c in table.columns], len(table.rows), freeze)
    sheet.append(_header(sheet, [c.title for c in table.columns]))
    text = [i for i, c in enumerate(table.columns) if c.kind is Kind.TEXT]
    styled: list[tuple[int, Any]] = []
    percent: list[tuple[int, Any]] = []
    for i, c in enumerate(table.columns):
        if c.kind in (Kind.PCT, Kind.DATETIME):
            cell = _reused_cell(sheet, 0.0 if c.kind is Kind.PCT else None)
            cell.number_format = PERCENT if c.kind is Kind.PCT else DATETIME
            (percent if c.kind is Kind.PCT else styled).append((i, cell))
    for part in chunks(table.rows):
        for row in part:
            out: list[Any] = list(row)
            for i in text:  # neutralise(), inlined (hot path): most text starts with a letter
                value = out[i]
                if value and value[0] in FORMULA_FIRST:
                    out[i] = "'" + value
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
        cell = _reused_cell(sheet)
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
    sheet._values_to_row = types.MethodType(_values_to_row, sheet)  # type: ignore[method-assign]
    return sheet


@cache
def _cell_types() -> tuple[type, type]:
    """openpyxl's Cell, and the reused cell made from it (openpyxl is imported on first use)."""
    from openpyxl.cell.cell import Cell

    class ReusedCell(Cell):  # type: ignore[misc]
        """A styled cell written again and again with new values (a column's percentages, a
        status's marks): its style's id is looked up once, not hashed again for every value."""

        __slots__ = ("_cached_style_id",)

        @property
        def style_id(self) -> int:
            cached: int | None = getattr(self, "_cached_style_id", None)
            if cached is None:
                cached = self._cached_style_id = int(Cell.style_id.fget(self))
            return cached

    return Cell, ReusedCell


def _reused_cell(sheet: WriteOnlyWorksheet, value: Any = None) -> Any:
    """A cell to style once, then hand to ``append`` with each new value (style it before its
    first row is written: the style's id is kept from then on)."""
    return _cell_types()[1](sheet, value=value)


def _values_to_row(sheet: WriteOnlyWorksheet, values: Sequence[Any], row_idx: int) -> Iterator[Any]:
    """openpyxl's ``WriteOnlyWorksheet._values_to_row`` (3.1), lean for the cells this writer
    hands in ready-styled (percentages, headers, attendance marks), which are reused, not made per
    value: openpyxl first tries such a cell as a value (its type checks, then a ValueError it
    catches) and makes a new cell after each; here a styled cell is written as it is and the
    plain cell is kept. Same XML (the exports' tests read it back); most of what the Progress
    sheet cost over a bare workbook went there (benchmark ``export_xlsx_100k``)."""
    cell_class = _cell_types()[0]
    plain: Any = cell_class(sheet)
    for col_idx, value in enumerate(values, 1):
        if value is None:
            continue
        cell: Any
        if isinstance(value, cell_class):
            cell = value
        else:
            cell = plain
            cell.value = value  # a date gets its number format here: a styled cell from now on
        cell.column = col_idx
        cell.row = row_idx
        if cell.hyperlink is not None:
            cell.hyperlink.ref = cell.coordinate
        yield cell
        if cell is plain and (plain.has_style or plain.hyperlink):
            plain = cell_class(sheet)


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

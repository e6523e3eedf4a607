"""A chart's numbers as text: the hover tooltip of one value, the table of "Show as table"
(keyboard and screen-reader users) and "Copy data" (tab-separated, for a spreadsheet). One
function lays the table out for both, so what is copied is what is shown, and the tooltip
names x values as the table does.

Series sharing an x axis become columns beside their x value (one row per date or category);
a scatter plot lists one row per point with its name, both values and its size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QWidget

from ui.charts.axes import XValue, axis_title, date_text, number_text, to_x, with_unit

if TYPE_CHECKING:
    from ui.charts.base import ChartData

Cell = str | float | None  # text, a number, or nothing measured
AnyIndex = QModelIndex | QPersistentModelIndex


def table_of(data: ChartData, *, iso: bool = False) -> tuple[list[str], list[list[Cell]]]:
    """The header and rows of the chart's numbers (numbers stay numbers; dates as people read
    them, or ISO for a spreadsheet)."""
    x_head = axis_title(data.x_label, data.x_unit) or "x"
    y_head = axis_title(data.y_label, data.y_unit) or "y"
    if any(s.kind == "scatter" for s in data.series):
        named = any(s.labels for s in data.series)
        sized = any(s.sizes for s in data.series)
        header = ["Series", *(["Name"] if named else []), x_head, y_head, *(["Size"] if sized else [])]
        rows: list[list[Cell]] = []
        for s in data.series:
            for j, (x, y) in enumerate(s.points):
                row: list[Cell] = [s.name]
                if named:
                    row.append(s.labels[j] if s.labels else "")
                row += [x_cell(data, x, iso=iso), y]
                if sized:
                    row.append(s.sizes[j] if s.sizes else None)
                rows.append(row)
        return header, rows
    columns: dict[float, dict[int, float]] = {}
    shown: dict[float, XValue] = {}
    for i, s in enumerate(data.series):
        for x, y in s.points:
            key = to_x(x)
            columns.setdefault(key, {})[i] = y
            shown.setdefault(key, x)
    header = [x_head, *(axis_title(s.name, data.y_unit) for s in data.series)]
    return header, [[x_cell(data, shown[key], iso=iso), *(columns[key].get(i) for i in range(len(data.series)))]
                    for key in sorted(columns)]


def x_cell(data: ChartData, x: XValue, *, iso: bool = False) -> Cell:
    """An x value as the table shows it: a category's name, a date, or the number."""
    if data.x_kind == "category":
        i = int(to_x(x))
        return data.categories[i] if 0 <= i < len(data.categories) else str(i)
    if data.x_kind == "date":
        return date_text(x, iso=iso)
    return to_x(x)


def point_text(data: ChartData, series: int, index: int) -> str:
    """The tooltip of one value: its name, x and y with units ("Chess Club · week of 3 Nov
    2026 · 86.5 %"); a scatter dot's values with their axis names, since neither is a date or
    a category that says what it is."""
    s = data.series[series]
    x, y = s.points[index]
    unit = data.x_unit if data.x_kind == "number" else ""
    x_text = data.x_hover.format(with_unit(cell_text(x_cell(data, x)), unit))
    named = dict(data.y_ticks).get(y)
    y_text = named if named is not None else with_unit(number_text(y), data.y_unit)
    if s.kind == "scatter":
        x_text = f"{data.x_label}: {x_text}" if data.x_label else x_text
        y_text = f"{data.y_label}: {y_text}" if data.y_label else y_text
    head = s.labels[index] if s.labels else s.name
    return " · ".join(part for part in (head, x_text, y_text) if part)


def cell_text(cell: Cell, *, precise: bool = False) -> str:
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell
    return number_text(cell, precise=precise)


def tsv(data: ChartData) -> str:
    """The chart's numbers tab-separated with a header row: full precision, ISO dates."""
    header, rows = table_of(data, iso=True)
    lines = ["\t".join(header)]
    lines += ["\t".join(cell_text(c, precise=True).replace("\t", " ") for c in row) for row in rows]
    return "\n".join(lines) + "\n"


class ChartTableModel(QAbstractTableModel):
    """A snapshot of the chart's numbers; ``data()`` reads only the snapshot."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header: list[str] = []
        self.rows: list[list[Cell]] = []

    def set_data(self, data: ChartData) -> None:
        self.beginResetModel()
        self.header, self.rows = table_of(data)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008 - Qt's name
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008 - Qt's name
        return 0 if parent.isValid() else len(self.header)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        cell = self.rows[index.row()][index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return cell_text(cell)
        if role == Qt.ItemDataRole.ToolTipRole and isinstance(cell, str):
            return cell  # a long name cut in a narrow column
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(cell, float | int):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt's name
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role in (Qt.ItemDataRole.DisplayRole,
                                                                 Qt.ItemDataRole.ToolTipRole):
            return self.header[section] if 0 <= section < len(self.header) else None
        return None

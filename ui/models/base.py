"""Table models over in-memory snapshots, and the proxy that filters and sorts them.

A model holds a list of plain records (dataclasses from the services). ``set_rows`` swaps the
whole snapshot; ``data()`` only formats what is in memory and never touches the database.
Every model answers :data:`RecordRole` (the record of the row), :data:`ValueRole` (the raw value
of the cell, for delegates) and :data:`SortRole` (a key that sorts correctly).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont

RecordRole = Qt.ItemDataRole.UserRole + 1
ValueRole = Qt.ItemDataRole.UserRole + 2
SortRole = Qt.ItemDataRole.UserRole + 3
SearchRole = Qt.ItemDataRole.UserRole + 4

# the roles and flags data() compares with, looked up once: reading an enum member off its class
# costs more than the comparison, and data() runs for every cell painted
_DISPLAY = Qt.ItemDataRole.DisplayRole
_ALIGN = Qt.ItemDataRole.TextAlignmentRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_FONT = Qt.ItemDataRole.FontRole
_HORIZONTAL = Qt.Orientation.Horizontal
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter


@dataclass(frozen=True)
class Column(Generic[T]):
    title: str
    text: Callable[[T], str]
    #: raw value for delegates and, unless ``sort`` is given, for sorting
    value: Callable[[T], Any] | None = None
    sort: Callable[[T], Any] | None = None
    align: Qt.AlignmentFlag = LEFT
    tooltip: Callable[[T], str] | None = None
    width: int = 110
    header_tooltip: str = ""  # e.g. how a figure is computed


def number_key(value: float | int | None) -> float:
    """Sort numbers with the empty ones first (ascending) and never compare None."""
    return -1.0 if value is None else float(value)


class SnapshotModel(QAbstractTableModel, Generic[T]):
    """A read-only table over a list of records; subclasses define ``columns``."""

    columns: Sequence[Column[Any]] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[T] = []
        self._search: list[str] | None = []
        self._muted_font: QFont | None = None
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder

    # ------------------------------------------------------------------ snapshot
    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        # worked out when a search first asks: a dashboard of thousands of rows is seldom searched
        self._search = None
        self._apply_sort()
        self.endResetModel()

    def search_texts(self) -> list[str]:
        """Each row's :meth:`search_text`, lower-cased, in the rows' order."""
        if self._search is None:
            self._search = [self.search_text(r).lower() for r in self._rows]
        return self._search

    def _reorder(self, order: list[int]) -> None:
        """Put the rows (and their search texts, once worked out) in ``order``."""
        self._rows = [self._rows[i] for i in order]
        if self._search is not None:
            self._search = [self._search[i] for i in order]

    # ------------------------------------------------------------------ sorting
    def sort_key(self, column: int, record: T) -> Any:
        col = self.columns[column]
        if col.sort:
            key = col.sort(record)
        elif col.value:
            key = col.value(record)
        else:
            key = col.text(record).lower()
        return (key is not None, key if key is not None else 0)

    def _apply_sort(self) -> None:
        """Sort the snapshot in Python: thousands of rows sort in milliseconds this way, where a
        proxy asking data() for every comparison took a second."""
        column = self._sort_column
        if not (0 <= column < len(self.columns)) or len(self._rows) < 2:
            return
        keys = [self.sort_key(column, r) for r in self._rows]
        order = sorted(range(len(keys)), key=keys.__getitem__,
                       reverse=self._sort_order == Qt.SortOrder.DescendingOrder)
        self._reorder(order)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        before = list(self._rows)
        persistent = self.persistentIndexList()
        self._sort_column, self._sort_order = column, order
        self._apply_sort()
        where = {id(r): i for i, r in enumerate(self._rows)}
        for index in persistent:
            row = where[id(before[index.row()])]
            self.changePersistentIndex(index, self.index(row, index.column()))
        self.layoutChanged.emit()

    def rows(self) -> list[T]:
        return list(self._rows)

    def record(self, row: int) -> T:
        return self._rows[row]

    def row_of(self, predicate: Callable[[T], bool]) -> int:
        for i, r in enumerate(self._rows):
            if predicate(r):
                return i
        return -1

    def search_text(self, record: T) -> str:
        """What the search box matches against: by default every column's text."""
        return " ".join(c.text(record) for c in self.columns)

    def muted(self, record: T) -> bool:
        """Rows shown greyed out (disabled accounts, archived activities)."""
        return False

    # ------------------------------------------------------------------ Qt model API
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == _HORIZONTAL and 0 <= section < len(self.columns):
            col = self.columns[section]
            if role == _DISPLAY:
                return col.title
            if role == _ALIGN:
                return col.align
            if role == _TOOLTIP and col.header_tooltip:
                return col.header_tooltip
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return _NO_FLAGS
        return _FLAGS

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._rows) and 0 <= column < len(self.columns)):
            return None
        record = self._rows[row]
        col = self.columns[column]
        if role == _DISPLAY:
            return col.text(record)
        if role == RecordRole:
            return record
        if role == ValueRole:
            return col.value(record) if col.value else col.text(record)
        if role == SortRole:
            if col.sort:
                return col.sort(record)
            if col.value:
                return col.value(record)
            return col.text(record).lower()
        if role == SearchRole:
            return self.search_texts()[row]
        if role == _ALIGN:
            return col.align
        if role == _TOOLTIP:
            return col.tooltip(record) if col.tooltip else None
        if role == _FOREGROUND and self.muted(record):
            return QColor("#8a8f98")
        if role == _FONT and self.muted(record):
            if self._muted_font is None:
                self._muted_font = QFont()
                self._muted_font.setItalic(True)
            return self._muted_font
        return None


class FilterProxy(QSortFilterProxyModel):
    """Sorts by SortRole; filters by words typed (all must match) and an optional predicate."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SortRole)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._words: list[str] = []
        self._predicate: Callable[[Any], bool] | None = None

    def _changing(self, apply: Callable[[], None]) -> None:
        begin = getattr(self, "beginFilterChange", None)
        if begin is not None:
            begin()
            apply()
            self.endFilterChange()  # type: ignore[attr-defined]
        else:
            apply()
            self.invalidateFilter()

    def set_search(self, text: str) -> None:
        words = text.lower().split()
        if words != self._words:
            self._changing(lambda: setattr(self, "_words", words))

    def set_predicate(self, predicate: Callable[[Any], bool] | None) -> None:
        self._changing(lambda: setattr(self, "_predicate", predicate))

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if not self._words and self._predicate is None:
            return True  # nothing to filter by: no index made for each of thousands of rows
        model = self.sourceModel()
        if model is None:
            return True
        index = model.index(source_row, 0, source_parent)
        if self._words:
            haystack = index.data(SearchRole) or ""
            if not all(w in haystack for w in self._words):
                return False
        if self._predicate is not None:
            return bool(self._predicate(index.data(RecordRole)))
        return True

    def record(self, proxy_row: int) -> Any:
        return self.index(proxy_row, 0).data(RecordRole)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Let a snapshot model sort itself (fast, in Python); the proxy keeps its order."""
        source = self.sourceModel()
        if isinstance(source, SnapshotModel):
            source.sort(column, order)
        else:
            super().sort(column, order)

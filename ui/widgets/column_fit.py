"""Keep a table's columns within the table's width instead of scrolling sideways.

A list page with a dozen fixed-width columns scrolled sideways even at 1280 px and cut the
column people read (the leads). ``fit_columns`` lets one column take the room that is left and,
when even its minimum does not fit, hides the least needed columns (their facts are shown
elsewhere: the details panel, the row's tooltip); they come back as the table grows.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QHeaderView, QTableView


class ColumnFitter(QObject):
    """Hides the columns of ``drop`` (first ones first) while the others, with ``stretch`` at
    ``minimum`` width, would not fit the table's viewport. Widths are those the table was made
    with (``make_table``)."""

    def __init__(self, view: QTableView, *, stretch: int, drop: Sequence[int], minimum: int) -> None:
        super().__init__(view)
        self.view = view
        self.stretch = stretch
        self.drop = list(drop)
        self.minimum = minimum
        self.hidden: list[int] = []
        header = view.horizontalHeader()
        header.setStretchLastSection(False)  # one column takes the room left: this one
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        view.viewport().installEventFilter(self)
        self.fit()

    def _width(self, column: int) -> int:
        widths: dict[int, int] = getattr(self.view, "pending_widths", {})
        return widths.get(column, self.view.horizontalHeader().defaultSectionSize())

    def fit(self) -> None:
        model = self.view.model()
        if model is None:
            return
        room = self.view.viewport().width()
        columns = [c for c in range(model.columnCount()) if c != self.stretch]
        hidden: list[int] = []
        for column in self.drop:
            if sum(self._width(c) for c in columns if c not in hidden) + self.minimum <= room:
                break
            hidden.append(column)
        header = self.view.horizontalHeader()
        for c in columns:
            was = header.isSectionHidden(c)
            header.setSectionHidden(c, c in hidden)
            if was and c not in hidden:
                header.resizeSection(c, self._width(c))
        self.hidden = hidden

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False


def fit_columns(view: QTableView, *, stretch: int, drop: Sequence[int], minimum: int = 160) -> ColumnFitter:
    """Fit the table's columns to its width (call after ``setModel``); see :class:`ColumnFitter`."""
    return ColumnFitter(view, stretch=stretch, drop=drop, minimum=minimum)

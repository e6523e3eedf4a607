"""One place that sets up a fast, read-only table view the way every page wants it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QSplitter, QTableView, QWidget


def make_table(widths: dict[int, int] | None = None, *, stretch: int | None = None,
               sortable: bool = True, parent: QWidget | None = None) -> QTableView:
    """Rows selected whole, fixed row heights and column widths (no resizeColumnsToContents).
    Tab and Shift+Tab leave the table (arrows move in it): the keyboard is never trapped."""
    view = QTableView(parent)
    view.setTabKeyNavigation(False)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setSortingEnabled(sortable)
    view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    vh = view.verticalHeader()
    vh.setVisible(False)
    vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vh.setDefaultSectionSize(view.fontMetrics().height() + 14)
    hh = view.horizontalHeader()
    hh.setHighlightSections(False)
    hh.setTextElideMode(Qt.TextElideMode.ElideRight)  # a narrowed column's title ends with "…"
    hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    hh.setStretchLastSection(stretch is None)
    view.pending_widths = dict(widths or {})  # type: ignore[attr-defined]
    view.pending_stretch = stretch  # type: ignore[attr-defined]
    return view


def apply_widths(view: QTableView) -> None:
    """Apply the fixed column widths (call after setModel: the header needs its sections)."""
    hh = view.horizontalHeader()
    for col, width in getattr(view, "pending_widths", {}).items():
        hh.resizeSection(col, width)
    stretch = getattr(view, "pending_stretch", None)
    if stretch is not None:
        hh.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)


def with_side_panel(main: QWidget, panel: QWidget, sizes: tuple[int, int]) -> QSplitter:
    """A page's table (or its stack) with a details panel on its right: the table takes what
    the window gains, the panel keeps its width, neither can be collapsed away."""
    split = QSplitter(Qt.Orientation.Horizontal)
    split.setChildrenCollapsible(False)
    split.addWidget(main)
    split.addWidget(panel)
    split.setStretchFactor(0, 1)
    split.setStretchFactor(1, 0)
    split.setSizes(list(sizes))
    return split

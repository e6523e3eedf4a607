"""Chart panels in a grid that takes two columns where the width allows, one below.

A chart squeezed to half of a narrow page has unreadable ticks; one squeezed below ~200 pixels
high has no room for its bars. So panels keep a fixed height and the grid chooses its columns
from its own width: the page around it scrolls vertically rather than squash them.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QSizePolicy, QWidget

from ui.charts.base import ChartData, ChartPanel

CHART_HEIGHT = 250  # pixels of one panel: title, plot, legend and axis labels readable
MIN_HEIGHT = 150  # the least a panel sharing its grid's height gets: title, a plot, one axis


def new_panel(data: ChartData) -> ChartPanel:
    """A chart panel for a grid (titled, built hidden: it never takes the focus from the window)."""
    return ChartPanel(data)


class ChartGrid(QWidget):
    """``panels`` in order, row by row: two columns from ``two_columns_from`` pixels of width."""

    def __init__(self, panels: Sequence[QWidget], *, two_columns_from: int, height: int | None = CHART_HEIGHT,
                 parent: QWidget | None = None) -> None:
        """``height``: each panel's, fixed (a scrolling page of charts); None: the panels share
        the height the grid is given, down to ``MIN_HEIGHT`` (charts beside a list)."""
        super().__init__(parent)
        self.panels = list(panels)
        self.two_columns_from = two_columns_from
        self.columns = 0  # not laid out yet
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(12)
        if height is None:
            self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
            for panel in self.panels:
                panel.setMinimumHeight(MIN_HEIGHT)
        else:
            self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)  # as tall as its rows
            for panel in self.panels:
                panel.setFixedHeight(height)
        self._arrange(1)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._arrange(2 if event.size().width() >= self.two_columns_from else 1)

    def _arrange(self, columns: int) -> None:
        """Lay the panels out in ``columns`` equal columns (only when that changes)."""
        if columns == self.columns:
            return
        self.columns = columns
        for panel in self.panels:
            self.grid.removeWidget(panel)
        for i, panel in enumerate(self.panels):
            self.grid.addWidget(panel, i // columns, i % columns)
        for c in range(2):
            self.grid.setColumnStretch(c, 1 if c < columns else 0)

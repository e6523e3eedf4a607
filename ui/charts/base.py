"""The one base of every chart: plain chart data in, a pyqtgraph chart with the same abilities out.

A chart module builds a :class:`ChartData` (title, axis labels with units, :class:`Series` of
points) from what a service returned and hands it to a :class:`ChartPanel`, which draws it and
gives every chart the same abilities: a legend, readable date and category ticks, stacked or
side-by-side bars, a hover tooltip with the exact value, "Export image…" (PNG, SVG), "Copy
data", "Show as table" (for keyboard and screen-reader users) and an empty state that says why
there is nothing to draw. The panel never reads the database; its data is a snapshot.

pyqtgraph is imported when a panel is built, never at module import.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction, QFont, QFontMetrics, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMenu,
    QSizePolicy,
    QStackedWidget,
    QTableView,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from ui.charts.axes import TICK_ROOM, WEEKS_UP_TO, XValue, axis_title, category_ticks, time_ticks
from ui.charts.draw import Extent, Placed, colour_of, extent, hit, make_item, place
from ui.charts.export import ask_and_export, write_image
from ui.charts.table import ChartTableModel, point_text, tsv
from ui.widgets import EmptyState
from ui.widgets.elided import ElidedLabel
from ui.widgets.style import elide_text

SeriesKind = Literal["line", "bar", "scatter", "step"]
XKind = Literal["number", "date", "category"]

BACKGROUND = "#ffffff"  # the theme's SURFACE: a chart sits on a card
AXIS_TEXT = "#3e4c59"  # the theme's table header text
AXIS_LINE = "#c5ccd4"  # the theme's BORDER_STRONG
LEGEND_NAME_ROOM = 180  # pixels a legend entry's name may take before it is elided
LEGEND_ROW = 4  # of the plot item's layout: under the bottom axis (title 0, view 2, axis 3)
LEGEND_SAMPLE = 34  # pixels of a legend entry besides its name: the sample, spacing, the label's margins
LEGEND_MARGINS = 20  # pixels of the legend's own margins
LEGEND_ENTRY_LEAST = 110  # pixels a legend entry gets at least: fewer rows, names elided
LEGEND_NAME_LEAST = 40  # pixels of a name, however narrow the chart
#: pixels the y axis's title may reach beyond each end of the plot's height: into the margin
#: above it and beside the x axis's first labels below it, where nothing else is drawn
Y_TITLE_REACH = 6
EDGE_LABEL_ROOM = 16  # pixels a tick label at an end of an axis may reach beyond it
NO_DATA = "No data yet"


@dataclass(frozen=True)
class Series:
    """One named set of values, drawn as a line, bars, scatter dots or steps.

    ``points`` are (x, y): x is a number, a date (or datetime) for a date axis, or the index into
    ``ChartData.categories`` for a category axis. ``colour`` overrides the palette (a standing's
    colour, say); ``sizes`` are scatter point sizes (drawn by area); ``labels`` name each point
    in the hover tooltip and the table (an activity in a scatter); ``dashed`` marks a reference
    (an expected-progress line, a target)."""

    name: str
    points: tuple[tuple[XValue, float], ...]
    kind: SeriesKind = "line"
    colour: str | None = None
    sizes: tuple[float, ...] | None = None
    labels: tuple[str, ...] | None = None
    dashed: bool = False


@dataclass(frozen=True)
class ChartData:
    """What a chart shows, as plain values (a snapshot: built off the GUI thread is fine).

    ``x_unit``/``y_unit`` go into the axis labels in brackets ("Attendance (%)") and after
    values in tooltips ("86.5 %"); ``x_hover`` words an x value in a tooltip ("week of {}");
    ``y_ticks`` name values on the y axis (rubric levels); ``x_range`` fixes the x axis (a
    whole term, though only its first weeks have data); ``empty_reason`` is said when there is
    nothing to draw ("No sessions held yet")."""

    title: str
    x_label: str
    y_label: str
    series: tuple[Series, ...]
    x_kind: XKind = "number"
    categories: tuple[str, ...] = ()
    y_range: tuple[float, float] | None = None
    stacked: bool = False
    empty_reason: str = ""
    x_unit: str = ""
    y_unit: str = ""
    x_hover: str = "{}"
    y_ticks: tuple[tuple[float, str], ...] = ()
    x_range: tuple[XValue, XValue] | None = None

    @property
    def is_empty(self) -> bool:
        return not any(s.points for s in self.series)


class ChartPanel(QWidget):
    """A chart (``plot``), its table (``table``) or its empty state (``empty``) in one place,
    with a title and an options button (``menu_button``: Export image…, Copy data, Show as
    table). Draw with :meth:`set_data`; ``items`` are the pyqtgraph items of the series, in
    order (kept across redraws of the same kind, so a view may hold on to one)."""

    def __init__(self, data: ChartData | None = None, parent: QWidget | None = None, *,
                 show_title: bool = True) -> None:
        super().__init__(parent)
        import pyqtgraph as pg  # lazily: only when a chart is built

        self.data = ChartData("", "", "", ())
        self.items: list[Any] = []
        self.placed: list[Placed] = []
        self.extent: Extent | None = None
        self.showing_table = False
        self.y_title_shown: str | None = None  # the y axis's title as shown (elided on a short chart)

        self.title_label = ElidedLabel()
        bold = QFont(self.title_label.font())
        bold.setWeight(QFont.Weight.DemiBold)
        self.title_label.setFont(bold)
        self.menu = QMenu(self)
        self.export_action = self._action("Export image…", "Save the chart as a PNG or SVG image",
                                          self.ask_export)
        self.copy_action = self._action("Copy data", "Copy the chart's numbers, tab-separated, for a spreadsheet",
                                        self.copy_data)
        self.table_action = self._action("Show as table", "The chart's numbers as a table", self.toggle_table)
        self.menu_button = QToolButton()
        self.menu_button.setText("⋯")
        self.menu_button.setAutoRaise(True)
        self.menu_button.setMenu(self.menu)
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.menu_button.setAccessibleName("Chart options")
        self.menu_button.setToolTip("Export image, copy data, show as table")
        self.menu_button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0; }")
        header = QHBoxLayout()
        header.setContentsMargins(4, 0, 0, 0)
        header.addWidget(self.title_label, 1)
        header.addWidget(self.menu_button, 0, Qt.AlignmentFlag.AlignRight)
        # only once it has a parent: a parentless label told to show becomes a window of its own

        # no context menus: built and then thrown away they cost ~10 ms a chart; ours is the
        # panel's menu (Export image…, Copy data, Show as table)
        self.plot = pg.PlotWidget(background=BACKGROUND, enableMenu=False,
                                  viewBox=pg.ViewBox(enableMouse=False, enableMenu=False))
        # lines and dots ask for antialiasing themselves (``make_item``); bars, axes, grid and
        # legend are straight edges, crisper and several times cheaper to paint without it
        self.plot.setAntialiasing(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.plot.setMinimumSize(120, 90)
        self.plot.showGrid(x=False, y=True, alpha=0.2)
        self.tick_font = QFont(self.font())
        self.tick_font.setPointSizeF(max(8.0, self.tick_font.pointSizeF() - 1))
        for side in ("left", "bottom"):
            axis = self.plot.getAxis(side)
            axis.setTickFont(self.tick_font)
            axis.setTextPen(AXIS_TEXT)
            axis.setPen(AXIS_LINE)
        for side in ("left", "bottom", "top", "right"):
            # no "(×1e3)" scaling of our units; and the hidden top and right axes no longer
            # rewrite their (empty) HTML labels on every change of range (~5 ms a chart)
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        # the first and last labels may reach into the margins rather than vanish
        self.plot.getAxis("bottom").setStyle(hideOverlappingLabels=EDGE_LABEL_ROOM)
        # the grid at the labelled values only: pyqtgraph's minor levels drew dozens of faint
        # lines across the plot, too faint to read and most of the time a chart took to paint
        self.plot.getAxis("left").setStyle(maxTickLevel=0)
        self.plot.plotItem.layout.setContentsMargins(2, EDGE_LABEL_ROOM // 2, EDGE_LABEL_ROOM, 0)
        self.legend = pg.LegendItem(labelTextColor=AXIS_TEXT, labelTextSize=f"{self.tick_font.pointSizeF():g}pt",
                                    frame=False, horSpacing=6)
        self.legend.layout.setContentsMargins(4, 2, 4, 2)
        self.legend.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Maximum)
        self.plot.plotItem.layout.addItem(self.legend, LEGEND_ROW, 1, alignment=Qt.AlignmentFlag.AlignHCenter)
        self.plot.scene().sigMouseMoved.connect(self._hover)
        self.plot.plotItem.vb.sigResized.connect(lambda _vb: self._fit_to_width())
        self.legend_entries: list[tuple[str, Any]] = []
        self.legend_fit = (0, 0)  # the columns and name room the legend was laid out for

        self.model = ChartTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move in it
        self.empty = EmptyState()
        self.stack = QStackedWidget()
        for page in (self.plot, self.table, self.empty):
            self.stack.addWidget(page)
            page.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            page.customContextMenuRequested.connect(lambda pos, w=page: self.menu.popup(w.mapToGlobal(pos)))

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(header)
        lay.addWidget(self.stack, 1)
        self.title_label.setVisible(show_title)
        self.set_data(data or self.data)

    def _action(self, text: str, tip: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self)
        action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.menu.addAction(action)
        return action

    # ------------------------------------------------------------------ drawing
    def set_data(self, data: ChartData) -> None:
        """Draw ``data`` (or its empty state), and put its numbers in the table."""
        self.data = data
        self.setAccessibleName(data.title)
        self.plot.setAccessibleName(data.title)
        self.table.setAccessibleName(f"{data.title} — table" if data.title else "Chart data")
        self.title_label.setText(data.title)
        empty = data.is_empty
        if data.series or self.items:  # a chart still waiting for its series has nothing to draw or take away
            self._draw_plot(data)
        self.model.set_data(data)
        for action in (self.export_action, self.copy_action, self.table_action):
            action.setEnabled(not empty)
        self.menu_button.setVisible(not empty)  # nothing to export, copy or tabulate
        if empty:
            reason = data.empty_reason or NO_DATA
            self.empty.set_text(reason)
            self.empty.setAccessibleName(reason)
            self.stack.setCurrentWidget(self.empty)
        else:
            self.stack.setCurrentWidget(self.table if self.showing_table else self.plot)

    def _draw_plot(self, data: ChartData) -> None:
        """Axis titles, series, legend, ranges and ticks of ``data``."""
        self.y_title_shown = None  # set for the height the plot has (_fit_y_title)
        self._fit_y_title()
        self.plot.setLabel("bottom", html.escape(axis_title(data.x_label, data.x_unit)), color=AXIS_TEXT)
        self.placed = place(data)
        self.extent = extent(data, self.placed)
        self._draw_items()
        self._fill_legend()
        self._set_ranges()
        self.plot.getAxis("left").setTicks([list(data.y_ticks)] if data.y_ticks else None)
        self._ticks()

    def _draw_items(self) -> None:
        """One item per series, reusing the previous one of the same kind."""
        kept: list[Any] = []
        for i, (s, p) in enumerate(zip(self.data.series, self.placed, strict=True)):
            old = self.items[i] if i < len(self.items) else None
            item = make_item(s, p, colour_of(self.data, i), old)
            if item is not old:
                if old is not None:
                    self.plot.removeItem(old)
                self.plot.addItem(item)
            kept.append(item)
        for old in self.items[len(kept):]:
            self.plot.removeItem(old)
        self.items = kept

    def _fill_legend(self) -> None:
        """An entry per named series with values, under the plot where it covers no data. A chart
        of one series has none: its axis label names it, and a small chart keeps the room."""
        named = [(s.name, item) for s, item in zip(self.data.series, self.items, strict=True)
                 if s.name and s.points]
        self.legend_entries = named if len(named) > 1 else []
        self.legend_fit = (0, 0)
        shown = bool(self.legend_entries)
        self.legend.setVisible(shown)
        self.plot.plotItem.layout.setRowMaximumHeight(LEGEND_ROW, 10_000 if shown else 0)
        if not shown:
            self.legend.clear()
        self._fit_legend()

    def _fit_legend(self) -> None:
        """As many entries a row as the width holds (a few at least, their names elided to their
        share of the row; the whole name in the entry's tooltip)."""
        if not self.legend_entries:
            return
        fm = QFontMetrics(self.tick_font)
        room = int(self.plot.plotItem.vb.width()) - LEGEND_MARGINS  # the legend sits under the view
        widths = [min(fm.horizontalAdvance(name), LEGEND_NAME_ROOM) + LEGEND_SAMPLE
                  for name, _item in self.legend_entries]
        columns = legend_columns(widths, room)
        name_room = LEGEND_NAME_ROOM
        least = min(len(widths), max(1, room // LEGEND_ENTRY_LEAST))
        if columns < least:
            columns, name_room = least, max(room // least - LEGEND_SAMPLE, LEGEND_NAME_LEAST)
        if (columns, name_room) == self.legend_fit:
            return
        self.legend_fit = (columns, name_room)
        self.legend.clear()
        self.legend.setColumnCount(columns)
        for name, item in self.legend_entries:
            self.legend.addItem(item, html.escape(elide_text(fm, name, name_room)))
            label = self.legend.items[-1][1]
            label.setToolTip(name)
            label.item.document().setDocumentMargin(1)  # rows as tight as the text
            label.setText(label.text)
        view = self.plot.plotItem
        if view.geometry() != self.plot.range:  # a wider legend made the plot outgrow its view
            view.setGeometry(self.plot.range)

    def _set_ranges(self) -> None:
        """The data's extent in view, with air enough that the labels at the ends of the y axis
        show (pyqtgraph hides a label reaching beyond the plot)."""
        if self.extent is None:
            return
        e = self.extent
        vb = self.plot.plotItem.vb
        self.plot.setXRange(*e.x, padding=e.x_pad)
        self.plot.setYRange(*e.y, padding=max(e.y_pad, EDGE_LABEL_ROOM / 2 / max(vb.height(), 1.0)))

    def _fit_to_width(self) -> None:
        """Ranges, ticks, legend and the y axis's title for the size the plot has now (after
        every resize of its view)."""
        self._set_ranges()
        self._ticks()
        self._fit_legend()
        self._fit_y_title()

    def _fit_y_title(self) -> None:
        """The y axis's title ("Attendance (%)") as long as the plot is tall, elided with "…"
        on a short one (a dashboard's chart beside a list); :meth:`tooltip_at` gives it whole."""
        full = axis_title(self.data.y_label, self.data.y_unit)
        room = int(self.plot.plotItem.vb.height()) + 2 * Y_TITLE_REACH
        axis = self.plot.getAxis("left")
        shown = elide_text(QFontMetrics(axis.label.font()), full, room) if room > 0 else full
        if shown != self.y_title_shown:
            self.y_title_shown = shown
            self.plot.setLabel("left", html.escape(shown), color=AXIS_TEXT)
            axis.resizeEvent()  # centred again: pyqtgraph places its title only when the axis is resized

    def _ticks(self) -> None:
        """Date and category ticks for the width the chart has; numbers pyqtgraph's own."""
        axis = self.plot.getAxis("bottom")
        room = max(self.plot.plotItem.vb.width(), 60.0)
        lo, hi = self.plot.plotItem.vb.viewRange()[0]
        if self.data.x_kind == "date" and hi > lo:
            span = (datetime.fromtimestamp(lo), datetime.fromtimestamp(hi))
            axis.setTicks([time_ticks(*span, most=int(room // TICK_ROOM), weekly_up_to=WEEKS_UP_TO)])
        elif self.data.x_kind == "category":
            per = room / max(hi - lo, 1.0)
            fm = QFontMetrics(self.tick_font)
            axis.setTicks([category_ticks(self.data.categories, per, fm, edge=EDGE_LABEL_ROOM)])
        else:
            axis.setTicks(None)

    # ------------------------------------------------------------------ hover
    def tooltip_at(self, scene_pos: QPointF) -> str:
        """What the pointer at ``scene_pos`` points at: a value ("Chess Club · 3 Nov 2026 ·
        86.5 %"), a category's full name on the x axis, or nothing."""
        if self.data.is_empty:
            return ""
        vb = self.plot.plotItem.vb
        view = vb.mapSceneToView(scene_pos)
        if vb.sceneBoundingRect().contains(scene_pos):
            px_w, px_h = vb.viewPixelSize()
            shown = [item.isVisible() for item in self.items]
            found = hit(self.placed, shown, view.x(), view.y(), px_w, px_h)
            return point_text(self.data, *found) if found else ""
        if self.data.x_kind == "category" and self.plot.getAxis("bottom").sceneBoundingRect().contains(scene_pos):
            i = round(view.x())
            return self.data.categories[i] if 0 <= i < len(self.data.categories) else ""
        full = axis_title(self.data.y_label, self.data.y_unit)
        if self.y_title_shown != full and self.plot.getAxis("left").sceneBoundingRect().contains(scene_pos):
            return full  # the y axis's title, elided on a short chart
        return ""

    def _hover(self, scene_pos: QPointF) -> None:
        text = self.tooltip_at(scene_pos)
        if text:
            where = self.plot.viewport().mapToGlobal(self.plot.mapFromScene(scene_pos))
            QToolTip.showText(where, text, self.plot)
        else:
            QToolTip.hideText()

    # ------------------------------------------------------------------ actions
    def toggle_table(self) -> None:
        """Show the numbers as a table (focused, for the keyboard), or the chart again."""
        self.showing_table = not self.showing_table
        self.table_action.setText("Show as chart" if self.showing_table else "Show as table")
        if not self.data.is_empty:
            self.stack.setCurrentWidget(self.table if self.showing_table else self.plot)
            if self.showing_table:
                self.table.setFocus(Qt.FocusReason.OtherFocusReason)
                self.table.setCurrentIndex(self.model.index(0, 0))

    def copy_data(self) -> None:
        """The chart's numbers on the clipboard, tab-separated with a header row."""
        QGuiApplication.clipboard().setText(tsv(self.data))

    def ask_export(self) -> None:
        """Ask where (PNG or SVG) and export the chart there."""
        ask_and_export(self, self.data.title, self.export_image)

    def export_image(self, path: str | Path) -> None:
        """Write the chart, titled, as SVG (by a ``.svg`` suffix) or PNG (at twice the screen's
        resolution)."""
        item = self.plot.plotItem
        item.setTitle(html.escape(self.data.title), color=AXIS_TEXT, size="11pt")  # the file must say what it shows
        item.layout.activate()
        try:
            write_image(self.plot, self.data.title, Path(path))
        finally:
            item.setTitle(None)


def legend_columns(widths: list[int], room: int) -> int:
    """The most columns whose entries (laid out row by row, each column as wide as its widest
    entry) fit in ``room`` pixels; at least one."""
    for columns in range(len(widths), 1, -1):
        if sum(max(widths[c::columns]) for c in range(columns)) <= room:
            return columns
    return 1

"""A skill's level over time, for the Skills tab and a student's own Skills growth.

One chart for both views: the levels on the left axis by name, the dates below with one tick a
month (one a week over a short range) so labels never crowd or repeat, the target level as a
dashed line. Without assessments there is nothing to draw: an empty state says so in the chart's
place (empty axes read 0.1–0.9 and "00.100", which mean nothing to a teacher).

pyqtgraph is imported when a chart is built, never at module import.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QStackedLayout, QWidget

from tracker.services.skills import AssessmentRow, RubricLevelRow
from ui.widgets import EmptyState

LINE_COLOUR = "#0072B2"  # Okabe-Ito blue: colour-blind safe
POINT_COLOUR = "#E69F00"  # Okabe-Ito orange
TARGET_COLOUR = "#D55E00"  # Okabe-Ito vermillion (dashed)
MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKLY_UP_TO = timedelta(days=63)  # a shorter range gets a tick a week, a longer one a month
MIN_PAD = timedelta(days=7)  # room either side of the first and last assessment
TICK_ROOM = 72  # pixels a date label needs, with air: the chart's width decides how many fit


def time_ticks(start: datetime, end: datetime, most: int = 8) -> list[tuple[float, str]]:
    """At most ``most`` ticks from ``start`` to ``end``: Mondays ("3 Nov"; every week, or every
    second…fourth) over a short range, else 1sts of months ("Nov"; the year on the first tick and
    on January, on every tick when a month name could come round again), every 1, 2, 3, 6 or 12
    months. No two ticks read alike."""
    if end <= start:
        return []
    most = max(most, 2)
    monday = datetime(start.year, start.month, start.day) + timedelta(days=(7 - start.weekday()) % 7)
    weeks = (end - monday).days // 7 + 1
    week_step = next((n for n in (1, 2, 3, 4) if -(-weeks // n) <= most), None)
    if end - start <= WEEKLY_UP_TO and week_step is not None:
        days = [monday + timedelta(weeks=w) for w in range(0, weeks, week_step)]
        return [(d.timestamp(), f"{d.day} {MONTHS[d.month]}") for d in days if d <= end]
    index = start.year * 12 + start.month - 1 + (start.day > 1)  # months since year 0: the first 1st
    months = end.year * 12 + end.month - index
    step = next((n for n in (1, 2, 3, 6) if -(-months // n) <= most), 12)
    always_year = months > 12  # a month name could come round again
    ticks: list[tuple[float, str]] = []
    while (first := datetime(index // 12, index % 12 + 1, 1)) <= end:
        label = MONTHS[first.month] + (f" {first.year}" if always_year or not ticks or first.month == 1 else "")
        ticks.append((first.timestamp(), label))
        index += step
    return ticks


class GrowthChart(QWidget):
    """The chart (``plot``, its ``curve`` and ``target_line``) or, with nothing to draw, an
    empty state (``empty``) in its place."""

    def __init__(self, parent: QWidget | None = None, *, symbol_size: int = 9) -> None:
        super().__init__(parent)
        import pyqtgraph as pg  # lazily: only when a chart is built

        self.span: tuple[datetime, datetime] | None = None  # the dates shown, for the ticks
        self.stack = QStackedLayout(self)
        self.plot = pg.PlotWidget(background="w")  # a plain bottom axis: its ticks come from time_ticks
        self.plot.setAccessibleName("Level over time")
        self.plot.showGrid(x=False, y=True, alpha=0.25)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.curve = self.plot.plot([], [], pen=pg.mkPen(LINE_COLOUR, width=2), symbol="o",
                                    symbolSize=symbol_size, symbolBrush=POINT_COLOUR, symbolPen=LINE_COLOUR)
        self.target_line = pg.InfiniteLine(angle=0, pen=pg.mkPen(TARGET_COLOUR, width=1,
                                                                 style=Qt.PenStyle.DashLine))
        self.target_line.hide()
        self.plot.addItem(self.target_line)
        self.empty = EmptyState("No assessments yet")
        self.empty.setAccessibleName("No assessments yet")
        self.stack.addWidget(self.plot)
        self.stack.addWidget(self.empty)
        self.show_empty("No assessments yet")

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._date_ticks()

    def _date_ticks(self) -> None:
        """As many date ticks as the chart's width holds without crowding."""
        if self.span is not None:
            most = max(2, (self.width() - 80) // TICK_ROOM)  # less the left axis with the level names
            self.plot.getAxis("bottom").setTicks([time_ticks(*self.span, most=most)])

    def is_empty(self) -> bool:
        return self.stack.currentWidget() is self.empty

    def show_empty(self, title: str, message: str = "") -> None:
        """Nothing to draw: say so in the chart's place."""
        self.curve.setData([], [])
        self.target_line.hide()
        self.empty.set_text(title, message)
        self.stack.setCurrentWidget(self.empty)

    def show_levels(self, rows: Sequence[AssessmentRow], levels: Sequence[RubricLevelRow],
                    target: int | None = None, *, empty: tuple[str, str] = ("No assessments yet", "")) -> None:
        """Draw the assessments in time order, the levels by name and the target as a dashed
        line; without assessments, the ``empty`` title and message."""
        if not rows:
            self.show_empty(*empty)
            return
        xs = [r.assessed_at.timestamp() for r in rows]
        self.curve.setData(xs, [float(r.level) for r in rows])
        first, last = rows[0].assessed_at, rows[-1].assessed_at
        pad = max((last - first) * 0.08, MIN_PAD)
        start, end = first - pad, last + pad
        self.plot.setXRange(start.timestamp(), end.timestamp(), padding=0)
        self.span = (start, end)
        self._date_ticks()
        numbers = [lv.level for lv in levels] or sorted({r.level for r in rows})
        names = {lv.level: lv.name for lv in levels}
        self.plot.getAxis("left").setTicks([[(n, names.get(n, str(n))) for n in numbers]])
        self.plot.setYRange(min(numbers) - 0.3, max(numbers) + 0.3, padding=0)
        self.target_line.setVisible(target is not None)
        if target is not None:
            self.target_line.setValue(target)
        self.stack.setCurrentWidget(self.plot)

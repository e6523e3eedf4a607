"""A skill's level over time, for the Skills tab and a student's own Skills growth.

One chart for both views, on the common chart base (:class:`ui.charts.base.ChartPanel`: hover
values, export, copy, table): the levels on the left axis by name, the dates below with one
tick a month (one a week over a short range) so labels never crowd or repeat, the target level
as a dashed line. Without assessments there is nothing to draw: an empty state says so in the
chart's place (empty axes read 0.1–0.9 and "00.100", which mean nothing to a teacher).

pyqtgraph is imported when a chart is built, never at module import.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from PySide6.QtWidgets import QWidget

from tracker.services.skills import AssessmentRow, RubricLevelRow
from ui.charts.axes import XValue, time_ticks
from ui.charts.base import ChartData, ChartPanel, Series
from ui.charts.palette import BLUE, VERMILLION

__all__ = ["GrowthChart", "growth_data", "time_ticks"]

LINE_COLOUR = BLUE
TARGET_COLOUR = VERMILLION  # dashed
MIN_PAD = timedelta(days=7)  # room either side of the first and last assessment
TITLE = "Level over time"


def growth_data(rows: Sequence[AssessmentRow], levels: Sequence[RubricLevelRow],
                target: int | None = None) -> ChartData:
    """The assessments in time order as a line, every level named on the y axis, and the target
    as a dashed line across the dates shown."""
    numbers = [lv.level for lv in levels] or sorted({r.level for r in rows})
    names = {lv.level: lv.name for lv in levels}
    span: tuple[XValue, XValue] | None = None
    across: tuple[tuple[XValue, float], ...] = ()
    if rows:
        first, last = rows[0].assessed_at, rows[-1].assessed_at
        pad = max((last - first) * 0.08, MIN_PAD)
        span = (first - pad, last + pad)
        if target is not None:
            across = tuple((end, float(target)) for end in span)
    return ChartData(
        TITLE, "", "",
        (Series("Level", tuple((r.assessed_at, float(r.level)) for r in rows), colour=LINE_COLOUR),
         Series("Target", across, colour=TARGET_COLOUR, dashed=True)),
        x_kind="date", x_range=span, y_range=(min(numbers) - 0.3, max(numbers) + 0.3) if numbers else None,
        y_ticks=tuple((float(n), names.get(n, str(n))) for n in numbers))


class GrowthChart(ChartPanel):
    """The chart (``plot``, its ``curve`` and dashed ``target_line``) or, with nothing to draw,
    an empty state (``empty``) in its place."""

    def __init__(self, parent: QWidget | None = None, *, symbol_size: int = 9) -> None:
        super().__init__(growth_data((), ()), parent, show_title=False)
        self.symbol_size = symbol_size
        self.curve, self.target_line = self.items  # kept across redraws: both stay lines
        self.show_empty("No assessments yet")

    def is_empty(self) -> bool:
        return self.stack.currentWidget() is self.empty

    def show_empty(self, title: str, message: str = "") -> None:
        """Nothing to draw: say so in the chart's place."""
        self.set_data(growth_data((), ()))
        self.empty.set_text(title, message)
        self.empty.setAccessibleName(title)

    def show_levels(self, rows: Sequence[AssessmentRow], levels: Sequence[RubricLevelRow],
                    target: int | None = None, *, empty: tuple[str, str] = ("No assessments yet", "")) -> None:
        """Draw the assessments in time order, the levels by name and the target as a dashed
        line; without assessments, the ``empty`` title and message."""
        if not rows:
            self.show_empty(*empty)
            return
        self.set_data(growth_data(rows, levels, target))
        self.curve.setSymbolSize(self.symbol_size)

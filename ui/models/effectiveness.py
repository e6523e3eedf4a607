"""The effectiveness table of the analytics page: one row per activity, every figure that says
whether it works.

A snapshot of the service's :class:`ActivityEffectiveness` rows. Figures sort as numbers, and a
figure not measured yet ("—": nobody placed, no sessions held, nobody completed) sorts last
whichever way the column is sorted, so sorting by completion never puts the unmeasured on top.
The tooltips give the counts behind each rate, the drop reasons behind the drop-out rate, and on
the activity the category and leads (columns a small window hides).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt

from tracker.domain.analytics_types import ActivityEffectiveness
from ui.models.base import RIGHT, Column, SnapshotModel
from ui.widgets.style import pct

Row = ActivityEffectiveness


def _days(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f} day{'' if round(value) == 1 else 's'}"


def _of(count: int, r: Row, what: str, rate: float | None) -> str:
    """"8 of 20 placed completed (40.0%)"."""
    if rate is None:
        return "Nobody holds a place yet"
    return f"{count} of {r.placed} placed {what} ({rate:.1f}%)"


def _dropout_tip(r: Row) -> str:
    lines = [_of(r.dropped, r, "dropped out", r.dropout_rate)]
    if r.drop_reasons:
        lines.append("Reasons:")
        lines += [f"  {d.reason}: {d.count}" for d in r.drop_reasons]
    return "\n".join(lines)


def _activity_tip(r: Row) -> str:
    leads = ", ".join(r.leads) or "no lead yet"
    return f"{r.activity}\n{r.category} · led by {leads}\nDouble-click to open the activity"


def _rate(title: str, value: Callable[[Row], float | None], tip: Callable[[Row], str], header_tip: str, *,
          width: int = 108, text: Callable[[float | None], str] = pct) -> Column[Row]:
    return Column(title, lambda r: text(value(r)), value=value, align=RIGHT, tooltip=tip, width=width,
                  header_tooltip=header_tip)


class EffectivenessModel(SnapshotModel[Row]):
    (ACTIVITY, CATEGORY, LEADS, PLACED, COMPLETION, ATTENDANCE, DROPOUT, RETENTION, PROGRESS,
     MEDIAN_DAYS) = range(10)

    columns = (
        Column("Activity", lambda r: r.activity, sort=lambda r: r.activity.lower(), tooltip=_activity_tip,
               width=180),
        Column("Category", lambda r: r.category, tooltip=lambda r: r.category, width=96),
        Column("Leads", lambda r: ", ".join(r.leads) or "—", tooltip=lambda r: ", ".join(r.leads), width=150),
        Column("Placed", lambda r: f"{r.placed:,}", value=lambda r: r.placed, align=RIGHT, width=76,
               tooltip=lambda r: f"{r.placed} placed: {r.active} active, {r.completed} completed, "
                                 f"{r.dropped} dropped ({r.students} students)",
               header_tooltip="Places taken in the period: active, completed and dropped"),
        _rate("Completion", lambda r: r.completion_rate,
              lambda r: _of(r.completed, r, "completed", r.completion_rate),
              "Completed ÷ placed"),
        _rate("Attendance", lambda r: r.average_attendance_rate,
              lambda r: ("No sessions held yet" if r.average_attendance_rate is None
                         else f"Mean of the students' attendance rates: {r.average_attendance_rate:.1f}%"),
              "The mean of the students' attendance rates over the held sessions"),
        _rate("Drop-out", lambda r: r.dropout_rate, _dropout_tip,
              "Dropped ÷ placed; the reasons are in each cell's tooltip", width=92),
        _rate("Retention", lambda r: r.retention_rate,
              lambda r: _of(r.active + r.completed, r, "stayed (active or completed)", r.retention_rate),
              "(Active + completed) ÷ placed", width=98),
        _rate("Progress", lambda r: r.average_progress,
              lambda r: ("Nobody active or completed" if r.average_progress is None
                         else f"Average progress of active and completed students: {r.average_progress:.1f}%"),
              "Average progress of the active and completed students", width=92),
        _rate("Median days", lambda r: r.median_days_to_completion,
              lambda r: ("Nobody has completed yet" if r.median_days_to_completion is None
                         else f"Half the students who completed took {_days(r.median_days_to_completion)} "
                              "or less"),
              "Median days from starting to completing", width=116, text=_days),
    )

    def _apply_sort(self) -> None:
        """Sort by the column's key, the rows without a figure last in either order."""
        column = self._sort_column
        if not (0 <= column < len(self.columns)) or len(self._rows) < 2:
            return
        keyed = [(self.sort_key(column, r), i) for i, r in enumerate(self._rows)]
        measured = [(k, i) for k, i in keyed if k[0]]
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        measured.sort(key=lambda ki: ki[0][1], reverse=descending)
        order = [i for _k, i in measured] + [i for k, i in keyed if not k[0]]
        self._reorder(order)

    def activity_id(self, row: int) -> int:
        return self.record(row).activity_id

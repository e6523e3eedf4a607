"""The staff dashboard's charts: the activities a teacher leads (an administrator: the school's)
side by side — weekly attendance, a line per activity, and each one's standing today.

The six largest activities get a line of their own; every other one is summed into "Other"
(the school's weeks less those six, so its rate weighs each mark once). The standings are the
dashboard's own figures (``AnalyticsService.dashboard``), so the bars agree with the table under
them. Everything is read in one background load (``reload``); the dashboard calls it when one
of :attr:`StaffCharts.watches` changes. Built and drawn by ``ui.charts.activity``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from PySide6.QtWidgets import QVBoxLayout, QWidget

from tracker.domain.analytics_types import WeekAttendance
from tracker.domain.changes import ChangeKind
from tracker.domain.policy import Actor
from tracker.errors import NotAvailableOffline
from tracker.services import Services
from ui.charts.activity import MOST_LINES, attendance_by_activity, other_weeks, standing_by_activity
from ui.charts.base import ChartData
from ui.charts.grid import ChartGrid, new_panel
from ui.context import AppContext
from ui.reload import Reloader
from ui.tasks import TaskState

SIDE_BY_SIDE_FROM = 700  # pixels of width from which the two charts stand side by side
LOADING = "Loading…"


@dataclass(frozen=True)
class StaffChartsData:
    attendance: ChartData
    standing: ChartData


def load_staff_charts(services: Services, actor: Actor) -> StaffChartsData:
    """The two charts' data, read on a pool thread: the dashboard's figures per activity, the
    weekly attendance of the largest :data:`MOST_LINES` activities, and — only when there are
    more — the school's weeks, whose remainder is "Other"."""
    analytics = services.analytics
    activities = [card.analytics for card in analytics.dashboard(actor).activities]
    largest = sorted(activities, key=lambda a: (-a.enrolled, a.activity))[:MOST_LINES]
    lines = [(a.activity, analytics.activity_analytics(actor, a.activity_id).weekly_attendance) for a in largest]
    other: tuple[WeekAttendance, ...] = ()
    if len(activities) > MOST_LINES:
        try:
            other = other_weeks(analytics.school_analytics(actor).weekly_attendance, [weeks for _name, weeks in lines])
        except NotAvailableOffline:  # working offline: the school's weeks are not on this computer
            other = ()
    return StaffChartsData(attendance_by_activity(lines, other), standing_by_activity(activities))


class StaffCharts(QWidget):
    """Weekly attendance by activity and the standing now per activity, for the staff dashboard."""

    #: changes after which the dashboard should call :meth:`reload`
    watches = frozenset({ChangeKind.ATTENDANCE, ChangeKind.PROGRESS, ChangeKind.MILESTONE, ChangeKind.ENROLLMENT,
                         ChangeKind.SESSION, ChangeKind.ACTIVITY})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.data: StaffChartsData | None = None
        self.reloader = Reloader(ctx, self._load, self._show, self._failed, label="Loading the dashboard's charts")
        self.attendance = new_panel(replace(attendance_by_activity([]), empty_reason=LOADING))
        self.standing = new_panel(replace(standing_by_activity([]), empty_reason=LOADING))
        self.grid = ChartGrid([self.attendance, self.standing], two_columns_from=SIDE_BY_SIDE_FROM, height=None)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.grid)

    def reload(self) -> None:
        """Read the charts' data again (in the background; the newest read is the one shown)."""
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], StaffChartsData]:
        services, actor = self.ctx.services, self.ctx.user
        return lambda state: load_staff_charts(services, actor)

    def _show(self, data: StaffChartsData) -> None:
        self.data = data
        self.attendance.set_data(data.attendance)
        self.standing.set_data(data.standing)

    def _failed(self, exc: BaseException) -> None:
        for panel in (self.attendance, self.standing):
            panel.set_data(ChartData(panel.data.title, "", "", (), empty_reason=f"Could not be loaded: {exc}"))

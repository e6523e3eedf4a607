"""The Analytics tab of an activity: is it working? Key figures on top, the teacher's charts below.

KPIs: enrolled, completion rate, average attendance, median days to completion and drop-outs
(the recorded reasons in the tooltip). Charts (``ui.charts.activity``): the spread of progress,
weekly attendance, standing over time, the milestone funnel, participation ratings and skills
at the start against now, in a grid of two columns on a wide tab and one below, scrolled
vertically rather than squashed. One read (``AnalyticsService.activity_analytics``) in the
background fills everything; attendance, progress, milestones, enrollments, sessions and skills
changing reload the tab when it is on screen (``ui.views.base.Refreshing``).

Shown to whoever may see the activity's analytics (``Permission.VIEW_ANALYTICS``: administrators
and the activity's leads), added by ``ui.views.activity_detail``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QStackedWidget, QVBoxLayout, QWidget

from tracker.domain.analytics_types import ActivityAnalytics, DropReason
from tracker.domain.changes import ChangeKind
from tracker.domain.percent import format_percent
from ui.charts.activity import activity_charts
from ui.charts.axes import number_text
from ui.charts.base import ChartData, ChartPanel
from ui.charts.grid import ChartGrid, new_panel
from ui.context import AppContext
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.base import Refreshing
from ui.widgets import EmptyState, KpiCard

TWO_COLUMNS_FROM = 900  # pixels of the tab: a window about 1200 wide (a sidebar beside) puts charts two abreast
LOADING = "Loading…"


@dataclass(frozen=True)
class AnalyticsSnapshot:
    """What the tab shows: the service's figures and the charts made from them (off the GUI thread)."""

    analytics: ActivityAnalytics
    charts: dict[str, ChartData]


def snapshot(a: ActivityAnalytics) -> AnalyticsSnapshot:
    return AnalyticsSnapshot(a, activity_charts(a))


def drop_reasons_text(reasons: tuple[DropReason, ...]) -> str:
    """The drop-outs' recorded reasons, most frequent first, one a line."""
    if not reasons:
        return "Nobody has dropped out"
    return "Reasons recorded:\n" + "\n".join(f"{r.reason}: {r.count}" for r in reasons)


def _percent(value: float | None) -> str:
    return "—" if value is None else format_percent(value)


class AnalyticsTab(Refreshing):
    watches = frozenset({ChangeKind.ATTENDANCE, ChangeKind.PROGRESS, ChangeKind.MILESTONE, ChangeKind.ENROLLMENT,
                         ChangeKind.SESSION, ChangeKind.SKILL, ChangeKind.ACTIVITY})

    def __init__(self, ctx: AppContext, activity_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.activity_id = activity_id
        self.analytics: ActivityAnalytics | None = None
        self.reloader = Reloader(ctx, self._load, self._show, self._failed, label="Loading the analytics")

        self.kpi = {
            "enrolled": KpiCard("Places taken"),
            "completion_rate": KpiCard("Completion rate"),
            "attendance": KpiCard("Attendance", hint="average rate"),
            "median_days": KpiCard("Median days", hint="to complete"),
            "dropped": KpiCard("Drop-outs"),
        }
        kpis = QHBoxLayout()
        kpis.setSpacing(12)
        for card in self.kpi.values():
            kpis.addWidget(card)

        self.charts: dict[str, ChartPanel] = {}  # built when the tab is first shown (see _build_charts)
        self.grid: ChartGrid | None = None

        content = QWidget()
        self.body = QVBoxLayout(content)
        self.body.setContentsMargins(0, 10, 4, 10)
        self.body.setSpacing(12)
        self.body.addLayout(kpis)
        self.body.addStretch(1)
        self.scroller = QScrollArea()
        self.scroller.setWidget(content)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.setAccessibleName("Activity analytics")

        self.error = EmptyState()
        self.error.title_label.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.scroller)
        self.stack.addWidget(self.error)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.stack)

    def _build_charts(self) -> None:
        """The chart panels, titled and saying "Loading…" until the first read arrives. Built
        when the tab is first shown: six plots cost a few tenths of a second, which an activity
        page opened for its roster should not pay."""
        if self.charts:
            return
        blank = ActivityAnalytics(self.activity_id, "", 0, 0, 0, 0, 0, None, None, None, 0, 0, ())
        self.charts = {key: new_panel(replace(data, empty_reason=LOADING))
                       for key, data in activity_charts(blank).items()}
        self.grid = ChartGrid(list(self.charts.values()), two_columns_from=TWO_COLUMNS_FROM)
        self.body.insertWidget(1, self.grid)
        self.grid.show()  # now, not when the layout gets round to it: focus_main may focus a chart at once

    def focus_main(self) -> None:
        """The keyboard starts on the scrolled charts: arrows and PgDown scroll, Tab reaches each
        chart's options (Show as table among them)."""
        self.scroller.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self._build_charts()
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], AnalyticsSnapshot]:
        service, actor, aid = self.ctx.services.analytics, self.ctx.user, self.activity_id
        return lambda state: snapshot(service.activity_analytics(actor, aid))

    def _failed(self, exc: BaseException) -> None:
        self.error.set_text(f"The analytics could not be loaded: {exc}")
        self.stack.setCurrentWidget(self.error)

    def _show(self, snap: AnalyticsSnapshot) -> None:
        self.analytics = a = snap.analytics
        self.stack.setCurrentWidget(self.scroller)
        self._build_charts()
        for key, data in snap.charts.items():
            self.charts[key].set_data(data)
        enrolled = self.kpi["enrolled"]
        # the header counts those enrolled now; this counts every place taken, drop-outs too
        enrolled.set_value(str(a.enrolled), f"{a.active + a.completed} enrolled, {a.dropped} dropped"
                           if a.dropped else f"{a.active + a.completed} enrolled")
        enrolled.setToolTip(f"Everyone who held a place: {a.active} active, {a.completed} completed, {a.dropped} "
                            "dropped (the page's header counts the active and completed)")
        self.kpi["completion_rate"].set_value(_percent(a.completion_rate), f"{a.completed} completed")
        self.kpi["attendance"].set_value(_percent(a.average_attendance_rate),
                                         "average rate" if a.average_attendance_rate is not None
                                         else "nothing marked yet")
        days = a.median_days_to_completion
        self.kpi["median_days"].set_value("—" if days is None else number_text(days),
                                          "to complete" if days is not None else "Nobody has completed yet")
        top = a.drop_reasons[0] if a.drop_reasons else None
        dropped = self.kpi["dropped"]
        dropped.set_value(str(a.dropped), top.reason if top else "")
        dropped.setToolTip(drop_reasons_text(a.drop_reasons))

"""A student's charts over time: the Progress page's "Charts" tab, and the dashboard's compact
progress chart.

:class:`StudentCharts` is the tab (students: themself; parents: the child chosen on the page,
switched with :meth:`StudentCharts.set_student`): progress over time per activity with its
expected line, attendance per month, points earned and — once there are any — badges. One
background read (``AnalyticsService.progress_history``) fills it, and the charts are made from it
on the same pool thread (``ui.charts.student``); attendance, progress and milestones changing
reload it while it is on screen (``ui.views.base.Refreshing``). :func:`load_progress_charts` is
the dashboard's read: the progress chart of each student it shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from tracker.domain.analytics_types import ProgressHistory
from tracker.domain.changes import ChangeKind
from tracker.domain.policy import Actor
from tracker.services import Services
from ui.charts.base import ChartData, ChartPanel
from ui.charts.grid import ChartGrid
from ui.charts.student import progress_over_time, student_charts
from ui.context import AppContext
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.base import Refreshing
from ui.widgets.style import styled_label

LOADING = "Loading…"
PROGRESS_HEIGHT = 300  # the main chart: a line per activity wants the room
TWO_COLUMNS_FROM = 880  # pixels of the tab (a window about 1200 wide): the smaller charts two abreast
HOW_TO_READ = ("Each line steps up on the day a milestone was completed. A dashed line is where progress is "
               "expected to be, from the activity's dates (in its colour; grey when activities share it). "
               "A dot marks progress set by hand by a teacher.")


@dataclass(frozen=True)
class ChartsSnapshot:
    """What the tab shows: the service's history and the charts made from it (off the GUI thread)."""

    history: ProgressHistory
    charts: dict[str, ChartData]


def waiting(data: ChartData, reason: str = LOADING) -> ChartData:
    """A chart's title and axes with nothing drawn yet, saying why."""
    return replace(data, series=(), empty_reason=reason)


def loading_progress_chart() -> ChartData:
    """The progress-over-time chart before its first read: titled, saying "Loading…"."""
    return waiting(progress_over_time(ProgressHistory(0, "", date.today(), ())))


def load_progress_charts(services: Services, actor: Actor, student_ids: Iterable[int]) -> dict[int, ChartData]:
    """The progress-over-time chart of each student (read on a pool thread: the dashboard's)."""
    analytics = services.analytics
    return {sid: progress_over_time(analytics.progress_history(actor, sid)) for sid in student_ids}


class StudentCharts(Refreshing):
    """One student's charts over time, scrolled vertically rather than squashed."""

    watches = frozenset({ChangeKind.PROGRESS, ChangeKind.ATTENDANCE, ChangeKind.MILESTONE, ChangeKind.ENROLLMENT,
                         ChangeKind.SESSION, ChangeKind.ACTIVITY, ChangeKind.BADGE})

    def __init__(self, ctx: AppContext, student_id: int | None, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.student_id = student_id
        self.history: ProgressHistory | None = None
        self.reloader = Reloader(ctx, self._load, self._show, self._failed, label="Loading the progress charts")
        empty = ProgressHistory(0, "", date.today(), ())
        self.panels = {key: ChartPanel(waiting(data)) for key, data in student_charts(empty).items()}
        self.panels["badges"] = ChartPanel(ChartData("Badges earned", "Date", "Badges", ()))
        self.progress = self.panels["progress"]
        self.progress.setFixedHeight(PROGRESS_HEIGHT)
        self.badges = self.panels["badges"]
        self.badges.hide()  # until a badge is earned
        self.note = styled_label(HOW_TO_READ, muted=True)
        self.note.setWordWrap(True)
        self.grid = ChartGrid([self.panels["attendance"], self.panels["points"], self.badges],
                              two_columns_from=TWO_COLUMNS_FROM)

        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.setContentsMargins(0, 8, 4, 8)
        lay.setSpacing(12)
        lay.addWidget(self.note)
        lay.addWidget(self.progress)
        lay.addWidget(self.grid)
        lay.addStretch(1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll_area)

    def set_student(self, student_id: int | None) -> None:
        """Show another student's charts (a parent choosing another child): read now when on
        screen, else when next shown."""
        if student_id == self.student_id:
            return
        self.student_id = student_id
        self.history = None
        for panel in self.panels.values():
            panel.set_data(waiting(panel.data))
        if self.isVisible():
            self.refresh()
        else:
            self.stale = True

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        if self.student_id is not None:
            self.reloader.request()

    def _load(self) -> Callable[[TaskState], ChartsSnapshot]:
        analytics, actor, student_id = self.ctx.services.analytics, self.ctx.user, self.student_id
        assert student_id is not None

        def work(state: TaskState) -> ChartsSnapshot:
            history = analytics.progress_history(actor, student_id)
            return ChartsSnapshot(history, student_charts(history))

        return work

    def _show(self, snapshot: ChartsSnapshot) -> None:
        if snapshot.history.student_id != self.student_id:
            return  # read for the student shown before
        self.history = snapshot.history
        for key, panel in self.panels.items():
            data = snapshot.charts.get(key)
            if data is not None:
                panel.set_data(data)
        self.badges.setVisible("badges" in snapshot.charts)
        enrolled = bool(snapshot.history.enrollments)
        self.note.setVisible(enrolled)
        self.grid.setVisible(enrolled)  # not enrolled: the progress chart says so, once

    def _failed(self, exc: BaseException) -> None:
        for panel in self.panels.values():
            panel.set_data(waiting(panel.data, f"Could not be loaded: {exc}"))

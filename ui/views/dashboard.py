"""The home page of every role, from one call to ``services.analytics.dashboard(actor)``.

Who sees which layout is read from the policy table: whoever may see analytics (admins: every
activity, teachers: the ones they lead) gets figures (KPI cards, a table of activities, students
at risk); whoever follows their own progress (students) a card per activity; whoever follows
their children's (parents) a section per child with the same cards. Under the cards, each
student's badges, earned and within reach (``ui.views.student_badges``, read by the section
itself), their progress over time (a compact chart, read by a second reload once the cards are
shown: ``analytics.progress_history`` per student), then their next sessions and milestones due
soon (``AHEAD_DAYS``): Enter or a double click opens the session in the Calendar, the milestone
on the Progress page. Whoever issues certificates sees
under the figures the activities whose completed students still lack one (``certificates.awaiting``,
read by a second reload), each opening the certificate wizard.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import ChangeKind, Changes
from tracker.domain.enums import ProgressStatus
from tracker.domain.policy import Permission, can_ever, home_title
from tracker.domain.standing import HOW_JUDGED
from tracker.services.analytics import AHEAD_DAYS, Dashboard
from tracker.services.calendar import SessionInfo
from tracker.services.certificates import AwaitingCertificates
from tracker.services.milestones import DueMilestone
from tracker.services.progress_rows import ProgressRow
from ui.context import AppContext
from ui.models.base import FilterProxy, RecordRole
from ui.models.dashboard import (
    ActivityFiguresModel,
    AtRiskModel,
    due_what,
    due_when,
    session_what,
    session_when,
)
from ui.models.my_progress import follows_own_progress
from ui.reload import Reloader
from ui.tasks import TaskState, show_error
from ui.views.base import Page
from ui.views.certificates_to_issue import CertificatesToIssue
from ui.widgets import EmptyState, KpiCard, ProgressBarDelegate, apply_widths, make_table
from ui.widgets.column_fit import fit_columns
from ui.widgets.delegates import TwoLineDelegate
from ui.widgets.progress_card import ProgressCard
from ui.widgets.search import focus_list
from ui.widgets.style import pct, set_style_flag

if TYPE_CHECKING:  # imported when a learner's dashboard is built: numpy and the charts cost ~0.3 s
    from ui.charts.base import ChartData, ChartPanel
    from ui.views.staff_charts import StaffCharts

PROGRESS_CHART_HEIGHT = 230  # compact: the Progress page's Charts tab has the rest


def _heading(text: str, level: str = "1") -> QLabel:
    label = QLabel(text)
    set_style_flag(label, "heading", level)
    return label


def _muted(text: str = "") -> QLabel:
    label = QLabel(text)
    set_style_flag(label, "muted")
    label.setWordWrap(True)
    return label


def _count(n: int | float | None) -> str:
    return "—" if n is None else f"{int(n):,}"


class _Card(QFrame):
    """A themed card with a title line and a body."""

    def __init__(self, title: str, subtitle: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_style_flag(self, "card")
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(14, 12, 14, 12)
        self.body.setSpacing(8)
        self.head = QHBoxLayout()
        self.title = _heading(title, "2")
        self.subtitle = _muted(subtitle)
        self.subtitle.setWordWrap(False)
        self.head.addWidget(self.title)
        self.head.addStretch(1)
        self.head.addWidget(self.subtitle)
        self.body.addLayout(self.head)


class StaffDashboard(QWidget):
    """Admin and teacher: KPIs, activity figures, at-risk students."""

    activity_activated = Signal(int)
    #: "Take attendance" for the selected activity
    take_attendance = Signal(int)
    #: the Charts tab was brought to the front (the page builds and loads the charts then)
    charts_shown = Signal()

    def __init__(self, parent: QWidget | None = None, *, can_take_attendance: bool = False) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(12)
        kpis = QHBoxLayout()
        kpis.setSpacing(12)
        self.kpi = {
            "activities": KpiCard("Activities"),
            "students": KpiCard("Students enrolled"),
            "completion_rate": KpiCard("Completion rate"),
            "average_attendance_rate": KpiCard("Attendance", hint="average rate"),
            "at_risk": KpiCard("At risk"),
        }
        for card in self.kpi.values():
            kpis.addWidget(card)
        lay.addLayout(kpis)
        self.certificates = CertificatesToIssue()  # shown while certificates wait to be issued
        lay.addWidget(self.certificates)

        self.activities_model = ActivityFiguresModel(self)
        self.activities_proxy = FilterProxy(self)
        self.activities_proxy.setSourceModel(self.activities_model)
        m = ActivityFiguresModel
        self.activities_view = make_table({i: c.width for i, c in enumerate(m.columns)}, stretch=m.NAME)
        self.activities_view.setModel(self.activities_proxy)
        self.activities_view.setItemDelegateForColumn(m.PROGRESS, ProgressBarDelegate(self.activities_view))
        self.activities_view.sortByColumn(m.NAME, Qt.SortOrder.AscendingOrder)
        self.activities_view.setAccessibleName("Activities")
        apply_widths(self.activities_view)
        # a small screen drops the least needed figures (the Activities page has them all)
        self.activities_columns = fit_columns(self.activities_view, stretch=m.NAME, minimum=150, drop=(
            m.CATEGORY, m.NEXT_SESSION, m.ACTIVE, m.LEADS))
        self.activities_view.activated.connect(self._activated)
        self.activities_view.setToolTip("Double-click an activity to open it on the Activities page")
        self.activities_card = _Card("Activities")
        # the figures as a list, or as charts (weekly attendance, standing now) built when first shown
        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        self.views.addTab(self.activities_view, "List")
        self.charts: QWidget = QWidget()
        self.views.addTab(self.charts, "Charts")
        self.views.setTabToolTip(1, "Weekly attendance per activity and each activity's standing today")
        self.views.currentChanged.connect(lambda i: self.charts_shown.emit() if i == 1 else None)
        self.activities_card.body.addWidget(self.views)
        self.take_button: QPushButton | None = None
        if can_take_attendance:
            self.take_button = QPushButton("Take attendance…")
            set_style_flag(self.take_button, "primary")
            # (Ctrl+T, from any page, is the window's "Take attendance now")
            self.take_button.setToolTip("Take attendance for today's session of the selected activity")
            self.take_button.setEnabled(False)
            self.take_button.clicked.connect(self._take_attendance)
            self.activities_card.head.addSpacing(12)
            self.activities_card.head.addWidget(self.take_button)
            button = self.take_button
            self.activities_view.selectionModel().currentRowChanged.connect(
                lambda cur, _prev: button.setEnabled(cur.isValid()))

        self.risk_model = AtRiskModel(self)
        self.risk_proxy = FilterProxy(self)
        self.risk_proxy.setSourceModel(self.risk_model)
        r = AtRiskModel
        self.risk_view = make_table({i: c.width for i, c in enumerate(r.columns)}, stretch=r.REASON)
        self.risk_view.setModel(self.risk_proxy)
        self.risk_view.setItemDelegateForColumn(r.PROGRESS, ProgressBarDelegate(self.risk_view))
        self.risk_view.setAccessibleName("Students at risk")
        self.risk_view.sortByColumn(r.STANDING, Qt.SortOrder.AscendingOrder)
        apply_widths(self.risk_view)
        # the reason says the figure that matters, so a small screen drops the figures first
        self.risk_columns = fit_columns(self.risk_view, stretch=r.REASON, minimum=200,
                                        drop=(r.PROGRESS, r.ATTENDANCE))
        self.risk_empty = EmptyState("Everyone is on track",
                                     "No active student is behind or at risk.")
        self.risk_stack = QStackedWidget()
        self.risk_stack.addWidget(self.risk_view)
        self.risk_stack.addWidget(self.risk_empty)
        self.risk_card = _Card("Needs attention", "Active students at risk or behind, with the reason")
        self.risk_card.subtitle.setToolTip(HOW_JUDGED)
        self.risk_card.body.addWidget(self.risk_stack)

        split = self.split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.activities_card)
        split.addWidget(self.risk_card)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        lay.addWidget(split, 1)
        self.views.currentChanged.connect(self._make_room)

    def set_charts(self, charts: QWidget) -> None:
        """Put the charts in the Charts tab (once, when it is first shown)."""
        current = self.views.currentIndex()
        self.views.removeTab(1)
        self.charts.deleteLater()
        self.charts = charts
        self.views.insertTab(1, charts, "Charts")
        self.views.setTabToolTip(1, "Weekly attendance per activity and each activity's standing today")
        self.views.setCurrentIndex(current)

    def _make_room(self, index: int) -> None:
        """Charts need height to be read: while they show, the list of students needing attention
        keeps a few rows (its splitter handle gives them back), and the list view 3 : 2 again."""
        total = sum(self.split.sizes())
        if total > 0:
            share = 0.72 if index == 1 else 0.6
            self.split.setSizes([round(total * share), total - round(total * share)])

    def charts_showing(self) -> bool:
        return self.views.currentIndex() == 1

    def show_dashboard(self, d: Dashboard) -> None:
        t = d.totals
        self.kpi["activities"].set_value(_count(t.get("activities")))
        self.kpi["students"].set_value(
            _count(t.get("students")), f"{_count(t.get('enrollments'))} enrollments")
        self.kpi["completion_rate"].set_value(
            pct(t.get("completion_rate")), f"{_count(t.get('completed'))} completed")
        self.kpi["average_attendance_rate"].set_value(pct(t.get("average_attendance_rate")))
        self.kpi["at_risk"].set_value(_count(t.get("at_risk")), f"{_count(t.get('behind'))} behind")
        self.activities_model.set_rows(d.activities)
        if d.activities and not self.activities_view.currentIndex().isValid():
            self.activities_view.setCurrentIndex(self.activities_proxy.index(0, 0))
        if self.take_button is not None:
            self.take_button.setEnabled(self.activities_view.currentIndex().isValid())
        n = len(d.activities)
        self.activities_card.subtitle.setText(f"{n} activit{'y' if n == 1 else 'ies'} this term")
        self.risk_model.set_rows(d.at_risk)
        self.risk_card.title.setText(f"Needs attention ({len(d.at_risk)})" if d.at_risk else "Needs attention")
        self.risk_stack.setCurrentWidget(self.risk_view if d.at_risk else self.risk_empty)

    def selected_activity_id(self) -> int | None:
        index = self.activities_view.currentIndex()
        card = index.data(RecordRole) if index.isValid() else None
        return card.summary.id if card is not None else None

    def _take_attendance(self) -> None:
        activity_id = self.selected_activity_id()
        if activity_id is not None:
            self.take_attendance.emit(activity_id)

    def _activated(self, index: QModelIndex) -> None:
        card = index.data(RecordRole)
        if card is not None:
            self.activity_activated.emit(card.summary.id)


class _CardGrid(QWidget):
    """Progress cards two (or three) to a row."""

    def __init__(self, rows: list[ProgressRow] | tuple[ProgressRow, ...], columns: int = 2,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(12)
        self.cards = [ProgressCard(r) for r in rows]
        for i, card in enumerate(self.cards):
            grid.addWidget(card, i // columns, i % columns)
        for c in range(columns):
            grid.setColumnStretch(c, 1)


class EntryList(QListWidget):
    """A short list of two-line entries (when, then what), as tall as its entries: the dashboard
    scrolls, the list does not. Each entry carries its record (``RecordRole``)."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setItemDelegate(TwoLineDelegate(self))
        self.setUniformItemSizes(True)

    def add(self, first: str, second: str, record: Any, *, struck: bool = False) -> QListWidgetItem:
        item = QListWidgetItem(f"{first}\n{second}")
        item.setData(RecordRole, record)
        item.setToolTip(f"{first}\n{second}")
        if struck:
            font = item.font()
            font.setStrikeOut(True)
            item.setFont(font)
        self.addItem(item)
        return item

    def fit_height(self) -> None:
        rows = sum(self.sizeHintForRow(i) for i in range(self.count()))
        self.setFixedHeight(rows + 2 * self.frameWidth())


class WhatsNext(QWidget):
    """One student's next sessions and milestones due soon, side by side (the first ``SHOWN`` of
    each: the Calendar and the Progress page have the rest)."""

    SHOWN = 6

    session_activated = Signal(object)  # SessionInfo
    milestone_activated = Signal(object)  # DueMilestone

    def __init__(self, sessions: list[SessionInfo] | tuple[SessionInfo, ...],
                 due: list[DueMilestone] | tuple[DueMilestone, ...], *, today: date,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(12)
        ahead = f"next {AHEAD_DAYS} days"
        self.sessions_card = _Card("Next sessions", ahead)
        self.sessions = EntryList("Next sessions")
        for s in sessions[:self.SHOWN]:
            self.sessions.add(session_when(s, today), session_what(s), s, struck=s.cancelled)
        self.due_card = _Card("Due soon", f"milestones, {ahead}")
        self.due = EntryList("Milestones due soon")
        for m in due[:self.SHOWN]:
            self.due.add(due_when(m, today), due_what(m), m)
        self.notes: list[QLabel] = []
        for card, entries, total, none, more in (
                (self.sessions_card, self.sessions, len(sessions),
                 f"No sessions in the next {AHEAD_DAYS} days.", "more in the Calendar"),
                (self.due_card, self.due, len(due),
                 f"No milestone due in the next {AHEAD_DAYS} days.", "more on the Progress page")):
            note = ""
            if entries.count():
                entries.fit_height()
                card.body.addWidget(entries)
                if total > entries.count():
                    note = f"{total - entries.count()} {more}"
            else:
                entries.hide()
                note = none
            if note:
                label = _muted(note)
                self.notes.append(label)
                card.body.addWidget(label)
            card.body.addStretch(1)
            lay.addWidget(card, 1)
        self.sessions.itemActivated.connect(lambda item: self.session_activated.emit(item.data(RecordRole)))
        self.due.itemActivated.connect(lambda item: self.milestone_activated.emit(item.data(RecordRole)))


class LearnerDashboard(QScrollArea):
    """Student (own cards) and parent (a section per child), each with what is next."""

    session_activated = Signal(object)  # SessionInfo
    milestone_activated = Signal(object)  # DueMilestone

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # cards wrap instead
        self.cards: list[ProgressCard] = []
        self.next: list[WhatsNext] = []
        self._inner: QWidget | None = None
        self.progress_charts: dict[int, ChartPanel] = {}  # by student, in the sections shown
        self.chart_data: dict[int, ChartData] = {}  # the last read, drawn at once when the cards are rebuilt
        #: makes a student's badges section (set by the page: it reads through the page's context)
        self.badges_view: Callable[[int], QWidget] | None = None

    def _fresh(self) -> QVBoxLayout:
        inner = QWidget()
        inner.setObjectName("dashboardInner")
        lay = QVBoxLayout(inner)
        lay.setContentsMargins(0, 0, 4, 0)
        lay.setSpacing(12)
        old = self.takeWidget()
        if old is not None:
            old.deleteLater()
        self.setWidget(inner)
        self._inner = inner
        self.cards = []
        self.next = []
        self.progress_charts = {}
        return lay

    def _progress_chart(self, lay: QVBoxLayout, student_id: int) -> None:
        """A compact "progress over time" chart of the student, in a card (drawn from the last
        read, or "Loading…" until the first arrives: see :meth:`show_progress_charts`)."""
        from ui.charts.base import ChartPanel
        from ui.views.student_charts import loading_progress_chart

        panel = ChartPanel(self.chart_data.get(student_id) or loading_progress_chart())
        panel.setFixedHeight(PROGRESS_CHART_HEIGHT)
        self.progress_charts[student_id] = panel
        card = QFrame()
        set_style_flag(card, "card")
        box = QVBoxLayout(card)
        box.setContentsMargins(10, 8, 10, 8)
        box.addWidget(panel)
        lay.addWidget(card)

    def show_progress_charts(self, charts: dict[int, ChartData]) -> None:
        """Draw each student's progress chart (by student id)."""
        self.chart_data = dict(charts)
        for student_id, panel in self.progress_charts.items():
            data = charts.get(student_id)
            if data is not None:
                panel.set_data(data)

    def progress_charts_failed(self, reason: str) -> None:
        """The charts could not be read: they say so in their place (the cards stand)."""
        from ui.views.student_charts import waiting

        self.chart_data = {}
        for panel in self.progress_charts.values():
            panel.set_data(waiting(panel.data, reason))

    def _whats_next(self, lay: QVBoxLayout, sessions: list[SessionInfo] | tuple[SessionInfo, ...],
                    due: list[DueMilestone] | tuple[DueMilestone, ...]) -> None:
        block = WhatsNext(sessions, due, today=date.today())
        block.session_activated.connect(self.session_activated)
        block.milestone_activated.connect(self.milestone_activated)
        self.next.append(block)
        lay.addWidget(block)

    def _badges(self, lay: QVBoxLayout, student_id: int) -> None:
        """The student's badges, earned and within reach, in a card (it reads them itself)."""
        if self.badges_view is None:
            return
        card = QFrame()
        set_style_flag(card, "card")
        box = QVBoxLayout(card)
        box.setContentsMargins(12, 10, 12, 10)
        box.addWidget(self.badges_view(student_id))
        lay.addWidget(card)

    def first_list(self) -> QListWidget | None:
        """The first list with entries (where the keyboard starts), if any."""
        for block in self.next:
            for entries in (block.sessions, block.due):
                if entries.count():
                    return entries
        return None

    def show_student(self, d: Dashboard) -> None:
        lay = self._fresh()
        t = d.totals
        kpis = QHBoxLayout()
        kpis.setSpacing(12)
        self.kpi = {
            "activities": KpiCard("Activities", _count(t.get("activities"))),
            "completed": KpiCard("Completed", _count(t.get("completed"))),
            "points": KpiCard("Points earned", _count(t.get("points"))),
            "average_attendance_rate": KpiCard("Attendance", pct(t.get("average_attendance_rate"))),
        }
        for card in self.kpi.values():
            kpis.addWidget(card)
        lay.addLayout(kpis)
        if d.own:
            grid = _CardGrid(d.own)
            self.cards += grid.cards
            lay.addWidget(grid)
            self._badges(lay, d.own[0].user_id)
            if has_history(d.own):
                self._progress_chart(lay, d.own[0].user_id)
            self._whats_next(lay, d.upcoming, d.due_soon)
        else:
            lay.addWidget(EmptyState("No activities yet",
                                     "When a teacher enrolls you in an activity, your progress appears here."))
        lay.addStretch(1)

    def show_parent(self, d: Dashboard) -> None:
        lay = self._fresh()
        if not d.children:
            lay.addWidget(EmptyState(
                "No children linked to your account",
                "Ask the school office to link your account to your child's; their progress then "
                "appears here."))
            lay.addStretch(1)
            return
        for child in d.children:
            head = QHBoxLayout()
            head.addWidget(_heading(child.name, "2"))
            where = " · ".join(x for x in (
                f"Grade {child.grade}" if child.grade else "",
                f"Class {child.class_name}" if child.class_name else "") if x)
            sub = _muted(where)
            sub.setWordWrap(False)
            head.addWidget(sub)
            head.addStretch(1)
            lay.addLayout(head)
            if child.rows:
                grid = _CardGrid(child.rows)
                self.cards += grid.cards
                lay.addWidget(grid)
                self._badges(lay, child.student_id)
                if has_history(child.rows):
                    self._progress_chart(lay, child.student_id)
                self._whats_next(lay, child.upcoming, child.due_soon)
            else:
                note = _muted(f"{child.name} is not enrolled in any activity yet.")
                lay.addWidget(note)
            lay.addSpacing(8)
        lay.addStretch(1)


def has_history(rows: tuple[ProgressRow, ...] | list[ProgressRow]) -> bool:
    """Whether a student has a place to chart (a place on the waiting list has no history)."""
    return any(r.status is not ProgressStatus.WAITLISTED for r in rows)


class DashboardPage(Page):
    title = "Dashboard"
    watches = frozenset({ChangeKind.ACTIVITY, ChangeKind.ENROLLMENT, ChangeKind.PROGRESS,
                         ChangeKind.MILESTONE, ChangeKind.ATTENDANCE, ChangeKind.USER,
                         ChangeKind.GUARDIAN_LINK, ChangeKind.SESSION, ChangeKind.CERTIFICATE})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.dashboard: Dashboard | None = None
        self._focus_on_load = False  # focus_main was asked before there was anything to focus
        self.reloader = Reloader(ctx, self._load, self._loaded, self._failed, label="Loading the dashboard")
        self.awaiting: list[AwaitingCertificates] = []
        self.certificate_wizard: QWidget | None = None
        self.awaiting_reloader: Reloader[list[AwaitingCertificates]] | None = None
        if ctx.can(Permission.ISSUE_CERTIFICATES):
            self.awaiting_reloader = Reloader(ctx, self._load_awaiting, self._awaiting_loaded,
                                              self._awaiting_failed, label="Loading the certificates to issue")
        #: the learners' progress charts, read after each load of the cards (for the students they show)
        self.charts_reloader: Reloader[dict[int, ChartData]] = Reloader(
            ctx, self._load_charts, self._charts_loaded, self._charts_failed, label="Loading the progress charts")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 16, 20, 16)
        lay.setSpacing(12)
        head = QHBoxLayout()
        self.heading = _heading(home_title(ctx.actor.role) if ctx.actor else "Dashboard")
        self.subheading = _muted("")
        self.subheading.setWordWrap(False)
        head.addWidget(self.heading)
        head.addStretch(1)
        head.addWidget(self.subheading, 0, Qt.AlignmentFlag.AlignBottom)
        lay.addLayout(head)
        self.stack = QStackedWidget()
        self.loading = EmptyState("Loading…", "")
        self.empty = EmptyState()
        self.staff: StaffDashboard | None = None
        self.staff_charts: StaffCharts | None = None  # built when the Charts tab is first shown
        self.charts_stale = True
        self.learner: LearnerDashboard | None = None
        self.stack.addWidget(self.loading)
        self.stack.addWidget(self.empty)
        lay.addWidget(self.stack, 1)

    def open_activity(self, activity_id: int) -> None:
        """Double-click on an activity: show it on the Activities page (inside the main window)."""
        page = self._show("activities")
        if page is not None and callable(getattr(page, "reveal", None)):
            page.reveal(activity_id)

    def _show(self, key: str) -> Any:
        """Another page of the main window, shown (None outside the main window)."""
        show_page = getattr(self.window(), "show_page", None)
        if not callable(show_page):
            return None
        try:
            return show_page(key)
        except KeyError:
            return None

    def open_session(self, s: SessionInfo) -> None:
        """A next session: its day in the Calendar, the session chosen."""
        page = self._show("calendar")
        if page is not None and callable(getattr(page, "reveal_session", None)):
            page.reveal_session(s)

    def open_milestone(self, m: DueMilestone) -> None:
        """A milestone due soon: its activity on the Progress page (the child's, for a parent)."""
        page = self._show("progress")
        if page is not None and callable(getattr(page, "reveal", None)):
            page.reveal(m.student_id, m.activity_id)

    def _badges_view(self, student_id: int) -> QWidget:
        """A learner's badges section (ui.views.student_badges), compact: the newest few."""
        from ui.views.student_badges import StudentBadgesView

        return StudentBadgesView(self.ctx, student_id, compact=True)

    def focus_main(self) -> None:
        """After switching to the page: the activities table (staff), or the first list of
        what is next (students, parents), so that Down and Enter work at once; while the page
        is still loading, as soon as it has loaded."""
        self._focus_on_load = False
        if self.staff is not None and self.stack.currentWidget() is self.staff:
            focus_list(self.staff.activities_view)
        elif self.learner is not None and self.stack.currentWidget() is self.learner:
            entries = self.learner.first_list()
            if entries is None or not focus_list(entries):
                self.learner.setFocus()
        else:
            self._focus_on_load = True

    def take_attendance(self, activity_id: int) -> QWidget:
        """Open the take-attendance screen for the activity's session of today."""
        from ui.views.take_attendance import TakeAttendanceDialog

        dialog = TakeAttendanceDialog(self.ctx, activity_id, None, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.take_dialog = dialog
        return dialog

    def issue_certificates(self, activity_id: int) -> QWidget:
        """A certificates-to-issue button's "Issue…": the wizard on that activity's students."""
        from ui.dialogs.certificate_wizard import open_certificate_wizard

        self.certificate_wizard = open_certificate_wizard(self, self.ctx, activity_id)
        return self.certificate_wizard

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self.reloader.request()
        if self.awaiting_reloader is not None:
            self.awaiting_reloader.request()

    def _staff_page(self) -> StaffDashboard:
        """The staff dashboard's widgets, made once when its figures first arrive. (Made earlier,
        while the figures were read, the certificates card laid out its buttons hidden and showed
        them piled up at 640×480.)"""
        if self.staff is None:
            self.staff = StaffDashboard(can_take_attendance=self.ctx.can(Permission.TAKE_ATTENDANCE))
            self.staff.activity_activated.connect(self.open_activity)
            self.staff.take_attendance.connect(self.take_attendance)
            self.staff.certificates.issue.connect(self.issue_certificates)
            self.staff.certificates.set_rows(self.awaiting)
            self.staff.charts_shown.connect(self._charts_shown)
            self.stack.addWidget(self.staff)
        return self.staff

    def on_changed(self, changes: Changes, initiator: object) -> None:
        """Certificates issued change only the certificates to issue: only those are read again."""
        if changes.touches(*(self.watches - {ChangeKind.CERTIFICATE})):
            self.refresh()
        elif self.awaiting_reloader is not None:
            self.awaiting_reloader.request()

    def _charts_shown(self) -> None:
        """The staff charts are built and read when their tab is first shown (pyqtgraph and two
        reads cost nothing to whoever only looks at the list), and read again when stale."""
        if self.staff is None:
            return
        if self.staff_charts is None:
            from ui.views.staff_charts import StaffCharts

            self.staff_charts = StaffCharts(self.ctx)
            self.staff.set_charts(self.staff_charts)
            self.charts_stale = True
        if self.charts_stale:
            self._reload_charts()

    def _reload_charts(self) -> None:
        """After the figures were read again: the charts now if they are on screen, else later."""
        if self.staff_charts is None or self.staff is None:
            return
        self.charts_stale = not self.staff.charts_showing()
        if not self.charts_stale:
            self.staff_charts.reload()

    def _load_awaiting(self) -> Callable[[TaskState], list[AwaitingCertificates]]:
        service, actor = self.ctx.services.certificates, self.ctx.user
        return lambda state: service.awaiting(actor)

    def _awaiting_loaded(self, rows: list[AwaitingCertificates]) -> None:
        self.awaiting = rows
        if self.staff is not None:
            self.staff.certificates.set_rows(rows)

    def _awaiting_failed(self, exc: BaseException) -> None:
        """The figures matter more: without the certificates to issue, the card stays hidden."""
        self._awaiting_loaded([])

    def _load_charts(self) -> Callable[[TaskState], dict[int, ChartData]]:
        from ui.views.student_charts import load_progress_charts

        services, actor = self.ctx.services, self.ctx.user
        ids = list(self.learner.progress_charts) if self.learner is not None else []
        return lambda state: load_progress_charts(services, actor, ids)

    def _charts_loaded(self, charts: dict[int, ChartData]) -> None:
        if self.learner is not None:
            self.learner.show_progress_charts(charts)

    def _charts_failed(self, exc: BaseException) -> None:
        if self.learner is not None:
            self.learner.progress_charts_failed(f"Could not be loaded: {exc}")

    def _load(self) -> Callable[[TaskState], Dashboard]:
        actor = self.ctx.user  # the Reloader starts no load while nobody is signed in
        analytics = self.ctx.services.analytics
        return lambda state: analytics.dashboard(actor)

    def _failed(self, exc: BaseException) -> None:
        self.empty.set_text("The dashboard could not be loaded", str(exc))
        self.stack.setCurrentWidget(self.empty)
        show_error(self, exc)

    def _loaded(self, d: Dashboard) -> None:
        self.dashboard = d
        self.heading.setText(d.title)
        today = date.today()
        self.subheading.setText(f"{today:%A} {today.day} {today:%B %Y}")
        if can_ever(d.role, Permission.VIEW_ANALYTICS):
            if not d.activities:
                if can_ever(d.role, Permission.MANAGE_ACTIVITY):
                    self.empty.set_text("No activities yet",
                                        "Create the first one on the Activities page.")
                else:
                    self.empty.set_text("You don't lead any activities yet",
                                        "An administrator can assign you to one.")
                self.stack.setCurrentWidget(self.empty)
                return
            staff = self._staff_page()
            staff.show_dashboard(d)
            self._reload_charts()
            self.stack.setCurrentWidget(staff)
            if self._focus_on_load and self.isVisible():
                self.focus_main()
            return
        if self.learner is None:
            self.learner = LearnerDashboard()
            self.learner.session_activated.connect(self.open_session)
            self.learner.milestone_activated.connect(self.open_milestone)
            self.learner.badges_view = self._badges_view
            self.stack.addWidget(self.learner)
        if follows_own_progress(d.role):
            self.learner.show_student(d)
        else:
            self.learner.show_parent(d)
        if self.learner.progress_charts:
            self.charts_reloader.request()
        self.stack.setCurrentWidget(self.learner)
        if self._focus_on_load and self.isVisible():
            self.focus_main()

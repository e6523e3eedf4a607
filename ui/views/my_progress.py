"""The Progress page of students and parents: one student's activities, what each still needs,
its milestones, their charts over time and their skills growth.

A student sees themself; a parent chooses one of their linked children (who follows whom is read
from the policy table). Everything comes from two background reads: ``analytics.dashboard(actor)``
(the student's own progress rows, or each child's) and, for the selected activity,
``milestones.checklist(actor, activity)`` of which only the shown student's completions are kept.
The Charts tab (:class:`ui.views.student_charts.StudentCharts`: progress over time per activity,
attendance per month, points and badges, read by ``analytics.progress_history``) and the skills
growth tab (:class:`ui.views.student_skills.StudentSkillsView`) are built when first opened
(pyqtgraph is imported then), and follow the child chosen; so is the Badges tab
(:class:`ui.views.student_badges.StudentBadgesView`: earned, within reach, Save badge…).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import ChangeKind
from tracker.domain.enums import ProgressStatus
from tracker.domain.standing import HOW_JUDGED, Standing
from tracker.services.analytics import Dashboard
from tracker.services.progress_rows import ProgressRow
from ui.charts.student import NOT_ENROLLED
from ui.context import AppContext
from ui.models.base import FilterProxy, RecordRole
from ui.models.my_progress import (
    EnrollmentsModel,
    Learner,
    MilestoneItem,
    MilestonesModel,
    attendance_text,
    follows_children,
    learners_of,
    own_milestones,
)
from ui.ops import ReadOp
from ui.reload import Reloader
from ui.tasks import TaskState, show_error
from ui.views.base import Page
from ui.views.student_charts import StudentCharts
from ui.views.student_skills import StudentSkillsView

if TYPE_CHECKING:
    from ui.views.student_badges import StudentBadgesView
from ui.widgets import EmptyState, ProgressBarDelegate, StatusPillDelegate, apply_widths, make_table
from ui.widgets.pill import StatusPill
from ui.widgets.search import focus_list
from ui.widgets.style import colour, day, pct, set_style_flag, standing_colour, styled_label

__all__ = ["NOT_ENROLLED", "ActivityPanel", "MyProgressPage"]


def _muted(text: str = "") -> QLabel:
    label = styled_label(text, muted=True)
    label.setWordWrap(True)
    return label


class ActivityPanel(QFrame):
    """What the selected activity says about the student: standing and why, what completion still
    needs, a teacher's override, and the milestones done and not done."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_style_flag(self, "card")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 12, 14, 12)
        lay.setSpacing(6)
        head = QHBoxLayout()
        self.title = styled_label("", heading="2")
        self.title.setWordWrap(True)
        self.pill = StatusPill("")
        head.addWidget(self.title, 1)
        head.addWidget(self.pill, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(head)
        self.facts = _muted()
        lay.addWidget(self.facts)
        self.standing = QLabel()
        self.standing.setToolTip(HOW_JUDGED)
        self.standing.setTextFormat(Qt.TextFormat.PlainText)
        lay.addWidget(self.standing)
        self.reasons = QLabel()
        self.reasons.setWordWrap(True)
        self.reasons.setTextFormat(Qt.TextFormat.PlainText)
        self.reasons.setToolTip(HOW_JUDGED)
        lay.addWidget(self.reasons)
        self.override = _muted()
        self.override.setTextFormat(Qt.TextFormat.PlainText)
        lay.addWidget(self.override)
        self.completion = QLabel()
        self.completion.setWordWrap(True)
        self.completion.setTextFormat(Qt.TextFormat.PlainText)
        lay.addWidget(self.completion)
        lay.addSpacing(6)
        milestones_title = QLabel("Milestones")
        milestones_title.setStyleSheet("font-weight: 600;")
        lay.addWidget(milestones_title)
        self.milestones_model = MilestonesModel(self)
        m = MilestonesModel
        self.milestones = make_table({i: c.width for i, c in enumerate(m.columns)}, stretch=m.TITLE,
                                     sortable=False)
        self.milestones.setModel(self.milestones_model)
        self.milestones.setAccessibleName("Milestones of the activity")
        apply_widths(self.milestones)
        lay.addWidget(self.milestones, 1)
        self.milestones_note = _muted()
        lay.addWidget(self.milestones_note)
        self.show_row(None)

    def show_row(self, r: ProgressRow | None) -> None:
        self.row = r
        self.milestones_model.set_rows([])
        for label in (self.facts, self.standing, self.reasons, self.override, self.completion):
            label.setVisible(r is not None)
        self.pill.setVisible(r is not None)
        if r is None:
            self.title.setText("Choose an activity")
            self.milestones_note.setText("")
            return
        self.title.setText(r.activity)
        self.pill.set_status(r.status)
        completion = r.completion
        facts = [(f"Progress {pct(r.progress_percentage)}" if completion is None else completion.label)
                 + (f" (expected by now: {pct(r.expected_progress)})"
                    if r.expected_progress is not None and r.status is ProgressStatus.ACTIVE else ""),
                 f"Attendance {attendance_text(r)} of {r.sessions_held} session{'s' if r.sessions_held != 1 else ''}",
                 f"Milestones {r.milestones_done}/{r.milestones_total}",
                 f"{r.points} point{'s' if r.points != 1 else ''}" + (f" of {r.points_total}" if r.points_total else "")]
        self.facts.setText("   ·   ".join(facts))
        self.standing.setText(f"Standing: {r.standing.label}")
        self.standing.setStyleSheet(f"color: {standing_colour(r.standing).name()}; font-weight: 600;")
        self.standing.setVisible(r.standing is not Standing.NONE)  # waitlisted, dropped
        if r.standing_reasons:
            self.reasons.setText("\n".join(f"• {reason}" for reason in r.standing_reasons))
        elif r.standing is Standing.ON_TRACK:
            self.reasons.setText("Progress keeps pace with the activity's dates; attendance is fine.")
        else:
            self.reasons.setText("")
        self.reasons.setVisible(bool(self.reasons.text()))
        if r.overridden:
            by = r.override_by or "a teacher"
            self.override.setText(f"Set by hand by {by}" + (f": {r.override_note}" if r.override_note else "")
                                  + (f" ({day(r.override_at)})" if r.override_at else ""))
        self.override.setVisible(r.overridden)
        self.completion.setStyleSheet("")
        if completion is not None:
            when = f"Completed on {day(r.completed_at)}. " if r.completed_at else ""
            self.completion.setText(f"✓ {completion.reason}\n{when}{completion.points}")
            self.completion.setStyleSheet(f"color: {colour('OK').darker(125).name()}; font-weight: 600;")
        elif r.status is ProgressStatus.DROPPED:
            self.completion.setText(f"Left on {day(r.dropped_on)}" + (f": {r.drop_reason}" if r.drop_reason else ""))
        elif r.status is ProgressStatus.WAITLISTED:
            self.completion.setText("On the waiting list for a place.")
        elif r.missing:
            self.completion.setText("Still needed for completion:\n" + "\n".join(f"• {m}" for m in r.missing))
        else:
            self.completion.setText("Everything needed for completion is done.")
        self.milestones_note.setText("Loading milestones…")

    def show_milestones(self, items: list[MilestoneItem]) -> None:
        self.milestones_model.set_rows(items)
        if not items:
            self.milestones_note.setText("This activity has no milestones.")
            return
        done = sum(1 for i in items if i.done)
        self.milestones_note.setText(f"{done} of {len(items)} done. Hover a milestone for its description.")

    def show_milestones_note(self, text: str) -> None:
        self.milestones_model.set_rows([])
        self.milestones_note.setText(text)


class MyProgressPage(Page):
    title = "Progress"
    watches = frozenset({ChangeKind.ACTIVITY, ChangeKind.ENROLLMENT, ChangeKind.PROGRESS,
                         ChangeKind.MILESTONE, ChangeKind.ATTENDANCE, ChangeKind.SESSION,
                         ChangeKind.USER, ChangeKind.GUARDIAN_LINK, ChangeKind.SKILL})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.learners: list[Learner] = []
        self.student_id: int | None = None
        self.skills: StudentSkillsView | None = None
        self.charts: StudentCharts | None = None
        self.badges: StudentBadgesView | None = None
        self._reveal: tuple[int, int] | None = None  # (student, activity) to show once loaded
        self._focus_on_load = False  # focus_main was asked before anything had loaded
        self._milestones: dict[tuple[int, int], list[MilestoneItem]] = {}  # (student, activity)
        self._pending: set[tuple[int, tuple[int, int]]] = set()  # (generation, key) being read
        self._generation = 0  # one per dashboard read: older milestone reads are dropped
        self.reloader = Reloader(ctx, self._load, self._loaded, self._failed, label="Loading progress")

        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 16, 20, 16)
        lay.setSpacing(12)
        head = QHBoxLayout()
        self.heading = styled_label("", heading="2")
        self.subheading = styled_label("", muted=True)
        head.addWidget(self.heading)
        head.addSpacing(8)
        head.addWidget(self.subheading, 0, Qt.AlignmentFlag.AlignBaseline)
        head.addStretch(1)
        self.child_label = QLabel("Child:")
        self.child = QComboBox()
        self.child.setAccessibleName("Child")
        self.child.setMinimumWidth(220)
        self.child.setToolTip("Whose progress to show")
        self.child_label.setBuddy(self.child)
        self.child.currentIndexChanged.connect(self._child_chosen)
        head.addWidget(self.child_label)
        head.addWidget(self.child)
        chooses_child = ctx.actor is not None and follows_children(ctx.actor.role)
        self.child_label.setVisible(chooses_child)
        self.child.setVisible(chooses_child)
        lay.addLayout(head)

        self.stack = QStackedWidget()
        self.message = EmptyState("Loading…", "")
        self.stack.addWidget(self.message)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.stack.addWidget(self.tabs)
        lay.addWidget(self.stack, 1)

        # Activities tab: the enrollments above, the selected one's details and milestones below
        self.activities_stack = QStackedWidget()
        self.model = EnrollmentsModel(self)
        self.proxy = FilterProxy(self)
        self.proxy.setSourceModel(self.model)
        e = EnrollmentsModel
        self.table: QTableView = make_table({i: c.width for i, c in enumerate(e.columns)}, stretch=e.ACTIVITY)
        self.table.setModel(self.proxy)
        self.table.setItemDelegateForColumn(e.PROGRESS, ProgressBarDelegate(self.table))
        self.table.setItemDelegateForColumn(e.STATUS, StatusPillDelegate(self.table))
        self.table.setAccessibleName("Activities")
        self.table.sortByColumn(e.ACTIVITY, Qt.SortOrder.AscendingOrder)
        apply_widths(self.table)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._row_chosen())
        self.panel = ActivityPanel()
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.table)
        split.addWidget(self.panel)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 5)
        self.activities_stack.addWidget(split)
        self.empty = EmptyState(NOT_ENROLLED, "")
        self.activities_stack.addWidget(self.empty)
        self.split = split
        self.tabs.addTab(self.activities_stack, "Activities")

        self.charts_holder = QWidget()
        self.charts_layout = QVBoxLayout(self.charts_holder)
        self.charts_layout.setContentsMargins(0, 0, 0, 0)
        charts_tab = self.tabs.addTab(self.charts_holder, "Charts")
        self.tabs.setTabToolTip(charts_tab, "Progress, attendance and points over time")

        self.skills_holder = QWidget()
        self.skills_layout = QVBoxLayout(self.skills_holder)
        self.skills_layout.setContentsMargins(0, 8, 0, 0)
        self.tabs.addTab(self.skills_holder, "Skills growth")

        self.badges_holder = QWidget()
        self.badges_layout = QVBoxLayout(self.badges_holder)
        self.badges_layout.setContentsMargins(0, 10, 0, 0)
        badges_tab = self.tabs.addTab(self.badges_holder, "Badges")
        self.tabs.setTabToolTip(badges_tab, "Badges earned, and the next ones within reach")
        self.tabs.currentChanged.connect(self._tab_changed)

    # ------------------------------------------------------------------ what is shown
    def learner(self) -> Learner | None:
        return next((x for x in self.learners if x.id == self.student_id), None)

    def selected_row(self) -> ProgressRow | None:
        index = self.table.currentIndex()
        return index.data(RecordRole) if index.isValid() else None

    def select_activity(self, activity_id: int) -> bool:
        row = self.model.row_of(lambda r: r.activity_id == activity_id)
        if row < 0:
            return False
        self.table.setCurrentIndex(self.proxy.mapFromSource(self.model.index(row, 0)))
        return True

    def choose_child(self, student_id: int) -> bool:
        i = self.child.findData(student_id)
        if i >= 0:
            self.child.setCurrentIndex(i)
        return i >= 0

    def reveal(self, student_id: int, activity_id: int) -> None:
        """Show one student's activity (from the dashboard), now or once the page has loaded."""
        self._reveal = (student_id, activity_id)
        if self.learners and not self.reloader.loading:
            self._apply_reveal()

    def _apply_reveal(self) -> None:
        wanted, self._reveal = self._reveal, None
        if wanted is None:
            return
        student_id, activity_id = wanted
        self.tabs.setCurrentWidget(self.activities_stack)
        if student_id != self.student_id:
            self.choose_child(student_id)
        if self.select_activity(activity_id):
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_main(self) -> None:
        """After switching to the page: the activities table, so that Down and Enter work at once
        (once loaded, when asked while loading)."""
        self._focus_on_load = not self.learners
        if self.stack.currentWidget() is self.tabs and self.tabs.currentWidget() is self.activities_stack:
            focus_list(self.table)

    def show_charts(self) -> StudentCharts:
        """Open the Charts tab (building it on first use)."""
        self.tabs.setCurrentWidget(self.charts_holder)
        return self._ensure_charts()

    def show_skills(self) -> StudentSkillsView:
        """Open the Skills growth tab (building the chart on first use)."""
        self.tabs.setCurrentWidget(self.skills_holder)
        self._ensure_skills()
        assert self.skills is not None
        return self.skills

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], Dashboard]:
        actor = self.ctx.user  # the Reloader starts no load while nobody is signed in
        analytics = self.ctx.services.analytics
        return lambda state: analytics.dashboard(actor)

    def _failed(self, exc: BaseException) -> None:
        self.message.set_text("Progress could not be loaded", str(exc))
        self.stack.setCurrentWidget(self.message)
        show_error(self, exc)

    def _loaded(self, d: Dashboard) -> None:
        if self.ctx.actor is None:
            return
        actor = self.ctx.actor
        self.learners = learners_of(d, actor.id, actor.display_name)
        self._milestones.clear()
        self._generation += 1
        if not self.learners:
            self.message.set_text("No children linked to your account",
                                  "Ask the school office to link your account to your child's; "
                                  "their progress then appears here.")
            self.stack.setCurrentWidget(self.message)
            self.child.setEnabled(False)
            return
        wanted = next((x.id for x in self.learners if x.id == self.student_id), self.learners[0].id)
        self.child.blockSignals(True)
        self.child.clear()
        for x in self.learners:
            self.child.addItem(x.name, x.id)
        self.child.setCurrentIndex(self.child.findData(wanted))
        self.child.setEnabled(len(self.learners) > 1)
        self.child.blockSignals(False)
        self.stack.setCurrentWidget(self.tabs)
        self._show_learner(wanted)
        if self.skills is not None:
            self.skills.refresh()
        if self.charts is not None:
            self.charts.set_student(self.student_id)
        self._apply_reveal()
        if self._focus_on_load and self.isVisible():
            self.focus_main()

    def _child_chosen(self, index: int) -> None:
        student_id = self.child.itemData(index)
        if student_id is not None and student_id != self.student_id:
            self._show_learner(int(student_id))
            if self.skills is not None:
                self.skills.set_student(self.student_id)
            if self.charts is not None:
                self.charts.set_student(self.student_id)
            if self.badges is not None:
                self.badges.set_student(self.student_id)

    def _show_learner(self, student_id: int) -> None:
        keep = self.selected_row()
        keep_activity = keep.activity_id if keep is not None and student_id == self.student_id else None
        self.student_id = student_id
        learner = self.learner()
        rows = learner.rows if learner else ()
        who = learner.name if learner else ""
        is_self = self.ctx.actor is not None and self.ctx.actor.id == student_id
        n = len(rows)
        self.heading.setText(who)
        self.subheading.setText(" · ".join(x for x in (
            learner.where if learner else "", f"{n} activit{'y' if n == 1 else 'ies'}" if n else "") if x))
        self.model.set_rows(list(rows))
        if not rows:
            self.empty.set_text(NOT_ENROLLED,
                                "When a teacher enrolls you in an activity, your progress appears here."
                                if is_self else
                                f"{who} is not enrolled in any activity yet. When a teacher enrolls "
                                "them, their progress appears here.")
            self.activities_stack.setCurrentWidget(self.empty)
            self.panel.show_row(None)
            return
        self.activities_stack.setCurrentWidget(self.split)
        if keep_activity is None:
            self._fit_table(n)
        if keep_activity is None or not self.select_activity(keep_activity):
            current = [r for r in rows if r.status in (ProgressStatus.ACTIVE, ProgressStatus.COMPLETED)]
            if not current or not self.select_activity(current[0].activity_id):
                self.table.setCurrentIndex(self.proxy.index(0, 0))
        self._row_chosen()

    def _fit_table(self, rows: int) -> None:
        """Give the table room for every activity (a student has a few), up to half the page."""
        total = sum(self.split.sizes()) or self.split.height()
        wanted = (self.table.horizontalHeader().sizeHint().height() + 2 * self.table.frameWidth()
                  + self.table.verticalHeader().defaultSectionSize() * max(rows, 2) + 2)
        if total > 0:
            wanted = min(wanted, total // 2)
            self.split.setSizes([wanted, total - wanted])

    def _row_chosen(self) -> None:
        r = self.selected_row()
        self.panel.show_row(r)
        if r is None or self.student_id is None or self.ctx.actor is None:
            return
        if r.status is ProgressStatus.WAITLISTED:
            self.panel.show_milestones_note("The milestones show once there is a place.")
            return
        key = (self.student_id, r.activity_id)
        if key in self._milestones:
            self.panel.show_milestones(self._milestones[key])
            return
        if (self._generation, key) in self._pending:
            return  # already being read
        actor, student_id, activity_id, generation = self.ctx.actor, self.student_id, r.activity_id, self._generation
        milestones = self.ctx.services.milestones
        self._pending.add((generation, key))

        def work(state: TaskState) -> list[MilestoneItem]:
            return own_milestones(milestones.checklist(actor, activity_id), student_id)

        def done(items: list[MilestoneItem]) -> None:
            self._pending.discard((generation, key))
            if generation != self._generation:
                return  # read before the page reloaded
            self._milestones[key] = items
            current = self.selected_row()
            if current is not None and (self.student_id, current.activity_id) == key:
                self.panel.show_milestones(items)

        def failed(exc: BaseException) -> bool:
            self._pending.discard((generation, key))
            current = self.selected_row()
            if current is not None and (self.student_id, current.activity_id) == key:
                self.panel.show_milestones_note(f"The milestones could not be loaded: {exc}")
            return True  # shown in the panel, not in a message box

        ReadOp(self, self.ctx, work, label="Loading milestones").success(done).failure(failed) \
            .run_in_background()

    # ------------------------------------------------------------------ skills growth
    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.skills_holder:
            self._ensure_skills()
        elif self.tabs.widget(index) is self.charts_holder:
            self._ensure_charts()
        elif self.tabs.widget(index) is self.badges_holder:
            self.show_badges()

    def _ensure_charts(self) -> StudentCharts:
        if self.charts is None:
            self.charts = StudentCharts(self.ctx, self.student_id, self.charts_holder)
            self.charts_layout.addWidget(self.charts)
            self.charts.show()  # a child made after its parent was shown is not shown with it
        else:
            self.charts.set_student(self.student_id)
        return self.charts

    def show_badges(self) -> StudentBadgesView:
        """Open the Badges tab (building it on first use), on the student shown."""
        if self.tabs.currentWidget() is not self.badges_holder:
            self.tabs.setCurrentWidget(self.badges_holder)  # comes back here through _tab_changed
        if self.badges is None:
            from ui.views.student_badges import StudentBadgesView

            self.badges = StudentBadgesView(self.ctx, self.student_id)
            scroll = QScrollArea()  # a student with many badges scrolls
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # the tiles wrap
            scroll.setWidget(self.badges)
            self.badges_layout.addWidget(scroll)
            scroll.show()  # a child made after its parent was shown is not shown with it
        else:
            self.badges.set_student(self.student_id)
        return self.badges

    def _ensure_skills(self) -> None:
        if self.skills is None:
            self.skills = StudentSkillsView(self.ctx, self.student_id, self.skills_holder, margins=False)
            self.skills_layout.addWidget(self.skills)
        elif self.skills.student_id != self.student_id:
            self.skills.set_student(self.student_id)

"""One activity's own page: a header (name, category, leads, places) and tabs.

Tabs: Roster (ui.views.activity_roster), Milestones (ui.views.activity_milestones) and
Schedule (ui.views.activity_schedule, imported
lazily: when that module is not there the tab is simply left out). The Activities page shows
this page in place of its list (a stacked view), so the main window needs no change.
"""

from __future__ import annotations

import importlib

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTabWidget, QVBoxLayout, QWidget

from tracker.domain.changes import Changes
from tracker.domain.policy import Permission
from tracker.services.activities import ActivitySummary
from ui.context import AppContext
from ui.views.activity_roster import RosterTab
from ui.widgets.style import set_style_flag, styled_label, term


def places_line(a: ActivitySummary) -> str:
    enrolled = f"{a.enrolled} / {a.capacity} enrolled" if a.capacity else f"{a.enrolled} enrolled"
    if a.waitlisted:
        enrolled += f", {a.waitlisted} waitlisted"
    return enrolled


class ActivityDetailPage(QWidget):
    #: the user pressed Back
    closed = Signal()

    def __init__(self, ctx: AppContext, activity_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.activity_id = activity_id
        self.summary: ActivitySummary | None = None
        self._loading = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 12, 20, 16)
        outer.setSpacing(6)

        top = QHBoxLayout()
        self.back = QPushButton("‹  Activities")
        set_style_flag(self.back, "link")
        self.back.setToolTip("Back to the list of activities (Esc / Alt+Left)")
        self.back.setAccessibleName("Back to activities")
        self.back.clicked.connect(self.closed.emit)
        top.addWidget(self.back, 0, Qt.AlignmentFlag.AlignLeft)
        top.addStretch(1)
        outer.addLayout(top)
        back = QAction("Back", self)
        back.setShortcuts([QKeySequence("Alt+Left"), QKeySequence(Qt.Key.Key_Escape)])
        back.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.triggered.connect(self.closed.emit)
        self.addAction(back)

        head = QHBoxLayout()
        self.title = styled_label("Loading…", heading="1")
        head.addWidget(self.title)
        self.places = styled_label("", heading="2")
        head.addStretch(1)
        head.addWidget(self.places, 0, Qt.AlignmentFlag.AlignBottom)
        outer.addLayout(head)
        self.facts = styled_label("", muted=True)
        self.facts.setWordWrap(True)
        outer.addWidget(self.facts)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.roster = RosterTab(ctx, activity_id)
        self.tabs.addTab(self.roster, "Roster")
        self.milestones = self._milestones_tab()
        if self.milestones is not None:
            self.tabs.addTab(self.milestones, "Milestones")
        self.schedule = self._schedule_tab()
        if self.schedule is not None:
            self.tabs.addTab(self.schedule, "Schedule")
        self.attendance = self._attendance_tab()
        if self.attendance is not None:
            self.tabs.addTab(self.attendance, "Attendance")
        self.skills = self._skills_tab()
        if self.skills is not None:
            self.tabs.addTab(self.skills, "Skills")
        outer.addWidget(self.tabs, 1)
        ctx.events.changed.connect(self._on_changed)

    def _schedule_tab(self) -> QWidget | None:
        """The calendar engineer's ScheduleTab, if that module exists (and works) now."""
        try:
            module = importlib.import_module("ui.views.activity_schedule")
            tab = module.ScheduleTab(self.ctx, self.activity_id)
        except Exception:  # noqa: BLE001 - a missing or broken tab must not take the page down
            return None
        return tab  # type: ignore[no-any-return]

    def _milestones_tab(self) -> QWidget | None:
        """The milestone editor and checklist (ui.views.activity_milestones), if it loads."""
        try:
            module = importlib.import_module("ui.views.activity_milestones")
            tab = module.MilestonesTab(self.ctx, self.activity_id)
        except Exception:  # noqa: BLE001 - a missing or broken tab must not take the page down
            return None
        return tab  # type: ignore[no-any-return]

    def _attendance_tab(self) -> QWidget | None:
        """The term grid (ui.views.attendance_grid) for those who take attendance here."""
        if not self.ctx.can(Permission.TAKE_ATTENDANCE):
            return None
        from ui.views.attendance_grid import AttendanceGridView

        tab = AttendanceGridView(self.ctx, self.activity_id)
        tab.take_attendance.connect(self.take_attendance)
        return tab

    def _skills_tab(self) -> QWidget | None:
        """Skills and participation (ui.views.activity_skills) for those who assess skills here."""
        if not self.ctx.can(Permission.ASSESS_SKILLS):
            return None
        from ui.views.activity_skills import SkillsTab

        return SkillsTab(self.ctx, self.activity_id)

    def take_attendance(self, session_id: int | None = None) -> QWidget:
        """Open the take-attendance screen for today's session (or the one given)."""
        from ui.views.take_attendance import TakeAttendanceDialog

        dialog = TakeAttendanceDialog(self.ctx, self.activity_id, session_id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.take_dialog = dialog
        return dialog

    def refresh(self) -> None:
        self._load_summary()
        self.roster.refresh()
        if self.schedule is not None and hasattr(self.schedule, "refresh"):
            self.schedule.refresh()
        if self.attendance is not None:
            self.attendance.refresh()
        if self.milestones is not None:
            self.milestones.refresh()
        if self.skills is not None:
            self.skills.refresh()

    def _on_changed(self, changes: Changes) -> None:
        if changes.touches("activity", "enrollment", "user"):
            self._load_summary()

    def _load_summary(self) -> None:
        if self._loading or self.ctx.actor is None:
            return
        self._loading = True
        service, actor, aid = self.ctx.services.activities, self.ctx.user, self.activity_id

        def failed(exc: BaseException) -> None:
            self._loading = False
            self.title.setText("Activity not available")
            self.facts.setText(str(exc))

        self.ctx.tasks.run(lambda state: service.get_activity(actor, aid), on_done=self._show,
                           on_error=failed, label="Loading the activity")

    def _show(self, a: ActivitySummary) -> None:
        self._loading = False
        self.summary = a
        self.title.setText(a.name + ("  (archived)" if a.archived else ""))
        self.roster.activity_name = a.name
        self.places.setText(places_line(a))
        facts = [a.category]
        if a.leads:
            facts.append("led by " + ", ".join(a.leads))
        else:
            facts.append("no lead yet")
        if a.location:
            facts.append(a.location)
        if a.start_date or a.end_date:
            facts.append(term(a.start_date, a.end_date))
        self.facts.setText(" · ".join(facts))
        self.setAccessibleName(f"Activity {a.name}")

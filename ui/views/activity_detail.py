"""One activity's own page: a header (name, category, leads, places) and tabs.

Tabs: Roster (ui.views.activity_roster), Milestones (ui.views.activity_milestones), Schedule
(ui.views.activity_schedule), Attendance (ui.views.attendance_grid, for those who take attendance),
Skills (ui.views.activity_skills, for those who assess skills), Certificates
(ui.views.activity_certificates, for those who issue them), Badges (ui.views.activity_badges,
for those who award them) and Analytics
(ui.views.activity_analytics, for those who may see this activity's analytics). Every tab is a
:class:`ui.views.base.Refreshing` view: it reads when first shown and follows the changes it
watches. A tab that cannot be built (a broken module, say) is not left out: a tab with the same
title says what went wrong, and the rest of the page works. The Activities page shows this page in
place of its list (a stacked view), so the main window needs no change.

Ctrl+Tab / Ctrl+PgDown and Ctrl+Shift+Tab / Ctrl+PgUp switch the tabs from anywhere on the page,
the tables included (``ui.widgets.actions.TabSwitchKeys``); Tab leaves a table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTabWidget, QVBoxLayout, QWidget

from tracker.domain.changes import ChangeKind
from tracker.domain.policy import Permission, Scope, allows
from tracker.services.activities import ActivitySummary
from ui.context import AppContext
from ui.offline import router_of
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.activity_roster import RosterTab
from ui.views.base import Refreshing
from ui.widgets import EmptyState
from ui.widgets.actions import TabSwitchKeys, focus_first
from ui.widgets.style import set_style_flag, styled_label, term

if TYPE_CHECKING:
    from ui.views.activity_analytics import AnalyticsTab
    from ui.views.activity_badges import BadgesTab
    from ui.views.activity_certificates import CertificatesTab
    from ui.views.activity_milestones import MilestonesTab
    from ui.views.activity_schedule import ScheduleTab
    from ui.views.activity_skills import SkillsTab
    from ui.views.attendance_grid import AttendanceGridView

Tab = TypeVar("Tab", bound=Refreshing)


def places_line(a: ActivitySummary) -> str:
    enrolled = f"{a.enrolled} / {a.capacity} enrolled" if a.capacity else f"{a.enrolled} enrolled"
    if a.waitlisted:
        enrolled += f", {a.waitlisted} waitlisted"
    return enrolled


class BrokenTab(EmptyState):
    """Stands in for a tab that could not be built: its title stays, with what went wrong."""

    def __init__(self, title: str, error: BaseException, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self.error = error
        self.set_text(f"This tab could not be opened: {error}")
        self.title_label.setWordWrap(True)
        self.setAccessibleName(f"The {title} tab could not be opened")


class ActivityDetailPage(Refreshing):
    """The header follows activity, enrollment and people changes; each tab follows its own."""

    watches = frozenset({ChangeKind.ACTIVITY, ChangeKind.ENROLLMENT, ChangeKind.USER})

    #: the user pressed Back
    closed = Signal()

    def __init__(self, ctx: AppContext, activity_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.activity_id = activity_id
        self.summary: ActivitySummary | None = None
        self.reloader = Reloader(ctx, self._load, self._show, self._failed, label="Loading the activity")
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
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("This activity's records: Excel workbook, CSV files, PDF report or archive")
        self.export_button.clicked.connect(self.export_records)
        self.export_button.setVisible(ctx.can(Permission.VIEW_ANALYTICS))
        top.addWidget(self.export_button)
        self.offline_button = QPushButton("Take this activity offline…")
        self.offline_button.setToolTip("Keep this activity on this computer, to take attendance without the network")
        self.offline_button.clicked.connect(self.take_offline)
        self.offline_button.setVisible(False)  # shown once the header says the user takes attendance here
        self.offline_dialog: QWidget | None = None
        top.addWidget(self.offline_button)
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
        self.milestones = self._add_tab("Milestones", self._milestones_tab)
        self.schedule = self._add_tab("Schedule", self._schedule_tab)
        self.attendance = self._add_tab("Attendance", self._attendance_tab) \
            if ctx.can(Permission.TAKE_ATTENDANCE) else None
        self.skills = self._add_tab("Skills", self._skills_tab) if ctx.can(Permission.ASSESS_SKILLS) else None
        self.certificates = self._add_tab("Certificates", self._certificates_tab) \
            if ctx.can(Permission.ISSUE_CERTIFICATES) else None
        self.badges = self._add_tab("Badges", self._badges_tab) if ctx.can(Permission.AWARD_BADGES) else None
        self.analytics: AnalyticsTab | None = None
        self.analytics_offered = False
        self._offer_analytics(led=False)
        outer.addWidget(self.tabs, 1)
        self.tab_keys = TabSwitchKeys(self.tabs, self)

    def export_records(self) -> None:
        from ui.dialogs.export_dialog import open_export_dialog

        open_export_dialog(self, self.ctx, activity_id=self.activity_id)

    def take_offline(self) -> None:
        from ui.dialogs.take_offline import open_take_offline

        self.offline_dialog = open_take_offline(self, self.ctx, activity_id=self.activity_id)

    def _may_take_offline(self, a: ActivitySummary) -> bool:
        """On a shared school database, for whoever takes attendance here (the dialog's module,
        and the offline machinery behind it, load only then)."""
        if router_of(self.ctx) is None:
            return False
        from ui.dialogs.take_offline import may_take_attendance

        return may_take_attendance(self.ctx.user, a)

    def focus_main(self) -> None:
        """The keyboard's place on the page: the current tab's main table."""
        focus_first(self.tabs.currentWidget(), self.tabs.tabBar())

    # ------------------------------------------------------------------ tabs
    def _add_tab(self, title: str, build: Callable[[], Tab]) -> Tab | None:
        """Build a tab and add it; when it cannot be built, a :class:`BrokenTab` takes its place
        (and None is returned): a broken tab must not take the page down, nor vanish unexplained."""
        try:
            tab = build()
        except Exception as exc:  # noqa: BLE001 - shown in the tab's place
            self.tabs.addTab(BrokenTab(title, exc), title)
            return None
        self.tabs.addTab(tab, title)
        return tab

    def _milestones_tab(self) -> MilestonesTab:
        """The milestone editor and checklist (imported when the page is built)."""
        from ui.views.activity_milestones import MilestonesTab

        return MilestonesTab(self.ctx, self.activity_id)

    def _schedule_tab(self) -> ScheduleTab:
        """Weekly patterns, sessions and .ics files (imported when the page is built)."""
        from ui.views.activity_schedule import ScheduleTab

        return ScheduleTab(self.ctx, self.activity_id)

    def _attendance_tab(self) -> AttendanceGridView:
        """The term grid, for those who take attendance here."""
        from ui.views.attendance_grid import AttendanceGridView

        tab = AttendanceGridView(self.ctx, self.activity_id)
        tab.take_attendance.connect(self.take_attendance)
        return tab

    def _skills_tab(self) -> SkillsTab:
        """Skills and participation, for those who assess skills here (pyqtgraph loads now)."""
        from ui.views.activity_skills import SkillsTab

        return SkillsTab(self.ctx, self.activity_id)

    def _certificates_tab(self) -> CertificatesTab:
        """Issued certificates with reissue and revoke, for those who issue them."""
        from ui.views.activity_certificates import CertificatesTab

        return CertificatesTab(self.ctx, self.activity_id)

    def _badges_tab(self) -> BadgesTab:
        """Who holds which badge, with the badge and award actions, for those who award them."""
        from ui.views.activity_badges import BadgesTab

        return BadgesTab(self.ctx, self.activity_id)

    def _offer_analytics(self, *, led: bool) -> None:
        """Add the Analytics tab (once) when the policy lets the user see this activity's
        analytics: an administrator at once, a lead when the header says they lead it; a
        teacher of another activity never gets it."""
        actor = self.ctx.actor
        if self.analytics_offered or actor is None:
            return
        if allows(actor.role, Permission.VIEW_ANALYTICS, {Scope.LED_ACTIVITY} if led else set()):
            self.analytics_offered = True
            self.analytics = self._add_tab("Analytics", self._analytics_tab)

    def _analytics_tab(self) -> AnalyticsTab:
        """KPIs and the teacher's charts (pyqtgraph loads now)."""
        from ui.views.activity_analytics import AnalyticsTab

        return AnalyticsTab(self.ctx, self.activity_id)

    def take_attendance(self, session_id: int | None = None) -> QWidget:
        """Open the take-attendance screen for today's session (or the one given)."""
        from ui.views.take_attendance import TakeAttendanceDialog

        dialog = TakeAttendanceDialog(self.ctx, self.activity_id, session_id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.take_dialog = dialog
        return dialog

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        """Reload the header. Each tab reads by itself when first shown and follows the changes
        it watches (:class:`ui.views.base.Refreshing`)."""
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], ActivitySummary]:
        service, actor, aid = self.ctx.services.activities, self.ctx.user, self.activity_id
        return lambda state: service.get_activity(actor, aid)

    def _failed(self, exc: BaseException) -> None:
        self.title.setText("Activity not available")
        self.facts.setText(str(exc))

    def _show(self, a: ActivitySummary) -> None:
        self.summary = a
        self.title.setText(a.name + ("  (archived)" if a.archived else ""))
        self.roster.activity_name = a.name
        self._offer_analytics(led=self.ctx.user.id in a.lead_ids)
        self.offline_button.setVisible(self._may_take_offline(a))
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

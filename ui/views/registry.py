"""Which pages exist and who sees them. The main window builds its sidebar from this list.

Who sees a page is read from the policy table (``tracker.domain.policy``), never from role names:
a page is shown to whoever holds the permission it is for. Pages are imported lazily so that
start-up only pays for the pages actually opened.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracker.domain.changes import ChangeKind
from tracker.domain.policy import Actor, Permission, Scope, scopes

if TYPE_CHECKING:
    from tracker.services import Services


@dataclass(frozen=True)
class PageSpec:
    key: str  # also the screenshot view name
    title: str
    target: str  # "module:Class"
    visible: Callable[[Actor], bool]
    icon: str = ""  # file name in ui/resources/icons
    shortcut: str = ""
    #: a number shown beside the title in the sidebar ("Inbox  3"), read off the GUI thread
    #: (ui/page_counts.py) when a change of a kind in ``count_watches`` is published, and now and then
    count: Callable[[Services, Actor], int] | None = None
    count_watches: frozenset[ChangeKind] = frozenset()

    def load(self) -> type:
        module, _, name = self.target.partition(":")
        page_class: type = getattr(importlib.import_module(module), name)
        return page_class


def _everyone(actor: Actor) -> bool:
    return True


def holds(permission: Permission, *within: Scope) -> Callable[[Actor], bool]:
    """Who holds the permission: in any scope, or in one of the scopes given (``Scope.ANY``, the
    admin's "everything", counts only when given)."""
    wanted = frozenset(within)

    def visible(actor: Actor) -> bool:
        granted = scopes(actor.role, permission)
        return bool(granted & wanted) if wanted else bool(granted)

    return visible


def _unread(services: Services, actor: Actor) -> int:
    return services.notifications.unread_count(actor)


PAGES: tuple[PageSpec, ...] = (
    PageSpec("dashboard", "Dashboard", "ui.views.dashboard:DashboardPage", _everyone,
             "dashboard.svg", "Ctrl+1"),
    # every activity, or the ones one leads (not: the ones one is enrolled in)
    PageSpec("activities", "Activities", "ui.views.activities:ActivitiesPage",
             holds(Permission.VIEW_ACTIVITY, Scope.ANY, Scope.LED_ACTIVITY), "activities.svg", "Ctrl+2"),
    PageSpec("people", "People", "ui.views.people:PeoplePage",
             holds(Permission.MANAGE_USERS), "people.svg", "Ctrl+3"),
    # whoever sees activities sees their sessions: admins all, teachers theirs, students and
    # parents their own (or their children's) activities, read-only without MANAGE_SCHEDULE
    PageSpec("calendar", "Calendar", "ui.views.calendar:CalendarPage",
             holds(Permission.VIEW_ACTIVITY), "calendar.svg", "Ctrl+4"),
    PageSpec("skill-catalog", "Skills", "ui.views.skill_catalog:SkillCatalogPage",
             holds(Permission.MANAGE_SETTINGS), "school.svg", "Ctrl+5"),
    # one's own progress, or one's children's (staff follow progress on the activity pages)
    PageSpec("progress", "Progress", "ui.views.my_progress:MyProgressPage",
             holds(Permission.VIEW_PROGRESS, Scope.SELF, Scope.CHILD), "activities.svg", "Ctrl+6"),
    # which activities work: the school's figures (admins), one's own activities' (teachers)
    PageSpec("analytics", "Analytics", "ui.views.analytics_page:AnalyticsPage",
             holds(Permission.VIEW_ANALYTICS), "analytics.svg", "Ctrl+7"),
    # opt-in boards of points: whoever sees activities sees the boards that are on
    PageSpec("leaderboard", "Leaderboard", "ui.views.leaderboard:LeaderboardPage",
             holds(Permission.VIEW_ACTIVITY), "leaderboard.svg", "Ctrl+8"),
    # one's own record of achievement, or one's children's (staff open it from People / a roster)
    PageSpec("portfolio", "Portfolio", "ui.views.portfolio:PortfolioPage",
             holds(Permission.VIEW_PROGRESS, Scope.SELF, Scope.CHILD), "portfolio.svg", "Ctrl+9"),
    # everyone's own notifications, with the unread count in the sidebar
    PageSpec("inbox", "Inbox", "ui.views.inbox:InboxPage", _everyone, "inbox.svg", "Ctrl+0",
             count=_unread, count_watches=frozenset({ChangeKind.NOTIFICATION})),
    # who did what, when (administrators: reading the log is itself a permission), and privacy requests
    PageSpec("audit", "Audit", "ui.views.audit:AuditPage", holds(Permission.VIEW_AUDIT), "lock.svg"),
)


def pages_for(actor: Actor) -> list[PageSpec]:
    return [p for p in PAGES if p.visible(actor)]


def page(key: str) -> PageSpec:
    for p in PAGES:
        if p.key == key:
            return p
    raise KeyError(key)

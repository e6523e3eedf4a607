"""Which pages exist and who sees them. The main window builds its sidebar from this list.

Pages are imported lazily so that start-up only pays for the pages actually opened.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from tracker.domain.enums import Role
from tracker.domain.policy import Actor, Permission, can_ever


@dataclass(frozen=True)
class PageSpec:
    key: str  # also the screenshot view name
    title: str
    target: str  # "module:Class"
    visible: Callable[[Actor], bool]
    icon: str = ""  # file name in ui/resources/icons
    shortcut: str = ""

    def load(self) -> type:
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def _everyone(actor: Actor) -> bool:
    return True


PAGES: tuple[PageSpec, ...] = (
    PageSpec("dashboard", "Dashboard", "ui.views.dashboard:DashboardPage", _everyone,
             "dashboard.svg", "Ctrl+1"),
    PageSpec("activities", "Activities", "ui.views.activities:ActivitiesPage",
             lambda a: a.role in (Role.ADMIN, Role.TEACHER), "activities.svg", "Ctrl+2"),
    PageSpec("people", "People", "ui.views.people:PeoplePage",
             lambda a: can_ever(a.role, Permission.MANAGE_USERS), "people.svg", "Ctrl+3"),
    PageSpec("calendar", "Calendar", "ui.views.calendar:CalendarPage",
             lambda a: a.role in (Role.ADMIN, Role.TEACHER), "calendar.svg", "Ctrl+4"),
    PageSpec("skill-catalog", "Skills", "ui.views.skill_catalog:SkillCatalogPage",
             lambda a: can_ever(a.role, Permission.MANAGE_SETTINGS), "school.svg", "Ctrl+5"),
    PageSpec("progress", "Progress", "ui.views.my_progress:MyProgressPage",
             lambda a: a.role in (Role.STUDENT, Role.PARENT), "activities.svg", "Ctrl+6"),
)


def pages_for(actor: Actor) -> list[PageSpec]:
    return [p for p in PAGES if p.visible(actor)]


def page(key: str) -> PageSpec:
    for p in PAGES:
        if p.key == key:
            return p
    raise KeyError(key)

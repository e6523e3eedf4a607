"""The badge screens for ``activity-tracker screenshot``: the activity's Badges tab (``badges``)
and the badge editor on a rule badge with its count of students who qualify (``badge-editor``).

Kept beside :mod:`ui.screenshot` (which calls these) so the badge views' set-up lives with the
badge screens' owners, not in the shared module.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QApplication, QDialog

from tracker.errors import TrackerError
from ui.screenshot import settle, wait_for

if TYPE_CHECKING:
    from ui.context import AppContext
    from ui.main_window import MainWindow


def show_badges_tab(app: QApplication, ctx: AppContext, detail: Any) -> None:
    """The activity page's Badges tab, the first held badge's cell current."""
    tab = getattr(detail, "badges", None)
    if tab is None:
        raise TrackerError(f"{ctx.user.username} does not award badges.")
    detail.tabs.setCurrentWidget(tab)
    settle(app, ctx)
    held = sorted((a for a in tab.model.awards.values() if not a.revoked), key=lambda a: a.awarded_at)
    if held:
        tab.select_cell(held[-1].student_id, held[-1].badge_id)
    tab.table.setFocus()
    settle(app, ctx)


def badge_editor(app: QApplication, ctx: AppContext, window: MainWindow) -> QDialog | None:
    """The editor on the rule badge the user may edit with the most awards (an activity's before
    a school-wide one), once the students who qualify are counted."""
    from tracker.domain.policy import Permission, Scope, allows
    from ui.dialogs.badge_editor import open_badge_editor

    if not ctx.can(Permission.MANAGE_BADGES):
        return None
    services, actor = ctx.services, ctx.user

    def editable(state: object) -> list[Any]:
        led = {a.id for a in services.activities.list_activities(actor) if actor.id in a.lead_ids}
        return [b for b in services.badges.list_badges(actor) if not b.criterion.manual and allows(
            actor.role, Permission.MANAGE_BADGES, {Scope.LED_ACTIVITY} if b.activity_id in led else set())
            and (b.activity_id is not None or allows(actor.role, Permission.MANAGE_BADGES, set()))]

    badges = wait_for(app, ctx.tasks, editable)
    if not badges:
        return None
    chosen = max(badges, key=lambda b: (b.activity_id is not None, b.awarded_count, -b.id))
    editor = open_badge_editor(window, ctx, badge_id=chosen.id)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (not editor.loaded or editor.count_timer.isActive()
                                           or editor.qualify.text().startswith("Counting")):
        settle(app, ctx)
        time.sleep(0.01)
    settle(app, ctx)
    return editor

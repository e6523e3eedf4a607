"""The letters dialog for ``activity-tracker screenshot --view letters``: on the largest activity
the user may write letters for, the students at risk ticked (every student when none is), the
first letter drawn in the preview.

Kept beside :mod:`ui.screenshot` (which calls it) so the letters' set-up lives with the letters
dialog, not in the shared module.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication, QDialog

from ui.screenshot import settle, wait_for

if TYPE_CHECKING:
    from ui.context import AppContext
    from ui.main_window import MainWindow


def letters_dialog(app: QApplication, ctx: AppContext, window: MainWindow) -> QDialog | None:
    from tracker.domain.policy import Permission
    from tracker.domain.standing import Standing
    from ui.dialogs.letters_dialog import open_letters_dialog

    if not ctx.can(Permission.UPDATE_PROGRESS):
        return None
    services, actor = ctx.services, ctx.user
    activities = wait_for(app, ctx.tasks, lambda state: [
        a for a in services.activities.list_activities(actor) if a.enrolled and not a.archived
        and (actor.id in a.lead_ids or ctx.can(Permission.MANAGE_SETTINGS))])
    if not activities:
        return None
    largest = max(activities, key=lambda a: (a.enrolled, -a.id))
    at_risk = wait_for(app, ctx.tasks, lambda state: services.letters.students_for(actor, largest.id,
                                                                                   standing=Standing.AT_RISK))
    dialog = open_letters_dialog(window, ctx, largest.id, largest.name,
                                 standing=Standing.AT_RISK if at_risk else None)
    dialog.note.setPlainText("Practice is on Tuesdays and Thursdays at 3:30 in the library. "
                             "Please encourage your child to come along; ask me if anything gets in the way.")
    deadline = time.monotonic() + 15
    while (not dialog.loaded or dialog.preview.image is None) and time.monotonic() < deadline:
        settle(app, ctx)
    return dialog

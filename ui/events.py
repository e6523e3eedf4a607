"""Change notifications: one bus; every open view decides itself whether to refresh.

A write operation (``ui/ops.py``) publishes the :class:`~tracker.domain.changes.Changes` its unit
of work collected, with the object that initiated it; each view's slot looks at the kinds (and
ids) to refresh only what is affected (Anki's ``operation_did_execute``). Nothing else publishes.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from tracker.domain.changes import Changes


class EventBus(QObject):
    #: (Changes, initiator): what a committed write changed, and who ran it (a widget, or None)
    changed = Signal(object, object)
    #: tuple of tracker.db.messagebus.JobFailure: after-commit work that failed and stays pending
    jobs_failed = Signal(object)
    #: (tuple of tracker.domain.notices.Notice, parent widget): what the user should decide next
    notices = Signal(object, object)

    def publish(self, changes: Changes, initiator: object | None = None) -> None:
        """Tell every view what a committed write changed (nothing when it changed nothing)."""
        if changes:
            self.changed.emit(changes, initiator)

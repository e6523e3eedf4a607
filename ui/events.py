"""Change notifications: one bus; every open view decides itself whether to refresh.

A write returns a :class:`tracker.domain.changes.Changes`; whoever ran it publishes it here, and
each view's slot looks at ``changes.kinds`` to refresh only what is affected (Anki's idea).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from tracker.domain.changes import Changes


class EventBus(QObject):
    changed = Signal(object)  # Changes

    def publish(self, changes: Changes | None = None, **kinds: object) -> None:
        """Publish a Changes value, or build one from keyword kinds: publish(user=[3, 4])."""
        out = changes or Changes()
        for kind, ids in kinds.items():
            if isinstance(ids, int):
                out.add(kind, ids)
            elif ids is None:
                out.add(kind)
            else:
                out.add(kind, *ids)  # type: ignore[misc]
        self.changed.emit(out)

"""What every page of the main window is: a widget with a title that refreshes itself.

Pages get the AppContext, load their data through services (via ``ctx.tasks`` for anything that
may take time), and refresh on ``ctx.events.changed`` when the kinds they show have changed.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from tracker.domain.changes import Changes
from ui.context import AppContext


class Page(QWidget):
    #: shown in the sidebar and as the page heading
    title: str = ""
    #: kinds of Changes that make this page reload (see tracker.domain.changes)
    watches: frozenset[str] = frozenset()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        ctx.events.changed.connect(self._on_changed)

    def refresh(self) -> None:
        """Reload what the page shows from the services."""

    def on_shown(self) -> None:
        """Called by the main window each time the page becomes the current one."""
        self.refresh()

    def _on_changed(self, changes: Changes) -> None:
        if changes.touches(*self.watches):
            self.on_changed(changes)

    def on_changed(self, changes: Changes) -> None:
        self.refresh()

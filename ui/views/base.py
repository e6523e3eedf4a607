"""What every page and tab is: a widget that refreshes itself when what it shows changed.

:class:`Refreshing` is the one base for pages of the main window and tabs of an activity page:
a published change whose kinds the view ``watches`` reloads it at once when it is on screen, and
only marks it stale when it is hidden; the next time it is shown it reloads. Views load through
``ui/ops.py`` (or a ``ui/reload.Reloader``), never on the GUI thread.
"""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget

from tracker.domain.changes import ChangeKind, Changes
from ui.context import AppContext


class Refreshing(QWidget):
    #: kinds of Changes that make this view reload (see tracker.domain.changes.ChangeKind)
    watches: frozenset[ChangeKind] = frozenset()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.stale = True  # nothing loaded yet
        self._shown_fresh = False  # the last showEvent reloaded (so on_shown need not)
        ctx.events.changed.connect(self._on_changed)

    def refresh(self) -> None:
        """Reload what the view shows (in the background)."""

    def relevant(self, changes: Changes, initiator: object) -> bool:
        """Whether a published change concerns this view (by default: a watched kind)."""
        return changes.touches(*self.watches)

    def on_changed(self, changes: Changes, initiator: object) -> None:
        """A relevant change while the view is on screen (by default: reload)."""
        self.refresh()

    def _on_changed(self, changes: Changes, initiator: object) -> None:
        if not self.relevant(changes, initiator):
            return
        if self.isVisible():
            self.stale = False
            self.on_changed(changes, initiator)
        else:
            self.stale = True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._shown_fresh = self.stale
        if self.stale:
            self.stale = False
            self.refresh()


class Page(Refreshing):
    """A page of the main window: shown in the sidebar with its title."""

    #: shown in the sidebar and as the page heading
    title: str = ""

    def on_shown(self) -> None:
        """Called by the main window each time the page becomes the current one: reload (what
        another workstation changed shows up), unless showing it just did."""
        if self._shown_fresh:
            self._shown_fresh = False
            return
        self.stale = False
        self.refresh()

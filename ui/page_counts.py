"""Numbers beside page titles in the sidebar ("Inbox  3").

A page whose :class:`~ui.views.registry.PageSpec` has a ``count`` shows it after its title. The
counts are read in one background load (never on the GUI thread), again when a write publishes a
change of a kind the page's ``count_watches`` names, and every :data:`POLL_MS` — so what another
workstation raised shows up too, without the user doing anything.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QListWidget

from tracker.domain.changes import Changes
from tracker.domain.policy import Actor
from tracker.errors import TrackerError
from tracker.services import Services
from ui.context import AppContext
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.registry import PageSpec

POLL_MS = 60_000  # gentle: one COUNT query a minute


def titled(title: str, count: int) -> str:
    """A sidebar entry's text: the title, and the count when there is one."""
    return f"{title}  {count}" if count > 0 else title


class PageCounts(QObject):
    """Keeps the counts of the sidebar's entries up to date while someone is signed in."""

    #: {page key: count}, after each load
    counted = Signal(object)

    def __init__(self, ctx: AppContext, sidebar: QListWidget) -> None:
        super().__init__(sidebar)
        self.ctx = ctx
        self.sidebar = sidebar
        self.counts: dict[str, int] = {}
        self._specs: list[PageSpec] = []
        self.reloader: Reloader[dict[str, int]] = Reloader(
            ctx, self._load, self._loaded, self._failed, label="Counting")
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.reloader.request)
        ctx.events.changed.connect(self._on_changed)

    def start(self, specs: list[PageSpec]) -> None:
        """A user signed in with these pages: count now, and from time to time."""
        self._specs = [s for s in specs if s.count is not None]
        self.counts = {}
        if self._specs:
            self.reloader.request()
            self.timer.start()
        else:
            self.timer.stop()

    def stop(self) -> None:
        """Signed out: no more counting (nor numbers of the previous user)."""
        self._specs = []
        self.counts = {}
        self.timer.stop()

    def _on_changed(self, changes: Changes, initiator: object) -> None:
        if any(changes.touches(*s.count_watches) for s in self._specs):
            self.reloader.request()

    def _load(self) -> Callable[[TaskState], dict[str, int]]:
        services, actor = self.ctx.services, self.ctx.user
        counters: list[tuple[str, Callable[[Services, Actor], int]]] = [
            (s.key, s.count) for s in self._specs if s.count is not None]
        return lambda state: {key: count(services, actor) for key, count in counters}

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, TrackerError):  # a count that cannot be read is left as it was
            raise exc

    def _loaded(self, counts: dict[str, int]) -> None:
        if not self._specs:  # signed out meanwhile
            return
        self.counts = counts
        titles = {s.key: s.title for s in self._specs}
        for row in range(self.sidebar.count()):
            item = self.sidebar.item(row)
            key = item.data(Qt.ItemDataRole.UserRole)
            if key in counts:
                item.setText(titled(titles[key], counts[key]))
                item.setData(Qt.ItemDataRole.AccessibleTextRole,
                             f"{titles[key]}, {counts[key]}" if counts[key] else titles[key])
        self.counted.emit(counts)

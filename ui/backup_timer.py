"""Automatic backups while the application runs: one at start when the newest automatic backup
is older than a day, then a check every hour (a backup at most once a day).

The copy runs on the reader pool, so it never delays the window or anybody's next write (SQLite's
backup API reads a consistent snapshot beside the writers). A failure is logged and said in the
status bar, never as a modal dialog: the person at the computer did not ask for this backup.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from tracker.services.backups import BackupFile
from ui.context import AppContext

log = logging.getLogger("ui.backups")

HOUR_MS = 60 * 60 * 1000


class BackupTimer(QObject):
    """``BackupTimer(ctx, parent, report).start()``; ``report`` shows a line in the status bar."""

    def __init__(self, ctx: AppContext, parent: QObject | None, report: Callable[[str], None], *,
                 interval_ms: int = HOUR_MS) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.report = report
        self.running = False
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(lambda: self.check("daily"))

    def start(self) -> None:
        self.check("start")
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def check(self, reason: str) -> None:
        """Make the automatic backup if it is due (one at a time)."""
        if self.running:
            return
        self.running = True
        service = self.ctx.services.backups
        self.ctx.tasks.run(lambda state: service.automatic(reason), on_done=self._done, on_error=self._failed,
                           label="Automatic backup")

    def _done(self, made: BackupFile | None) -> None:
        self.running = False
        if made is not None:
            self.report(f"Automatic backup written: {made.path.name}")

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        log.warning("automatic backup failed", exc_info=exc)
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        self.report(f"Automatic backup failed: {first} (details in the support log)")

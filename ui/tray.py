"""Desktop notifications: a tray icon that announces new notifications while the app runs.

Only where the platform has a system tray (``QSystemTrayIcon.isSystemTrayAvailable()``):
elsewhere — offscreen, some Linux desktops — :func:`desktop_notifier` returns None and nothing
else changes. The newest unread notifications are read in the background when a write publishes
a ``NOTIFICATION`` change for the user and every :data:`POLL_MS` (what another workstation
raised); what arrived since the last read, of the kinds the user wants "on the desktop", is shown
as one tray message. What was there when the user signed in is not announced again: the
sidebar's count and the Inbox show it. Clicking the message or the icon opens the Inbox.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from tracker.domain.changes import Changes
from tracker.errors import TrackerError
from tracker.services.notifications import NotificationInfo, Preferences
from ui import resources
from ui.context import AppContext
from ui.notifications import about, concerns, headline
from ui.reload import Reloader
from ui.tasks import TaskState

POLL_MS = 60_000
MESSAGE_MS = 8_000
NEWEST = 50  # unread notifications read per check: more arriving within a minute are summed up
LISTED = 3  # titles listed in a message about several


def to_announce(items: Sequence[NotificationInfo], seen: int, prefs: Preferences) -> list[NotificationInfo]:
    """The notifications newer than ``seen`` (the highest id already considered) that the user
    wants on the desktop, newest first."""
    def wanted(n: NotificationInfo) -> bool:
        choice = prefs.kinds.get(n.kind)
        return choice is None or choice.desktop

    return sorted((n for n in items if n.id > seen and not n.read and wanted(n)), key=lambda n: -n.id)


def message(items: Sequence[NotificationInfo]) -> tuple[str, str]:
    """The tray message's title and text for one notification or several."""
    if len(items) == 1:
        n = items[0]
        text = "\n".join(filter(None, (about(n), n.body)))
        return headline(n), text if len(text) <= 240 else text[:239].rstrip() + "…"
    lines = [headline(n) for n in items[:LISTED]]
    if len(items) > LISTED:
        lines.append(f"and {len(items) - LISTED} more in your Inbox")
    return f"{len(items)} new notifications", "\n".join(lines)


class DesktopNotifier(QObject):
    """Announces new notifications on ``tray``; ``open_inbox`` is called when one is clicked."""

    def __init__(self, ctx: AppContext, tray: QSystemTrayIcon, open_inbox: Callable[[], object]) -> None:
        super().__init__(tray)
        self.ctx = ctx
        self.tray = tray
        self._open_inbox = open_inbox
        self.seen: int | None = None  # None: nothing read yet for this user (nothing to announce)
        self.shown: list[tuple[str, str]] = []  # messages shown, newest last (tests, support)
        self.reloader: Reloader[tuple[Preferences, list[NotificationInfo]]] = Reloader(
            ctx, self._load, self._loaded, self._failed, label="Checking for notifications")
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.reloader.request)
        ctx.events.changed.connect(self._on_changed)
        tray.messageClicked.connect(self._open)
        tray.activated.connect(self._activated)

    def start(self) -> None:
        """Someone signed in: what is there now is their baseline; announce what comes after."""
        self.seen = None
        self.tray.setToolTip("Activity Tracker")
        self.tray.show()
        self.reloader.request()
        self.timer.start()

    def stop(self) -> None:
        """Signed out: nothing of the previous user is announced, and the icon goes."""
        self.seen = None
        self.timer.stop()
        self.tray.hide()

    def _on_changed(self, changes: Changes, initiator: object) -> None:
        if self.timer.isActive() and concerns(changes, self.ctx.actor):
            self.reloader.request()

    def _load(self) -> Callable[[TaskState], tuple[Preferences, list[NotificationInfo]]]:
        notifications, actor = self.ctx.services.notifications, self.ctx.user
        return lambda state: (notifications.preferences(actor),
                              notifications.inbox(actor, unread_only=True, limit=NEWEST))

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, TrackerError):  # e.g. the database busy: the next check tries again
            raise exc

    def _loaded(self, result: tuple[Preferences, list[NotificationInfo]]) -> None:
        if not self.timer.isActive():  # signed out meanwhile
            return
        prefs, items = result
        newest = max((n.id for n in items), default=0)
        if self.seen is None:
            self.seen = newest
            return
        fresh = to_announce(items, self.seen, prefs)
        self.seen = max(self.seen, newest)
        if fresh:
            title, text = message(fresh)
            self.shown.append((title, text))
            self.tray.showMessage(title, text, resources.app_icon(), MESSAGE_MS)

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self._open()

    def _open(self) -> None:
        self._open_inbox()


def desktop_notifier(ctx: AppContext, window: QWidget) -> DesktopNotifier | None:
    """A notifier with a tray icon for ``window`` (which must have ``show_page``), or None where
    the platform has no system tray."""
    if not QSystemTrayIcon.isSystemTrayAvailable():
        return None
    tray = QSystemTrayIcon(resources.app_icon(), window)

    def open_inbox() -> None:
        window.showNormal()
        window.raise_()
        window.activateWindow()
        show_page = getattr(window, "show_page", None)
        if callable(show_page) and "inbox" in getattr(window, "page_keys", []):
            show_page("inbox")

    return DesktopNotifier(ctx, tray, open_inbox)

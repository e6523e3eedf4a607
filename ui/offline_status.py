"""Offline work as the status bar shows it (issue 17): :class:`OfflineStatus` says whether the
window works on the school database or on this computer's copy, how many changes wait, and
offers "Sync now" and "Needs your decision (N)"; :class:`SyncController` keeps it true.

The controller probes the school database every 15 s while offline and sends the waiting changes
when it answers (also on "Sync now"), with a countdown; it keeps the offline copy fresh in the
background while online (at sign-in and every 10 minutes). The router tells it about every switch
on the thread that made it: a queued Qt signal brings that to the GUI thread, where every page is
told to reload (wherever the data now is). Nothing here touches a database on the GUI thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from tracker.domain.changes import ChangeKind, Changes
from tracker.domain.enums import Role
from tracker.errors import TrackerError
from tracker.offline.router import RoutedServices
from tracker.offline.sync import SyncReport
from tracker.paths import ConfigError, configured_database
from ui import resources, theme
from ui.context import AppContext
from ui.dialogs import app_settings
from ui.notifications import local_time
from ui.ops import ReadOp, WriteOp
from ui.pending_jobs import plural
from ui.tasks import TaskState
from ui.widgets.elided import ElidedLabel

log = logging.getLogger(__name__)

#: the QSettings key of "wipe this computer's offline copy when I sign out" (Take-offline dialog)
WIPE_ON_SIGN_OUT = "offline/wipe_on_sign_out"
OFFLINE_TEXT = ("Offline — your changes are kept on this computer and will be sent when the school "
                "database is back")
NOT_AVAILABLE = "Not available offline: needs the school database"
#: the kinds of change queued offline (the count of waiting changes follows them)
QUEUED_KINDS = (ChangeKind.ATTENDANCE, ChangeKind.MILESTONE)
#: offline, the indicator stands out (the colour is not all: the icon and the words say it too)
STYLE = (f"#offlineStatus[offline=\"true\"] {{ background: #fdebd9; border: 1px solid {theme.RISK}; "
         "border-radius: 4px; }"
         f"#offlineStatus[offline=\"true\"] QLabel {{ color: {theme.TEXT}; }}"
         "QLabel#offlineIcon { padding: 0 0 0 4px; }")
PROBE_MS = 15_000
REFRESH_MS = 10 * 60_000


def wipe_on_sign_out() -> bool:
    """Whether signing out deletes the offline copy: as chosen, else on by default where the
    machine's configuration names the school database (a shared workstation)."""
    value = app_settings().value(WIPE_ON_SIGN_OUT)
    if value is None:
        try:
            return configured_database() is not None
        except ConfigError:
            return False
    return str(value).lower() in ("true", "1", "yes")


@dataclass(frozen=True)
class OfflineState:
    """What the status bar shows, read in the background."""

    online: bool
    has_replica: bool = False
    waiting: int = 0
    decisions: int = 0
    synced_at: datetime | None = None  # naive UTC, as stored


def read_state(router: RoutedServices) -> OfflineState:
    """The router's state and its copy's counts (opens the copy: never on the GUI thread)."""
    online = router.online
    summary = router.replica_summary()
    if summary is None:
        return OfflineState(online)
    return OfflineState(online, True, summary.waiting, summary.decisions, summary.synced_at)


def when_text(moment: datetime, now: datetime | None = None) -> str:
    """A stored (naive UTC) time as the user reads it: "14:05" today, else "2 Dec 14:05"."""
    local = local_time(moment)
    today = (now or datetime.now()).date()
    return f"{local:%H:%M}" if local.date() == today else f"{local.day} {local:%b %H:%M}"


def status_text(state: OfflineState) -> str:
    """The sentence of the status bar ("" online without an offline copy: nothing to say)."""
    if not state.online:
        return f"{OFFLINE_TEXT} ({state.waiting} waiting)"
    if state.waiting:
        return f"Offline copy: {plural(state.waiting, 'change')} waiting to be sent"
    if state.has_replica and state.synced_at is not None:
        return f"Offline copy: synchronised {when_text(state.synced_at)}"
    return ""


def sending_text(done: int, total: int) -> str:
    """The countdown while sending: "Sending 12 of 40…"."""
    return f"Sending {done} of {total}…"


def report_text(report: SyncReport | None) -> str:
    """What a sync did, in one line for the status bar."""
    if report is None:
        return "The school database still cannot be reached: your changes stay on this computer."
    sent = report.applied + report.same + report.already
    parts = [f"Sent {plural(sent, 'change')} to the school database"]
    if report.decisions:
        parts.append(f"{plural(report.decisions, 'change')} need your decision")
    if report.left:
        parts.append(f"{report.left} still waiting")
    return "; ".join(parts) + "."


class OfflineStatus(QWidget):
    """The status bar's offline indicator: icon, sentence (elided, whole in the tooltip), the
    countdown while sending, "Sync now" and "Needs your decision (N)"."""

    sync_requested = Signal()
    decisions_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offlineStatus")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.state = OfflineState(online=True)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 0, 2, 0)
        row.setSpacing(6)
        self.setStyleSheet(STYLE)
        self.icon = QLabel()
        self.icon.setObjectName("offlineIcon")
        self.icon.setPixmap(resources.pixmap("offline", 16, theme.RISK))
        self.icon.setFixedSize(QSize(20, 16))
        self.icon.setToolTip("Working offline")
        self.label = ElidedLabel(mode=Qt.TextElideMode.ElideMiddle)  # the count at the end stays in view
        self.label.setAccessibleName("Offline status")
        self.label.setIndent(0)  # the whole contents are for the text (it is elided to them)
        self.label.installEventFilter(self)
        self.decisions_button = QToolButton()
        self.decisions_button.setAutoRaise(True)
        self.decisions_button.setToolTip("Changes made offline that someone else changed meanwhile: "
                                         "keep theirs or use yours")
        self.decisions_button.clicked.connect(self.decisions_requested)
        self.sync_button = QToolButton()
        self.sync_button.setText("Sync now")
        self.sync_button.setAutoRaise(True)
        self.sync_button.setToolTip("Send the changes kept on this computer to the school database now")
        self.sync_button.clicked.connect(self.sync_requested)
        row.addWidget(self.icon)
        row.addWidget(self.label, 1)
        row.addWidget(self.decisions_button)
        row.addWidget(self.sync_button)
        self.show_state(self.state)

    def show_state(self, state: OfflineState) -> None:
        self.state = state
        offline = not state.online
        self.icon.setVisible(offline)
        if self.property("offline") != offline:
            self.setProperty("offline", offline)
            for widget in (self, self.label):
                widget.style().unpolish(widget)
                widget.style().polish(widget)
        text = status_text(state)
        self.label.setText(text)  # elided with the font the style gave it
        # online the short "Offline copy: synchronised 14:05" is shown whole; offline the long
        # sentence gives way (its count stays in view)
        self.label.setMinimumWidth(0 if offline else self.label.fontMetrics().horizontalAdvance(text) + 16)
        self.decisions_button.setText(f"Needs your decision ({state.decisions})")
        self.decisions_button.setVisible(state.decisions > 0)
        # online with nothing to send it has nothing to do (File ▸ Sync now stays)
        self.sync_button.setVisible(offline or state.waiting > 0)
        self.setVisible(offline or state.has_replica or state.waiting > 0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """The status bar's style (font, padding) reaches the label when it is shown, without a
        resize: elide again for the room it really has."""
        if watched is self.label and event.type() in (QEvent.Type.FontChange, QEvent.Type.ContentsRectChange):
            self.label.setText(self.label.full_text())
        return super().eventFilter(watched, event)

    def show_progress(self, text: str) -> None:
        """The countdown while the waiting changes are sent ("Sending 12 of 40…")."""
        self.label.setText(text)
        self.sync_button.setEnabled(False)

    def sync_finished(self) -> None:
        self.sync_button.setEnabled(True)
        self.show_state(self.state)


class SyncController(QObject):
    """Probes, sends and refreshes in the background for ``ctx.services`` (a router); see the
    module's text. ``message`` carries short reports for the status bar."""

    switched = Signal()  # emitted on whatever thread the router switched; handled queued
    state_changed = Signal(object)  # OfflineState, on the GUI thread
    mode_changed = Signal(bool)  # online; before the pages are told to reload
    message = Signal(str)

    def __init__(self, ctx: AppContext, router: RoutedServices, status: OfflineStatus,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.router = router
        self.status = status
        self.syncing = False
        self.refreshing = False
        self.switched.connect(self._on_switched, Qt.ConnectionType.QueuedConnection)
        router.listen(self.switched.emit)
        self.probe_timer = QTimer(self)
        self.probe_timer.setInterval(PROBE_MS)
        self.probe_timer.timeout.connect(self.probe)
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(REFRESH_MS)
        self.refresh_timer.timeout.connect(self.refresh_replica)
        status.sync_requested.connect(self.sync_now)
        ctx.events.changed.connect(self._on_changed)

    # ------------------------------------------------------------------ session
    def start(self) -> None:
        """Someone signed in: the copy is theirs from now on; refresh it if online."""
        self.router.actor = self.ctx.actor
        self._follow_state()
        self.reload()
        if self.router.online:
            self.refresh_replica()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """The window closed: nothing runs in the background for it any more."""
        if event.type() == QEvent.Type.Close:
            self.stop()
        return False

    def stop(self) -> None:
        """Signed out (or the window closed): no probing or refreshing for nobody."""
        self.probe_timer.stop()
        self.refresh_timer.stop()
        self.router.actor = None

    def _follow_state(self) -> None:
        online = self.router.online
        (self.refresh_timer.start if online else self.probe_timer.start)()
        (self.probe_timer.stop if online else self.refresh_timer.stop)()

    # ------------------------------------------------------------------ the state
    def reload(self) -> None:
        router = self.router
        ReadOp(None, self.ctx, lambda state: read_state(router), label="Offline status") \
            .success(self._show).failure(self._log_failure).run_in_background()

    def _show(self, state: OfflineState) -> None:
        if self.syncing:
            self.status.state = state
        else:
            self.status.show_state(state)
        self.state_changed.emit(state)

    def _on_changed(self, changes: Changes, initiator: object) -> None:
        """Offline, a mark or a tick just made is one more change waiting: count again."""
        if initiator is not self and not self.router.online and changes.touches(*QUEUED_KINDS):
            self.reload()

    @Slot()
    def _on_switched(self) -> None:
        """The router went offline or back online: every page reloads from wherever the data
        now is, the status bar says so, the timers follow."""
        self._follow_state()
        self.mode_changed.emit(self.router.online)
        everything = Changes()
        for kind in ChangeKind:
            everything.add(kind)
        self.ctx.events.publish(everything, self)
        self.reload()

    # ------------------------------------------------------------------ probing and sending
    def probe(self) -> None:
        """Offline: ask (off the GUI thread) whether the school database answers; if so, send."""
        if self.router.online or self.syncing or self.ctx.actor is None:
            return
        router = self.router
        # on a reader thread: a server that does not answer costs the connect timeout there, and
        # marks made offline meanwhile (the writer thread) never wait behind it
        ReadOp(None, self.ctx, lambda state: router.server_answers(), label="Checking the school database") \
            .success(lambda answers: self.sync_now(quiet=True) if answers else None) \
            .failure(self._log_failure).run_in_background()

    def sync_now(self, *, quiet: bool = False) -> None:
        """Send the waiting changes (and go back online) with a countdown in the status bar;
        ``quiet``: the probe's attempt, which says nothing while the server still does not answer."""
        if self.syncing or self.ctx.actor is None:
            return
        self.syncing = True
        router = self.router

        def send(state: TaskState) -> SyncReport | None:
            return router.try_online(progress=lambda done, total, _text: state.set_progress(
                done, total, sending_text(done, total)), cancelled=lambda: state.cancelled)

        def progressed(_fraction: float, text: str) -> None:
            if text:
                self.status.show_progress(text)

        def finished(report: SyncReport | None) -> None:
            self._sync_done()
            if report is not None or not quiet:
                self.message.emit(report_text(report))
            if report is not None and router.online:
                self.refresh_replica()

        WriteOp(None, self.ctx, send, label="Sending the changes made offline", initiator=self) \
            .on_progress(progressed).success(finished).failure(self._sync_failed).run_in_background()

    def _sync_done(self) -> None:
        self.syncing = False
        self.status.sync_finished()
        self._follow_state()
        self.reload()

    def _sync_failed(self, exc: BaseException) -> bool:
        self._sync_done()
        log.warning("sending the changes made offline failed", exc_info=exc)
        self.message.emit(f"The changes made offline could not be sent yet: {exc}")
        return True

    # ------------------------------------------------------------------ the offline copy
    def wants_refresh(self) -> bool:
        """A teacher's copy is kept fresh always; an administrator's only once they took one."""
        actor = self.ctx.actor
        if actor is None or not self.router.online:
            return False
        return actor.role is Role.TEACHER or self.router.has_replica()

    def refresh_replica(self) -> None:
        """Bring the offline copy up to date in the background; failures go to the support log."""
        if self.refreshing or self.syncing or not self.wants_refresh():
            return
        self.refreshing = True
        router = self.router

        def done(_summary: object) -> None:
            self.refreshing = False
            self.reload()

        def failed(exc: BaseException) -> bool:
            self.refreshing = False
            return self._log_failure(exc)

        # a write: it must not overlap sending, which reads and empties the same copy
        WriteOp(None, self.ctx, lambda state: router.refresh_replica(), label="Refreshing the offline copy",
                initiator=self).success(done).failure(failed).run_in_background()

    def _log_failure(self, exc: BaseException) -> bool:
        if isinstance(exc, TrackerError):
            log.info("offline status: %s", exc)
        else:
            log.warning("offline status failed", exc_info=exc)
        return True


__all__ = ["NOT_AVAILABLE", "OFFLINE_TEXT", "WIPE_ON_SIGN_OUT", "OfflineState", "OfflineStatus", "SyncController",
           "read_state", "report_text", "sending_text", "status_text", "wipe_on_sign_out"]

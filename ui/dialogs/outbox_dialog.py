"""File ▸ E-mail outbox… (administrators): the e-mail queue on screen, what the CLI's
``activity-tracker outbox`` prints, with "Send due now", "Resend…" and "Copy error".

The list is one background read of ``services.email.outbox`` (and whether e-mail is set up at
all, for the empty state); the status filter works on that snapshot. It reloads when
notifications or settings change and every 30 s while it is open, because the background sender
changes the rows without publishing anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import ChangeKind
from tracker.services.email_outbox import OutboxInfo, SendReport
from ui.context import AppContext
from ui.dialogs import header
from ui.models.base import RIGHT, Column, FilterProxy, SnapshotModel
from ui.ops import ReadOp, WriteOp
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.base import Refreshing
from ui.widgets.actions import row_button
from ui.widgets.elided import ElidedLabel
from ui.widgets.empty import EmptyState
from ui.widgets.style import colour, when
from ui.widgets.tables import apply_widths, make_table

REFRESH_MS = 30_000  # the background sender changes rows without telling anyone: look again
#: status -> (what people read, theme colour)
STATUSES: dict[str, tuple[str, str]] = {
    "queued": ("Queued", "ACCENT"),
    "digest": ("Daily digest", "MUTED"),
    "sending": ("Sending", "WARN"),
    "sent": ("Sent", "OK"),
    "failed": ("Failed", "RISK"),
}
RESENDABLE = ("sent", "failed")
NOT_CONFIGURED = "E-mail is off until an SMTP server is set in E-mail settings."
SEND_TIP = "Send what is due now instead of waiting for the background sender"
COL_TO, COL_SUBJECT, COL_STATUS, COL_TRIES, COL_WHEN, COL_ERROR = range(6)


def local(value: datetime | None) -> datetime | None:
    """Stored times are naive UTC; people read their own clock."""
    return None if value is None else value.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


def status_text(status: str) -> str:
    return STATUSES.get(status, (status.capitalize(), "MUTED"))[0]


def when_text(m: OutboxInfo) -> str:
    """The next try for what waits; for the rest, when it was handed to the server ("—" if never)."""
    if m.status in ("queued", "digest", "sending"):
        return when(local(m.next_attempt_at))
    return when(local(m.sent_at))


def report_text(report: SendReport) -> str:
    if report.not_configured:
        return f"{NOT_CONFIGURED} {report.waiting} waiting."
    return f"Sent {report.sent}, failed {report.failed}, {report.waiting} waiting for the network."


@dataclass(frozen=True)
class OutboxSnapshot:
    messages: list[OutboxInfo]
    configured: bool


class OutboxModel(SnapshotModel[OutboxInfo]):
    """The messages; the status in its colour (and its word, for those who cannot tell colours)."""

    columns = (
        Column("To", lambda m: m.to_address, tooltip=lambda m: m.to_address, width=180),
        Column("Subject", lambda m: m.subject, tooltip=lambda m: m.subject, width=200),
        Column("Status", lambda m: "● " + status_text(m.status), width=104),
        Column("Tries", lambda m: str(m.attempts), value=lambda m: m.attempts, align=RIGHT, width=52),
        Column("Next try / sent", when_text, sort=lambda m: m.next_attempt_at or m.sent_at or m.created_at,
               width=140, header_tooltip="Waiting messages: the next try. Sent ones: when the server took "
                                         "them (your computer's time)."),
        Column("Last error", lambda m: m.last_error or "", tooltip=lambda m: m.last_error or "", width=190),
    )

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and index.isValid() and index.column() == COL_STATUS:
            return colour(STATUSES.get(self.record(index.row()).status, ("", "MUTED"))[1])
        return super().data(index, role)


class OutboxPanel(Refreshing):
    """The outbox list with its filter and actions (the dialog's body; a view for its watches)."""

    watches = frozenset({ChangeKind.NOTIFICATION, ChangeKind.SETTING})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.snapshot = OutboxSnapshot([], True)
        self.confirm_box: QMessageBox | None = None
        self.reloader: Reloader[OutboxSnapshot] = Reloader(ctx, self._load, self._loaded, label="E-mail outbox")
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show"))
        self.status_filter = QComboBox()
        self.status_filter.setAccessibleName("Status filter")
        # the counts change the labels' width: the box grows with them instead of cutting them
        self.status_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.status_filter.addItem("All messages", "")
        for status, (label, _) in STATUSES.items():
            self.status_filter.addItem(label, status)
        self.status_filter.currentIndexChanged.connect(self._filter)
        bar.addWidget(self.status_filter)
        self.summary = ElidedLabel()
        self.summary.setProperty("muted", True)
        self.summary.setAccessibleName("Outbox summary")
        bar.addWidget(self.summary, 1)
        layout.addLayout(bar)

        self.model = OutboxModel(self)
        self.proxy = FilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = make_table(dict(enumerate(c.width for c in OutboxModel.columns)), stretch=COL_SUBJECT)
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("E-mail outbox")
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # newest first, as the service gives them
        apply_widths(self.table)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.empty = EmptyState()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)

        self.result = ElidedLabel()
        self.result.setAccessibleName("Result")
        layout.addWidget(self.result)
        actions = QHBoxLayout()
        self.send_button = row_button("Send due now", SEND_TIP, self.send_due, actions)
        self.resend_button = row_button("Resend…", "Queue the selected sent or failed message again "
                                          "(same Message-ID)", self.ask_resend, actions)
        self.copy_button = row_button("Copy error", "Copy the selected message's last error",
                                        self.copy_error, actions)
        actions.addStretch(1)
        layout.addLayout(actions)
        self._selection_changed()


    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], OutboxSnapshot]:
        service, actor = self.ctx.services.email, self.ctx.user
        return lambda state: OutboxSnapshot(service.outbox(actor),
                                            service.smtp_settings(actor).settings.configured)

    def _loaded(self, snapshot: OutboxSnapshot) -> None:
        chosen = self.selected()
        self.snapshot = snapshot
        self.model.set_rows(snapshot.messages)
        self._show_counts()
        self._filter()
        if chosen is not None:
            self.select(chosen.id)

    def _show_counts(self) -> None:
        counts: dict[str, int] = {}
        for m in self.snapshot.messages:
            counts[m.status] = counts.get(m.status, 0) + 1
        for i in range(1, self.status_filter.count()):
            status = str(self.status_filter.itemData(i))
            self.status_filter.setItemText(i, f"{status_text(status)} ({counts.get(status, 0)})")
        self.status_filter.setItemText(0, f"All messages ({len(self.snapshot.messages)})")
        parts = [f"{counts[s]} {status_text(s).lower()}" for s in STATUSES if counts.get(s)]
        off = "" if self.snapshot.configured or not parts else f" {NOT_CONFIGURED}"  # else: the empty state
        self.summary.setText((", ".join(parts) + "." if parts else "") + off)
        self.send_button.setEnabled(self.snapshot.configured)
        self.send_button.setToolTip(SEND_TIP if self.snapshot.configured else NOT_CONFIGURED)

    def _filter(self) -> None:
        wanted = str(self.status_filter.currentData() or "")
        self.proxy.set_predicate((lambda m: m.status == wanted) if wanted else None)
        if not self.snapshot.messages:
            self.empty.set_text("No e-mail waiting.", "" if self.snapshot.configured else NOT_CONFIGURED)
        elif self.proxy.rowCount() == 0:
            self.empty.set_text(f"No “{status_text(wanted)}” messages.",
                                "Choose “All messages” to see the others.")
        self.stack.setCurrentWidget(self.table if self.proxy.rowCount() else self.empty)
        self._selection_changed()

    # ------------------------------------------------------------------ selection
    def selected(self) -> OutboxInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.record(rows[0].row()) if rows else None

    def select(self, message_id: int) -> None:
        for row in range(self.proxy.rowCount()):
            if self.proxy.record(row).id == message_id:
                self.table.selectRow(row)
                return

    def _selection_changed(self, *_: object) -> None:
        m = self.selected()
        self.resend_button.setEnabled(m is not None and m.status in RESENDABLE)
        self.copy_button.setEnabled(m is not None and bool(m.last_error))

    # ------------------------------------------------------------------ actions
    def send_due(self) -> None:
        """Runs one pass of the sender on the reader pool, not the writer thread: it commits its
        own short steps (as the background sender's thread does) and must not hold the one writer
        thread while it waits for the network. The settings read first is the admin check."""
        service, actor = self.ctx.services.email, self.ctx.user

        def send(state: TaskState) -> SendReport:
            service.smtp_settings(actor)
            return service.send_due()

        self.send_button.setEnabled(False)
        self.result.setText("Sending…")
        ReadOp(self, self.ctx, send, label="Send e-mail").success(self._sent) \
            .failure(self._send_failed).run_in_background()

    def _sent(self, report: SendReport) -> None:
        self.result.setText(report_text(report))
        self.result.setToolTip("\n".join(report.errors))
        self.refresh()

    def _send_failed(self, exc: BaseException) -> bool:
        self.send_button.setEnabled(self.snapshot.configured)
        self.result.setText("")
        return False  # shown the standard way

    def ask_resend(self) -> None:
        m = self.selected()
        if m is None or m.status not in RESENDABLE:
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Resend e-mail",
                          f"Send “{m.subject}” to {m.to_address} again?\n\nIt keeps its Message-ID, so a mail "
                          "system that already has it drops the copy.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.button(QMessageBox.StandardButton.Yes).setText("Resend")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.confirm_box = box

        def answered(code: int) -> None:
            self.confirm_box = None
            box.deleteLater()
            if code == QMessageBox.StandardButton.Yes:
                self.resend(m.id)

        box.finished.connect(answered)
        box.open()

    def resend(self, message_id: int) -> None:
        service, actor = self.ctx.services.email, self.ctx.user
        WriteOp(self, self.ctx, lambda state: service.resend(actor, [message_id]), label="Resend e-mail") \
            .success(self._resent).run_in_background()

    def _resent(self, count: int) -> None:
        self.result.setText("Queued again: it goes with the next sending (or press “Send due now”)."
                            if count else "Nothing to resend: the message changed meanwhile.")
        self.result.setToolTip("")
        self.refresh()

    def copy_error(self) -> None:
        m = self.selected()
        if m is not None and m.last_error:
            QGuiApplication.clipboard().setText(m.last_error)
            self.result.setText("The error was copied.")

    # ------------------------------------------------------------------ the 30 s look
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt override
        self.timer.stop()
        super().hideEvent(event)


class OutboxDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("E-mail outbox")
        room = (parent or self).screen().availableGeometry()
        self.resize(min(1100, room.width() - 100), min(620, room.height() - 140))  # the subject gets the rest
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 20)
        layout.setSpacing(14)
        layout.addWidget(header("settings", "E-mail outbox",
                                "Notifications waiting to go by e-mail, sent, and those that failed."))
        self.panel = OutboxPanel(ctx, self)
        layout.addWidget(self.panel, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def open_outbox(parent: QWidget, ctx: AppContext) -> OutboxDialog:
    dialog = OutboxDialog(ctx, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


__all__ = ["OutboxDialog", "OutboxPanel", "open_outbox", "report_text"]

"""What the user decides after a write: the notices its transaction raised.

Reverting a completion (a milestone unticked, a status set back by hand) never deletes the
certificate it earned: the school may want it to stand. The write's notices
(:mod:`tracker.domain.notices`) arrive here once it committed, and the user who made the change
is offered to revoke each certificate, with the reason the revocation needs; "Keep it valid"
leaves it as it is.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from tracker.domain.notices import CertificateStillValid, Notice
from ui.context import AppContext
from ui.dialogs.reason_dialog import ReasonDialog
from ui.ops import WriteOp


class NoticeDesk(QObject):
    """Listens to ``ctx.events.notices`` and asks, one certificate at a time."""

    def __init__(self, ctx: AppContext, window: QWidget, say: Callable[[str], object]) -> None:
        super().__init__(window)
        self.ctx = ctx
        self.window = window
        self.say = say  # the status bar
        self.waiting: list[CertificateStillValid] = []
        self.dialog: ReasonDialog | None = None
        ctx.events.notices.connect(self.received)

    def received(self, notices: tuple[Notice, ...], parent: object) -> None:
        self.waiting += [n for n in notices if isinstance(n, CertificateStillValid)]
        self._next()

    def _next(self) -> None:
        if self.dialog is not None or not self.waiting:
            return
        notice = self.waiting.pop(0)
        dialog = ReasonDialog(
            "Certificate still valid",
            f"{notice.student} no longer has {notice.activity} completed, but certificate "
            f"{notice.serial} still verifies as valid. To revoke it, say why; otherwise keep it.",
            "Revoke", self.window, cancel="Keep it valid")
        dialog.accepted.connect(lambda: self._revoke(notice.serial, dialog.text()))
        dialog.finished.connect(self._closed)
        dialog.open()
        self.dialog = dialog

    def _closed(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None
        self._next()

    def _revoke(self, serial: str, reason: str) -> None:
        service, actor = self.ctx.services.certificates, self.ctx.user
        WriteOp(self.window, self.ctx, lambda state: service.revoke(actor, serial, reason=reason),
                label="Revoking the certificate").success(
            lambda c: self.say(f"Certificate {serial} revoked.")).run_in_background()

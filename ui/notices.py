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
from ui.tasks import TaskState


class NoticeDesk(QObject):
    """Listens to ``ctx.events.notices`` and asks about the certificates still valid."""

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
        """One question for everything waiting: a bulk change (a milestone unticked for a whole
        group) asks once for all its certificates, not once per student."""
        if self.dialog is not None or not self.waiting:
            return
        notices, self.waiting = self.waiting, []
        if len(notices) == 1:
            n = notices[0]
            question = (f"{n.student} no longer has {n.activity} completed, but certificate {n.serial} "
                        "still verifies as valid. To revoke it, say why; otherwise keep it.")
            title, action, keep = "Certificate still valid", "Revoke", "Keep it valid"
        else:
            shown = "\n".join(f"• {n.student} — {n.activity} ({n.serial})" for n in notices[:8])
            more = f"\n… and {len(notices) - 8} more" if len(notices) > 8 else ""
            question = (f"{len(notices)} students no longer have their activity completed, but their "
                        f"certificates still verify as valid:\n{shown}{more}\n"
                        "To revoke them all, say why; otherwise keep them.")
            title, action, keep = "Certificates still valid", f"Revoke {len(notices)}", "Keep them valid"
        dialog = ReasonDialog(title, question, action, self.window, cancel=keep)
        serials = [n.serial for n in notices]
        dialog.accepted.connect(lambda: self._revoke(serials, dialog.text()))
        dialog.finished.connect(self._closed)
        dialog.open()
        self.dialog = dialog

    def _closed(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None
        self._next()

    def _revoke(self, serials: list[str], reason: str) -> None:
        service, actor = self.ctx.services.certificates, self.ctx.user

        def revoke(state: TaskState) -> int:
            for serial in serials:
                service.revoke(actor, serial, reason=reason)
            return len(serials)

        said = f"Certificate {serials[0]} revoked." if len(serials) == 1 else f"{len(serials)} certificates revoked."
        WriteOp(self.window, self.ctx, revoke, label="Revoking the certificates").success(
            lambda n: self.say(said)).run_in_background()

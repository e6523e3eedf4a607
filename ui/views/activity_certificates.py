"""The Certificates tab of an activity: what was issued, to whom, and whether it still stands.

A table over ``services.certificates.list_for_activity`` (serial, code, student, issued on,
status, reason), read by the tab's :class:`ui.reload.Reloader`. Actions: the certificate wizard
on this activity (choose students and template, write, print), issue for every completed
student without one in one go (their files are written into the school's certificate folder
after the commit; "Open folder" then shows it), reissue and revoke the selected certificate
(each asks for the reason, which is audited) and open its PDF. Writes are operations on the
writer thread; the certificate changes they publish reload the tab, and so do enrollment and
progress changes (a completion issues a certificate).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QMessageBox, QPushButton, QVBoxLayout, QWidget

from tracker.domain.changes import ChangeKind
from tracker.services.certificates import CertificateInfo, CertificateStatus, certificate_folder
from ui.context import AppContext
from ui.dialogs.reason_dialog import ReasonDialog
from ui.models.base import Column, SnapshotModel
from ui.ops import WriteOp
from ui.pending_jobs import plural
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.base import Refreshing
from ui.widgets.action_bar import action_button
from ui.widgets.elided import ElidedLabel
from ui.widgets.style import colour, day, set_style_flag, styled_label
from ui.widgets.tables import apply_widths, make_table

#: the theme colour of each status in the table (as in the Verify dialog)
STATUS_COLOURS = {CertificateStatus.VALID: "OK", CertificateStatus.SUPERSEDED: "WARN",
                  CertificateStatus.REVOKED: "RISK"}


class CertificatesModel(SnapshotModel[CertificateInfo]):
    SERIAL, CODE, STUDENT, ISSUED, STATUS, REASON = range(6)

    columns = (
        Column("Serial", lambda c: c.serial, width=110),
        Column("Code", lambda c: c.code, width=120, tooltip=lambda c: "The short code anyone can verify"),
        Column("Student", lambda c: c.student, width=180, tooltip=lambda c: c.student),
        Column("Issued on", lambda c: day(c.issued_at), value=lambda c: c.issued_at, width=110),
        Column("Status", lambda c: c.status.value.capitalize(), width=100),
        Column("Reason", lambda c: c.reason or "", width=200, tooltip=lambda c: c.reason or ""),
    )

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and index.isValid() and index.column() == self.STATUS:
            name = STATUS_COLOURS.get(self.record(index.row()).status)
            return colour(name) if name else None
        return super().data(index, role)

    def muted(self, record: CertificateInfo) -> bool:
        """A certificate that no longer stands is greyed out: the valid ones catch the eye."""
        return record.status is not CertificateStatus.VALID


class CertificatesTab(Refreshing):
    """The activity's certificates with issue, reissue, revoke and open."""

    watches = frozenset({ChangeKind.CERTIFICATE, ChangeKind.ENROLLMENT, ChangeKind.PROGRESS, ChangeKind.USER})

    def __init__(self, ctx: AppContext, activity_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.activity_id = activity_id
        self.dialog: ReasonDialog | None = None
        self.wizard: QWidget | None = None
        self.message_box: QMessageBox | None = None
        self.reloader = Reloader(ctx, self._load, self._loaded, self._failed, label="Loading the certificates")
        self.model = CertificatesModel(self)

        self.wizard_action = self._action("Certificate wizard…",
                                          "Choose the students and the template, write the certificates, "
                                          "then print them or save them as one PDF", self.open_wizard)
        self.issue_action = self._action("Issue for completed students",
                                         "A certificate for every student who completed the activity "
                                         "and has none yet", self.issue)
        self.reissue_action = self._action("Reissue…", "A new serial for the selected certificate "
                                           "(after a name correction); the old one is superseded", self.reissue)
        self.revoke_action = self._action("Revoke…", "Withdraw the selected certificate: it no longer "
                                          "verifies as valid", self.revoke)
        self.open_action = self._action("Open PDF", "Open the selected certificate's file", self.open_pdf)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 10, 0, 0)
        outer.setSpacing(8)
        bar = QHBoxLayout()
        self.counts = ElidedLabel("")  # beside two buttons: elided on a small screen, whole in its tooltip
        set_style_flag(self.counts, "muted")
        bar.addWidget(self.counts, 1)
        self.issue_button: QPushButton = action_button(self.issue_action)
        bar.addWidget(self.issue_button)
        self.wizard_button: QPushButton = action_button(self.wizard_action, primary=True)
        bar.addWidget(self.wizard_button)
        outer.addLayout(bar)

        self.table = make_table({i: c.width for i, c in enumerate(CertificatesModel.columns)},
                                stretch=CertificatesModel.REASON)
        self.table.setModel(self.model)
        apply_widths(self.table)
        self.table.setAccessibleName("Certificates of the activity")
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.table.doubleClicked.connect(lambda _i: self.open_pdf())
        for a in (self.open_action, self.reissue_action, self.revoke_action):
            self.table.addAction(a)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        outer.addWidget(self.table, 1)

        below = QHBoxLayout()
        self.message = styled_label("", muted=True)
        self.message.setWordWrap(True)
        below.addWidget(self.message, 1)
        for a in (self.open_action, self.reissue_action, self.revoke_action):
            below.addWidget(action_button(a))
        outer.addLayout(below)
        self._update_actions()

    def _action(self, text: str, tip: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], list[CertificateInfo]]:
        service, actor, aid = self.ctx.services.certificates, self.ctx.user, self.activity_id
        return lambda state: service.list_for_activity(actor, aid)

    def _loaded(self, rows: list[CertificateInfo]) -> None:
        chosen = self.selected()
        self.model.set_rows(rows)
        valid = sum(1 for c in rows if c.status is CertificateStatus.VALID)
        self.counts.setText(f"{plural(len(rows), 'certificate')}, {valid} valid" if rows else
                            "No certificates yet: they are issued when a student completes the activity.")
        if chosen is not None:
            row = self.model.row_of(lambda c: c.id == chosen.id)
            if row >= 0:
                self.table.selectRow(row)
        self._update_actions()

    def _failed(self, exc: BaseException) -> None:
        self.model.set_rows([])
        self.counts.setText(f"The certificates could not be loaded: {exc}")
        self._update_actions()

    def selected(self) -> CertificateInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def _update_actions(self) -> None:
        chosen = self.selected()
        valid = chosen is not None and chosen.status is CertificateStatus.VALID
        self.reissue_action.setEnabled(valid)
        self.revoke_action.setEnabled(chosen is not None and chosen.status is not CertificateStatus.REVOKED)
        self.open_action.setEnabled(chosen is not None and chosen.path is not None)

    # ------------------------------------------------------------------ writes
    def issue(self) -> None:
        """Issue for every completed student who has no valid certificate, then say how many."""
        service, actor, aid, db = self.ctx.services.certificates, self.ctx.user, self.activity_id, self.ctx.services.db
        before = {c.id for c in self.model.rows()}

        def run(state: TaskState) -> tuple[list[CertificateInfo], Path]:
            issued = service.issue(actor, aid, progress=lambda done, total: state.set_progress(done, total),
                                   cancelled=lambda: state.cancelled)
            return issued, certificate_folder(db)

        WriteOp(self, self.ctx, run, label="Issuing certificates").progress("Issuing certificates") \
            .success(lambda result: self._issued([c for c in result[0] if c.id not in before], result[1])) \
            .run_in_background()

    def _issued(self, new: list[CertificateInfo], folder: Path) -> None:
        text = (f"{plural(len(new), 'certificate')} issued; the files are written into {folder}." if new else
                "Every student who completed the activity already has a certificate.")
        self.message.setText(text)
        box = QMessageBox(QMessageBox.Icon.Information, "Certificates", text, QMessageBox.StandardButton.Close, self)
        open_folder = box.addButton("Open folder", QMessageBox.ButtonRole.ActionRole)
        open_folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.message_box = box

    def open_wizard(self) -> QWidget:
        """The certificate wizard on this activity's students."""
        from ui.dialogs.certificate_wizard import open_certificate_wizard

        self.wizard = open_certificate_wizard(self, self.ctx, self.activity_id)
        return self.wizard

    def reissue(self) -> None:
        chosen = self.selected()
        if chosen is None or chosen.status is not CertificateStatus.VALID:
            return
        service, actor, serial = self.ctx.services.certificates, self.ctx.user, chosen.serial
        self._ask_reason("Reissue certificate", f"Why reissue {chosen.student}'s certificate {serial}? "
                         "It gets a new serial; the old one is marked superseded.", "Reissue",
                         lambda reason: WriteOp(self, self.ctx, lambda state: service.reissue(
                             actor, serial, reason=reason), label="Reissuing the certificate")
                         .success(lambda c: self.message.setText(f"{serial} reissued as {c.serial}."))
                         .run_in_background())

    def revoke(self) -> None:
        chosen = self.selected()
        if chosen is None or chosen.status is CertificateStatus.REVOKED:
            return
        service, actor, serial = self.ctx.services.certificates, self.ctx.user, chosen.serial
        self._ask_reason("Revoke certificate", f"Why revoke {chosen.student}'s certificate {serial}? "
                         "It will no longer verify as valid.", "Revoke",
                         lambda reason: WriteOp(self, self.ctx, lambda state: service.revoke(
                             actor, serial, reason=reason), label="Revoking the certificate")
                         .success(lambda c: self.message.setText(f"{serial} revoked."))
                         .run_in_background())

    def _ask_reason(self, title: str, question: str, action: str, then: Callable[[str], object]) -> None:
        """The reason dialog, window-modal; ``then(reason)`` runs when it is accepted."""
        dialog = ReasonDialog(title, question, action, self)
        dialog.accepted.connect(lambda: then(dialog.text()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.dialog = dialog

    def open_pdf(self) -> None:
        chosen = self.selected()
        if chosen is None or chosen.path is None:
            return
        if not Path(chosen.path).is_file():
            self.message.setText(f"The file of {chosen.serial} is not there any more: {chosen.path}. "
                                 "Reissue it to write a new one.")
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(chosen.path))

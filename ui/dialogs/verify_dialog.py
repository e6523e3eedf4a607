"""Verify a certificate: paste the QR text or the short code, or open the PDF; checked offline.

The check is ``services.certificates.verify`` (the same as ``activity-tracker verify``) run as a
:class:`ui.ops.ReadOp`: the status shows in large words, coloured as a traffic light from the
Okabe-Ito palette (VALID green, REVOKED / SUPERSEDED amber, UNKNOWN / INVALID red), with the
details under it. Anyone signed in may verify: a certificate is checked against the school's
public keys only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tracker.services.certificates import CertificateStatus, Verification
from ui.context import AppContext
from ui.ops import ReadOp
from ui.widgets.elided import ElidedLabel
from ui.widgets.style import colour, day, styled_label, when

#: the theme colour of each status: good, needs a look, not to be trusted
STATUS_COLOURS = {
    CertificateStatus.VALID: "OK",
    CertificateStatus.REVOKED: "WARN",
    CertificateStatus.SUPERSEDED: "WARN",
    CertificateStatus.UNKNOWN: "RISK",
    CertificateStatus.INVALID: "RISK",
}
#: the detail rows: (label, the Verification field shown)
DETAILS = (("Student", "student"), ("Activity", "activity"), ("Completed on", "completed_on"),
           ("Issued at", "issued_at"), ("Serial", "serial"), ("Reason", "reason"))


class VerifyDialog(QDialog):
    """Checks one certificate at a time; the last result stays until the next check."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.verification: Verification | None = None
        self.setWindowTitle("Verify a certificate")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(10)
        hint = styled_label("Paste the text of the certificate's QR code or its short code, "
                            "or open the certificate's PDF.", muted=True)
        hint.setWordWrap(True)
        layout.addWidget(hint)

        row = QHBoxLayout()
        self.input = QLineEdit()
        self.input.setAccessibleName("QR text or short code")
        self.input.setPlaceholderText("e.g. 7KQ4M2XNPB, or the QR code's text")
        self.input.setClearButtonEnabled(True)
        self.input.returnPressed.connect(self.verify)
        row.addWidget(self.input, 1)
        self.verify_button = QPushButton("Verify")
        self.verify_button.setDefault(True)
        self.verify_button.clicked.connect(self.verify)
        row.addWidget(self.verify_button)
        self.open_button = QPushButton("Open PDF…")
        self.open_button.setToolTip("Check a certificate PDF: its signature is read from the file")
        self.open_button.clicked.connect(self.open_pdf)
        row.addWidget(self.open_button)
        layout.addLayout(row)

        self.status = QLabel("")
        self.status.setAccessibleName("Verification result")
        font = self.status.font()
        font.setPointSizeF(font.pointSizeF() * 2.2)
        font.setBold(True)
        self.status.setFont(font)
        layout.addWidget(self.status)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.details: dict[str, ElidedLabel] = {}
        for text, field in DETAILS:
            value = ElidedLabel("—")
            value.setAccessibleName(text)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.details[field] = value
            form.addRow(styled_label(text, muted=True), value)
        layout.addLayout(form)
        layout.addStretch(1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def open_pdf(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a certificate", "", "Certificates (*.pdf)")
        if path:
            self.input.setText(path)
            self.verify()

    def verify(self) -> None:
        """Check what is in the box, on the reader pool (a PDF is read there too)."""
        text, service = self.input.text().strip(), self.ctx.services.certificates
        if not text:
            self.input.setFocus()
            return
        self.verify_button.setEnabled(False)
        ReadOp(self, self.ctx, lambda state: service.verify(text), label="Verifying the certificate") \
            .success(self.show_result).failure(self._failed).run_in_background()

    def _failed(self, exc: BaseException) -> bool:
        self.verify_button.setEnabled(True)
        return False  # shown the standard way

    def show_result(self, result: Verification) -> None:
        self.verification = result
        self.verify_button.setEnabled(True)
        self.status.setText(result.status.value.upper())
        self.status.setStyleSheet(f"color: {colour(STATUS_COLOURS[result.status]).name()}")
        for field, label in self.details.items():
            label.setText(readable(field, getattr(result, field)))


def readable(field: str, value: str | None) -> str:
    """A detail as people read it: the token's ISO dates become '22 Nov 2026' and a local
    'Tue 1 Dec, 17:28'; anything that is not a date is shown as it is."""
    if not value:
        return "—"
    try:
        if field == "completed_on":
            return day(date.fromisoformat(value))
        if field == "issued_at":
            moment = datetime.fromisoformat(value)  # stored as naive UTC
            return when((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone())
    except ValueError:
        pass
    return value


def open_verify_dialog(ctx: AppContext, parent: QWidget | None = None) -> VerifyDialog:
    """Help ▸ Verify a certificate…: a window-modal dialog, deleted when closed."""
    dialog = VerifyDialog(ctx, parent)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog

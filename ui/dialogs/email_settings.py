"""Settings ▸ E-mail (administrators): the school's SMTP server, where its password is kept, and
"Send test e-mail". Everything is read, saved and sent in the background (``services.email``)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tracker.services.email_outbox import DEFAULT_PORTS, SECURITY_CHOICES, SmtpSettings, SmtpSettingsInfo
from tracker.services.email_settings import SECURITY_LABELS, STORE_KEYRING
from ui.context import AppContext
from ui.dialogs import ErrorLabel, WaitingDialog, fit_height, header
from ui.ops import ReadOp, WriteOp


class EmailSettingsDialog(WaitingDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.loaded = False
        self.setWindowTitle("E-mail settings")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 20)
        layout.setSpacing(14)
        layout.addWidget(header("settings", "E-mail", "Optional: notifications by e-mail for those who "
                                "choose it. Leave the server empty to send no e-mail."))

        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(10)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.host = _field("SMTP server", "smtp.school.org")
        form.addRow("SMTP server", self.host)
        security_row = QHBoxLayout()
        security_row.setSpacing(8)
        self.security = QComboBox()
        self.security.setAccessibleName("Security")
        for choice in SECURITY_CHOICES:
            self.security.addItem(SECURITY_LABELS[choice], choice)
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setAccessibleName("Port")
        self.port.setMinimumWidth(90)
        self.security.currentIndexChanged.connect(self._security_changed)
        security_row.addWidget(self.security, 1)
        security_row.addWidget(QLabel("Port"))
        security_row.addWidget(self.port)
        form.addRow("Security", security_row)
        self.username = _field("User name", "Leave empty if the server needs no login")
        form.addRow("User name", self.username)
        self.password = _field("Password", "")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Password", self.password)
        self.password_note = QLabel()
        self.password_note.setProperty("muted", True)
        self.password_note.setWordWrap(True)
        form.addRow("", self.password_note)
        self.from_address = _field("Sender address", "office@school.org")
        form.addRow("Sender address", self.from_address)

        test_row = QHBoxLayout()
        self.test_to = _field("Send the test to", "your address")
        self.test_button = QPushButton("Send test e-mail")
        self.test_button.setAutoDefault(False)
        self.test_button.setToolTip("Save first: the test uses the saved settings")
        self.test_button.clicked.connect(self.send_test)
        test_row.addWidget(self.test_to, 1)
        test_row.addWidget(self.test_button)
        form.addRow("Test", test_row)
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.test_result.setAccessibleName("Test result")
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("", self.test_result)
        layout.addLayout(form)

        self.error = ErrorLabel()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setProperty("primary", True)
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.outbox_button = QPushButton("Outbox…")
        self.outbox_button.setToolTip("The messages waiting, sent and failed")
        self.outbox_button.setAutoDefault(False)
        self.outbox_button.clicked.connect(self.open_outbox)
        bottom = QHBoxLayout()
        bottom.addWidget(self.outbox_button)
        bottom.addWidget(self.buttons, 1)
        layout.addLayout(bottom)
        self._fields = (self.host, self.security, self.port, self.username, self.password, self.from_address,
                        self.test_button)
        self.start_waiting(self.save_button, *self._fields)
        service, actor = ctx.services.email, ctx.user
        ReadOp(self, ctx, lambda state: service.smtp_settings(actor), label="E-mail settings") \
            .success(self._loaded).failure(self._refused).run_in_background()

    def _loaded(self, info: SmtpSettingsInfo) -> None:
        if not self.finish_waiting():
            return
        self.show_settings(info)
        self.loaded = True
        self.host.setFocus()

    def show_settings(self, info: SmtpSettingsInfo) -> None:
        s = info.settings
        self.host.setText(s.host)
        self.security.setCurrentIndex(max(self.security.findData(s.security), 0))
        self.port.setValue(s.port)
        self.username.setText(s.username)
        self.from_address.setText(s.from_address)
        self.password.clear()
        where = ("in this computer's keyring" if info.password_store == STORE_KEYRING
                 else "encrypted in the database (see below)")
        self.password.setPlaceholderText(f"Stored {where}; type to change" if info.password_set
                                         else "No password stored")
        self.password_note.setText(info.store_note)
        self.password_note.setToolTip(info.store_note)
        fit_height(self)  # the note appeared after the first layout: room for all its lines

    def open_outbox(self) -> QDialog:
        from ui.dialogs.outbox_dialog import open_outbox  # loaded when first needed

        return open_outbox(self, self.ctx)

    def _security_changed(self) -> None:
        """The usual port follows the security choice while the port is one of the usual ones."""
        if self.port.value() in DEFAULT_PORTS.values():
            self.port.setValue(DEFAULT_PORTS[str(self.security.currentData())])

    def settings(self) -> SmtpSettings:
        return SmtpSettings(host=self.host.text().strip(), port=self.port.value(),
                            security=str(self.security.currentData()), username=self.username.text().strip(),
                            from_address=self.from_address.text().strip())

    def save(self) -> bool:
        if not self.loaded or self.waiting:
            return False
        service, actor, settings = self.ctx.services.email, self.ctx.user, self.settings()
        password = self.password.text() or None  # empty: keep the stored one
        self.error.clear_message()
        self.start_waiting(self.save_button, *self._fields)
        WriteOp(self, self.ctx, lambda state: service.save_smtp_settings(actor, settings, password),
                label="E-mail settings").success(self._saved).failure(self._refused).run_in_background()
        return True

    def _saved(self, info: SmtpSettingsInfo) -> None:
        if not self.finish_waiting():
            return
        self.show_settings(info)
        self.test_result.setText("Saved.")

    def send_test(self) -> None:
        if not self.loaded or self.waiting:
            return
        service, actor, to = self.ctx.services.email, self.ctx.user, self.test_to.text().strip()
        self.error.clear_message()
        self.test_result.setText(f"Sending a test e-mail to {to}…")
        self.start_waiting(self.save_button, *self._fields)
        ReadOp(self, self.ctx, lambda state: service.send_test(actor, to), label="Test e-mail") \
            .success(self._tested).failure(self._test_failed).run_in_background()

    def _tested(self, said: str) -> None:
        if self.finish_waiting():
            self.test_result.setProperty("error", False)
            self.test_result.setText("✓ " + said)

    def _test_failed(self, exc: BaseException) -> bool:
        self.test_result.clear()
        handled = self.refused(exc, self.error.show_message)
        fit_height(self)
        return handled

    def _refused(self, exc: BaseException) -> bool:
        return self.refused(exc, self.error.show_message)


def _field(name: str, placeholder: str) -> QLineEdit:
    field = QLineEdit()
    field.setAccessibleName(name)
    field.setPlaceholderText(placeholder)
    return field


def open_email_settings(parent: QWidget, ctx: AppContext) -> EmailSettingsDialog:
    dialog = EmailSettingsDialog(ctx, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog

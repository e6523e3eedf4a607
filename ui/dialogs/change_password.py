"""Changing one's own password: current, new, and the new one again.

The check and the new hash (argon2, a noticeable moment) are computed on the writer thread.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from tracker.services.auth import MIN_PASSWORD_LENGTH
from ui.context import AppContext
from ui.dialogs import ErrorLabel, WaitingDialog, header
from ui.ops import WriteOp


class ChangePasswordDialog(WaitingDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Change password")
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 20)
        layout.setSpacing(14)
        layout.addWidget(header("key", "Change your password",
                                f"Signed in as {ctx.user.display_name}. The new password needs at "
                                f"least {MIN_PASSWORD_LENGTH} characters."))

        form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(10)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.current = self._password_field("Current password")
        self.new = self._password_field("New password")
        self.confirm = self._password_field("Confirm new password")
        form.addRow("Current password", self.current)
        form.addRow("New password", self.new)
        form.addRow("Confirm new password", self.confirm)
        layout.addLayout(form)

        self.error = ErrorLabel()
        layout.addWidget(self.error)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Change password")
        ok.setProperty("primary", True)
        ok.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.current.setFocus()

    @staticmethod
    def _password_field(name: str) -> QLineEdit:
        field = QLineEdit()
        field.setAccessibleName(name)
        field.setEchoMode(QLineEdit.EchoMode.Password)
        field.setMinimumWidth(220)
        return field

    def save(self) -> bool:
        """Change the password in the background; the dialog closes when it is changed, a refusal
        is said inline. False when nothing was started (a local problem, or already saving)."""
        if self.waiting:
            return False
        if not self.current.text():
            self.error.show_message("Enter your current password.")
            self.current.setFocus()
            return False
        if self.new.text() != self.confirm.text():
            self.error.show_message("The new passwords do not match. Type the same password twice.")
            self.confirm.clear()
            self.confirm.setFocus()
            return False
        auth, actor, current, new = self.ctx.services.auth, self.ctx.user, self.current.text(), self.new.text()
        self.error.clear_message()
        self.start_waiting(self.ok_button)
        WriteOp(self, self.ctx, lambda state: auth.change_password(actor, current, new), label="Change password") \
            .success(self._changed).failure(self._refused).run_in_background()
        return True

    def _changed(self, _result: None) -> None:
        if self.finish_waiting():
            self.accept()

    def _refused(self, exc: BaseException) -> bool:
        return self.refused(exc, self.error.show_message)

"""The sign-in dialog: school name and logo, username and password, errors said plainly inline."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.policy import Actor
from tracker.errors import TrackerError
from ui import resources
from ui.context import AppContext
from ui.dialogs import LAST_USERNAME, ErrorLabel, app_settings, error_text, primary_button


class LoginDialog(QDialog):
    """Asks for a username and password and signs in through ``services.auth.login``.

    After ``accept()``, :attr:`actor` is the signed-in user. ``prompt`` replaces the greeting
    (e.g. when switching user); ``username`` pre-fills the field (else the last one used).
    """

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        prompt: str = "Sign in to continue.",
        username: str | None = None,
        remember: bool = True,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor: Actor | None = None
        self._remember = remember
        self.setWindowTitle("Sign in — Activity Tracker")
        self.setObjectName("loginDialog")
        self.setModal(True)
        self.setMinimumWidth(420)

        try:
            school = ctx.services.settings.get()
            school_name, logo = school.school_name, school.logo_path
        except TrackerError:
            school_name, logo = "Activity Tracker", ""

        outer = QVBoxLayout(self)
        outer.setContentsMargins(28, 28, 28, 24)
        outer.setSpacing(18)

        brand = QHBoxLayout()
        brand.setSpacing(14)
        picture = QLabel()
        picture.setPixmap(resources.logo_pixmap(logo, 56))
        picture.setFixedSize(60, 60)
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        brand.addWidget(picture)
        names = QVBoxLayout()
        names.setSpacing(2)
        self.school_label = QLabel(school_name)
        self.school_label.setProperty("heading", "2")
        self.school_label.setWordWrap(True)
        names.addWidget(self.school_label)
        app_label = QLabel("Activity Tracker")
        app_label.setProperty("muted", True)
        names.addWidget(app_label)
        brand.addLayout(names, 1)
        outer.addLayout(brand)

        card = QFrame()
        card.setProperty("card", True)
        form = QVBoxLayout(card)
        form.setContentsMargins(20, 18, 20, 20)
        form.setSpacing(6)
        self.prompt_label = QLabel(prompt)
        self.prompt_label.setWordWrap(True)
        form.addWidget(self.prompt_label)
        form.addSpacing(8)

        form.addWidget(QLabel("Username"))
        self.username = QLineEdit()
        self.username.setAccessibleName("Username")
        self.username.setPlaceholderText("e.g. jsmith")
        self.username.setClearButtonEnabled(True)
        form.addWidget(self.username)
        form.addSpacing(6)

        form.addWidget(QLabel("Password"))
        self.password = QLineEdit()
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addWidget(self.password)

        self.error = ErrorLabel()
        form.addSpacing(4)
        form.addWidget(self.error)
        outer.addWidget(card)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.sign_in_button = primary_button("Sign in")
        self.sign_in_button.clicked.connect(self.sign_in)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.sign_in_button)
        outer.addLayout(buttons)

        remembered = username if username is not None else str(app_settings().value(LAST_USERNAME, "") or "")
        self.username.setText(remembered)
        (self.password if remembered else self.username).setFocus()

    def sign_in(self) -> bool:
        """Check the credentials; on success remember the username and accept the dialog."""
        username = self.username.text().strip()
        if not username:
            self.error.show_message("Enter your username.")
            self.username.setFocus()
            return False
        if not self.password.text():
            self.error.show_message("Enter your password.")
            self.password.setFocus()
            return False
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            actor = self.ctx.services.auth.login(username, self.password.text())
        except TrackerError as exc:
            self.error.show_message(error_text(exc))
            self.password.clear()
            self.password.setFocus()
            return False
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.actor = actor
        self.error.clear_message()
        if self._remember:
            app_settings().setValue(LAST_USERNAME, actor.username)
        self.accept()
        return True

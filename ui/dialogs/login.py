"""The sign-in dialog: school name and logo, username and password, errors said plainly inline."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
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
from ui.dialogs import (
    LAST_USERNAME,
    ErrorLabel,
    WaitingDialog,
    alive,
    app_settings,
    check_password,
    primary_button,
)

if TYPE_CHECKING:  # the context (and SQLAlchemy behind it) may not be loaded yet at start-up
    from tracker.services.settings import SchoolSettings
    from ui.context import AppContext


#: set to 1, the program prints SHOWN once the sign-in window's first paint is queued, then ends:
#: how the start-up benchmark times a program it cannot patch (the PyInstaller bundle)
STARTUP_PROBE = "ACTIVITY_TRACKER_STARTUP_PROBE"


def _report_shown() -> None:
    print("SHOWN", flush=True)
    os._exit(0)


class LoginDialog(WaitingDialog):
    """Asks for a username and password and signs in through ``services.auth.login``.

    After ``accept()``, :attr:`actor` is the signed-in user. ``prompt`` replaces the greeting
    (e.g. when switching user); ``username`` pre-fills the field (else the last one used).

    At start-up the dialog is shown with ``ctx=None`` before the database is open, so that the
    window appears at once; :meth:`attach` hands it the context when the database is ready (a
    sign-in asked for before then runs at that moment). The school's name and logo, and the
    password check, come from background tasks: the window never waits on the database.
    """

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if os.environ.get(STARTUP_PROBE) == "1":
            QTimer.singleShot(0, _report_shown)

    def __init__(
        self,
        ctx: AppContext | None,
        parent: QWidget | None = None,
        *,
        prompt: str = "Sign in to continue.",
        username: str | None = None,
        remember: bool = True,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._sign_in_pending = False
        self.actor: Actor | None = None
        self._remember = remember
        self.setWindowTitle("Sign in — Activity Tracker")
        self.setObjectName("loginDialog")
        self.setModal(True)
        self.setMinimumWidth(420)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(28, 28, 28, 24)
        outer.setSpacing(18)

        brand = QHBoxLayout()
        brand.setSpacing(14)
        self.picture = picture = QLabel()
        picture.setPixmap(resources.logo_pixmap("", 56))
        picture.setFixedSize(60, 60)
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        brand.addWidget(picture)
        names = QVBoxLayout()
        names.setSpacing(2)
        self.school_label = QLabel("Activity Tracker")
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
        if ctx is None:
            self.prompt_label.setText("Opening the school database…")
        else:
            self._load_school()

    def _load_school(self) -> None:
        """Show the school's name and logo once they are read (the placeholder stays otherwise)."""
        from ui.ops import ReadOp

        assert self.ctx is not None
        settings = self.ctx.services.settings
        ReadOp(self, self.ctx, lambda state: settings.get(), label="School") \
            .success(self._show_school).failure(lambda exc: isinstance(exc, TrackerError)).run_in_background()

    def _show_school(self, school: SchoolSettings) -> None:
        if not alive(self):
            return
        self.school_label.setText(school.school_name)
        self.picture.setPixmap(resources.logo_pixmap(school.logo_path, 56))

    def attach(self, ctx: AppContext, prompt: str = "Sign in to continue.") -> None:
        """The database is open: show the school's name and logo and allow signing in."""
        self.ctx = ctx
        self._load_school()
        self.prompt_label.setText(prompt)
        if self._sign_in_pending:
            self._sign_in_pending = False
            self.sign_in()

    def sign_in(self) -> bool:
        """Check the credentials in the background; on success remember the username and accept
        the dialog. False when nothing was started (a field is empty, or already checking)."""
        username = self.username.text().strip()
        if self.waiting:
            return False
        if not username:
            self.error.show_message("Enter your username.")
            self.username.setFocus()
            return False
        if not self.password.text():
            self.error.show_message("Enter your password.")
            self.password.setFocus()
            return False
        if self.ctx is None:  # still opening the database: sign in as soon as it is ready
            self._sign_in_pending = True
            self.prompt_label.setText("Opening the school database… you will be signed in next.")
            return False
        auth = self.ctx.services.auth
        self.start_waiting(self.sign_in_button)
        check_password(self, self.ctx, lambda password: auth.login(username, password),
                       password=self.password, error=self.error, answered=self.finish_waiting,
                       accepted=self._signed_in)
        return True

    def _signed_in(self, actor: Actor) -> None:
        self.actor = actor
        self.error.clear_message()
        if self._remember:
            app_settings().setValue(LAST_USERNAME, actor.username)
        self.accept()

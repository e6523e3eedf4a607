"""First start of a new school: create the first administrator, or load a demo school.

After ``accept()`` either :attr:`actor` is the new administrator (already signed in), or
:attr:`demo_loaded` is True and the context's services point at the freshly generated database
(the caller then shows the sign-in dialog). Creating the account (argon2), generating the demo
school and opening the database again all run in the background.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.policy import Actor
from tracker.errors import TrackerError
from tracker.services import Services
from tracker.services.auth import MIN_PASSWORD_LENGTH
from ui.context import AppContext
from ui.dialogs import (
    LAST_USERNAME,
    ErrorLabel,
    WaitingDialog,
    app_settings,
    error_text,
    header,
    primary_button,
)
from ui.ops import WriteOp
from ui.tasks import TaskState

DEMO_STUDENTS = 600
DEMO_PASSWORD_HINT = "password for every account"


class FirstRunDialog(WaitingDialog):
    def __init__(self, ctx: AppContext, target: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.target = target
        self.actor: Actor | None = None
        self.demo_loaded = False
        self.demo_message = ""
        self.setWindowTitle("Welcome — Activity Tracker")
        self.setMinimumWidth(540)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(26, 24, 26, 22)
        layout.setSpacing(16)
        layout.addWidget(header("app", "Welcome to Activity Tracker",
                                "This database has no administrator yet. Create the first "
                                "administrator account to set up your school."))

        card = QFrame()
        card.setProperty("card", True)
        box = QVBoxLayout(card)
        box.setContentsMargins(20, 18, 20, 18)
        box.setSpacing(12)
        form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(10)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.username = self._field("Username")
        self.username.setPlaceholderText("e.g. admin")
        self.display_name = self._field("Display name")
        self.display_name.setPlaceholderText("e.g. Ms Jane Smith")
        self.password = self._field("Password", secret=True)
        self.password.setPlaceholderText(f"at least {MIN_PASSWORD_LENGTH} characters")
        self.confirm = self._field("Confirm password", secret=True)
        form.addRow("Username", self.username)
        form.addRow("Display name", self.display_name)
        form.addRow("Password", self.password)
        form.addRow("Confirm password", self.confirm)
        box.addLayout(form)
        self.error = ErrorLabel()
        box.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch(1)
        self.create_button = primary_button("Create administrator")
        self.create_button.clicked.connect(self.create_admin)
        row.addWidget(self.create_button)
        box.addLayout(row)
        layout.addWidget(card)

        demo = QFrame()
        demo.setProperty("card", True)
        demo_box = QHBoxLayout(demo)
        demo_box.setContentsMargins(20, 14, 20, 14)
        demo_box.setSpacing(14)
        demo_text = QLabel(
            "<b>Just looking?</b> Load a demo school with "
            f"{DEMO_STUDENTS} students, teachers, parents and a term of activities. "
            "It replaces this (empty) database."
        )
        demo_text.setWordWrap(True)
        demo_box.addWidget(demo_text, 1)
        self.demo_button = QPushButton("Load a demo school")
        self.demo_button.setAutoDefault(False)
        self.demo_button.setToolTip("Generate a realistic demo school in this database")
        self.demo_button.clicked.connect(self.load_demo)
        demo_box.addWidget(self.demo_button)
        layout.addWidget(demo)

        bottom = QHBoxLayout()
        bottom.addStretch(1)
        quit_button = QPushButton("Quit")
        quit_button.setAutoDefault(False)
        quit_button.clicked.connect(self.reject)
        bottom.addWidget(quit_button)
        layout.addLayout(bottom)
        self.username.setFocus()

    @staticmethod
    def _field(name: str, *, secret: bool = False) -> QLineEdit:
        field = QLineEdit()
        field.setAccessibleName(name)
        field.setMinimumWidth(260)
        if secret:
            field.setEchoMode(QLineEdit.EchoMode.Password)
        return field

    def create_admin(self) -> bool:
        """Create the administrator in the background; the dialog is accepted once it exists.
        False when nothing was started (the passwords differ, or busy)."""
        if self.waiting:
            return False
        if self.password.text() != self.confirm.text():
            self.error.show_message("The passwords do not match. Type the same password twice.")
            self.confirm.clear()
            self.confirm.setFocus()
            return False
        auth = self.ctx.services.auth
        username, password = self.username.text().strip(), self.password.text()
        display_name = self.display_name.text().strip()
        self.error.clear_message()
        self.start_waiting(*self._controls())
        WriteOp(self, self.ctx, lambda state: auth.create_first_admin(username, password, display_name),
                label="Create administrator").success(self._created).failure(self._refused).run_in_background()
        return True

    def _created(self, actor: Actor) -> None:
        if not self.finish_waiting():
            return
        self.actor = actor
        app_settings().setValue(LAST_USERNAME, actor.username)
        self.accept()

    def _refused(self, exc: BaseException) -> bool:
        return self.refused(exc, self.error.show_message)

    # --- demo school -------------------------------------------------------------------------
    def load_demo(self) -> None:
        """Generate the demo school in the background (progress + Cancel), then re-open it."""
        from tracker.cli import DEMO_PASSWORD
        from tracker.demo import DemoOptions, generate_demo

        self.error.clear_message()
        self.start_waiting(*self._controls())
        self.ctx.services.db.dispose()
        target = self.target
        options = DemoOptions(students=DEMO_STUDENTS, password=DEMO_PASSWORD, force=True)

        def work(state: TaskState) -> object:
            def progress(done: int, total: int, text: str = "") -> None:
                state.set_progress(done, total, text)

            return generate_demo(target, options, progress=progress, cancelled=lambda: state.cancelled)

        self._demo_handle = WriteOp(self, self.ctx, work, label="Creating the demo school…").progress() \
            .success(self._demo_done).failure(self._demo_failed).cancelled(self._demo_cancelled) \
            .run_in_background()
        for progress_dialog in self.findChildren(QProgressDialog):
            progress_dialog.setMinimumWidth(420)

    def _reopen(self, then: Callable[[str], None], *, describe_accounts: bool = False) -> None:
        """Open the database again in the background (the generator replaced it), then
        ``then(accounts)``: the demo accounts listing when asked for, else ""."""
        from tracker.cli import DEMO_PASSWORD
        from tracker.demo import describe_accounts as describe
        from tracker.demo import write_accounts_file
        from tracker.services.bootstrap import open_database

        target = self.target

        def work(state: TaskState) -> tuple[Services, str]:
            services = Services(open_database(target)[0])
            if not describe_accounts:
                return services, ""
            try:
                text = describe(target, DEMO_PASSWORD)
                written = write_accounts_file(target, DEMO_PASSWORD)  # every account, beside the database
                if written is not None:
                    text += f"\n\nAll {written[1]} accounts are listed in {written[0]}."
                return services, text
            except TrackerError as exc:
                return services, str(exc)

        def opened(result: tuple[Services, str]) -> None:
            services, accounts = result
            self.ctx.services = services
            self.ctx.db_description = services.db.describe()
            if self.finish_waiting():
                then(accounts)

        WriteOp(self, self.ctx, work, label="Opening the database") \
            .success(opened).failure(self._reopen_failed).run_in_background()

    def _reopen_failed(self, exc: BaseException) -> bool:
        return self.refused(exc, self.error.show_message)

    def _demo_done(self, result: object) -> None:
        self._reopen(lambda accounts: self._demo_ready(result, accounts), describe_accounts=True)

    def _demo_ready(self, result: object, accounts: str) -> None:
        from tracker.cli import DEMO_PASSWORD

        school = getattr(result, "school_name", "The demo school")
        self.demo_message = (f"{school} is ready.\n\nEvery demo account has the password "
                             f"{DEMO_PASSWORD}.\n\n{accounts}")
        self.demo_loaded = True
        admins = [a for a in getattr(result, "accounts", []) if a and a[0] == "admin"]
        if admins:
            app_settings().setValue(LAST_USERNAME, admins[0][1])
        self.show_demo_accounts(self.demo_message)
        self.accept()

    def show_demo_accounts(self, text: str) -> None:
        """The accounts listing is column-aligned: show it in a fixed-width block."""
        head, _, listing = text.partition("\n\n")
        body, _, accounts = listing.partition("\n\n")
        if DEMO_PASSWORD_HINT in accounts:
            body = ""
        rich = (f"<p><b>{html.escape(head)}</b></p>"
                + (f"<p>{html.escape(body)}</p>" if body else "")
                + f"<pre style='font-size:9pt'>{html.escape(accounts or listing)}</pre>")
        box = QMessageBox(QMessageBox.Icon.Information, "Demo school ready", rich,
                          QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.exec()

    def _demo_failed(self, exc: BaseException) -> bool:
        from tracker.demo import DemoCancelled

        if isinstance(exc, DemoCancelled):
            text = "The demo school was not created (cancelled)."
        else:
            text = f"The demo school could not be created: {error_text(exc)}"
        self._reopen(lambda _accounts: self.error.show_message(text))
        return True

    def _demo_cancelled(self) -> None:
        self._reopen(lambda _accounts: self.error.show_message("The demo school was not created (cancelled)."))

    def _controls(self) -> tuple[QWidget, ...]:
        """What is disabled while the dialog waits for its background work."""
        return (self.create_button, self.demo_button, self.username, self.display_name,
                self.password, self.confirm)

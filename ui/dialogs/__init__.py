"""Dialogs of the application shell (sign-in, first run, settings, about, password) and helpers.

The helpers keep the dialogs consistent: one way to build a dialog header, an inline error
label, and a primary button; one place for the application's QSettings; one way for a dialog
to wait for its background work (:class:`WaitingDialog`) and to check a password off the GUI
thread (:func:`check_password`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget
from shiboken6 import isValid

from tracker.errors import TrackerError, ValidationError
from ui import resources, theme

if TYPE_CHECKING:  # the context (and SQLAlchemy behind it) may not be loaded yet at start-up
    from tracker.domain.policy import Actor
    from ui.context import AppContext

ORGANIZATION = "ActivityTracker"
APPLICATION = "Activity Tracker"

#: QSettings keys shared by the shell
DATABASE_LOCATION = "database/location"
LAST_USERNAME = "login/last_username"


def app_settings() -> QSettings:
    """The per-user preferences (INI format, so tests can redirect them with QSettings.setPath)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def error_text(exc: BaseException) -> str:
    """A domain error as one short text for an inline label (field messages, one per line)."""
    if isinstance(exc, ValidationError) and exc.problems:
        return "\n".join(p.message for p in exc.problems)
    return str(exc)


def fit_height(dialog: QWidget) -> None:
    """Grow a dialog so wrapped text that just appeared (an error) is not clipped."""
    layout = dialog.layout()
    if layout is None:
        return
    layout.activate()
    wanted = (layout.totalHeightForWidth(dialog.width()) if layout.hasHeightForWidth()
              else layout.totalSizeHint().height())
    if wanted > dialog.height():
        dialog.resize(dialog.width(), wanted)


def alive(obj: QObject) -> bool:
    """Whether a Qt object still exists: the answer of a background task may arrive after the
    window it was for was closed and deleted."""
    return isValid(obj)


def show_waiting(widget: QWidget, waiting: bool, *controls: QWidget) -> None:
    """While a window waits for its background work, its action controls are disabled and the
    pointer says it is busy (the rest, Cancel and Escape included, stays usable)."""
    for control in controls:
        control.setEnabled(not waiting)
    if waiting:
        widget.setCursor(Qt.CursorShape.BusyCursor)
    else:
        widget.unsetCursor()


class WaitingDialog(QDialog):
    """A dialog whose action (sign in, save…) runs in the background.

    ``start_waiting(ok)`` disables the action's buttons and shows a busy pointer; the answer's
    callbacks first call ``finish_waiting()``, which undoes that and returns False when the
    dialog was closed meanwhile (Cancel and Escape always work): the answer is then dropped —
    a write still commits, and its changes are still published.
    """

    _waiting_for: tuple[QWidget, ...] | None = None

    @property
    def waiting(self) -> bool:
        return self._waiting_for is not None

    def start_waiting(self, *controls: QWidget) -> None:
        self._waiting_for = controls
        show_waiting(self, True, *controls)

    def finish_waiting(self) -> bool:
        controls, self._waiting_for = self._waiting_for, None
        if controls is None:  # closed while waiting: the widgets may be gone
            return False
        show_waiting(self, False, *controls)
        return True

    def refused(self, exc: BaseException, show: Callable[[str], None]) -> bool:
        """The answer of a failed action: dropped when the dialog was closed meanwhile; a domain
        error said inside the dialog with ``show`` (True: handled); anything else is left to the
        standard unexpected-error dialog (False)."""
        if not self.finish_waiting():
            return True
        if not isinstance(exc, TrackerError):
            return False
        show(error_text(exc))
        return True

    def done(self, result: int) -> None:
        self._waiting_for = None
        super().done(result)


def check_password(
    owner: QWidget,
    ctx: AppContext,
    check: Callable[[str], Actor],
    *,
    password: QLineEdit,
    error: ErrorLabel,
    answered: Callable[[], bool],
    accepted: Callable[[Actor], None],
) -> None:
    """Check a password (sign-in, unlock) on the writer thread: argon2 takes a noticeable moment
    and sign-in bookkeeping is a write. When the answer comes, ``answered()`` ends the waiting
    state (False: the window was closed meanwhile, nothing more happens); then ``accepted`` gets
    the actor, or a refusal is shown inline with the password field cleared and focused."""
    from ui.ops import WriteOp  # the database stack loads after the sign-in window is shown

    text = password.text()

    def refused(exc: BaseException) -> bool:
        if not answered():
            return True
        if not isinstance(exc, TrackerError):
            return False
        error.show_message(error_text(exc))
        password.clear()
        password.setFocus()
        return True

    def verified(actor: Actor) -> None:
        if answered():
            accepted(actor)

    WriteOp(owner, ctx, lambda state: check(text), label="Sign in") \
        .success(verified).failure(refused).run_in_background()


class ErrorLabel(QLabel):
    """Inline error text in red under a form; hidden while empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("error", True)
        self.setWordWrap(True)
        self.setAccessibleName("Error message")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_message(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))
        window = self.window()
        if text and isinstance(window, QDialog):
            fit_height(window)

    def clear_message(self) -> None:
        self.show_message("")


def primary_button(text: str, parent: QWidget | None = None) -> QPushButton:
    button = QPushButton(text, parent)
    button.setProperty("primary", True)
    button.setDefault(True)
    button.setAutoDefault(True)
    return button


def header(icon_name: str, title: str, subtitle: str = "") -> QWidget:
    """An icon, a level-2 heading and an optional muted line: the top of a dialog."""
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(12)
    picture = QLabel()
    picture.setPixmap(resources.pixmap(icon_name, 32, theme.ACCENT))
    picture.setFixedSize(36, 36)
    picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
    row.addWidget(picture, 0, Qt.AlignmentFlag.AlignTop)
    texts = QVBoxLayout()
    texts.setSpacing(2)
    heading = QLabel(title)
    heading.setProperty("heading", "2")
    texts.addWidget(heading)
    if subtitle:
        sub = QLabel(subtitle)
        sub.setProperty("muted", True)
        sub.setWordWrap(True)
        texts.addWidget(sub)
    row.addLayout(texts, 1)
    return box

"""Dialogs of the application shell (sign-in, first run, settings, about, password) and helpers.

The helpers keep the dialogs consistent: one way to build a dialog header, an inline error
label, and a primary button; one place for the application's QSettings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from tracker.errors import TrackerError, ValidationError
from ui import resources, theme

T = TypeVar("T")

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


def check_password(error: "ErrorLabel", password: QLineEdit, check: Callable[[str], T]) -> T | None:
    """Run a password check (sign-in, unlock) under a wait cursor. A refusal is shown inline,
    the password field is cleared and focused, and None is returned."""
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        return check(password.text())
    except TrackerError as exc:
        error.show_message(error_text(exc))
        password.clear()
        password.setFocus()
        return None
    finally:
        QGuiApplication.restoreOverrideCursor()


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

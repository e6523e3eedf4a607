"""Locking an unattended window on a shared workstation.

:class:`IdleLock` filters the events of the application's windows: any mouse or keyboard input
restarts a timer; when it runs out (``settings.idle_lock_minutes``, 0 = never) it emits
``timed_out`` and the main window covers its content with a :class:`LockScreen`. The pages stay
untouched underneath, so the user comes back to the same place after typing their password
(same lockout rules as signing in), or someone else signs in instead.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
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
from ui import resources, theme
from ui.context import AppContext
from ui.dialogs import ErrorLabel, check_password, primary_button, show_waiting

_INPUT_EVENTS = frozenset({
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonRelease,
    QEvent.Type.MouseMove,
    QEvent.Type.KeyPress,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.TabletPress,
})


class IdleLock(QObject):
    """Emits ``timed_out`` after ``timeout_ms`` without user input (0 or less: never)."""

    timed_out = Signal()

    def __init__(self, parent: QObject | None = None, *, timeout_ms: int = 0) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.timed_out)
        self._since_restart = QElapsedTimer()
        self._timeout_ms = 0
        self._paused = False
        self._filtering = False
        self.set_timeout(timeout_ms)

    @property
    def timeout_ms(self) -> int:
        return self._timeout_ms

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    @property
    def watching_input(self) -> bool:
        """Whether the application's events pass through this filter (only while counting)."""
        return self._filtering

    def set_timeout(self, timeout_ms: int) -> None:
        self._timeout_ms = max(0, int(timeout_ms))
        self.restart()

    def restart(self) -> None:
        if self._timeout_ms and not self._paused:
            self._timer.start(self._timeout_ms)
            self._since_restart.start()
            self._watch_input(True)
        else:
            self._timer.stop()
            self._watch_input(False)

    def _watch_input(self, watch: bool) -> None:
        """Watch input only while counting, and only where it arrives: at the application's
        windows (each top-level window: the main window, a dialog, a menu), which the windowing
        system's mouse and keyboard events reach before they are handed to a widget. A filter on
        the whole application would see every event of every widget (each paint, each layout
        request): a Python filter there doubled the cost of building and painting a page."""
        app = QGuiApplication.instance()
        if not isinstance(app, QGuiApplication) or watch == self._filtering:
            return
        self._filtering = watch
        if watch:
            app.focusWindowChanged.connect(self._watch_windows)
            self._watch_windows()
        else:
            app.focusWindowChanged.disconnect(self._watch_windows)
            for window in QGuiApplication.topLevelWindows():
                window.removeEventFilter(self)

    def _watch_windows(self, *_: object) -> None:
        """Every top-level window gets the filter (once: installing it again only moves it)."""
        if self._filtering:
            for window in QGuiApplication.topLevelWindows():
                window.installEventFilter(self)

    def pause(self) -> None:
        """Stop counting (while locked or signed out)."""
        self._paused = True
        self._timer.stop()
        self._watch_input(False)

    def resume(self) -> None:
        self._paused = False
        self.restart()

    def remove(self) -> None:
        self._timer.stop()
        self._watch_input(False)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() in _INPUT_EVENTS and self._timer.isActive():
            # restarting on every mouse move is wasteful; a quarter second of slack is invisible
            if self._timeout_ms < 2000 or self._since_restart.elapsed() > 250:
                self._timer.start(self._timeout_ms)
                self._since_restart.start()
                self._watch_windows()  # a window that opened without taking the focus (a menu)
        return False


class LockScreen(QWidget):
    """What covers a locked window: who is signed in, a password field, and a way out."""

    unlocked = Signal(object)  # Actor
    switch_user_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._checking = False
        self.setObjectName("lockScreen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(f"QWidget#lockScreen {{ background: {theme.SIDEBAR}; }}")

        outer = QVBoxLayout(self)
        outer.addStretch(2)
        row = QHBoxLayout()
        row.addStretch(1)
        card = QFrame()
        card.setProperty("card", True)
        card.setFixedWidth(420)
        box = QVBoxLayout(card)
        box.setContentsMargins(28, 26, 28, 24)
        box.setSpacing(8)

        picture = QLabel()
        picture.setPixmap(resources.pixmap("lock", 40, theme.ACCENT))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(picture)
        title = QLabel("This window is locked")
        title.setProperty("heading", "2")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(title)
        self.who = QLabel()
        self.who.setProperty("muted", True)
        self.who.setWordWrap(True)
        self.who.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.who)
        box.addSpacing(8)

        box.addWidget(QLabel("Password"))
        self.password = QLineEdit()
        self.password.setAccessibleName("Password to unlock")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self.try_unlock)
        box.addWidget(self.password)
        self.error = ErrorLabel()
        box.addWidget(self.error)
        box.addSpacing(6)

        self.unlock_button = primary_button("Unlock")
        self.unlock_button.clicked.connect(self.try_unlock)
        box.addWidget(self.unlock_button)
        self.switch_button = QPushButton("Sign in as someone else")
        self.switch_button.setProperty("link", True)
        self.switch_button.setAutoDefault(False)
        self.switch_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.switch_button.clicked.connect(self.switch_user_requested)
        box.addWidget(self.switch_button, 0, Qt.AlignmentFlag.AlignHCenter)

        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(3)

    def prepare(self, actor: Actor) -> None:
        """Reset the form for ``actor`` each time the window locks."""
        self.who.setText(
            f"Signed in as {actor.display_name} ({actor.role.label.lower()}). "
            "Enter your password to continue where you left off."
        )
        self.password.clear()
        self.error.clear_message()
        self.password.setFocus()

    def try_unlock(self) -> bool:
        """Check the password in the background; ``unlocked`` is emitted when it is right.
        False when nothing was started (no password typed, or already checking)."""
        actor = self.ctx.actor
        if actor is None or self._checking:
            return False
        if not self.password.text():
            self.error.show_message("Enter your password.")
            return False
        self._checking = True
        show_waiting(self, True, self.unlock_button)
        auth = self.ctx.services.auth
        check_password(self, self.ctx, lambda password: auth.verify_password(actor, password),
                       password=self.password, error=self.error, answered=self._answered,
                       accepted=self._verified)
        return True

    def _answered(self) -> bool:
        self._checking = False
        show_waiting(self, False, self.unlock_button)
        return True

    def _verified(self, actor: Actor) -> None:
        current = self.ctx.actor
        if current is None or current.id != actor.id:  # someone else signed in meanwhile
            return
        self.password.clear()
        self.error.clear_message()
        self.unlocked.emit(actor)

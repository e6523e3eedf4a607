"""Starting the desktop application: open the database, sign in, show the main window.

``run_gui(args)`` is what ``activity-tracker`` (no subcommand, or ``gui``) runs. The pieces are
public so that tests and the screenshot command build the same objects without ``exec()``:
:func:`ensure_app`, :func:`build_context`, :func:`database_target`, :func:`make_main_window`.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from tracker.db.location import default_db_path
from tracker.errors import DatabaseError, TrackerError
from ui import collector, resources, theme
from ui.dialogs import APPLICATION, DATABASE_LOCATION, ORGANIZATION, app_settings

if TYPE_CHECKING:
    # SQLAlchemy, the services and the main window load after the login window is shown
    from tracker.db.engine import Database
    from ui.context import AppContext
    from ui.dialogs.login import LoginDialog
    from ui.main_window import MainWindow

EXIT_DATABASE = 3


def ensure_app() -> QApplication:
    """The one QApplication, created with the application's names, style, theme and icon."""
    app = QApplication.instance()
    if app is None:
        QCoreApplication.setOrganizationName(ORGANIZATION)
        QCoreApplication.setApplicationName(APPLICATION)
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APPLICATION)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationDisplayName(APPLICATION)
    theme.apply(app)
    app.setWindowIcon(resources.app_icon())
    collector.install(app)  # cyclic garbage (Qt objects included) is collected on this thread only
    return app


def database_target(args: argparse.Namespace | None = None) -> str:
    """--db, else the location chosen in Settings, else $TRACKER_DB, else the per-user default."""
    explicit = getattr(args, "db", None) if args is not None else None
    if explicit:
        return str(explicit)
    saved = str(app_settings().value(DATABASE_LOCATION, "") or "")
    if saved:
        return saved
    return os.environ.get("TRACKER_DB") or str(default_db_path())


def build_context(db: Database) -> AppContext:
    """Services, event bus and task runner over an open database; nobody signed in yet."""
    from tracker.services import Services
    from ui.context import AppContext
    from ui.events import EventBus
    from ui.tasks import TaskRunner

    return AppContext(
        services=Services(db),
        events=EventBus(),
        tasks=TaskRunner(),
        db_description=db.describe(),
    )


def make_main_window(ctx: AppContext, **kwargs: object) -> MainWindow:
    """The main window for ``ctx.actor`` (tests and screenshots pass ``persist=False``)."""
    from ui.main_window import MainWindow

    return MainWindow(ctx, **kwargs)  # type: ignore[arg-type]


def show_database_error(exc: BaseException, target: str) -> None:
    message = str(exc)
    print(f"activity-tracker: {message}", file=sys.stderr)
    box = QMessageBox(QMessageBox.Icon.Critical, "Cannot open the database",
                      f"Activity Tracker cannot open the database.\n\n{message}",
                      QMessageBox.StandardButton.Ok)
    box.setInformativeText(
        f"Location: {target}\nChoose another one with --db PATH_OR_URL, or set TRACKER_DB.")
    box.exec()


def sign_in(ctx: AppContext, target: str, login: LoginDialog | None = None) -> bool:
    """First-run set-up when no administrator exists, then the sign-in dialog if still needed.

    ``login`` is the dialog already on screen since start-up (shown before the database opened).
    """
    from ui.dialogs.first_run import FirstRunDialog
    from ui.dialogs.login import LoginDialog

    if not ctx.services.auth.has_admin():
        if login is not None:
            login.hide()
        first = FirstRunDialog(ctx, target)
        if first.exec() != QDialog.DialogCode.Accepted:
            return False
        if first.actor is not None:
            ctx.actor = first.actor
            return True
    if login is None:
        login = LoginDialog(ctx)
    else:
        login.attach(ctx)
    if login.exec() != QDialog.DialogCode.Accepted or login.actor is None:
        return False
    ctx.actor = login.actor
    return True


def _install_excepthook() -> None:
    """Unexpected errors in a slot are shown to the user (and printed), not silently lost."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        text = "".join(traceback.format_exception(kind, exc, tb))
        print(text, file=sys.stderr)
        if not isinstance(exc, TrackerError):
            exc.__traceback_text__ = text  # type: ignore[attr-defined]
        try:
            from ui.tasks import show_error

            show_error(QApplication.activeWindow(), exc)
        except Exception:  # noqa: BLE001 - never fail inside the hook
            pass

    sys.excepthook = hook


class GuiLaunch:
    """The start of a GUI session: the sign-in window at once, the database opened behind it.

    The window appears about as fast as a bare Qt window; SQLAlchemy, the schema check and the
    services load while it is already on screen (a Sign in pressed meanwhile runs when ready).
    ``run_gui`` runs it inside ``app.exec()``; tests drive it with their own event loop.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        from PySide6.QtCore import QTimer

        from ui.dialogs.login import LoginDialog

        self.app = ensure_app()
        self.target = database_target(args)
        self.ctx: AppContext | None = None
        self.window: MainWindow | None = None
        self.exit_code: int | None = None  # set when the session ends before the main window
        self.in_event_loop = False
        self.app.setQuitOnLastWindowClosed(False)  # dialogs come and go before the main window
        self.login = LoginDialog(None)
        self.login.show()
        QTimer.singleShot(0, self._start)

    def _finish(self, code: int) -> None:
        self.exit_code = code
        if self.in_event_loop:
            self.app.exit(code)

    def _start(self) -> None:
        from tracker.services.bootstrap import open_database

        try:
            db, _ = open_database(self.target)
        except DatabaseError as exc:
            self.login.hide()
            show_database_error(exc, self.target)
            self._finish(EXIT_DATABASE)
            return
        except Exception as exc:  # noqa: BLE001 - e.g. a malformed URL or a missing database driver
            self.login.hide()
            show_database_error(DatabaseError(f"Cannot open the database {self.target}: {exc}"),
                                self.target)
            self._finish(EXIT_DATABASE)
            return
        self.ctx = build_context(db)
        if not sign_in(self.ctx, self.target, self.login):
            self._finish(0)
            return
        _install_excepthook()
        self.window = make_main_window(self.ctx)
        self.window.show()
        self.app.setQuitOnLastWindowClosed(True)

    def close(self) -> None:
        """Stop background work and release the database."""
        if self.ctx is not None:
            self.ctx.tasks.cancel_all()
            self.ctx.tasks.wait(10_000)
            self.ctx.services.db.dispose()
            self.ctx = None


def run_gui(args: argparse.Namespace) -> int:
    launch = GuiLaunch(args)
    launch.in_event_loop = True
    try:
        code = int(launch.app.exec())
        return launch.exit_code if launch.exit_code is not None else code
    finally:
        launch.close()

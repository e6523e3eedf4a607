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

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from tracker.db.engine import Database, default_db_path
from tracker.errors import DatabaseError, TrackerError
from tracker.services import Services
from ui import resources, theme
from ui.context import AppContext
from ui.dialogs import APPLICATION, DATABASE_LOCATION, ORGANIZATION, app_settings
from ui.events import EventBus
from ui.main_window import MainWindow
from ui.tasks import TaskRunner, show_error

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
    return AppContext(
        services=Services(db),
        events=EventBus(),
        tasks=TaskRunner(),
        db_description=db.describe(),
    )


def make_main_window(ctx: AppContext, **kwargs: object) -> MainWindow:
    """The main window for ``ctx.actor`` (tests and screenshots pass ``persist=False``)."""
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


def sign_in(ctx: AppContext, target: str) -> bool:
    """First-run set-up when no administrator exists, then the sign-in dialog if still needed."""
    from ui.dialogs.first_run import FirstRunDialog
    from ui.dialogs.login import LoginDialog

    if not ctx.services.auth.has_admin():
        first = FirstRunDialog(ctx, target)
        if first.exec() != QDialog.DialogCode.Accepted:
            return False
        if first.actor is not None:
            ctx.actor = first.actor
            return True
    login = LoginDialog(ctx)
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
            show_error(QApplication.activeWindow(), exc)
        except Exception:  # noqa: BLE001 - never fail inside the hook
            pass

    sys.excepthook = hook


def run_gui(args: argparse.Namespace) -> int:
    app = ensure_app()
    target = database_target(args)
    from tracker.services.bootstrap import open_database

    try:
        db, _ = open_database(target)
    except DatabaseError as exc:
        show_database_error(exc, target)
        return EXIT_DATABASE
    except Exception as exc:  # noqa: BLE001 - e.g. a malformed URL or a missing database driver
        show_database_error(DatabaseError(f"Cannot open the database {target}: {exc}"), target)
        return EXIT_DATABASE
    ctx = build_context(db)
    try:
        if not sign_in(ctx, target):
            return 0
        _install_excepthook()
        window = make_main_window(ctx)
        window.show()
        return int(app.exec())
    finally:
        ctx.tasks.cancel_all()
        ctx.tasks.wait(10_000)
        ctx.services.db.dispose()

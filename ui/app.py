"""Starting the desktop application: open the database, sign in, show the main window.

``run_gui(args)`` is what ``activity-tracker`` (no subcommand, or ``gui``) runs. The pieces are
public so that tests and the screenshot command build the same objects without ``exec()``:
:func:`ensure_app`, :func:`build_context`, :func:`database_target`, :func:`make_main_window`.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QCoreApplication,
    QMessageLogContext,
    QtMsgType,
    qFormatLogMessage,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from tracker.errors import DatabaseError
from tracker.paths import ConfigError, configured_database, default_db_path
from ui import collector, resources, theme
from ui.dialogs import APPLICATION, DATABASE_LOCATION, ORGANIZATION, app_settings

if TYPE_CHECKING:
    # SQLAlchemy, the services and the main window load after the login window is shown
    from tracker.services import Database  # an opaque handle: ui passes it to Services, nothing more
    from ui.backup_timer import BackupTimer
    from ui.context import AppContext
    from ui.dialogs.login import LoginDialog
    from ui.main_window import MainWindow
    from ui.tasks import TaskRunner

EXIT_DATABASE = 3


#: the application property saying the theme is applied (see :func:`ensure_app`)
_THEMED = "trackerThemed"


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
    if not app.property(_THEMED):
        # once: setting the style sheet again re-polishes every widget alive, and a test process
        # asking again (a screenshot after other tests) crashed on a half-destroyed one
        theme.apply(app)
        app.setProperty(_THEMED, True)
    app.setWindowIcon(resources.app_icon())
    collector.install(app)  # cyclic garbage (Qt objects included) is collected on this thread only
    if app.platformName() == "offscreen":
        _quiet_offscreen()
    return app


#: what Qt's offscreen platform prints each time a window's size limits change (screenshots)
OFFSCREEN_NOISE = "This plugin does not support propagateSizeHints()"
_offscreen_filter_installed = False


def _quiet_offscreen() -> None:
    """Drop the offscreen platform's "does not support propagateSizeHints()" warnings (a
    screenshot printed dozens); every other Qt message goes where it went before."""
    global _offscreen_filter_installed
    if _offscreen_filter_installed:
        return
    previous = None

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if message == OFFSCREEN_NOISE:
            return
        if previous is not None:
            previous(kind, context, message)
        else:
            print(qFormatLogMessage(kind, context, message), file=sys.stderr)

    previous = qInstallMessageHandler(handler)
    _offscreen_filter_installed = True


def database_target(args: argparse.Namespace | None = None) -> str:
    """--db, else the location chosen in Settings (per user), else $TRACKER_DB, else the
    machine's configuration file (IT: the school's shared database), else the per-user default."""
    explicit = getattr(args, "db", None) if args is not None else None
    if explicit:
        return str(explicit)
    saved = str(app_settings().value(DATABASE_LOCATION, "") or "")
    if saved:
        return saved
    return configured_database() or str(default_db_path())


def build_context(db: Database | None, *, tasks: TaskRunner | None = None, target: str = "") -> AppContext:
    """Services, event bus and task runner over an open database; nobody signed in yet
    (``tasks``: the runner that already exists, start-up opened the database with it).

    On a school's shared database (not an SQLite file) the services are a router that works on
    this computer's offline copy while the server cannot be reached; ``db`` None: it could not
    be reached at start (``target`` names it), the session starts offline."""
    from tracker.offline.router import RoutedServices
    from tracker.services import Services
    from ui.context import AppContext
    from ui.events import EventBus
    from ui.tasks import TaskRunner

    services: Services
    if db is None:
        services = RoutedServices(target, None)
        description = f"{target.split('@')[-1]} (offline)"
    elif db.is_sqlite:
        services, description = Services(db), db.describe()
    else:
        services = RoutedServices(target or db.url.render_as_string(hide_password=False), Services(db))
        description = db.describe()
    return AppContext(
        services=services,
        events=EventBus(),
        tasks=tasks if tasks is not None else TaskRunner(),
        db_description=description,
    )


def can_start_offline(target: str) -> bool:
    """Whether this computer holds an offline copy of the school database at ``target``."""
    from tracker.offline.replica import replica_path

    return "://" in target and replica_path(target).is_file()


def open_for_sign_in(target: str) -> tuple[Database | None, bool]:
    """Open the database and say whether it has an administrator yet (False: first run).
    Runs on a background thread at start-up (SQLAlchemy loads there too): any failure is a
    :class:`DatabaseError` with a plain message. A school database that cannot be reached while
    this computer holds an offline copy of it gives ``(None, True)``: start offline."""
    from tracker.errors import ServerUnreachable
    from tracker.services.auth import AuthService
    from tracker.services.bootstrap import open_database

    try:
        db, _ = open_database(target)
    except ServerUnreachable:
        if can_start_offline(target):
            return None, True
        raise
    except DatabaseError:
        raise
    except Exception as exc:  # e.g. a malformed URL or a missing database driver
        raise DatabaseError(f"Cannot open the database {target}: {exc}") from exc
    try:
        return db, AuthService(db).has_admin()
    except BaseException:
        db.dispose()
        raise


def make_main_window(ctx: AppContext, **kwargs: object) -> MainWindow:
    """The main window for ``ctx.actor`` (tests and screenshots pass ``persist=False``)."""
    from ui.main_window import MainWindow

    return MainWindow(ctx, **kwargs)  # type: ignore[arg-type]


DATABASE_FILES = "Activity Tracker databases (*.db *.sqlite *.sqlite3);;All files (*)"


def ask_for_database(exc: BaseException, target: str) -> str | None:
    """The database at ``target`` cannot be used: say why, and offer another one — an existing
    database chosen with a file dialog, or a new one created where the user says. Returns the
    location picked, or None when the user quits."""
    from PySide6.QtWidgets import QFileDialog

    message = str(exc)
    print(f"activity-tracker: {message}", file=sys.stderr)
    box = QMessageBox(QMessageBox.Icon.Critical, "Cannot open the database",
                      f"Activity Tracker cannot open the database.\n\n{message}")
    box.setInformativeText(f"Location: {target}\n\nOpen another Activity Tracker database, or create a "
                           "new, empty one (then set up the first administrator, or load a demo school).")
    choose = box.addButton("Choose another database…", QMessageBox.ButtonRole.AcceptRole)
    create = box.addButton("Create a new one…", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(choose)
    folder = str(Path(target).parent) if "://" not in target else str(default_db_path().parent)
    while True:
        box.exec()
        clicked = box.clickedButton()
        if clicked is choose:
            path, _ = QFileDialog.getOpenFileName(None, "Choose an Activity Tracker database", folder,
                                                  DATABASE_FILES)
        elif clicked is create:
            path, _ = QFileDialog.getSaveFileName(None, "Create a new database", str(Path(folder) / "school.db"),
                                                  DATABASE_FILES)
        else:
            return None
        if path:
            return path


def sign_in(ctx: AppContext, target: str, login: LoginDialog | None = None, *, first_run: bool = False) -> bool:
    """First-run set-up when the database has no administrator yet (``first_run``), then the
    sign-in dialog if still needed.

    ``login`` is the dialog already on screen since start-up (shown before the database opened).
    """
    from ui.dialogs.first_run import FirstRunDialog
    from ui.dialogs.login import LoginDialog

    if first_run:
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
        if exc.__traceback__ is None:
            exc.__traceback__ = tb
        try:
            from ui.tasks import show_error

            show_error(QApplication.activeWindow(), exc)
        except Exception:  # noqa: BLE001 - never fail inside the hook
            pass

    sys.excepthook = hook


class GuiLaunch:
    """The start of a GUI session: the sign-in window at once, the database opened behind it.

    The window appears about as fast as a bare Qt window; SQLAlchemy, the schema check and the
    services load on a background thread while it is already on screen and responsive (a Sign in
    pressed meanwhile runs when ready). ``run_gui`` runs it inside ``app.exec()``; tests drive it
    with their own event loop.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        from PySide6.QtCore import QTimer

        from ui.dialogs.login import LoginDialog
        from ui.tasks import TaskRunner

        self.app = ensure_app()
        self.config_error: ConfigError | None = None  # the machine's configuration file is broken
        try:
            self.target = database_target(args)
        except ConfigError as exc:  # said once the window is up, with the choice of another database
            self.target, self.config_error = str(default_db_path()), exc
        self.tasks = TaskRunner()
        self.ctx: AppContext | None = None
        self.window: MainWindow | None = None
        self.exit_code: int | None = None  # set when the session ends before the main window
        self.backups: BackupTimer | None = None  # automatic backups, once signed in
        self.in_event_loop = False
        self.app.setQuitOnLastWindowClosed(False)  # dialogs come and go before the main window
        self.login = LoginDialog(None)
        self.login.rejected.connect(self._cancelled_while_opening)
        self.login.show()
        QTimer.singleShot(0, self._start)

    def _cancelled_while_opening(self) -> None:
        if self.ctx is None and self.exit_code is None:
            self._finish(0)

    def _finish(self, code: int) -> None:
        self.exit_code = code
        if self.in_event_loop:
            self.app.exit(code)

    def _start(self) -> None:
        from tracker.logs import setup_logging

        setup_logging()  # now that the window is on screen (it costs a few imports)
        self._open()

    def _open(self) -> None:
        if self.config_error is not None:
            problem, self.config_error = self.config_error, None
            self._not_opened(DatabaseError(str(problem)))
            return
        target = self.target
        self.tasks.run(lambda state: open_for_sign_in(target), on_done=self._opened,
                       on_error=self._not_opened, write=True, label="Opening the database")

    def _not_opened(self, exc: BaseException) -> None:
        """Not a database we can use: the user picks another one (or a new one, remembered as
        the location from now on, like in Settings), or quits."""
        if self.exit_code is not None:  # the user cancelled meanwhile
            return
        self.login.hide()
        if not isinstance(exc, DatabaseError):
            exc = DatabaseError(f"Cannot open the database {self.target}: {exc}")
        other = ask_for_database(exc, self.target)
        if other is None:
            self._finish(EXIT_DATABASE)
            return
        self.target = other
        app_settings().setValue(DATABASE_LOCATION, other)
        self.login.show()
        self._open()

    def _opened(self, opened: tuple[Database | None, bool]) -> None:
        from PySide6.QtCore import QTimer

        db, has_admin = opened
        if self.exit_code is not None:  # the user cancelled meanwhile
            if db is not None:
                db.dispose()
            return
        self.ctx = build_context(db, tasks=self.tasks, target=self.target)
        # the sign-in dialogs run their own event loop: not from inside this task's delivery
        QTimer.singleShot(0, lambda: self._sign_in(first_run=not has_admin))

    def _sign_in(self, *, first_run: bool) -> None:
        assert self.ctx is not None
        if not sign_in(self.ctx, self.target, self.login, first_run=first_run):
            self._finish(0)
            return
        _install_excepthook()
        from ui.offline import router_of

        router = router_of(self.ctx)
        if router is not None:
            router.actor = self.ctx.actor  # the offline copy is this user's (the window keeps it so)
        self.window = make_main_window(self.ctx)
        self.window.show()
        self.app.setQuitOnLastWindowClosed(True)
        self._start_backups(self.window)

    def _start_backups(self, window: MainWindow) -> None:
        """Automatic backups (on start when the last is a day old, then daily), in the background
        once the window is on screen; their failures go to the status bar, never a modal dialog."""
        from ui.backup_timer import BackupTimer
        from ui.offline import is_offline

        assert self.ctx is not None
        if is_offline(self.ctx):  # started offline: backups are the school database's, not this copy's
            return
        self.backups = BackupTimer(self.ctx, window, lambda text: window.statusBar().showMessage(text, 15000))
        self.backups.start()

    def close(self) -> None:
        """Stop background work and release the database."""
        self.tasks.cancel_all()
        self.tasks.wait(10_000)
        if self.ctx is not None:
            from ui.offline import router_of

            router = router_of(self.ctx)
            if router is not None:
                router.dispose()  # the server's connections and the offline copy's
            else:
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

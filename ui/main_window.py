"""The main window: a sidebar of the pages the user may see, a header, menus, a status bar and
the idle lock.

Pages come from :mod:`ui.views.registry` and are created the first time they are shown.
Signing out, switching user and locking happen inside this one window: the pages are rebuilt
for the new user, or covered (not destroyed) while locked.

The status bar also tells about after-commit work still pending (a file to write, a message to
deliver): :class:`PendingJobsIndicator`, retried once after each sign-in and on "Retry now"; a
write whose follow-up work failed brings up one non-modal warning.

The keyboard reaches everything from here: Ctrl+1… switch page and put the focus in the page's
main table or search (its ``focus_main()``); Ctrl+Tab / Ctrl+PgDown and Ctrl+Shift+Tab /
Ctrl+PgUp switch the tabs of the tab widget around the focus (or of the current page); Ctrl+T
takes attendance for the session on now (:mod:`ui.take_now`); F1 opens the user guide and Help ▸
Keyboard shortcuts lists every shortcut, read from the actions themselves (:mod:`ui.help`).

The title is the school's name: the platform adds the application's name (" — Activity
Tracker", its display name), so the window never names it twice.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QProgressDialog,
    QStackedLayout,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import ChangeKind, Changes
from tracker.domain.policy import Actor, Permission
from tracker.errors import TrackerError
from tracker.services.settings import SchoolSettings
from ui import resources, theme
from ui.backup_menu import BackupActions
from ui.context import AppContext
from ui.dialogs import alive, app_settings
from ui.dialogs.login import LoginDialog
from ui.dialogs.verify_dialog import open_verify_dialog
from ui.idle_lock import IdleLock, LockScreen
from ui.notices import NoticeDesk
from ui.offline_shell import OfflineShell
from ui.page_counts import PageCounts
from ui.pending_jobs import PendingJobsIndicator, plural
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.tray import desktop_notifier
from ui.views.registry import PageSpec, pages_for
from ui.widgets.actions import focus_first

if TYPE_CHECKING:
    from ui.help import Shortcut
    from ui.take_now import TakeNow

GEOMETRY = "mainwindow/geometry"
LAST_PAGE = "mainwindow/last_page"
#: e-mail still queued goes out this long after sign-in: its sender's first pass reads the
#: outbox on its own thread, and the first page's read is what the user is waiting for
EMAIL_START_DELAY_MS = 3_000


class UnavailablePage(QWidget):
    """Shown instead of a page whose module could not be loaded, so the rest still works."""

    def __init__(self, spec: PageSpec, error: BaseException) -> None:
        super().__init__()
        self.title = spec.title
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 32, 32, 32)
        layout.addStretch(1)
        heading = QLabel(f"The {spec.title} page is not available")
        heading.setProperty("heading", "2")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(heading)
        detail = QLabel(f"It could not be loaded in this build: {error}")
        detail.setProperty("muted", True)
        detail.setWordWrap(True)
        detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(detail)
        layout.addStretch(2)

    def on_shown(self) -> None:
        pass


class MainWindow(QMainWindow):
    """``MainWindow(ctx)`` for the signed-in ``ctx.actor``.

    ``idle_timeout_ms`` overrides the idle-lock setting (tests); ``persist=False`` neither reads
    nor writes the saved geometry and last page (screenshots); ``start_page`` is the page shown
    first (screenshots: no other page is built and loaded for nothing).
    """

    locked_changed = Signal(bool)
    actor_changed = Signal(object)

    def __init__(
        self,
        ctx: AppContext,
        *,
        idle_timeout_ms: int | None = None,
        persist: bool = True,
        start_page: str = "",
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.persist = persist
        self._start_page = start_page
        self._idle_override = idle_timeout_ms
        self._specs: list[PageSpec] = []
        self._pages: dict[str, QWidget] = {}
        self._current_key = ""
        self._locked = False
        self._page_actions: list[QAction] = []
        self.login_dialog: LoginDialog | None = None
        self.help_windows: dict[str, QDialog] = {}
        self.take_now: TakeNow | None = None
        self.jobs_warning: QMessageBox | None = None
        self.school_reloader: Reloader[SchoolSettings] = Reloader(
            ctx, self._load_school, self._apply_school_settings, self._school_not_loaded, label="School")
        self.setObjectName("mainWindow")
        self.setWindowIcon(resources.app_icon())
        self.setMinimumSize(QSize(900, 600))

        self._build_body()
        self._build_menus()
        self._build_status_bar()
        self.offline = OfflineShell(self, self.file_menu)  # status, Sync now, disabled work (issue 17)
        self.page_counts = PageCounts(ctx, self.sidebar)  # "Inbox  3"
        self.tray = desktop_notifier(ctx, self)  # None where the platform has no tray
        self.email_start = QTimer(self)
        self.email_start.setSingleShot(True)
        self.email_start.setInterval(EMAIL_START_DELAY_MS)
        self.email_start.timeout.connect(self._start_email)

        self.idle = IdleLock(self, timeout_ms=0)
        self.idle.timed_out.connect(self.lock)
        self.ctx.events.changed.connect(self._on_changed)
        self.ctx.events.jobs_failed.connect(self._jobs_failed)
        self.notice_desk = NoticeDesk(ctx, self, lambda text: self.statusBar().showMessage(text, 8000))
        self.ctx.tasks.busy_changed.connect(self._set_busy)

        if persist:
            geometry = app_settings().value(GEOMETRY)
            if isinstance(geometry, QByteArray | bytes) and geometry:
                self.restoreGeometry(QByteArray(geometry))
            else:
                self.resize(1280, 800)
        else:
            self.resize(1280, 800)
        if ctx.actor is not None:
            self._start_session(ctx.actor)

    # --- layout --------------------------------------------------------------------------------
    def _build_body(self) -> None:
        central = QWidget()
        self._cover = QStackedLayout(central)
        self.body = QWidget()
        row = QHBoxLayout(self.body)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)

        panel = QWidget()
        panel.setObjectName("sidebarPanel")
        panel.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        panel.setFixedWidth(232)
        side = QVBoxLayout(panel)
        side.setContentsMargins(0, 0, 0, 10)
        side.setSpacing(0)
        brand = QWidget()
        brand_row = QHBoxLayout(brand)
        brand_row.setContentsMargins(16, 18, 12, 14)
        brand_row.setSpacing(10)
        self.logo_label = QLabel()
        self.logo_label.setFixedSize(36, 36)
        self.logo_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        brand_row.addWidget(self.logo_label)
        names = QVBoxLayout()
        names.setSpacing(1)
        self.school_label = QLabel()
        self.school_label.setObjectName("sidebarTitle")
        self.school_label.setWordWrap(True)
        names.addWidget(self.school_label)
        app_name = QLabel("Activity Tracker")
        app_name.setObjectName("sidebarSubtitle")
        names.addWidget(app_name)
        brand_row.addLayout(names, 1)
        side.addWidget(brand)

        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setAccessibleName("Pages")
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sidebar.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.sidebar.currentRowChanged.connect(self._on_sidebar_row)
        side.addWidget(self.sidebar, 1)

        badge = QWidget()
        badge_row = QHBoxLayout(badge)
        badge_row.setContentsMargins(18, 8, 12, 4)
        badge_row.setSpacing(10)
        avatar = QLabel()
        avatar.setPixmap(resources.pixmap("user", 22, "#9fb0c3"))
        avatar.setFixedSize(24, 24)
        badge_row.addWidget(avatar, 0, Qt.AlignmentFlag.AlignTop)
        who = QVBoxLayout()
        who.setSpacing(0)
        self.user_badge = QLabel()
        self.user_badge.setObjectName("sidebarUser")
        self.user_badge.setWordWrap(True)
        self.role_badge = QLabel()
        self.role_badge.setObjectName("sidebarSubtitle")
        who.addWidget(self.user_badge)
        who.addWidget(self.role_badge)
        badge_row.addLayout(who, 1)
        side.addWidget(badge)
        row.addWidget(panel)

        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        head = QWidget()
        head.setObjectName("pageHeader")
        head.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        head_row = QHBoxLayout(head)
        head_row.setContentsMargins(24, 8, 16, 8)
        head_row.setSpacing(8)
        self.crumb_school = QLabel()
        self.crumb_school.setObjectName("pageCrumb")
        head_row.addWidget(self.crumb_school)
        separator = QLabel("›")
        separator.setObjectName("pageCrumb")
        head_row.addWidget(separator)
        self.page_title = QLabel()
        self.page_title.setObjectName("pageTitle")
        self.page_title.setAccessibleName("Current page")
        head_row.addWidget(self.page_title, 1)
        self.lock_button = QToolButton()
        self.lock_button.setObjectName("headerButton")
        self.lock_button.setText("Lock")
        self.lock_button.setIcon(resources.icon("lock", theme.MUTED))
        self.lock_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.lock_button.setToolTip("Lock the window now (Ctrl+L): your password brings you back here")
        self.lock_button.setAutoRaise(True)
        self.lock_button.setIconSize(QSize(16, 16))
        self.lock_button.clicked.connect(self.lock)
        head_row.addWidget(self.lock_button)
        column.addWidget(head)
        self.stack = QStackedWidget()
        column.addWidget(self.stack, 1)
        row.addWidget(right, 1)

        self.lock_screen = LockScreen(self.ctx)
        self.lock_screen.unlocked.connect(self._on_unlocked)
        self.lock_screen.switch_user_requested.connect(self.switch_user)
        self._cover.addWidget(self.body)
        self._cover.addWidget(self.lock_screen)
        self._cover.setCurrentWidget(self.body)
        self.setCentralWidget(central)

    def _action(self, text: str, slot: object, shortcut: str | QKeySequence | None = None,
                tip: str = "", icon: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        if icon:
            action.setIcon(resources.icon(icon))
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = self.file_menu = bar.addMenu("&File")
        self.settings_action = self._action(
            "&Settings…", self.open_settings, QKeySequence("Ctrl+,"),
            "School name, logo, idle lock and database location", "settings")
        self.outbox_action = self._action(
            "E-mail &outbox…", self.open_outbox, None,
            "E-mail notifications waiting, sent and failed: send now, resend", "settings")
        self.lock_action = self._action("&Lock now", self.lock, QKeySequence("Ctrl+L"),
                                        "Hide the window behind your password", "lock")
        self.switch_action = self._action("S&witch user…", self.switch_user, None,
                                          "Let someone else sign in on this window", "user")
        self.logout_action = self._action("Log &out", self.log_out, None,
                                          "Sign out and show the sign-in window", "logout")
        self.quit_action = self._action("&Quit", self.quit_application, QKeySequence("Ctrl+Q"),
                                        "Close Activity Tracker")
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.export_action = self._action("&Export…", self.open_export, None,
                                          "Records of an activity or the whole school: Excel, CSV, PDF or archive")
        self.export_action.setVisible(self.ctx.can(Permission.VIEW_ANALYTICS))
        file_menu.addAction(self.export_action)
        file_menu.addAction(self.settings_action)
        file_menu.addAction(self.outbox_action)
        self.backup_actions = BackupActions(self, file_menu)  # Back up now, Backups…, Restore…
        file_menu.addSeparator()
        file_menu.addAction(self.lock_action)
        file_menu.addAction(self.switch_action)
        file_menu.addAction(self.logout_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        self.go_menu = bar.addMenu("&Go")
        self.next_tab_action = self._action(
            "&Next tab", lambda: self.switch_tab(1), None, "The next tab of the page (Ctrl+PgDown too)")
        self.next_tab_action.setShortcuts([QKeySequence("Ctrl+Tab"), QKeySequence("Ctrl+PgDown")])
        self.previous_tab_action = self._action(
            "P&revious tab", lambda: self.switch_tab(-1), None, "The previous tab of the page (Ctrl+PgUp too)")
        self.previous_tab_action.setShortcuts([QKeySequence("Ctrl+Shift+Tab"), QKeySequence("Ctrl+PgUp")])
        self.take_now_action = self._action(
            "&Take attendance now…", self.take_attendance_now, QKeySequence("Ctrl+T"),
            "Take attendance for the session of your activities on now, or next today", "calendar")
        for action in (self.next_tab_action, self.previous_tab_action, self.take_now_action):
            self.addAction(action)  # the keys work while the menu bar is hidden too

        account = self.account_menu = bar.addMenu("&Account")
        self.password_action = self._action("Change &password…", self.change_password, None,
                                            "Change the password you sign in with", "key")
        account.addAction(self.password_action)
        self.notification_settings_action = self._action(
            "&Notification settings…", self.open_notification_settings, None,
            "Which notifications you get, and how: inbox, desktop, e-mail", "settings")
        account.addAction(self.notification_settings_action)

        help_menu = self.help_menu = bar.addMenu("&Help")
        self.guide_action = self._action("&User guide", self.open_user_guide, QKeySequence(QKeySequence.StandardKey.HelpContents),
                                         "How to use Activity Tracker (works offline)", "about")
        if self.guide_action.shortcut().isEmpty():  # platforms without a standard help key
            self.guide_action.setShortcut(QKeySequence("F1"))
        self.shortcuts_action = self._action("&Keyboard shortcuts", self.open_shortcuts, QKeySequence("Ctrl+/"),
                                             "Every shortcut of this window, from its own commands")
        self.about_action = self._action("&About Activity Tracker", self.open_about, None,
                                         "Version, database and system information", "about")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.log_action = self._action("Open &log folder", self.open_log_folder, None,
                                       "The support log to send to IT when something went wrong")
        self.verify_action = self._action(
            "&Verify a certificate…", lambda: open_verify_dialog(self.ctx, self), None, "Check a certificate's code, QR text or PDF, offline")
        help_menu.addAction(self.guide_action)
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.verify_action)
        help_menu.addSeparator()
        help_menu.addAction(self.log_action)
        help_menu.addSeparator()
        help_menu.addAction(self.about_action)
        for menu in (file_menu, self.go_menu, account, help_menu):
            menu.setToolTipsVisible(True)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.user_status = QLabel()
        self.user_status.setAccessibleName("Signed-in user")
        self.role_status = QLabel()
        self.role_status.setAccessibleName("Role")
        self.db_status = QLabel()
        self.db_status.setAccessibleName("Database")
        self.busy_label = QLabel("Working…")
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setFixedWidth(90)
        self.busy_bar.setMaximumHeight(12)
        self.busy_bar.setTextVisible(False)
        self.busy_label.hide()
        self.busy_bar.hide()
        self.pending = PendingJobsIndicator(self.ctx)
        self.pending.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        bar.addWidget(self.user_status)
        bar.addWidget(self.role_status)
        bar.addWidget(self.db_status, 1)
        bar.addPermanentWidget(self.pending)
        bar.addPermanentWidget(self.busy_label)
        bar.addPermanentWidget(self.busy_bar)

    # --- session -------------------------------------------------------------------------------
    def _start_session(self, actor: Actor) -> None:
        """Build everything that depends on who is signed in."""
        self.ctx.actor = actor
        self._specs = pages_for(actor)
        self.sidebar.blockSignals(True)
        self.sidebar.clear()
        self.sidebar.blockSignals(False)
        for action in self._page_actions:
            self.removeAction(action)
        self.go_menu.clear()
        self._page_actions = []
        for index, spec in enumerate(self._specs):
            icon_name = spec.icon or f"{spec.key}.svg"
            item = QListWidgetItem(resources.icon(icon_name, theme.SIDEBAR_TEXT, selected_colour="#ffffff"),
                                   spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            item.setSizeHint(QSize(0, 40))
            item.setToolTip(f"{spec.title} ({spec.shortcut or f'Ctrl+{index + 1}'})")
            self.sidebar.addItem(item)
            if spec.shortcut or index < 9:
                shortcut = spec.shortcut or f"Ctrl+{index + 1}"
                action = self._action(spec.title, lambda _=False, k=spec.key: self.show_page(k),
                                      QKeySequence(shortcut), f"Go to {spec.title}", icon_name)
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
                self.addAction(action)
                self.go_menu.addAction(action)
                self._page_actions.append(action)
        self.go_menu.addSeparator()
        self.go_menu.addAction(self.next_tab_action)
        self.go_menu.addAction(self.previous_tab_action)
        takes = self.ctx.can(Permission.TAKE_ATTENDANCE)
        self.take_now_action.setVisible(takes)
        self.take_now_action.setEnabled(takes)
        if takes:
            self.go_menu.addSeparator()
            self.go_menu.addAction(self.take_now_action)
        self.settings_action.setVisible(self.ctx.can(Permission.MANAGE_SETTINGS))
        self.settings_action.setEnabled(self.ctx.can(Permission.MANAGE_SETTINGS))
        self.outbox_action.setVisible(self.ctx.can(Permission.MANAGE_SETTINGS))
        self.outbox_action.setEnabled(self.ctx.can(Permission.MANAGE_SETTINGS))
        self.user_status.setText(f"Signed in as {actor.display_name}")
        self.role_status.setText(actor.role.label)
        self.db_status.setText(f"Database: {self.ctx.db_description}")
        self.db_status.setToolTip(self.ctx.db_description)
        self.user_badge.setText(actor.display_name)
        self.role_badge.setText(actor.role.label)
        # the first page first: its read is the one the user waits for (the reads below are small,
        # and ahead of it they held both reader threads for the first few milliseconds)
        wanted = self._start_page or (str(app_settings().value(LAST_PAGE, "") or "") if self.persist else "")
        keys = [s.key for s in self._specs]
        if keys:
            self.show_page(wanted if wanted in keys else keys[0])
        self.page_counts.start(self._specs)
        if self.tray is not None:
            self.tray.start()
        self.school_reloader.request()
        self.pending.retry(quiet=True)  # what failed before (here or elsewhere) gets another go
        self.email_start.start()  # e-mail still queued goes out, once the first page has loaded
        self._set_busy(self.ctx.tasks.busy)
        self.actor_changed.emit(actor)

    def _start_email(self) -> None:
        """The e-mail sender's thread, some seconds into a session (offline, e-mail waits for the
        school database: OfflineShell starts it on the way back)."""
        if self.ctx.actor is not None and not self.offline.offline:
            self.ctx.services.email.start_background()

    def _end_session(self) -> None:
        """Forget the signed-in user's pages (their data must not survive a sign-out)."""
        self._save_state()
        self.page_counts.stop()
        self.email_start.stop()
        if self.tray is not None:
            self.tray.stop()
        self.ctx.tasks.cancel_all()
        for page in self._pages.values():
            self.stack.removeWidget(page)
            page.deleteLater()
        self._pages.clear()
        self._current_key = ""
        self.page_title.clear()

    def set_actor(self, actor: Actor) -> None:
        """Another user signed in: rebuild the window for their role (same user: just unlock)."""
        same = self.ctx.actor is not None and self.ctx.actor.id == actor.id
        if not same:
            self._end_session()
            self._start_session(actor)
        else:
            self.ctx.actor = actor
        self.unlock()

    @property
    def page_keys(self) -> list[str]:
        return [s.key for s in self._specs]

    @property
    def current_key(self) -> str:
        return self._current_key

    def current_page(self) -> QWidget | None:
        return self._pages.get(self._current_key)

    def show_page(self, key: str, *, focus: bool = True) -> QWidget:
        """Make the page ``key`` current (creating it on first use); KeyError if not allowed.
        With ``focus``, the keyboard lands in the page's main table or search (``focus_main``)."""
        keys = self.page_keys
        if key not in keys:
            raise KeyError(f"{key!r} is not a page for this user (pages: {', '.join(keys)})")
        if self._locked:
            return self._pages.get(self._current_key) or self._page(self._specs[keys.index(key)])
        spec = self._specs[keys.index(key)]
        page = self._page(spec)
        self.stack.setCurrentWidget(page)
        self._current_key = key
        self.page_title.setText(spec.title)
        row = keys.index(key)
        if self.sidebar.currentRow() != row:
            self.sidebar.blockSignals(True)
            self.sidebar.setCurrentRow(row)
            self.sidebar.blockSignals(False)
        on_shown = getattr(page, "on_shown", None)
        if callable(on_shown):
            try:
                on_shown()
            except TrackerError as exc:
                self.statusBar().showMessage(str(exc), 8000)
        if focus:
            self._focus_page(page)
        return page

    def _focus_page(self, page: QWidget) -> None:
        focus_main = getattr(page, "focus_main", None)
        if callable(focus_main):
            focus_main()
        else:
            page.setFocus()

    def _page(self, spec: PageSpec) -> QWidget:
        page = self._pages.get(spec.key)
        if page is None:
            try:
                page = spec.load()(self.ctx)
            except Exception as exc:  # noqa: BLE001 - one broken page must not take the window down
                traceback.print_exc(file=sys.stderr)
                page = UnavailablePage(spec, exc)
            self._pages[spec.key] = page
            self.stack.addWidget(page)
        return page

    def _on_sidebar_row(self, row: int) -> None:
        # moving through the sidebar with the arrow keys (or clicking it) keeps the focus there
        if 0 <= row < len(self._specs):
            self.show_page(self._specs[row].key, focus=not self.sidebar.hasFocus())

    # --- settings and change notifications -----------------------------------------------------
    def _load_school(self) -> Callable[[TaskState], SchoolSettings]:
        settings = self.ctx.services.settings
        return lambda state: settings.get()

    def _school_not_loaded(self, exc: BaseException) -> None:
        if not isinstance(exc, TrackerError):
            raise exc

    def _apply_school_settings(self, school: SchoolSettings) -> None:
        self.setWindowTitle(school.school_name)  # the platform adds " — Activity Tracker"
        self.school_label.setText(school.school_name)
        self.crumb_school.setText(school.school_name)
        self.logo_label.setPixmap(resources.logo_pixmap(school.logo_path, 32, "#9fd3f0"))
        minutes = school.idle_lock_minutes
        timeout = self._idle_override if self._idle_override is not None else int(minutes) * 60_000
        if self._locked or self.ctx.actor is None:
            self.idle.pause()
            self.idle.set_timeout(timeout)
        else:
            self.idle.set_timeout(timeout)
            self.idle.resume()

    def _on_changed(self, changes: Changes, initiator: object) -> None:
        if changes.touches(ChangeKind.SETTING):
            self.school_reloader.request()

    def _jobs_failed(self, failures: tuple[object, ...]) -> None:
        """A committed write's follow-up work failed: say so once (a second failure meanwhile
        updates the same non-modal warning); the jobs stay pending and are retried."""
        errors = "; ".join(str(f) for f in failures).rstrip(".")
        text = (f"Your change was saved, but {plural(len(failures), 'follow-up task')} could not finish: "
                f"{errors}. They will be retried automatically; you can also retry from the status bar.")
        box = self.jobs_warning
        if box is None:
            box = QMessageBox(QMessageBox.Icon.Warning, "Follow-up tasks pending", text,
                              QMessageBox.StandardButton.Ok, self)
            box.setWindowModality(Qt.WindowModality.NonModal)
            self.jobs_warning = box
        box.setText(text)
        box.show()

    def _set_busy(self, busy: bool) -> None:
        self.busy_label.setVisible(busy)
        self.busy_bar.setVisible(busy)

    # --- lock, switch, log out -----------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self._locked

    def lock(self) -> None:
        """Cover the content; the pages stay as they are underneath."""
        if self._locked or self.ctx.actor is None:
            return
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible() and not isinstance(dialog, QProgressDialog | LoginDialog):
                dialog.reject()
        self._locked = True
        self.idle.pause()
        self.lock_screen.prepare(self.ctx.actor)
        self._cover.setCurrentWidget(self.lock_screen)
        self._set_actions_enabled(False)
        self.lock_screen.password.setFocus()
        self.locked_changed.emit(True)

    def unlock(self) -> None:
        if not self._locked:
            return
        self._locked = False
        self._cover.setCurrentWidget(self.body)
        self._set_actions_enabled(True)
        self.idle.resume()
        page = self.current_page()
        if page is not None:
            self._focus_page(page)
        else:
            self.sidebar.setFocus()
        self.locked_changed.emit(False)

    def _on_unlocked(self, actor: Actor) -> None:
        self.set_actor(actor)

    def _set_actions_enabled(self, enabled: bool) -> None:
        for menu in (self.go_menu, self.account_menu, self.help_menu):
            menu.menuAction().setEnabled(enabled)
        for action in (self.settings_action, self.outbox_action, self.lock_action, self.logout_action,
                       self.password_action, self.about_action, self.guide_action, self.shortcuts_action, self.next_tab_action,
                       self.previous_tab_action, self.take_now_action, *self._page_actions):
            action.setEnabled(enabled)
        self.pending.setEnabled(enabled)
        if enabled:
            self.settings_action.setEnabled(self.ctx.can(Permission.MANAGE_SETTINGS))
            self.outbox_action.setEnabled(self.ctx.can(Permission.MANAGE_SETTINGS))
            self.take_now_action.setEnabled(self.ctx.can(Permission.TAKE_ATTENDANCE))
        # switching user and quitting stay possible while locked
        self.switch_action.setEnabled(True)
        self.quit_action.setEnabled(True)

    def switch_user(self) -> LoginDialog:
        """Let someone else sign in; cancelling returns to the current user (or the lock screen)."""
        dialog = LoginDialog(self.ctx, self, prompt="Sign in as someone else.", username="")
        dialog.accepted.connect(lambda: self._switched(dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.login_dialog = dialog
        dialog.open()
        return dialog

    def _switched(self, dialog: LoginDialog) -> None:
        if dialog.actor is not None:
            self.set_actor(dialog.actor)

    def log_out(self, *, prompt: str = "You are signed out. Sign in to continue.") -> LoginDialog:
        """Sign out: the pages are dropped, the window hides, and the sign-in dialog shows."""
        self._end_session()
        was_locked = self._locked
        self._locked = False
        self._cover.setCurrentWidget(self.body)
        if was_locked:
            self._set_actions_enabled(True)
        self.offline.signing_out()
        self.ctx.actor = None
        self.idle.pause()
        self.sidebar.clear()
        self.pending.show_jobs([])
        dialog = LoginDialog(self.ctx, None, prompt=prompt)
        dialog.setWindowIcon(resources.app_icon())
        dialog.accepted.connect(lambda: self._signed_in_again(dialog))
        dialog.rejected.connect(self.quit_application)
        dialog.finished.connect(dialog.deleteLater)
        self.login_dialog = dialog
        dialog.show()
        self.hide()
        return dialog

    def _signed_in_again(self, dialog: LoginDialog) -> None:
        if dialog.actor is None:
            return
        self._start_session(dialog.actor)
        self.show()

    def quit_application(self) -> None:
        self.close()
        app = QApplication.instance()
        if app is not None:
            QTimer.singleShot(0, app.quit)

    # --- keyboard ------------------------------------------------------------------------------
    def current_tabs(self) -> QTabWidget | None:
        """The tab widget Ctrl+Tab switches: the one around the focus, else the first one
        showing on the current page."""
        node = QApplication.focusWidget()
        while node is not None and node is not self:
            if isinstance(node, QTabWidget):
                return node
            node = node.parentWidget()
        page = self.current_page()
        shown = [t for t in page.findChildren(QTabWidget) if t.isVisible()] if page is not None else []
        return shown[0] if shown else None

    def switch_tab(self, step: int) -> bool:
        """Ctrl+Tab (+1) / Ctrl+Shift+Tab (-1): the next enabled tab, wrapping round, with the
        focus in it (its ``focus_main`` or first field). False when there is no other tab."""
        tabs = self.current_tabs()
        if tabs is None or self._locked:
            return False
        count = tabs.count()
        index = tabs.currentIndex()
        for _ in range(count - 1):
            index = (index + step) % count
            if tabs.isTabEnabled(index) and tabs.isTabVisible(index):
                tabs.setCurrentIndex(index)
                focus_first(tabs.widget(index), tabs.tabBar())
                return True
        return False

    def take_attendance_now(self) -> None:
        """Ctrl+T: the session of the user's activities on now (or next today), from any page."""
        if self._locked or not self.ctx.can(Permission.TAKE_ATTENDANCE):
            return
        from ui.take_now import TakeNow

        if self.take_now is None:
            self.take_now = TakeNow(self.ctx, self)
        self.take_now.start()

    # --- help ----------------------------------------------------------------------------------
    def _help_window(self, name: str, make: Callable[[], QDialog]) -> QDialog:
        """One window of each kind: asking again brings the open one to the front."""
        window = self.help_windows.get(name)
        if window is None or not alive(window) or not window.isVisible():
            window = make()
            self.help_windows[name] = window
        else:
            window.raise_()
            window.activateWindow()
        return window

    def open_user_guide(self) -> QDialog:
        from ui.help import open_user_guide

        return self._help_window("guide", lambda: open_user_guide(self))

    def shortcut_list(self) -> list[Shortcut]:
        """Every shortcut of the window, read from its actions, by where it works (the pages not
        opened yet are built for it: their shortcuts count too)."""
        from ui.help import shortcuts

        for spec in self._specs:
            self._page(spec)
        titles = {s.key: s.title for s in self._specs}
        return shortcuts(self, {page: titles.get(key, key) for key, page in self._pages.items()})

    def open_shortcuts(self) -> QDialog:
        """Help ▸ Keyboard shortcuts."""
        from ui.help import ShortcutsWindow

        def make() -> QDialog:
            window = ShortcutsWindow(self.shortcut_list(), self)
            window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            window.show()
            return window

        return self._help_window("shortcuts", make)

    # --- dialogs -------------------------------------------------------------------------------
    def open_settings(self) -> QDialog | None:
        if not self.ctx.can(Permission.MANAGE_SETTINGS) or self._locked:
            return None
        from ui.dialogs.settings import SettingsDialog

        dialog = SettingsDialog(self.ctx, self)
        dialog.accepted.connect(lambda: self.statusBar().showMessage(
            "Settings saved. A new database location is used from the next start.", 6000))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def open_export(self) -> QDialog | None:
        """File ▸ Export…: an administrator starts from the whole school, a teacher from their
        first activity (``ui/dialogs/export_dialog.py``)."""
        if not self.ctx.can(Permission.VIEW_ANALYTICS) or self._locked:
            return None
        from ui.dialogs.export_dialog import open_export_dialog

        return open_export_dialog(self, self.ctx, school=True)

    def open_outbox(self) -> QDialog | None:
        if not self.ctx.can(Permission.MANAGE_SETTINGS) or self._locked:
            return None
        from ui.dialogs.outbox_dialog import open_outbox  # loaded when first needed

        return open_outbox(self, self.ctx)

    def change_password(self) -> QDialog | None:
        if self.ctx.actor is None or self._locked:
            return None
        from ui.dialogs.change_password import ChangePasswordDialog

        dialog = ChangePasswordDialog(self.ctx, self)
        dialog.accepted.connect(lambda: self.statusBar().showMessage("Your password was changed.", 6000))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def open_notification_settings(self) -> QDialog | None:
        if self.ctx.actor is None or self._locked:
            return None
        from ui.dialogs.notification_settings import open_notification_settings

        return open_notification_settings(self.ctx, self)

    def open_log_folder(self) -> None:
        from ui.error_dialog import open_log_folder

        if not open_log_folder():
            from tracker.logs import log_file

            self.statusBar().showMessage(f"The support log is in {log_file().parent}", 15000)

    def open_about(self) -> QDialog:
        from ui.dialogs.about import AboutDialog

        dialog = AboutDialog(self.ctx, self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    # --- persistence ---------------------------------------------------------------------------
    def _save_state(self) -> None:
        if not self.persist:
            return
        prefs = app_settings()
        prefs.setValue(GEOMETRY, self.saveGeometry())
        if self._current_key:
            prefs.setValue(LAST_PAGE, self._current_key)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        self._save_state()
        self.idle.remove()
        self.ctx.tasks.cancel_all()
        super().closeEvent(event)

"""`activity-tracker screenshot`: render a view as a user, offscreen, to a PNG file.

The image shows what a user with a screen of ``--size`` sees: the offscreen "screen" is that
size (dialogs size themselves against it as they would on a real one), the main window is
resized to it and nothing is adjusted to make the picture look better. Dialogs are drawn over
the main window (or over a plain backdrop before sign-in) at the size they open with, with a
title bar, dimmed behind like a real modal dialog. When the main window or a dialog needs more
room than the screen has (its minimum size), the picture shows it cut off where the screen
ends, the command names the widget and exits with :data:`EXIT_TOO_SMALL`.

As in the application, the database is opened and signed into on the task runner's threads,
never on the GUI thread. :func:`stage_view` puts a view on screen without taking the picture:
the layout check (:mod:`ui.layout_check`) inspects exactly what the screenshot would show.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QLinearGradient, QPainter, QPainterPath, QPixmap
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QDialog, QStackedWidget, QWidget

from tracker.errors import DatabaseError, TrackerError
from tracker.resource_files import resource_dir
from ui import theme
from ui.screenshot_offline import OFFLINE_ROLES, OFFLINE_VIEWS
from ui.tasks import TaskRunner, TaskState

if TYPE_CHECKING:
    from tracker.domain.policy import Actor
    from tracker.services.certificates import CertificateInfo
    from ui.context import AppContext
    from ui.main_window import MainWindow

T = TypeVar("T")

EXIT_TOO_SMALL = 4
#: the height of the title bar a window manager adds above a dialog (drawn by :func:`compose`)
TITLE_BAR = 32
DEFAULT_SIZE = "1280x800"

DIALOG_VIEWS: dict[str, str] = {
    "login": "the sign-in window",
    "first-run": "first start: create the administrator or load a demo school",
    "settings": "school settings dialog (administrators)",
    "email-settings": "the E-mail settings dialog: SMTP server, password note, Send test e-mail (administrators)",
    "outbox": "the E-mail outbox dialog (File menu): messages queued, sent and failed (administrators)",
    "backups": "the Restore dialog (File menu): the backups of the backup folder, newest first (administrators)",
    "backup-settings": "the Backups dialog (File menu): folder, daily / weekly kept, last backup, Back up now",
    "about": "About Activity Tracker",
    "change-password": "change your password dialog",
    "lock": "the main window locked after idle time",
    "import": "roster import dialog with the preview of a sample file (administrators)",
    "rubric": "the school default rubric dialog of the Skills page (administrators)",
    "new-person": "the New person dialog of the People page (administrators)",
    "link-guardian": "the Link parent/guardian dialog of the People page (administrators)",
    "new-activity": "the New activity dialog of the Activities page (administrators)",
    "new-skill": "the New skill dialog of the Skills page (administrators)",
    "verify": "the Verify a certificate dialog (Help menu), showing a valid certificate when there is one",
    "certificate-wizard": "the certificate wizard's template page with its live preview, for the activity with "
                          "the most completed students",
    "certificate-template": "the certificate template editor (Settings, administrators) on classic, preview drawn",
    "notification-settings": "the Notification settings dialog of the Inbox page: kinds, channels, digest, address",
    "badge-editor": "the badge editor on the rule badge with the most awards the user may edit, students who "
                    "qualify counted",
    "export": "the Export records dialog (File menu, activity page, Analytics) on the largest activity the user "
              "may export",
    "letters": "the Letters to parents dialog for the largest activity the user leads, the students at risk "
               "ticked, a note and the first letter previewed",
}
#: views inside a page: (page key, what the view shows)
PAGE_VIEWS: dict[str, tuple[str, str]] = {
    "activity-roster": ("activities", "the largest activity's own page, Roster tab"),
    "attendance-grid": ("activities", "the largest activity's own page, Attendance tab (the term grid)"),
    "take-attendance": ("activities", "taking attendance for the largest activity's current session"),
    "milestones": ("activities", "the largest activity's own page, Milestones tab (editor and checklist)"),
    "milestone-checklist": ("activities", "the largest activity's Milestones tab, checklist with cells selected"),
    "skills": ("activities", "the largest activity's own page, Skills tab (levels, participation, growth chart)"),
    "set-progress": ("activities", "the largest activity's Roster tab, setting progress by hand for its first "
                                   "student"),
    "certificates": ("activities", "the largest activity's own page, Certificates tab (its completed students' "
                                   "certificates, issued first when the school has none)"),
    "activity-analytics": ("activities", "the largest activity's own page, Analytics tab (KPIs and charts)"),
    "badges": ("activities", "the largest activity's own page, Badges tab (who holds which badge)"),
    "student-progress": ("progress", "the Progress page's Skills growth tab (as the student, or a parent: "
                                     "their first child)"),
    "dashboard-charts": ("dashboard", "the staff dashboard's Charts tab: weekly attendance per activity, "
                                      "standing per activity"),
    "progress-charts": ("progress", "the Progress page's Charts tab: progress over time, attendance per month, "
                                    "points (as the student, or a parent: their first child)"),
}
#: dialogs a page opens: (the page's key, the page's method that opens the dialog)
PAGE_DIALOGS: dict[str, tuple[str, str]] = {
    "rubric": ("skill-catalog", "edit_default_rubric"),
    "new-person": ("people", "new_person"),
    "link-guardian": ("people", "link_guardian"),
    "new-activity": ("activities", "new_activity"),
    "new-skill": ("skill-catalog", "new_skill"),
    "notification-settings": ("inbox", "open_settings"),
}
#: the role whose demo account renders a view when no --user is given (else the administrator)
DEFAULT_ROLE: dict[str, str] = {"progress": "student", "student-progress": "student", "progress-charts": "student",
                                "leaderboard": "student", "portfolio": "student",
                                "inbox": "teacher"}  # the lead of the largest activities: grouped notices
SAMPLE_ROSTER = resource_dir("samples") / "students.csv"
NO_USER_VIEWS = ("login", "first-run")
PROPAGATE_SIZE_HINTS = "This plugin does not support propagateSizeHints()"


def views() -> dict[str, str]:
    """Every view name with a one-line description: the pages, then the dialogs."""
    from ui.views.registry import PAGES

    out = {p.key: f"{p.title} page" for p in PAGES}
    out.update({key: text for key, (_, text) in PAGE_VIEWS.items()})
    out.update(DIALOG_VIEWS)
    out.update(OFFLINE_VIEWS)
    return out


def parse_size(text: str) -> QSize | None:
    try:
        w, _, h = text.lower().partition("x")
        size = QSize(int(w), int(h))
    except ValueError:
        return None
    return size if 320 <= size.width() <= 7680 and 240 <= size.height() <= 4320 else None


@contextmanager
def offscreen_screen(size: QSize) -> Iterator[None]:
    """Make the offscreen platform's screen ``size`` for the QApplication created inside.

    Qt sizes a dialog against the screen when it is first shown (at most ⅔ of it), so the
    screen must be the one the picture is for. Only the platform plugin reads the file, when
    the application starts; nothing changes when an application exists already (tests)."""
    if QApplication.instance() is not None or os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        yield
        return
    screen = {"name": "screenshot", "x": 0, "y": 0, "width": size.width(), "height": size.height(),
              "logicalDpiX": 96, "logicalDpiY": 96, "dpr": 1}
    with tempfile.TemporaryDirectory(prefix="tracker-screen-") as folder:
        config = Path(folder) / "screen.json"
        if ":" in str(config):  # a drive letter would end the platform's argument: keep its screen
            yield
            return
        config.write_text(json.dumps({"screens": [screen], "windowFrameMargins": False}), encoding="utf-8")
        os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
        try:
            yield
        finally:
            os.environ["QT_QPA_PLATFORM"] = "offscreen"


def settle(app: QApplication, ctx: AppContext, timeout: float = 15.0) -> None:
    """Process events until background tasks are done and their results delivered."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        app.processEvents()
        if ctx.tasks.busy:
            quiet = 0
            time.sleep(0.004)
            continue
        quiet += 1
        if quiet >= 3:  # a result may start a follow-up task: let the queue drain
            break
        time.sleep(0.002)
    app.processEvents()


def wait_for(app: QApplication, tasks: TaskRunner, fn: Callable[[TaskState], T], *, write: bool = False) -> T:
    """Run ``fn`` on the task runner and wait for its outcome (its error is raised here)."""
    outcome: list[tuple[T | None, BaseException | None]] = []
    tasks.run(fn, on_done=lambda result: outcome.append((result, None)),
              on_error=lambda exc: outcome.append((None, exc)), write=write, label="Screenshot")
    while not outcome:
        app.processEvents()
        time.sleep(0.005)
    result, error = outcome[0]
    if error is not None:
        raise error
    return result  # type: ignore[return-value]


def default_username(app: QApplication, ctx: AppContext, view: str) -> str:
    """The demo account a view is rendered as without --user: the administrator, or the role
    of :data:`DEFAULT_ROLE` (the accounts the demo lists, read off the GUI thread)."""
    from tracker.demo import sample_accounts

    role = DEFAULT_ROLE.get(view) or OFFLINE_ROLES.get(view, "admin")
    db = ctx.services.db
    accounts = wait_for(app, ctx.tasks, lambda state: sample_accounts(db)[0])
    for account_role, username, _display in accounts:
        if account_role == role:
            return username
    raise TrackerError(f"There is no {role} account to render the {view} view as; give --user.")


@dataclass
class Stage:
    """A view on screen: the main window (None before sign-in) and the dialog over it, if any."""

    window: QWidget | None
    dialog: QDialog | None

    def widgets(self) -> list[QWidget]:
        return [w for w in (self.window, self.dialog) if w is not None]


def widget_name(widget: QWidget) -> str:
    """How a message names a widget: its class, and its object name when it has one."""
    name = widget.objectName()
    return f"{type(widget).__name__} {name!r}" if name else type(widget).__name__


def too_large(stage: Stage, size: QSize) -> list[str]:
    """What cannot fit a screen of ``size``: the window or dialog whose minimum size (a
    dialog's with its title bar) is larger, named with that minimum size and with the widget
    whose own content asks for that room (:func:`asks_for_room`)."""
    out = []
    for widget in stage.widgets():
        minimum = widget.minimumSize().expandedTo(widget.minimumSizeHint())
        title = TITLE_BAR if isinstance(widget, QDialog) else 0
        wide, tall = minimum.width() > size.width(), minimum.height() + title > size.height()
        if not (wide or tall):
            continue
        extra = f" plus a {title} px title bar" if title else ""
        causes = []
        for across in [axis for axis, short in ((True, wide), (False, tall)) if short]:
            cause, owner = asks_for_room(widget, across=across)
            if cause is not widget:
                need = cause.minimumSizeHint()
                causes.append(f"{widget_name(cause)} in {type(owner).__name__} needs "
                              f"{need.width() if across else need.height()} px "
                              f"{'across' if across else 'down'}")
        out.append(f"{widget_name(widget)} needs at least {minimum.width()}x{minimum.height()}{extra}: "
                   f"it does not fit a {size.width()}x{size.height()} screen"
                   + (f" ({'; '.join(causes)})" if causes else ""))
    return out


def asks_for_room(top: QWidget, *, across: bool) -> tuple[QWidget, QWidget]:
    """The widget whose own content makes ``top`` need more room than it has, across
    (``across``) or down, with the nearest widget of our own classes around it.

    A layout with less room than its minimum leaves its children short of room: in a column the
    one as wide as the column, in a row several. So follow the one child short of room; where
    several are, their parent is the row (or column) that asks for too much. A stack (tabs)
    is as large as its largest page, shown or not: that page is named when it is not the one
    shown. Scroll areas are not entered (they scroll)."""

    def need(w: QWidget) -> int:
        hint = w.minimumSizeHint().expandedTo(w.minimumSize())
        return hint.width() if across else hint.height()

    def short(w: QWidget) -> int:
        return need(w) - (w.width() if across else w.height())

    widget, owner = top, top
    while not isinstance(widget, QAbstractScrollArea):
        if isinstance(widget, QStackedWidget) and widget.count():
            # a stack is as large as its largest page, shown or not: a hidden page may be the cause
            pages = [p for p in (widget.widget(i) for i in range(widget.count())) if p is not None]
            largest, shown = max(pages, key=need), widget.currentWidget()
            if shown is not None and largest is not shown and need(largest) > need(shown):
                widget = largest
                if not type(widget).__module__.startswith("PySide6"):
                    owner = widget
                break
        children = [c for c in widget.children() if isinstance(c, QWidget) and c.isVisible() and not c.isWindow()]
        short_of_room = [c for c in children if short(c) > 0]
        if len(short_of_room) != 1:
            break
        widget = short_of_room[0]
        if not type(widget).__module__.startswith("PySide6"):
            owner = widget
    if owner is widget and widget is not top:
        parent = widget.parentWidget()
        while parent is not None and type(parent).__module__.startswith("PySide6"):
            parent = parent.parentWidget()
        owner = parent or top
    return widget, owner


def _backdrop(size: QSize) -> QPixmap:
    pixmap = QPixmap(size)
    painter = QPainter(pixmap)
    gradient = QLinearGradient(0, 0, size.width(), size.height())
    gradient.setColorAt(0.0, QColor("#2c3e55"))
    gradient.setColorAt(1.0, QColor(theme.SIDEBAR))
    painter.fillRect(pixmap.rect(), gradient)
    painter.end()
    return pixmap


def _grab(window: QWidget, size: QSize) -> QPixmap:
    """The window as a screen of ``size`` shows it: what lies beyond the screen's edge is cut."""
    QApplication.processEvents()
    canvas = _backdrop(size)
    painter = QPainter(canvas)
    painter.drawPixmap(QPoint(0, 0), window.grab())
    painter.end()
    return canvas


def _compose(background: QPixmap, dialog: QDialog, *, dim: bool) -> QPixmap:
    """Draw ``dialog`` as it is, with a title bar and shadow, centred on ``background`` (a
    dialog larger than the screen starts at its top left corner and is cut)."""
    content = dialog.grab()
    ratio = content.devicePixelRatio() or 1.0
    w, h = int(content.width() / ratio), int(content.height() / ratio)
    canvas = QPixmap(background)
    painter = QPainter(canvas)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if dim:
        painter.fillRect(canvas.rect(), QColor(15, 23, 42, 110))
    x = max(0, (canvas.width() - w) // 2)
    y = max(0, (canvas.height() - h - TITLE_BAR) // 2)
    frame = QRect(x, y, w, h + TITLE_BAR)
    for i in range(8, 0, -1):  # soft shadow
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 10))
        painter.drawRoundedRect(QRectF(frame.adjusted(-i, -i + 3, i, i + 3)), 10 + i, 10 + i)
    path = QPainterPath()
    path.addRoundedRect(QRectF(frame), 8, 8)
    painter.setClipPath(path)
    painter.fillRect(QRect(x, y, w, TITLE_BAR), QColor("#e9edf1"))
    painter.setPen(QColor(theme.TEXT))
    font = QFont(QApplication.font())
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(QRect(x, y, w, TITLE_BAR), Qt.AlignmentFlag.AlignCenter, dialog.windowTitle())
    painter.drawPixmap(QPoint(x, y + TITLE_BAR), content)
    painter.setClipping(False)
    painter.setPen(QColor(theme.BORDER_STRONG))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(QRectF(frame).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
    painter.end()
    return canvas


def compose(stage: Stage, size: QSize) -> QPixmap:
    """The picture of a staged view, exactly ``size``."""
    background = _grab(stage.window, size) if stage.window is not None else _backdrop(size)
    if stage.dialog is None:
        return background
    return _compose(background, stage.dialog, dim=stage.window is not None)


def run_screenshot(args: argparse.Namespace) -> int:
    from tracker.cli import DEMO_PASSWORD, db_target

    available = views()
    if getattr(args, "list_views", False):
        width = max(len(k) for k in available)
        for key, text in available.items():
            print(f"{key:<{width}}  {text}")
        return 0
    view = args.view
    if view not in available:
        print(f"activity-tracker screenshot: unknown view {view!r}. Views: {', '.join(available)}",
              file=sys.stderr)
        return 2
    size = parse_size(args.size or DEFAULT_SIZE)
    if size is None:
        print(f"activity-tracker screenshot: --size must be WIDTHxHEIGHT, e.g. 1280x800 (got {args.size!r})",
              file=sys.stderr)
        return 2
    if not args.out:
        print("activity-tracker screenshot: --out FILE.png is required", file=sys.stderr)
        return 2

    from ui.app import ensure_app

    with offscreen_screen(size):
        app = ensure_app()
    opened = open_context(app, db_target(args))
    if isinstance(opened, str):
        print(opened, file=sys.stderr)
        return 3
    ctx = opened
    try:
        if view not in NO_USER_VIEWS or args.user:
            try:
                username = args.user or default_username(app, ctx, view)
                ctx.actor = sign_in(app, ctx, username, args.password or DEMO_PASSWORD)
            except TrackerError as exc:
                print(f"activity-tracker screenshot: cannot sign in as {args.user or 'the demo account'}: "
                      f"{exc}", file=sys.stderr)
                return 1
        made: list[QWidget] = []
        try:
            stage = stage_view(app, ctx, view, size, made)
            image = compose(stage, size)
            problems = too_large(stage, size)
        finally:
            close_all(app, made)
        if not image.save(args.out, "PNG"):
            print(f"activity-tracker screenshot: cannot write {args.out}", file=sys.stderr)
            return 1
        print(f"Wrote {args.out} ({image.width()}x{image.height()}, view {view}).")
        for problem in problems:
            print(f"activity-tracker screenshot: warning: {problem}", file=sys.stderr)
        return EXIT_TOO_SMALL if problems else 0
    finally:
        close_context(ctx)


def open_context(app: QApplication, target: str | None) -> AppContext | str:
    """The application's context over ``target`` (opened on the writer thread), or the message
    saying why it cannot be opened."""
    from tracker.services.bootstrap import open_database
    from ui.app import build_context

    tasks = TaskRunner()
    try:
        db, _ = wait_for(app, tasks, lambda state: open_database(target), write=True)
    except DatabaseError as exc:
        return f"activity-tracker: {exc}"
    except Exception as exc:  # noqa: BLE001 - e.g. a malformed URL or a missing database driver
        return f"activity-tracker: cannot open the database: {exc}"
    return build_context(db, tasks=tasks)


def sign_in(app: QApplication, ctx: AppContext, username: str, password: str) -> Actor:
    auth = ctx.services.auth
    return wait_for(app, ctx.tasks, lambda state: auth.login(username, password), write=True)


def close_all(app: QApplication, made: list[QWidget]) -> None:
    for widget in reversed(made):
        widget.close()
        widget.deleteLater()
    made.clear()
    app.processEvents()


def close_context(ctx: AppContext) -> None:
    ctx.tasks.cancel_all()
    ctx.tasks.wait(10_000)
    ctx.services.db.dispose()


def stage_view(app: QApplication, ctx: AppContext, view: str, size: QSize, made: list[QWidget]) -> Stage:
    """Put ``view`` on screen as ``ctx.actor`` sees it on a screen of ``size`` (the widgets
    created are appended to ``made`` for the caller to close)."""
    from ui.main_window import MainWindow

    if view in OFFLINE_VIEWS:  # staged on a copy of the database playing the school's server
        from ui.screenshot_offline import stage_offline_view

        return stage_offline_view(app, ctx, view, size, made)
    if view in NO_USER_VIEWS:
        first = _dialog_before_sign_in(ctx, view, ctx.actor.username if ctx.actor else "")
        made.append(first)
        first.show()
        settle(app, ctx)
        return Stage(None, first)

    page_key = PAGE_VIEWS[view][0] if view in PAGE_VIEWS else PAGE_DIALOGS.get(view, (view, ""))[0]
    window = MainWindow(ctx, persist=False, idle_timeout_ms=0, start_page=page_key)
    made.append(window)
    window.resize(size)
    window.show()
    keys = window.page_keys
    dialog: QDialog | None = None
    if view in keys:
        window.show_page(view)
    elif view in PAGE_VIEWS and PAGE_VIEWS[view][0] in keys:
        settle(app, ctx)
        dialog = _open_page_view(app, ctx, window, view)
    elif view not in DIALOG_VIEWS:
        raise TrackerError(f"The {view} page is not available to {ctx.user.username} "
                           f"(their pages: {', '.join(keys)}).")
    settle(app, ctx)
    if view == "lock":
        window.lock()
    elif view in DIALOG_VIEWS:
        opener: dict[str, Callable[[], QDialog | None]] = {
            "settings": window.open_settings,
            "email-settings": lambda: _email_settings(window, ctx),
            "outbox": window.open_outbox,
            "backups": window.backup_actions.open_restore,
            "backup-settings": window.backup_actions.open_settings,
            "about": window.open_about,
            "change-password": window.change_password,
            "import": lambda: _import_dialog(app, ctx, window),
            "verify": lambda: _verify_dialog(app, ctx, window),
            "certificate-wizard": lambda: _certificate_wizard(app, ctx, window),
            "certificate-template": lambda: _template_editor(app, ctx, window),
            "badge-editor": lambda: _badge_screens().badge_editor(app, ctx, window),
            "letters": lambda: _letters_screen(app, ctx, window),
            "export": lambda: _export_screen(app, ctx, window),
        }
        dialog = opener[view]() if view in opener else _page_dialog(app, ctx, window, *PAGE_DIALOGS[view])
        if dialog is None:
            raise TrackerError(f"{ctx.user.username} cannot open {view}.")
    settle(app, ctx)
    return Stage(window, dialog)


def _email_settings(window: QWidget, ctx: AppContext) -> QDialog:
    from ui.dialogs.email_settings import EmailSettingsDialog

    dialog = EmailSettingsDialog(ctx, window)
    dialog.show()
    return dialog


def _dialog_before_sign_in(ctx: AppContext, view: str, username: str) -> QDialog:
    if view == "login":
        from ui.dialogs.login import LoginDialog

        return LoginDialog(ctx, username=username, remember=False)
    from ui.dialogs.first_run import FirstRunDialog

    return FirstRunDialog(ctx, ctx.services.db.describe())


def _open_page_view(app: QApplication, ctx: AppContext, window: MainWindow, view: str) -> QDialog | None:
    """A view inside a page (the largest activity the user sees, one of its tabs; the Progress
    page's skills). Returns the dialog it opened over the page (take-attendance, set-progress), if any."""
    page: Any = window.show_page(PAGE_VIEWS[view][0])  # the pages' own API, by duck typing
    settle(app, ctx)
    dialog: QDialog | None = None
    if view == "dashboard-charts":
        page.staff.views.setCurrentIndex(1)
        settle(app, ctx)
        return None
    if view in ("student-progress", "progress-charts"):
        page.show_skills() if view == "student-progress" else page.show_charts()
        settle(app, ctx)
        return None
    activities = [a for a in getattr(page, "activities", []) if not a.archived]
    if not activities:
        raise TrackerError(f"{ctx.user.username} sees no activity to open.")
    largest = max(activities, key=lambda a: (a.enrolled + a.waitlisted, -a.id))
    page.select_activity(largest.id)
    detail = page.open_activity(largest.id)
    settle(app, ctx)
    if view in ("activity-roster", "set-progress"):
        detail.roster.table.selectRow(0)
        if view == "set-progress":
            dialog = detail.roster.set_progress()
    elif view == "attendance-grid":
        if detail.attendance is None:
            raise TrackerError(f"{ctx.user.username} does not take attendance.")
        detail.tabs.setCurrentWidget(detail.attendance)
        settle(app, ctx)
        detail.attendance.table.setFocus()
    elif view in ("milestones", "milestone-checklist"):
        if detail.milestones is None:
            raise TrackerError("The Milestones tab is not available.")
        detail.tabs.setCurrentWidget(detail.milestones)
        detail.milestones.refresh()
        settle(app, ctx)
        tab = detail.milestones
        if tab.list_model.rowCount():
            tab.list.setCurrentIndex(tab.list_model.index(0))
        if view == "milestone-checklist" and tab.model.rowCount() and tab.model.columnCount() > 2:
            tab.table.setFocus()
            tab.table.setCurrentIndex(tab.model.index(0, 2))
            for r in range(min(3, tab.model.rowCount())):
                tab.table.selectionModel().select(tab.model.index(r, 0),
                                                  tab.table.selectionModel().SelectionFlag.Select)
    elif view == "take-attendance":
        if detail.attendance is None:
            raise TrackerError(f"{ctx.user.username} does not take attendance.")
        detail.tabs.setCurrentWidget(detail.attendance)
        settle(app, ctx)
        grid = detail.attendance.grid
        marked = [i for i, n in enumerate(grid.present_per_session) if n] if grid else []
        # the latest session with marks shows what a sheet looks like; else today's
        session_id = grid.sessions[marked[-1]].id if marked else None
        dialog = detail.take_attendance(session_id)
    elif view == "certificates":
        if detail.certificates is None:
            raise TrackerError(f"{ctx.user.username} does not issue certificates.")
        sample_certificates(app, ctx, largest.id)
        detail.tabs.setCurrentWidget(detail.certificates)
        detail.certificates.refresh()
        settle(app, ctx)
        detail.certificates.table.selectRow(0)
    elif view == "skills":
        if getattr(detail, "skills", None) is None:
            raise TrackerError(f"{ctx.user.username} does not assess skills.")
        detail.tabs.setCurrentWidget(detail.skills)
        settle(app, ctx)
        # the student with the most assessments shows what growth looks like
        grid = detail.skills.snapshot.grid if detail.skills.snapshot else None
        if grid and grid.students:
            counts = [sum(1 for (sid, _k) in grid.latest if sid == st.id) for st in grid.students]
            row = max(range(len(counts)), key=lambda i: (counts[i], -i))
            detail.skills.table.selectRow(row)
            settle(app, ctx)
    elif view == "activity-analytics":
        if getattr(detail, "analytics", None) is None:
            raise TrackerError(f"{ctx.user.username} does not see this activity's analytics.")
        detail.tabs.setCurrentWidget(detail.analytics)
        settle(app, ctx)
    elif view == "badges":
        _badge_screens().show_badges_tab(app, ctx, detail)
    settle(app, ctx)
    return dialog


def _badge_screens() -> Any:
    """The badge views' set-up (ui/screenshot_badges.py), imported when one is asked for."""
    from ui import screenshot_badges

    return screenshot_badges


def _letters_screen(app: QApplication, ctx: AppContext, window: MainWindow) -> QDialog | None:
    """The letters dialog (ui/screenshot_letters.py), imported when asked for."""
    from ui.screenshot_letters import letters_dialog

    return letters_dialog(app, ctx, window)


def _export_screen(app: QApplication, ctx: AppContext, window: MainWindow) -> QDialog | None:
    """The Export dialog on the largest activity the user may export (its scope list loaded)."""
    from tracker.domain.policy import Permission
    from ui.dialogs.export_dialog import open_export_dialog

    if not ctx.can(Permission.VIEW_ANALYTICS):
        return None
    services, actor = ctx.services, ctx.user
    activities = wait_for(app, ctx.tasks, lambda state: services.activities.list_activities(actor))
    largest = max(activities, key=lambda a: (a.enrolled, -a.id), default=None)
    dialog = open_export_dialog(window, ctx, activity_id=largest.id if largest else None)
    settle(app, ctx)
    return dialog


def _import_dialog(app: QApplication, ctx: AppContext, window: MainWindow) -> QDialog | None:
    from tracker.domain.policy import Permission
    from ui.dialogs.import_dialog import ImportDialog

    if not ctx.can(Permission.MANAGE_USERS):
        return None
    dialog = ImportDialog(ctx, window)
    dialog.show()
    dialog.set_path(SAMPLE_ROSTER)
    settle(app, ctx)
    return dialog


def _verify_dialog(app: QApplication, ctx: AppContext, window: MainWindow) -> QDialog:
    """The Verify dialog, checking a certificate of the largest activity the user sees."""
    from ui.dialogs.verify_dialog import open_verify_dialog

    dialog = open_verify_dialog(ctx, window)
    service, actor = ctx.services.activities, ctx.user
    activities = [a for a in wait_for(app, ctx.tasks, lambda state: service.list_activities(actor))
                  if not a.archived]
    if activities:
        largest = max(activities, key=lambda a: (a.enrolled + a.waitlisted, -a.id))
        certificates = sample_certificates(app, ctx, largest.id)
        if certificates:
            dialog.input.setText(certificates[-1].code)
            dialog.verify()
            settle(app, ctx)
    return dialog


def _template_editor(app: QApplication, ctx: AppContext, window: MainWindow) -> QDialog | None:
    """The template editor on "classic", once its preview page is drawn (or has failed)."""
    from tracker.domain.policy import Permission
    from ui.dialogs.template_editor import open_template_editor

    if not ctx.can(Permission.MANAGE_SETTINGS):
        return None
    editor = open_template_editor(window, ctx, "classic")
    drawn: list[object] = []
    editor.preview.rendered.connect(drawn.append)
    editor.preview.failed.connect(drawn.append)
    deadline = time.monotonic() + 15
    while not drawn and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    return editor


def _certificate_wizard(app: QApplication, ctx: AppContext, window: MainWindow) -> QDialog | None:
    """The certificate wizard on its template page, the preview drawn, for the activity with the
    most completed students (nothing is issued: the wizard only reads until Generate)."""
    from tracker.domain.policy import Permission
    from ui.dialogs.certificate_wizard import open_certificate_wizard

    if not ctx.can(Permission.ISSUE_CERTIFICATES):
        return None
    service, actor = ctx.services.certificates, ctx.user
    activities = wait_for(app, ctx.tasks, lambda state: service.awaiting(actor))
    if not activities:
        return None
    most = max(activities, key=lambda a: (a.completed, not a.archived, -a.activity_id))
    wizard = open_certificate_wizard(window, ctx, most.activity_id)
    settle(app, ctx)
    wizard.next()  # the students page ticked its default: on to the template
    deadline = time.monotonic() + 15
    while wizard.template_page.preview.image is None and time.monotonic() < deadline:
        settle(app, ctx)
    return wizard


def sample_certificates(app: QApplication, ctx: AppContext, activity_id: int) -> list[CertificateInfo]:
    """The activity's certificates; a school without any (a fresh demo school) first gets its
    completed students' ones, written into a temporary folder, so the views show real rows."""
    from tracker.domain.policy import Permission

    if not ctx.can(Permission.ISSUE_CERTIFICATES):
        return []
    service, actor = ctx.services.certificates, ctx.user
    found = wait_for(app, ctx.tasks, lambda state: service.list_for_activity(actor, activity_id))
    if found:
        return found
    with tempfile.TemporaryDirectory(prefix="tracker-certificates-") as folder:
        return wait_for(app, ctx.tasks, lambda state: service.issue(actor, activity_id, out_dir=folder),
                        write=True)


def _page_dialog(app: QApplication, ctx: AppContext, window: MainWindow, key: str, opener: str) -> QDialog | None:
    """A page's dialog (``opener`` is the page's method that opens it), over the page."""
    if key not in window.page_keys:
        return None
    page: Any = window.show_page(key)
    settle(app, ctx)
    dialog: QDialog | None = getattr(page, opener)()
    settle(app, ctx)
    return dialog

"""`activity-tracker screenshot`: render a view as a user, offscreen, to a PNG file.

Pages are rendered inside the main window at ``--size``; dialogs are drawn centred over the
main window (or over a plain backdrop before sign-in), dimmed behind like a real modal dialog,
so every view gives an image of the same size. As in the application, the database is opened
and signed into on the task runner's threads, never on the GUI thread.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QLinearGradient, QPainter, QPainterPath, QPixmap
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from tracker.errors import DatabaseError, TrackerError
from ui import theme
from ui.tasks import TaskRunner, TaskState

T = TypeVar("T")

DIALOG_VIEWS: dict[str, str] = {
    "login": "the sign-in window",
    "first-run": "first start: create the administrator or load a demo school",
    "settings": "school settings dialog (administrators)",
    "about": "About Activity Tracker",
    "change-password": "change your password dialog",
    "lock": "the main window locked after idle time",
    "import": "roster import dialog with the preview of a sample file (administrators)",
    "rubric": "the school default rubric dialog of the Skills page (administrators)",
}
#: views inside a page: (page key, what the view shows)
PAGE_VIEWS: dict[str, tuple[str, str]] = {
    "activity-roster": ("activities", "the largest activity's own page, Roster tab"),
    "attendance-grid": ("activities", "the largest activity's own page, Attendance tab (the term grid)"),
    "take-attendance": ("activities", "taking attendance for the largest activity's current session"),
    "milestones": ("activities", "the largest activity's own page, Milestones tab (editor and checklist)"),
    "milestone-checklist": ("activities", "the largest activity's Milestones tab, checklist with cells selected"),
    "skills": ("activities", "the largest activity's own page, Skills tab (levels, participation, growth chart)"),
    "student-progress": ("progress", "the Progress page's Skills growth tab (as the student, or a parent: "
                                     "their first child)"),
}
SAMPLE_ROSTER = Path(__file__).resolve().parents[1] / "resources" / "samples" / "students.csv"
NO_USER_VIEWS = ("login", "first-run")


def views() -> dict[str, str]:
    """Every view name with a one-line description: the pages, then the dialogs."""
    from ui.views.registry import PAGES

    out = {p.key: f"{p.title} page" for p in PAGES}
    out.update({key: text for key, (_, text) in PAGE_VIEWS.items()})
    out.update(DIALOG_VIEWS)
    return out


def _parse_size(text: str) -> QSize | None:
    try:
        w, _, h = text.lower().partition("x")
        size = QSize(int(w), int(h))
    except ValueError:
        return None
    return size if 320 <= size.width() <= 7680 and 240 <= size.height() <= 4320 else None


def _settle(app: QApplication, ctx: object, timeout: float = 15.0) -> None:
    """Process events until background tasks are done and their results delivered."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        app.processEvents()
        if getattr(ctx, "tasks").busy:  # noqa: B009
            quiet = 0
            time.sleep(0.01)
            continue
        quiet += 1
        if quiet >= 3:  # a result may start a follow-up task: let the queue drain
            break
        time.sleep(0.01)
    app.processEvents()


def _wait_for(app: QApplication, tasks: TaskRunner, fn: Callable[[TaskState], T], *, write: bool = False) -> T:
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


def _backdrop(size: QSize) -> QPixmap:
    pixmap = QPixmap(size)
    painter = QPainter(pixmap)
    gradient = QLinearGradient(0, 0, size.width(), size.height())
    gradient.setColorAt(0.0, QColor("#2c3e55"))
    gradient.setColorAt(1.0, QColor(theme.SIDEBAR))
    painter.fillRect(pixmap.rect(), gradient)
    painter.end()
    return pixmap


def _compose(background: QPixmap, dialog: QDialog, *, dim: bool, keep_size: bool = False) -> QPixmap:
    """Draw ``dialog`` with a title bar and shadow centred on ``background``."""
    if not keep_size:
        dialog.adjustSize()
    content = dialog.grab()
    ratio = content.devicePixelRatio() or 1.0
    w, h = int(content.width() / ratio), int(content.height() / ratio)
    title_h = 32
    canvas = QPixmap(background)
    painter = QPainter(canvas)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if dim:
        painter.fillRect(canvas.rect(), QColor(15, 23, 42, 110))
    x = (canvas.width() - w) // 2
    y = max(10, (canvas.height() - h - title_h) // 2)
    frame = QRect(x, y, w, h + title_h)
    for i in range(8, 0, -1):  # soft shadow
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 10))
        painter.drawRoundedRect(QRectF(frame.adjusted(-i, -i + 3, i, i + 3)), 10 + i, 10 + i)
    path = QPainterPath()
    path.addRoundedRect(QRectF(frame), 8, 8)
    painter.setClipPath(path)
    painter.fillRect(QRect(x, y, w, title_h), QColor("#e9edf1"))
    painter.setPen(QColor(theme.TEXT))
    font = QFont(QApplication.font())
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(QRect(x, y, w, title_h), Qt.AlignmentFlag.AlignCenter, dialog.windowTitle())
    painter.drawPixmap(QPoint(x, y + title_h), content)
    painter.setClipping(False)
    painter.setPen(QColor(theme.BORDER_STRONG))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(QRectF(frame).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
    painter.end()
    return canvas


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
    size = _parse_size(args.size or "1280x800")
    if size is None:
        print(f"activity-tracker screenshot: --size must be WIDTHxHEIGHT, e.g. 1280x800 (got {args.size!r})",
              file=sys.stderr)
        return 2
    if not args.out:
        print("activity-tracker screenshot: --out FILE.png is required", file=sys.stderr)
        return 2
    if not args.user and view not in NO_USER_VIEWS:
        print(f"activity-tracker screenshot: --user USERNAME is required for the {view} view",
              file=sys.stderr)
        return 2

    from tracker.services.bootstrap import open_database
    from ui.app import build_context, ensure_app

    app = ensure_app()
    tasks = TaskRunner()
    target = db_target(args)
    try:
        db, _ = _wait_for(app, tasks, lambda state: open_database(target), write=True)
    except DatabaseError as exc:
        print(f"activity-tracker: {exc}", file=sys.stderr)
        return 3
    except Exception as exc:  # noqa: BLE001 - e.g. a malformed URL or a missing database driver
        print(f"activity-tracker: cannot open the database: {exc}", file=sys.stderr)
        return 3
    ctx = build_context(db, tasks=tasks)
    try:
        if args.user:
            auth, username, password = ctx.services.auth, args.user, args.password or DEMO_PASSWORD
            try:
                ctx.actor = _wait_for(app, tasks, lambda state: auth.login(username, password), write=True)
            except TrackerError as exc:
                print(f"activity-tracker screenshot: cannot sign in as {args.user}: {exc}",
                      file=sys.stderr)
                return 1
        made: list[QWidget] = []
        try:
            image = _render(app, ctx, view, size, args.user or "", made)
        finally:
            for widget in reversed(made):
                widget.close()
                widget.deleteLater()
            app.processEvents()
        if not image.save(args.out, "PNG"):
            print(f"activity-tracker screenshot: cannot write {args.out}", file=sys.stderr)
            return 1
        print(f"Wrote {args.out} ({image.width()}x{image.height()}, view {view}).")
        return 0
    finally:
        ctx.tasks.cancel_all()
        ctx.tasks.wait(10_000)
        db.dispose()


def _render(app: QApplication, ctx, view: str, size: QSize, username: str,  # type: ignore[no-untyped-def]
            made: list[QWidget]) -> QPixmap:
    from ui.main_window import MainWindow

    if view in NO_USER_VIEWS:
        dialog = _dialog_before_sign_in(ctx, view, username)
        made.append(dialog)
        dialog.show()
        _settle(app, ctx)
        return _compose(_backdrop(size), dialog, dim=False)

    window = MainWindow(ctx, persist=False, idle_timeout_ms=0)
    made.append(window)
    window.resize(size)
    window.show()
    keys = window.page_keys
    take: QDialog | None = None
    if view in keys:
        window.show_page(view)
    elif view in PAGE_VIEWS and PAGE_VIEWS[view][0] in keys:
        _settle(app, ctx)
        take = _open_page_view(app, ctx, window, view)
    elif view not in DIALOG_VIEWS:
        raise TrackerError(f"The {view} page is not available to {ctx.user.username} "
                           f"(their pages: {', '.join(keys)}).")
    _settle(app, ctx)
    if view == "lock":
        window.lock()
        _settle(app, ctx)
        return _grab(window, size)
    if view == "take-attendance" and take is not None:
        take.resize(min(980, size.width() - 80), min(690, size.height() - 110))
        _settle(app, ctx)
        return _compose(_grab(window, size), take, dim=True, keep_size=True)
    if view in DIALOG_VIEWS:
        opener: dict[str, Callable[[], QDialog | None]] = {
            "settings": window.open_settings,
            "about": window.open_about,
            "change-password": window.change_password,
            "import": lambda: _import_dialog(app, ctx, window),
            "rubric": lambda: _rubric_dialog(app, ctx, window),
        }
        opened = opener[view]()
        if opened is None:
            raise TrackerError(f"{ctx.user.username} cannot open {view}.")
        _settle(app, ctx)
        return _compose(_grab(window, size), opened, dim=True)
    return _grab(window, size)


def _grab(window: QWidget, size: QSize) -> QPixmap:
    QApplication.processEvents()
    pixmap = window.grab()
    if pixmap.size() != size and pixmap.devicePixelRatio() == 1.0:
        pixmap = pixmap.scaled(size)
    return pixmap


def _dialog_before_sign_in(ctx, view: str, username: str) -> QDialog:  # type: ignore[no-untyped-def]
    if view == "login":
        from ui.dialogs.login import LoginDialog

        return LoginDialog(ctx, username=username, remember=False)
    from ui.dialogs.first_run import FirstRunDialog

    return FirstRunDialog(ctx, ctx.services.db.describe())


def _open_page_view(app: QApplication, ctx, window, view: str) -> QDialog | None:  # type: ignore[no-untyped-def]
    """A view inside a page (the largest activity the user sees, one of its tabs; the Progress
    page's skills). Returns the dialog it opened over the page (take-attendance), if any."""
    page = window.show_page(PAGE_VIEWS[view][0])
    _settle(app, ctx)
    take: QDialog | None = None
    if view == "student-progress":
        page.show_skills()
        _settle(app, ctx)
        return None
    activities = [a for a in getattr(page, "activities", []) if not a.archived]
    if not activities:
        raise TrackerError(f"{ctx.user.username} sees no activity to open.")
    largest = max(activities, key=lambda a: (a.enrolled + a.waitlisted, -a.id))
    page.select_activity(largest.id)
    detail = page.open_activity(largest.id)
    _settle(app, ctx)
    if view == "activity-roster":
        detail.roster.table.selectRow(0)
    elif view == "attendance-grid":
        if detail.attendance is None:
            raise TrackerError(f"{ctx.user.username} does not take attendance.")
        detail.tabs.setCurrentWidget(detail.attendance)
        _settle(app, ctx)
        detail.attendance.table.setFocus()
    elif view in ("milestones", "milestone-checklist"):
        if detail.milestones is None:
            raise TrackerError("The Milestones tab is not available.")
        detail.tabs.setCurrentWidget(detail.milestones)
        detail.milestones.refresh()
        _settle(app, ctx)
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
        _settle(app, ctx)
        grid = detail.attendance.grid
        marked = [i for i, n in enumerate(grid.present_per_session) if n] if grid else []
        # the latest session with marks shows what a sheet looks like; else today's
        session_id = grid.sessions[marked[-1]].id if marked else None
        take = detail.take_attendance(session_id)
    elif view == "skills":
        if getattr(detail, "skills", None) is None:
            raise TrackerError(f"{ctx.user.username} does not assess skills.")
        detail.tabs.setCurrentWidget(detail.skills)
        _settle(app, ctx)
        # the student with the most assessments shows what growth looks like
        grid = detail.skills.snapshot.grid if detail.skills.snapshot else None
        if grid and grid.students:
            counts = [sum(1 for (sid, _k) in grid.latest if sid == st.id) for st in grid.students]
            row = max(range(len(counts)), key=lambda i: (counts[i], -i))
            detail.skills.table.selectRow(row)
            _settle(app, ctx)
    _settle(app, ctx)
    return take


def _import_dialog(app: QApplication, ctx, window) -> QDialog | None:  # type: ignore[no-untyped-def]
    from tracker.domain.policy import Permission
    from ui.dialogs.import_dialog import ImportDialog

    if not ctx.can(Permission.MANAGE_USERS):
        return None
    dialog = ImportDialog(ctx, window)
    dialog.show()
    dialog.set_path(SAMPLE_ROSTER)
    _settle(app, ctx)
    return dialog


def _rubric_dialog(app: QApplication, ctx, window) -> QDialog | None:  # type: ignore[no-untyped-def]
    """rubric: the Skills page with the school default rubric dialog open over it."""
    if "skill-catalog" not in window.page_keys:
        return None
    page = window.show_page("skill-catalog")
    _settle(app, ctx)
    dialog = page.edit_default_rubric()
    _settle(app, ctx)
    return dialog  # type: ignore[no-any-return]

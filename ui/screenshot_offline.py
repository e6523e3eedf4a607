"""The screenshot views of offline work (issue 17): ``offline-status`` and ``sync-decisions``.

The demo SQLite file plays the school's server, so nothing is staged on it: it is copied into a
temporary folder and the copy is the "server". A teacher's offline copy (replica) is built from
it, the window gets a :class:`~tracker.offline.router.RoutedServices` over both, and the scene is
made the way it happens for real: the router goes offline, marks (and a milestone) are made
through it, and for the decisions the administrator changes the same records on the "server"
before the queue is sent. As everywhere in the screenshots, database work runs on the task
runner's threads, never on the GUI thread.
"""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from tracker.domain.changes import ChangeKind, Changes
from tracker.errors import TrackerError
from ui.context import AppContext
from ui.events import EventBus
from ui.tasks import TaskState

if TYPE_CHECKING:  # the services load when an offline view is staged, not with the screenshot command
    from tracker.domain.policy import Actor
    from tracker.offline.router import RoutedServices
    from tracker.services.attendance_types import AttendanceGrid
    from ui.screenshot import Stage

OFFLINE_VIEWS: dict[str, str] = {
    "offline-status": "the main window of a teacher working offline on the attendance grid, changes waiting, "
                      "the status bar saying so (a copy of the database plays the school's server)",
    "sync-decisions": "the Needs your decision dialog after a sync: marks and a milestone changed offline and at "
                      "school meanwhile (a copy of the database plays the school's server)",
}
#: who renders them without --user: a teacher (only staff take a copy offline)
OFFLINE_ROLES = dict.fromkeys(OFFLINE_VIEWS, "teacher")


def _copy_of(ctx: AppContext) -> Path:
    """A private copy of the demo file (sqlite3's backup: consistent while the file is open)."""
    source = ctx.services.db.url.database
    if not ctx.services.db.is_sqlite or not source:
        raise TrackerError("The offline views are staged on an SQLite demo file (a copy plays the server).")
    folder = Path(tempfile.mkdtemp(prefix="tracker-offline-shot-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    target = folder / "school-server.db"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def _routed(copy: Path, teacher: Actor) -> RoutedServices:
    from tracker.offline.router import RoutedServices
    from tracker.services import Services
    from tracker.services.bootstrap import open_database

    db, _ = open_database(str(copy))
    router = RoutedServices(str(copy), Services(db), replica_path=copy.with_name("replica.db"))
    router.actor = teacher
    router.refresh_replica()  # a teacher's copy: all their activities
    atexit.register(router.dispose)
    return router


def _cells(grid: AttendanceGrid, count: int) -> list[tuple[int, int, int]]:
    """(session id, student id, version) of the first ``count`` students in the latest held
    session with marks (else the latest held one)."""
    held = [c for c, s in enumerate(grid.sessions) if not s.cancelled]
    marked = [c for c in held if grid.present_per_session[c]]
    if not held or not grid.students:
        raise TrackerError(f"{grid.activity_name} has no session to take attendance in.")
    col = (marked or held)[-1]
    width = len(grid.sessions)
    return [(grid.sessions[col].id, st.id, grid.versions[row * width + col])
            for row, st in enumerate(grid.students[:count])]


def _status(router: RoutedServices, actor: Actor, code: str) -> int:
    return next(st.id for st in router.attendance.statuses(actor) if st.code == code)


def _work_offline(router: RoutedServices, teacher: Actor, grid: AttendanceGrid) -> None:
    """Offline: four marks changed on the latest session (a late one with a remark)."""
    from tracker.services.attendance_types import MarkChange

    router.go_offline()
    late, absent, present = (_status(router, teacher, c) for c in "LAP")
    cells = _cells(grid, 4)
    wanted = [late, absent, present, late]
    router.attendance.apply(teacher, [
        MarkChange(session, student, wanted[i], remark="bus was late" if i == 0 else None,
                   expected_version=version or None)
        for i, (session, student, version) in enumerate(cells)])


def _make_decisions(router: RoutedServices, teacher: Actor, admin: Actor, grid: AttendanceGrid) -> None:
    """Two marks and a milestone changed offline by the teacher and at school by the administrator,
    then sent: three decisions wait."""
    from tracker.services.attendance_types import MarkChange

    server = router.server
    assert server is not None
    checklist = server.milestones.checklist(teacher, grid.activity_id)
    done = sorted(checklist.done)[:1]  # (student, milestone) ticked: unticked offline, re-noted at school
    cells = _cells(grid, 2)
    router.go_offline()
    late, absent, excused = (_status(router, teacher, c) for c in "LAE")
    router.attendance.apply(teacher, [
        MarkChange(session, student, status, remark="left early" if status == late else None,
                   expected_version=version or None)
        for (session, student, version), status in zip(cells, (late, absent), strict=True)])
    for student, milestone in done:
        router.milestones.uncomplete_milestone(teacher, milestone, student)
    # meanwhile, at school
    server.attendance.apply(admin, [MarkChange(session, student, excused, remark="note from home",
                                               expected_version=version or None)
                                    for session, student, version in cells])
    for student, milestone in done:
        server.milestones.complete_milestone(admin, milestone, student, notes="Checked again at the office")
    router.try_online()


def _everything() -> Changes:
    changes = Changes()
    for kind in ChangeKind:
        changes.add(kind)
    return changes


def stage_offline_view(app: QApplication, ctx: AppContext, view: str, size: QSize, made: list[QWidget]) -> Stage:
    """Put ``view`` on screen for ``ctx.actor`` (a teacher) over a copy of ``ctx``'s database."""
    from tracker.cli_parser import DEMO_PASSWORD
    from tracker.demo import sample_accounts
    from ui.main_window import MainWindow
    from ui.screenshot import Stage, _open_page_view, settle, wait_for

    teacher = ctx.user
    copy = _copy_of(ctx)
    router: RoutedServices = wait_for(app, ctx.tasks, lambda state: _routed(copy, teacher), write=True)
    routed = AppContext(services=router, events=EventBus(), tasks=ctx.tasks, actor=teacher,
                        db_description="school server (demo copy)")
    window = MainWindow(routed, persist=False, idle_timeout_ms=0, start_page="activities")
    made.append(window)
    window.resize(size)
    window.show()
    settle(app, routed)
    _open_page_view(app, routed, window, "attendance-grid")
    page: Any = window.current_page()
    grid: AttendanceGrid | None = page.detail_page.attendance.grid if page.detail_page else None
    if grid is None:
        raise TrackerError(f"{teacher.username} has no attendance grid to show.")
    dialog: QDialog | None = None
    if view == "offline-status":
        wait_for(app, ctx.tasks, lambda state: _work_offline(router, teacher, grid), write=True)
    else:
        def decisions(state: TaskState) -> None:
            admin_name = next(u for role, u, _d in sample_accounts(router.db)[0] if role == "admin")
            admin = router.auth.login(admin_name, DEMO_PASSWORD)
            _make_decisions(router, teacher, admin, grid)

        wait_for(app, ctx.tasks, decisions, write=True)
    routed.events.publish(_everything(), None)
    page.detail_page.attendance.refresh()  # now, not after the grid's settling delay
    settle(app, routed)
    controller = window.offline.controller
    if controller is not None:
        controller.reload()
    settle(app, routed)
    if view == "sync-decisions":
        from ui.dialogs.sync_decisions import SyncDecisionsDialog

        dialog = SyncDecisionsDialog(routed, window)
        dialog.show()
        settle(app, routed)
    return Stage(window, dialog)


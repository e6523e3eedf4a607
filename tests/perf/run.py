"""Benchmark harness: `make bench` prints one JSON object per line.

    {"name": ..., "value": ..., "unit": ..., "floor": ..., "ratio": ...}

Each floor is measured in the same run on the same machine (e.g. a bare PySide6 window started
as its own process), so ratios stay comparable across machines. Figures are medians.
Usage: python tests/perf/run.py [--only NAME ...] [--repeat N] [--students N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CACHE = ROOT / "bench-results"
sys.path.insert(0, str(ROOT))

DEMO_PASSWORD = "demo-pass-2026"


def median(values: list[float]) -> float:
    return statistics.median(values)


def emit(name: str, value: float, unit: str, floor: float | None = None, **extra: object) -> None:
    ratio = round(value / floor, 2) if floor else None
    row = {"name": name, "value": round(value, 4), "unit": unit,
           "floor": round(floor, 4) if floor is not None else None, "ratio": ratio, **extra}
    print(json.dumps(row), flush=True)


def demo_db(students: int) -> Path:
    """The benchmark demo school, generated once and reused (seed 1)."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"demo-{students}.db"
    if not path.exists():
        from tracker.demo import DemoOptions, generate_demo

        generate_demo(str(path), DemoOptions(students=students, seed=1, password=DEMO_PASSWORD))
    return path


def time_process(args: list[str], env: dict[str, str] | None = None) -> float:
    """Seconds from spawning a process to its SHOWN line."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == "SHOWN":
            elapsed = time.perf_counter() - start
            proc.wait(30)
            return elapsed
    proc.wait(30)
    raise RuntimeError(f"{args} did not report SHOWN: {proc.stderr.read() if proc.stderr else ''}")


def bench_start_login_window(repeat: int, students: int) -> None:
    db = demo_db(students)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    floor_cmd = [sys.executable, str(HERE / "probe_bare_window.py")]
    app_cmd = [sys.executable, str(HERE / "probe_login_window.py"), str(db)]
    time_process(floor_cmd, env)  # warm the file cache for both
    time_process(app_cmd, env)
    floors, values = [], []
    for _ in range(repeat):  # interleaved so that machine load hits both alike
        floors.append(time_process(floor_cmd, env))
        values.append(time_process(app_cmd, env))
    emit("start_login_window", median(values), "s", median(floors), students=students)


def bench_login_to_dashboard(repeat: int, students: int) -> None:
    """Sign in as the administrator and wait until the dashboard is loaded and painted."""
    from PySide6.QtWidgets import QApplication, QTableView, QWidget  # noqa: F401

    from tracker.services.bootstrap import open_database
    from ui.app import build_context, ensure_app, make_main_window

    app = ensure_app()
    db, _ = open_database(demo_db(students))
    values, floors = [], []
    for _ in range(repeat):
        ctx = build_context(db)
        start = time.perf_counter()
        ctx.actor = ctx.services.auth.login("admin", DEMO_PASSWORD)
        window = make_main_window(ctx, persist=False)
        window.resize(1280, 800)
        window.show()
        app.processEvents()
        _wait_until_idle(ctx.tasks)
        app.processEvents()
        window.grab()
        values.append(time.perf_counter() - start)
        window.close()
        window.deleteLater()
        app.processEvents()
        floors.append(_floor_login_and_table(app, ctx))
    db.dispose()
    emit("login_to_dashboard", median(values), "s", median(floors), students=students,
         floor_is="password check + a bare 1280x800 window with a 25-row table, painted")


def _wait_until_idle(tasks) -> None:  # type: ignore[no-untyped-def]
    """Run the event loop until no background task is left, as the application waits: asleep
    in the event loop, not polling (a poll every millisecond took the GIL from the reader thread
    doing the work, a tenth of the dashboard's load time)."""
    from PySide6.QtCore import QEventLoop

    loop = QEventLoop()

    def changed(busy: bool) -> None:
        if not busy:
            loop.quit()

    tasks.busy_changed.connect(changed)
    try:
        while tasks.busy:
            loop.exec()
    finally:
        tasks.busy_changed.disconnect(changed)


def _floor_login_and_table(app, ctx) -> float:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QTableView

    start = time.perf_counter()
    ctx.services.auth.login("admin", DEMO_PASSWORD)
    model = QStandardItemModel(25, 10)
    for r in range(25):
        for c in range(10):
            model.setItem(r, c, QStandardItem(f"{r}:{c}"))
    view = QTableView()
    view.setModel(model)
    view.resize(1280, 800)
    view.show()
    app.processEvents()
    view.grab()
    elapsed = time.perf_counter() - start
    view.close()
    view.deleteLater()
    app.processEvents()
    return elapsed


def _roster_csv(path: Path, n: int) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f)
        w.writerow(["Student ID", "First Name", "Surname", "Year", "Homeroom", "Email", "Activity"])
        for i in range(n):
            grade = 7 + i % 6
            w.writerow([f"S{100000 + i}", f"Given{i}", f"Family {i % 997}", grade, f"{grade}{'ABCD'[i % 4]}",
                        f"student{i}@school.example", f"Club {i % 25}"])


def bench_import_roster_10000(repeat: int, students: int) -> None:
    """Import a 10,000-student CSV (with an activity column: 25 clubs, 10,000 enrollments) into a
    fresh database. Floor: csv.reader parse of the same file + one Core executemany of the same
    10,000 user rows into a fresh database (what any import must at least do)."""
    import csv
    import tempfile

    from sqlalchemy import insert

    from tracker.db.models import User, new_uid, utcnow
    from tracker.domain.enums import Role
    from tracker.services import Services
    from tracker.services.bootstrap import open_database

    n = 10_000
    values, floors, locks = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "roster.csv"
        _roster_csv(src, n)
        for r in range(repeat):
            db, _ = open_database(Path(tmp) / f"import-{r}.db")
            services = Services(db)
            admin = services.auth.create_first_admin("admin", DEMO_PASSWORD)
            held = _write_lock_timer(db.engine)
            start = time.perf_counter()
            result = services.imports.apply(admin, src)
            values.append(time.perf_counter() - start)
            locks.append(max(held))
            assert len(result.created_ids) == n, len(result.created_ids)
            db.dispose()

            db, _ = open_database(Path(tmp) / f"floor-{r}.db")
            start = time.perf_counter()
            with src.open(newline="", encoding="utf-8-sig") as f:
                rows = list(csv.reader(f))[1:]
            now = utcnow()
            payload = [{"uid": new_uid(), "created_at": now, "updated_at": now, "version": 1,
                        "username": f"u{i}", "display_name": f"{row[1]} {row[2]}", "role": Role.STUDENT,
                        "active": True, "failed_logins": 0, "first_name": row[1], "last_name": row[2],
                        "grade": row[3], "class_name": row[4], "student_number": row[0], "email": row[5]}
                       for i, row in enumerate(rows)]
            with db.engine.begin() as conn:
                conn.execute(insert(User.__table__), payload)
            floors.append(time.perf_counter() - start)
            db.dispose()
    emit("import_roster_10000", median(values), "s", median(floors), students=n,
         write_lock_s=round(median(locks), 3),
         floor_is="csv.reader parse + one Core executemany of the same 10,000 user rows")


def _write_lock_timer(engine):  # type: ignore[no-untyped-def]
    """Seconds each write transaction (BEGIN IMMEDIATE … COMMIT) held SQLite's write lock."""
    from sqlalchemy import event

    held: list[float] = []
    began: dict[str, float] = {}

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        if conn.get_execution_options().get("tracker_write"):
            began["at"] = time.perf_counter()

    @event.listens_for(engine, "commit")
    def _commit(conn):  # type: ignore[no-untyped-def]
        if "at" in began:
            held.append(time.perf_counter() - began.pop("at"))

    return held


def synthetic_grid(students: int, sessions: int):  # type: ignore[no-untyped-def]
    """An AttendanceGrid snapshot built in memory (no database): the benchmark measures the view."""
    import random
    from array import array
    from datetime import date, datetime, timedelta

    from tracker.services.attendance import NOT_APPLICABLE, AttendanceGrid, SessionRef, StatusInfo, StudentRef

    rng = random.Random(1)
    statuses = (StatusInfo(1, "P", "Present", "#009E73", True, True, 0, True),
                StatusInfo(2, "L", "Late", "#E69F00", True, True, 1, True),
                StatusInfo(3, "E", "Excused", "#56B4E9", False, False, 2, True),
                StatusInfo(4, "A", "Absent", "#D55E00", False, True, 3, True))
    people = tuple(StudentRef(i + 1, f"Student {i:05d}", "7", "7A", date(2026, 9, 1), None, "active")
                   for i in range(students))
    start = datetime(2026, 9, 1, 15, 30)
    meetings = tuple(SessionRef(10_000 + j, 1, start + timedelta(days=j), start + timedelta(days=j, hours=1),
                                "Room 1", False, "") for j in range(sessions))
    weights = [0] * 80 + [1] * 6 + [2] * 4 + [3] * 10
    cells = array("b", (rng.choice(weights) for _ in range(students * sessions)))
    for r in range(0, students, 17):  # a few late joiners: greyed cells
        for c in range(min(sessions, 5)):
            cells[r * sessions + c] = NOT_APPLICABLE
    n = students * sessions
    return AttendanceGrid(1, "Benchmark", statuses, people, meetings, cells, array("i", [1]) * n,
                          array("b", [0]) * n, [90.0] * students, [0] * students, [students - 20] * sessions)


def _view_once(app, build) -> float:  # type: ignore[no-untyped-def]
    """Build a view with ``build(ctx)`` (which also hands it its snapshot), show and paint it at
    1280x800: what opening a tab costs. The context has no services: the view only draws."""
    from ui.context import AppContext
    from ui.events import EventBus
    from ui.tasks import TaskRunner

    ctx = AppContext(services=None, events=EventBus(), tasks=TaskRunner(), actor=None)  # type: ignore[arg-type]
    start = time.perf_counter()
    view = build(ctx)
    view.resize(1280, 800)
    view.show()
    app.processEvents()
    view.grab()
    elapsed = time.perf_counter() - start
    view.close()
    view.deleteLater()
    app.processEvents()
    return elapsed


def _grid_view_once(app, grid) -> float:  # type: ignore[no-untyped-def]
    from ui.views.attendance_grid import AttendanceGridView

    def build(ctx):  # type: ignore[no-untyped-def]
        view = AttendanceGridView(ctx, grid.activity_id)
        view.show_grid(grid)
        return view

    return _view_once(app, build)


def _bare_table_once(app, rows: int, cols: int, sizes: tuple[int, int, int] | None = None) -> float:  # type: ignore[no-untyped-def]
    """Floor: a bare QTableView over a model returning a constant string, same cell count."""
    from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
    from PySide6.QtWidgets import QTableView

    class Constant(QAbstractTableModel):
        def rowCount(self, parent=QModelIndex()):  # type: ignore[no-untyped-def]  # noqa: B008, N802
            return rows

        def columnCount(self, parent=QModelIndex()):  # type: ignore[no-untyped-def]  # noqa: B008, N802
            return cols

        def data(self, index, role=Qt.ItemDataRole.DisplayRole):  # type: ignore[no-untyped-def]
            return "P" if role == Qt.ItemDataRole.DisplayRole else None

    from ui.views.attendance_grid import COLUMN_WIDTH, NAME_WIDTH, ROW_HEIGHT

    if sizes is not None:  # (column width, row height, name width) of the view compared
        COLUMN_WIDTH, ROW_HEIGHT, NAME_WIDTH = sizes  # noqa: N806
    start = time.perf_counter()
    model = Constant()
    view = QTableView()
    view.setModel(model)
    view.horizontalHeader().setDefaultSectionSize(COLUMN_WIDTH)  # the same cells on screen
    view.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
    view.verticalHeader().setFixedWidth(NAME_WIDTH)
    view.resize(1280, 800)
    view.show()
    app.processEvents()
    view.grab()
    elapsed = time.perf_counter() - start
    view.close()
    view.deleteLater()
    app.processEvents()
    return elapsed


def _bench_grid(name: str, students: int, sessions: int, repeat: int) -> None:
    from ui.app import ensure_app

    app = ensure_app()  # themed like the application: both views pay for the style sheet
    grid = synthetic_grid(students, sessions)
    _grid_view_once(app, grid)  # warm up both (imports, fonts, style)
    _bare_table_once(app, students + 1, sessions)
    values, floors = [], []
    for _ in range(repeat):
        floors.append(_bare_table_once(app, students + 1, sessions))
        values.append(_grid_view_once(app, grid))
    emit(name, median(values), "s", median(floors), students=students, sessions=sessions,
         floor_is="bare QTableView over a constant-string model with the same cells, shown and grabbed")


def bench_attendance_grid_2000x200(repeat: int, students: int) -> None:
    _bench_grid("attendance_grid_2000x200", 2000, 200, repeat)


def bench_attendance_grid_200x100(repeat: int, students: int) -> None:
    _bench_grid("attendance_grid_200x100", 200, 100, repeat)


def _largest_activity(db) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from tracker.db.models import ActivityProgress

    with db.engine.connect() as conn:
        return int(conn.execute(
            select(ActivityProgress.activity_id).group_by(ActivityProgress.activity_id)
            .order_by(func.count().desc()).limit(1)).scalar_one())


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def bench_attendance_mark_p95(repeat: int, students: int) -> None:
    """200 single-cell apply() calls (alternating P/A on one held cell of the largest activity,
    each with the version the previous one returned) on a copy of the demo database. Floor: a
    bare Core UPDATE of one attendance row in its own transaction through the same engine."""
    _mark_p95("attendance_mark_p95", demo_db(students), students=students)


def _mark_p95(name: str, source: Path, **extra: Any) -> None:
    """The 200 marks of :func:`bench_attendance_mark_p95` on a copy of ``source``."""
    import shutil
    import tempfile

    from sqlalchemy import update

    from tracker.db.models import AttendanceRecord
    from tracker.services import Services
    from tracker.services.attendance import MarkChange
    from tracker.services.bootstrap import open_database

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.db"
        shutil.copyfile(source, path)
        db, _ = open_database(path)
        services = Services(db)
        admin = services.auth.login("admin", DEMO_PASSWORD)
        activity = _largest_activity(db)
        grid = services.attendance.grid(admin, activity)
        n = len(grid.sessions)
        i = next(k for k in range(len(grid.cells)) if grid.cells[k] >= 0)
        session, student = grid.sessions[i % n].id, grid.students[i // n].id
        codes = {st.code: st.id for st in grid.statuses}
        version: int | None = grid.versions[i]
        values = []
        for k in range(200):
            start = time.perf_counter()
            (mark,) = services.attendance.apply(admin, [MarkChange(
                session, student, codes["A" if k % 2 == 0 else "P"], expected_version=version)])
            values.append((time.perf_counter() - start) * 1000)
            version = mark.version
        table = AttendanceRecord.__table__
        floors = []
        for k in range(200):
            start = time.perf_counter()
            with db.engine.begin() as conn:
                conn.execute(update(table).where(table.c.session_id == session, table.c.student_id == student)
                             .values(status_id=codes["P" if k % 2 == 0 else "A"]))
            floors.append((time.perf_counter() - start) * 1000)
        db.dispose()
    emit(name, _p95(values), "ms", _p95(floors), **extra,
         median_ms=round(median(values), 3),
         floor_is="p95 of a bare Core UPDATE of one attendance row (own transaction, same engine)")


def bench_attendance_grid_load(repeat: int, students: int) -> None:
    """AttendanceService.grid() of the largest demo activity (~1,200 students × 200 sessions):
    compact arrays, rates, absences and totals. Floor: one SELECT of session_id, student_id,
    status_id of the same records (same access path), fetched, nothing else."""
    from sqlalchemy import select

    from tracker.db.models import ActivityProgress, ActivitySession, AttendanceRecord
    from tracker.services import Services
    from tracker.services.bootstrap import open_database

    db, _ = open_database(demo_db(students))
    services = Services(db)
    admin = services.auth.login("admin", DEMO_PASSWORD)
    activity = _largest_activity(db)
    r = AttendanceRecord
    bare = (select(r.session_id, r.student_id, r.status_id)
            .join(ActivityProgress, (ActivityProgress.user_id == r.student_id)
                  & (ActivityProgress.activity_id == activity))
            .where((r.session_id + 0).in_(select(ActivitySession.id).where(ActivitySession.activity_id == activity))))
    services.attendance.grid(admin, activity)  # warm the page cache
    values, floors = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        grid = services.attendance.grid(admin, activity)
        values.append(time.perf_counter() - start)
        start = time.perf_counter()
        with db.engine.connect() as conn:
            rows = conn.execute(bare).fetchall()
        floors.append(time.perf_counter() - start)
    db.dispose()
    emit("attendance_grid_load_2000x200", median(values), "s", median(floors), students=students,
         grid=f"{len(grid.students)}x{len(grid.sessions)}", records=len(rows),
         floor_is="one SELECT session_id, student_id, status_id of the same records, fetched")


def bench_attendance_tab_demo(repeat: int, students: int) -> None:
    """Opening the Attendance tab on the demo's largest activity, database read included:
    grid() + the view shown and painted. Floor: the bare SELECT of the same records plus a bare
    QTableView with the same cells (what any implementation must at least do)."""
    from tracker.services import Services
    from tracker.services.bootstrap import open_database
    from ui.app import ensure_app

    app = ensure_app()
    db, _ = open_database(demo_db(students))
    services = Services(db)
    admin = services.auth.login("admin", DEMO_PASSWORD)
    activity = _largest_activity(db)
    from sqlalchemy import text

    bare = text("SELECT r.session_id, r.student_id, r.status_id FROM attendance_records r "
                "JOIN activity_sessions s ON s.id = r.session_id WHERE s.activity_id = :a")
    grid = services.attendance.grid(admin, activity)
    _grid_view_once(app, grid)
    values, floors = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        grid = services.attendance.grid(admin, activity)
        values.append(time.perf_counter() - start + _grid_view_once(app, grid))
        start = time.perf_counter()
        with db.engine.connect() as conn:
            conn.execute(bare, {"a": activity}).fetchall()
        floors.append(time.perf_counter() - start
                      + _bare_table_once(app, len(grid.students) + 1, len(grid.sessions)))
    db.dispose()
    emit("attendance_tab_open_demo", median(values), "s", median(floors), students=students,
         grid=f"{len(grid.students)}x{len(grid.sessions)}",
         floor_is="bare SELECT of the same records + bare QTableView with the same cells")


def bench_milestone_bulk_tick_200(repeat: int, students: int) -> None:
    """complete_for_students for 200 students of the largest activity (each repeat on a fresh copy
    of the demo database), including progress/completion recompute. Floor: one Core executemany
    INSERT of the same 200 user_milestones rows in its own transaction, same engine."""
    import shutil
    import tempfile

    from sqlalchemy import delete, insert, select

    from tracker.db.models import ActivityProgress, Milestone, UserMilestone, utcnow
    from tracker.domain.enums import ProgressStatus
    from tracker.services import Services
    from tracker.services.bootstrap import open_database

    values, floors = [], []
    for _ in range(max(1, repeat)):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "demo.db"
            shutil.copyfile(demo_db(students), path)
            db, _ = open_database(path)
            services = Services(db)
            admin = services.auth.login("admin", DEMO_PASSWORD)
            activity = _largest_activity(db)
            with db.engine.connect() as conn:
                milestone = conn.execute(select(Milestone.id).where(Milestone.activity_id == activity)
                                         .order_by(Milestone.order_index.desc()).limit(1)).scalar_one()
                done = set(conn.execute(select(UserMilestone.user_id)
                                        .where(UserMilestone.milestone_id == milestone)).scalars())
                enrolled = [u for u in conn.execute(
                    select(ActivityProgress.user_id).where(
                        ActivityProgress.activity_id == activity,
                        ActivityProgress.status == ProgressStatus.ACTIVE)
                    .order_by(ActivityProgress.user_id)).scalars() if u not in done]
            chosen = enrolled[:200]
            if len(chosen) < 200:
                raise RuntimeError(f"only {len(chosen)} students left to tick in activity {activity}")
            start = time.perf_counter()
            n = services.milestones.complete_for_students(admin, milestone, chosen)
            values.append(time.perf_counter() - start)
            assert n == 200, n
            table = UserMilestone.__table__
            with db.engine.begin() as conn:
                conn.execute(delete(table).where(table.c.milestone_id == milestone,
                                                 table.c.user_id.in_(chosen)))
            rows = [{"user_id": u, "milestone_id": milestone, "completed_at": utcnow(), "notes": "",
                     "completed_by": admin.id, "version": 1} for u in chosen]
            start = time.perf_counter()
            with db.engine.begin() as conn:
                conn.execute(insert(table), rows)
            floors.append(time.perf_counter() - start)
            db.dispose()
    emit("milestone_bulk_tick_200", median(values), "s", median(floors), students=students,
         budget_s=0.5, floor_is="one Core executemany INSERT of the same 200 user_milestones rows")


def synthetic_checklist(students: int, milestones: int):  # type: ignore[no-untyped-def]
    """A Checklist snapshot built in memory (no database): the benchmark measures the view."""
    import random
    from datetime import date, datetime, timedelta

    from tracker.services.milestones import Checklist, ChecklistStudent, MilestoneRow

    rng = random.Random(1)
    ms = tuple(MilestoneRow(100 + j, 1, f"Milestone {j + 1}", "", j, 5, j % 4 != 3,
                            date(2026, 10, 1) + timedelta(days=7 * j), 0, 1) for j in range(milestones))
    people = tuple(ChecklistStudent(i + 1, f"Student {i:05d}") for i in range(students))
    start = datetime(2026, 9, 15, 16, 0)
    done = {(p.id, m.id): (start + timedelta(days=3 * j), "note" if rng.random() < 0.1 else "")
            for p in people for j, m in enumerate(ms) if rng.random() < 0.6}
    return Checklist(1, ms, people, done)


def _checklist_view_once(app, snap) -> float:  # type: ignore[no-untyped-def]
    from tracker.domain.enums import Role
    from tracker.domain.policy import Actor
    from ui.views.activity_milestones import MilestonesTab

    def build(ctx):  # type: ignore[no-untyped-def]
        # as the teacher sees it: editor buttons, bulk tick and tickable cells (no service is called)
        ctx.actor = Actor(1, "teacher", "Teacher", Role.TEACHER)
        view = MilestonesTab(ctx, snap.activity_id)
        view.show_snapshot(snap)
        return view

    return _view_once(app, build)


def bench_milestone_checklist_200x30(repeat: int, students: int) -> None:
    from ui.app import ensure_app

    app = ensure_app()
    snap = synthetic_checklist(200, 30)
    _checklist_view_once(app, snap)  # warm up both
    from ui.views.checklist_table import COLUMN_WIDTH, NAME_WIDTH, ROW_HEIGHT

    sizes = (COLUMN_WIDTH, ROW_HEIGHT, NAME_WIDTH)  # the checklist's milestone column, row and student column
    _bare_table_once(app, 200, 31, sizes)
    values, floors = [], []
    for _ in range(repeat):
        floors.append(_bare_table_once(app, 200, 31, sizes))
        values.append(_checklist_view_once(app, snap))
    emit("milestone_checklist_200x30", median(values), "s", median(floors), students=200, milestones=30,
         budget_ratio=1.5,
         floor_is="bare QTableView over a constant-string model with the same cells, shown and grabbed")


def _certificate_jobs(out: Path, n: int):  # type: ignore[no-untyped-def]
    from datetime import date

    from tracker.reports.certificate_pdf import CertificateData

    names = ["Đặng Văn Lâm", "Jürgen Groß", "Søren Ødegaard", "Ōkubo Haruka", "Ελένη Παπαδάκη",
             "Юлия Смирнова", "Amelia Thompson-Clarke"]
    token = ("eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9." + "eyJpc3MiOiJkaWQ6a2V5Ono2TWt" * 11
             + ".c2lnbmF0dXJlLWJ5dGVzLXNpeHR5LWZvdXItb2YtdGhlbS1iYXNlNjR1cmwtZW5jb2RlZC0tLS0tLS0tLS0tLS0")
    designs = ["classic", "modern", "minimal"]
    return [(CertificateData(f"{names[i % len(names)]} {i}", "Robotics Club", date(2026, 6, 30), 24.5,
                             ("Teamwork", "Soldering"), "Riverside Secondary School", f"C-2026-{i:06d}",
                             f"K{i:04d}-XP", token[:-6] + f"{i:06d}", date(2026, 7, 1)),
             designs[i % 3], out / f"Robotics Club - {i} - C-2026-{i:06d}.pdf") for i in range(n)]


def _bare_certificate_floor(jobs) -> float:  # type: ignore[no-untyped-def]
    """Seconds for the same files as bare reportlab pages: one embedded font, the name, the QR."""
    from reportlab.pdfgen.canvas import Canvas

    from tracker.reports.certificate_layout import load_font
    from tracker.reports.certificate_qr import draw_qr

    load_font("DejaVuSans")
    start = time.perf_counter()
    for data, _template, out in jobs:
        c = Canvas(str(out), pagesize=(842, 595))
        c.setFont("DejaVuSans", 30)
        c.drawString(72, 400, data.student)
        draw_qr(c, data.token, 700, 60, 100)
        c.showPage()
        c.save()
    return time.perf_counter() - start


def bench_certificates_500(repeat: int, students: int) -> None:
    """500 certificates to disk, QR included: one core (in-process) against the bare floor,
    then the same batch through render_many on every core (spawning its workers included)."""
    import resource
    import tempfile

    from tracker.reports.certificate_pdf import render_certificate, render_many

    n, rounds = 500, max(1, min(repeat, 3))
    with tempfile.TemporaryDirectory() as tmp:
        jobs = _certificate_jobs(Path(tmp), n)
        for data, template, out in jobs[:6]:  # warm: fonts parsed, reportlab imported
            render_certificate(data, template, out)
        _bare_certificate_floor(jobs[:6])
        floors, values, cpus, batches, cores = [], [], [], [], []
        for _ in range(rounds):
            floors.append(_bare_certificate_floor(jobs))
            start, cpu = time.perf_counter(), time.process_time()
            for data, template, out in jobs:
                render_certificate(data, template, out)
            values.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            render_many(jobs, workers=os.cpu_count() or 1)
            batches.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            worker_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            cores.append(worker_cpu / batches[-1])  # cores the batch actually got from the machine
    one, floor, batch = median(values), median(floors), median(batches)
    emit("certificates_500", one / n, "s", floor / n, per_core_per_s=round(n / one, 1),
         per_core_cpu_per_s=round(n / median(cpus), 1), floor_per_s=round(n / floor, 1),
         batch_s=round(batch, 3), batch_per_s=round(n / batch, 1), workers=os.cpu_count() or 1,
         speedup=round(one / batch, 2), cores_obtained=round(median(cores), 2), budget_ratio=1.2,
         floor_is="bare reportlab Canvas to disk: one embedded DejaVu face, the name, the same QR")


def _sample_png(width: int, height: int) -> bytes:
    """A logo-sized PNG (a gradient: it does not compress to nothing), made with Pillow."""
    import io

    from PIL import Image

    image = Image.new("RGB", (width, height))
    image.putdata([(x * 255 // width, y * 255 // height, 128) for y in range(height) for x in range(width)])
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _bare_preview_floor(i: int) -> float:
    """Milliseconds for a bare reportlab page (one drawString) rasterised like the preview."""
    import io

    from reportlab.pdfgen.canvas import Canvas

    from tracker.reports.pdf_raster import rasterize

    start = time.perf_counter()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(842, 595))
    c.drawString(72, 400, f"Certificate of Completion {i}")
    c.showPage()
    c.save()
    rasterize(buf.getvalue(), PREVIEW_WIDTH)
    return (time.perf_counter() - start) * 1000


PREVIEW_WIDTH = 800


def bench_certificate_preview(repeat: int, students: int) -> None:
    """The template editor's live preview: from a changed spec to the page's pixels, i.e. the
    real PDF (``certificate_bytes``: embedded font, QR, a logo and a scanned signature) and
    pdfium rasterising it 800 px wide. Every run changes the title, cycling through the three
    designs in both orientations; at least 30 runs, interleaved with the floor: a bare reportlab
    one-page canvas with one drawString, rasterised the same way. Bar: p95 ≤ 150 ms."""
    from dataclasses import replace

    from tracker.reports.certificate_pdf import certificate_bytes
    from tracker.reports.certificate_templates import TEMPLATES, Signature
    from tracker.reports.pdf_raster import rasterize

    data = _certificate_jobs(Path("."), 1)[0][0]
    logo, signature = _sample_png(480, 240), _sample_png(360, 120)
    specs = [replace(TEMPLATES[design], orientation=orientation, logo=logo,
                     signatures=(Signature("Dr. Ana Ruiz", "Head of School", signature),
                                 Signature("", "Activity Lead")))
             for design in ("classic", "modern", "minimal") for orientation in ("landscape", "portrait")]
    for spec in specs:  # warm: reportlab imported, fonts parsed, images decoded once (as in the editor)
        rasterize(certificate_bytes(data, spec), PREVIEW_WIDTH)
    _bare_preview_floor(0)
    values, floors = [], []
    runs = max(30, 5 * repeat)
    for i in range(runs):
        spec = replace(specs[i % len(specs)], title=f"Certificate of Completion {i}")  # an edit
        start = time.perf_counter()
        rasterize(certificate_bytes(data, spec), PREVIEW_WIDTH)
        values.append((time.perf_counter() - start) * 1000)
        floors.append(_bare_preview_floor(i))
    emit("certificate_preview", _p95(values), "ms", _p95(floors), p50_ms=round(median(values), 1),
         floor_p50_ms=round(median(floors), 1), runs=runs, width_px=PREVIEW_WIDTH, budget_ms=150,
         floor_is="p95 of a bare reportlab one-page canvas with one drawString, rasterised 800 px wide")


def analytics_school_db(records: int) -> Path:
    """A generated school with ``records`` attendance rows (cached): 5,000 students in two of 50
    activities each (10,000 enrollments, statuses mixed), one session a day per activity up to
    yesterday, every enrolled student marked at every session. Written by INSERT … SELECT over
    recursive CTEs inside SQLite: a million rows in seconds."""
    from tracker.services import Services
    from tracker.services.bootstrap import open_database

    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"analytics-{records}.db"
    if path.exists():
        return path
    students, activities, per_student = 5000, 50, 2
    sessions = max(1, records // (students * per_student))  # per activity: each enrollment is marked at each
    tmp = path.with_suffix(".tmp.db")
    tmp.unlink(missing_ok=True)
    db, _ = open_database(tmp)
    Services(db).auth.create_first_admin("admin", DEMO_PASSWORD)
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA journal_mode=MEMORY")
        cur.execute("PRAGMA synchronous=OFF")
        stamp, today = "'2026-01-01 00:00:00'", "date('now')"
        common = f"lower(hex(randomblob(16))), {stamp}, {stamp}, 1"
        cur.execute(f"""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {students})
            INSERT INTO users (id, uid, created_at, updated_at, version, username, display_name, role, active,
                               failed_logins, grade)
            SELECT 1000 + i, {common}, 'student' || i, 'Student ' || i, 'student', 1, 0, 7 + i % 6 FROM n""")
        cur.execute(f"""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {activities})
            INSERT INTO activities (id, uid, created_at, updated_at, version, name, category, description,
                                    start_date, end_date, location, archived, require_milestones,
                                    requires_signoff, certificate_on_completion)
            SELECT i, {common}, 'Activity ' || i, 'Category ' || (i % 6), '', date({today}, '-{sessions} days'),
                   date({today}, '+30 days'), '', 0, 1, 0, 0 FROM n""")
        cur.execute(f"""WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {students - 1}),
                          k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < {per_student - 1})
            INSERT INTO activity_progress (uid, created_at, updated_at, version, user_id, activity_id, status,
                                           progress_percentage, progress_manual, status_manual, started_at,
                                           completed_at, enrolled_on, dropped_on, drop_reason)
            SELECT {common}, 1001 + i, 1 + (i + j * 25) % {activities},
                   CASE WHEN i % 20 = 0 THEN 'dropped' WHEN i % 7 = 0 THEN 'completed' ELSE 'active' END,
                   (i * 37) % 101, 0, 0, date({today}, '-{sessions} days'),
                   CASE WHEN i % 20 <> 0 AND i % 7 = 0 THEN datetime({today}, '-' || (i % 30) || ' days') END,
                   date({today}, '-{sessions} days'), NULL,
                   CASE WHEN i % 20 = 0 THEN 'Reason ' || (i % 4) END
            FROM n, k""")
        cur.execute(f"""WITH RECURSIVE d(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM d WHERE x < {sessions})
            INSERT INTO activity_sessions (uid, created_at, updated_at, version, activity_id, starts_at, ends_at,
                                           location, cancelled, note)
            SELECT {common}, a.id, datetime({today}, '-' || x || ' days', '+15 hours'),
                   datetime({today}, '-' || x || ' days', '+16 hours'), '', 0, '' FROM activities a, d""")
        codes = dict(cur.execute("SELECT code, id FROM attendance_statuses").fetchall())
        cur.execute(f"""INSERT INTO attendance_records (uid, created_at, updated_at, version, session_id, student_id,
                                                        status_id, participation, remark, recorded_at)
            SELECT {common}, s.id, p.user_id,
                   CASE (p.id * 7 + s.id * 13) % 20 WHEN 0 THEN {codes["A"]} WHEN 1 THEN {codes["A"]}
                        WHEN 2 THEN {codes["E"]} WHEN 3 THEN {codes["L"]} ELSE {codes["P"]} END,
                   1 + (p.id + s.id) % 5, '', s.ends_at
            FROM activity_progress p JOIN activity_sessions s ON s.activity_id = p.activity_id""")
        raw.commit()
    finally:
        raw.close()
    try:
        # the raw inserts bypass the maintained counts: build them as the demo school does
        from tracker.services.attendance_aggregates import rebuild

        with db.engine.begin() as conn:
            rebuild(conn)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    finally:
        db.dispose()
    tmp.rename(path)
    return path


def _analytics_school(name: str, records: int, repeat: int) -> None:
    _against_naive_group_by(name, records, repeat, lambda services, admin: services.analytics.school_analytics(admin),
                            bar_ratio=0.5)


def _against_naive_group_by(name: str, records: int, repeat: int, read: Callable[[Any, Any], object],
                            **extra: Any) -> None:
    """``read(services, admin)`` on the generated school of ``records`` attendance rows, against
    a naive ``SELECT student_id, count(*) … GROUP BY student_id`` over the attendance table, taking
    turns in the same run (medians of ``repeat`` each, after one warm-up of both)."""
    from sqlalchemy import text

    from tracker.services import Services
    from tracker.services.bootstrap import open_database

    db, _ = open_database(analytics_school_db(records))
    services = Services(db)
    admin = services.auth.login("admin", DEMO_PASSWORD)
    naive = text("SELECT student_id, count(*) FROM attendance_records GROUP BY student_id")

    def floor() -> float:
        start = time.perf_counter()
        with db.engine.connect() as conn:
            conn.execute(naive).all()
        return time.perf_counter() - start

    def measured() -> float:
        start = time.perf_counter()
        read(services, admin)
        return time.perf_counter() - start

    floor(), measured()  # warm the page cache and the statement caches
    values, floors = [], []
    for _ in range(repeat):
        floors.append(floor())
        values.append(measured())
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM attendance_records")).scalar_one()
        places = conn.execute(text("SELECT count(*) FROM activity_progress")).scalar_one()
    db.dispose()
    emit(name, median(values), "s", median(floors), attendance_rows=rows, enrollments=places, **extra,
         floor_is="SELECT student_id, count(*) FROM attendance_records GROUP BY student_id, fetched")


def bench_analytics_school(repeat: int, students: int) -> None:
    """The admin analytics page's data (``school_analytics``) on a generated school of 1,000,000
    attendance rows, against a naive ``SELECT student_id, count(*) … GROUP BY student_id`` over the
    attendance table in the same run (bar: ≤ 0.5× that floor); first the same at 100,000 rows, to
    see how the figure grows with attendance rows (the enrollments stay the same)."""
    _analytics_school("analytics_school_100k", 100_000, repeat)
    _analytics_school("analytics_school_1m", 1_000_000, repeat)


def bench_growth_100k_1m(repeat: int, students: int) -> None:
    """How the figures that read maintained counts grow from 100,000 to 1,000,000 attendance rows
    on the generated schools (the same 10,000 enrollments; ten times the sessions and marks): the
    200 marks of ``attendance_mark_p95`` and the administrator's dashboard read (the service alone,
    against the naive GROUP BY of ``analytics_school_1m`` in the same run)."""
    for records, label in ((100_000, "100k"), (1_000_000, "1m")):
        _mark_p95(f"attendance_mark_p95_{label}", analytics_school_db(records), attendance_rows=records)
    for records, label in ((100_000, "100k"), (1_000_000, "1m")):
        _against_naive_group_by(f"dashboard_read_{label}", records, repeat,
                                lambda services, admin: services.analytics.dashboard(admin))


def _analytics_page_once(app, actor, analytics) -> float:  # type: ignore[no-untyped-def]
    """The analytics page handed the service's snapshot (its charts made from it, as its background
    load does), shown at 1280x800 and painted, every chart drawn (the ones scrolled out of view
    too): what the user waits for once the figures are read."""
    from ui.charts.school import school_charts
    from ui.context import AppContext
    from ui.events import EventBus
    from ui.tasks import TaskRunner
    from ui.views.analytics_filters import load_filters
    from ui.views.analytics_page import AnalyticsPage, Loaded

    ctx = AppContext(services=None, events=EventBus(), tasks=TaskRunner(), actor=actor)  # type: ignore[arg-type]
    start = time.perf_counter()
    page = AnalyticsPage(ctx)
    page.stale = False  # the snapshot is handed in: no background read
    page.show_loaded(Loaded(analytics, school_charts(analytics), load_filters(actor.username)))
    page.resize(1280, 800)
    page.show()
    app.processEvents()  # painted as on screen: the charts in view
    for card in page.cards:  # and every other chart, scrolled out of view, as scrolling would
        if card.visibleRegion().isEmpty():
            card.grab()
    elapsed = time.perf_counter() - start
    page.close()
    page.deleteLater()
    app.processEvents()
    return elapsed


def _bare_charts_once(app, charts, size: tuple[int, int]) -> float:  # type: ignore[no-untyped-def]
    """Floor: a bare window of as many pyqtgraph plots as the page has charts, each plotting the
    same points (bars, lines, dots) at the page's chart size, shown and painted."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from ui.charts.axes import to_x

    start = time.perf_counter()
    window = QWidget()
    column = QVBoxLayout(window)
    for chart in charts:
        plot = pg.PlotWidget()
        plot.setFixedSize(*size)
        for series in chart.series:
            xs = [to_x(x) for x, _y in series.points]
            ys = [y for _x, y in series.points]
            if series.kind == "bar":
                plot.addItem(pg.BarGraphItem(x=xs, height=ys, width=0.8))
            elif series.kind == "scatter":
                plot.addItem(pg.ScatterPlotItem(x=xs, y=ys, size=series.sizes or 10))
            else:
                plot.plot(xs, ys, symbol="o")
        column.addWidget(plot)
    window.show()
    app.processEvents()  # painted as on screen (an offscreen screen shows the whole window)
    elapsed = time.perf_counter() - start
    window.close()
    window.deleteLater()
    app.processEvents()
    return elapsed


def _analytics_page(name: str, records: int, repeat: int) -> None:
    import tempfile

    from PySide6.QtCore import QSettings

    from tracker.services import Services
    from tracker.services.bootstrap import open_database
    from ui.app import ensure_app
    from ui.charts.school import school_charts

    app = ensure_app()  # themed like the application
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())  # default filters
    db, _ = open_database(analytics_school_db(records))
    services = Services(db)
    admin = services.auth.login("admin", DEMO_PASSWORD)
    read = time.perf_counter()
    analytics = services.analytics.school_analytics(admin)
    read = time.perf_counter() - read
    charts = school_charts(analytics)
    points = sum(len(s.points) for c in charts for s in c.series)
    size = (1000, 280)  # about the page's charts at 1280x800
    _analytics_page_once(app, admin, analytics), _bare_charts_once(app, charts, size)  # warm up both
    values, floors = [], []
    for _ in range(repeat):
        floors.append(_bare_charts_once(app, charts, size))
        values.append(_analytics_page_once(app, admin, analytics))
    db.dispose()
    emit(name, median(values), "s", median(floors), attendance_rows=records, activities=len(analytics.effectiveness),
         charts=len(charts), points=points, bar_ratio=1.5, data_read_s=round(read, 3),
         floor_is=f"bare pyqtgraph window: {len(charts)} PlotWidgets of {size[0]}x{size[1]} plotting the same "
                  f"{points} points, shown and painted (the page: handed the service's snapshot, shown at "
                  "1280x800, every chart painted; data_read_s is the service's read, analytics_school_*)")


def bench_analytics_page(repeat: int, students: int) -> None:
    """The admin analytics page shown and painted on the generated school of 1,000,000 attendance
    rows (first 100,000), against a bare pyqtgraph window plotting the same points (bar: ≤ 1.5×)."""
    _analytics_page("analytics_page_100k", 100_000, repeat)
    _analytics_page("analytics_page_1m", 1_000_000, repeat)


def bench_badge_rules(repeat: int, students: int) -> None:
    """A badge created with "award to everyone who qualifies" on the demo, per kind of criterion
    (tests/perf/bench_badges.py)."""
    from tests.perf.bench_badges import bench_badge_rules_2000

    bench_badge_rules_2000(repeat, students)


def bench_export_xlsx(repeat: int, students: int) -> None:
    """100,000 Progress rows through the export's workbook writer vs. bare openpyxl write-only
    (tests/perf/bench_exports.py)."""
    from tests.perf.bench_exports import bench_export_xlsx_100k

    bench_export_xlsx_100k(repeat, students)


def bench_sync_1000_marks(repeat: int, students: int) -> None:
    """1,000 marks made offline sent to PostgreSQL vs. the same made online (tests/perf/bench_offline.py)."""
    from tests.perf.bench_offline import bench_sync_1000_marks as run

    run(repeat, students)


def bench_start_bundle_login_window(repeat: int, students: int) -> None:
    """The PyInstaller bundle (``make package``: dist/ActivityTracker/ActivityTracker) from its
    start to the sign-in window, against the same bare PySide6 window floor as
    ``start_login_window``; the source tree's figure is measured in the same loop and reported
    beside it. The bundled program reports its window through ACTIVITY_TRACKER_STARTUP_PROBE."""
    program = ROOT / "dist" / "ActivityTracker" / ("ActivityTracker.exe" if os.name == "nt" else "ActivityTracker")
    if not program.exists():
        print(json.dumps({"name": "start_bundle_login_window", "value": None,
                          "note": f"{program} is not built: run `make package` first"}), flush=True)
        return
    db = demo_db(students)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    bundle_env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ACTIVITY_TRACKER_STARTUP_PROBE="1")
    bundle_env.pop("PYTHONPATH", None)
    floor_cmd = [sys.executable, str(HERE / "probe_bare_window.py")]
    source_cmd = [sys.executable, str(HERE / "probe_login_window.py"), str(db)]
    bundle_cmd = [str(program), "--db", str(db)]
    for cmd, e in ((floor_cmd, env), (source_cmd, env), (bundle_cmd, bundle_env)):
        time_process(cmd, e)  # warm the file cache for all three
    floors, sources, bundles = [], [], []
    for _ in range(repeat):  # interleaved so that machine load hits them alike
        floors.append(time_process(floor_cmd, env))
        sources.append(time_process(source_cmd, env))
        bundles.append(time_process(bundle_cmd, bundle_env))
    floor = median(floors)
    emit("start_bundle_login_window", median(bundles), "s", floor, students=students,
         source_tree_s=round(median(sources), 4), source_tree_ratio=round(median(sources) / floor, 2))


BENCHMARKS: dict[str, Callable[[int, int], None]] = {
    "start_login_window": bench_start_login_window,
    "start_bundle_login_window": bench_start_bundle_login_window,
    "login_to_dashboard": bench_login_to_dashboard,
    "import_roster_10000": bench_import_roster_10000,
    "attendance_mark_p95": bench_attendance_mark_p95,
    "attendance_grid_load_2000x200": bench_attendance_grid_load,
    "attendance_grid_2000x200": bench_attendance_grid_2000x200,
    "attendance_grid_200x100": bench_attendance_grid_200x100,
    "export_xlsx_100k": bench_export_xlsx,
    "attendance_tab_open_demo": bench_attendance_tab_demo,
    "milestone_bulk_tick_200": bench_milestone_bulk_tick_200,
    "milestone_checklist_200x30": bench_milestone_checklist_200x30,
    "certificates_500": bench_certificates_500,
    "certificate_preview": bench_certificate_preview,
    "analytics_school_1m": bench_analytics_school,
    "analytics_page_1m": bench_analytics_page,
    "growth_100k_1m": bench_growth_100k_1m,
    "badge_rules_2000": bench_badge_rules,
    "sync_1000_marks": bench_sync_1000_marks,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS))
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--students", type=int, default=2000)
    args = parser.parse_args()
    for name in args.only or list(BENCHMARKS):
        BENCHMARKS[name](args.repeat, args.students)
    return 0


if __name__ == "__main__":
    sys.exit(main())

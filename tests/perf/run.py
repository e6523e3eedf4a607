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
        while ctx.tasks.busy:
            app.processEvents()
            time.sleep(0.001)
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
    import shutil
    import tempfile

    from sqlalchemy import update

    from tracker.db.models import AttendanceRecord
    from tracker.services import Services
    from tracker.services.attendance import MarkChange
    from tracker.services.bootstrap import open_database

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.db"
        shutil.copyfile(demo_db(students), path)
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
    emit("attendance_mark_p95", _p95(values), "ms", _p95(floors), students=students,
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


BENCHMARKS: dict[str, Callable[[int, int], None]] = {
    "start_login_window": bench_start_login_window,
    "login_to_dashboard": bench_login_to_dashboard,
    "import_roster_10000": bench_import_roster_10000,
    "attendance_mark_p95": bench_attendance_mark_p95,
    "attendance_grid_load_2000x200": bench_attendance_grid_load,
    "attendance_grid_2000x200": bench_attendance_grid_2000x200,
    "attendance_grid_200x100": bench_attendance_grid_200x100,
    "attendance_tab_open_demo": bench_attendance_tab_demo,
    "milestone_bulk_tick_200": bench_milestone_bulk_tick_200,
    "milestone_checklist_200x30": bench_milestone_checklist_200x30,
    "certificates_500": bench_certificates_500,
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

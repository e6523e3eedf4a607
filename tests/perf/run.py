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
    values, floors = [], []
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "roster.csv"
        _roster_csv(src, n)
        for r in range(repeat):
            db, _ = open_database(Path(tmp) / f"import-{r}.db")
            services = Services(db)
            admin = services.auth.create_first_admin("admin", DEMO_PASSWORD)
            start = time.perf_counter()
            result = services.imports.apply(admin, src)
            values.append(time.perf_counter() - start)
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
         floor_is="csv.reader parse + one Core executemany of the same 10,000 user rows")


BENCHMARKS: dict[str, Callable[[int, int], None]] = {
    "start_login_window": bench_start_login_window,
    "login_to_dashboard": bench_login_to_dashboard,
    "import_roster_10000": bench_import_roster_10000,
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

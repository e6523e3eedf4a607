"""Benchmark ``sync_1000_marks`` (issue 17): sending 1,000 marks made offline to the school's
PostgreSQL (:func:`tracker.offline.sync.push`, one idempotent, version-checked service call per
cell), against a floor measured in the same run on the same server: making 1,000 marks online,
one ``services.attendance.apply`` call per cell, as the GUI does. Bar: ≤ 3× the floor.

Each round uses a fresh school with two alike activities of one teacher (40 students × 25 past
sessions each): 1,000 cells for the floor in one, 1,000 for the sync in the other, so neither side
marks where the other did.
Without ``TRACKER_PG_URL`` a throwaway cluster is started with .ci/start-postgres.sh (its own
folder and port) and stopped afterwards.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

BAR = 3.0
STUDENTS = 40  # per activity: one activity for the floor, one for the sync
SESSIONS = 25  # 40 × 25 = 1,000 cells each
ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def postgres_url() -> Iterator[str]:
    """``$TRACKER_PG_URL`` (wiped), else a cluster of our own for the duration."""
    given = os.environ.get("TRACKER_PG_URL", "").strip()
    if given:
        yield given
        return
    folder = tempfile.mkdtemp(prefix="tracker-bench-pg-")
    env = dict(os.environ, TRACKER_PG_DIR=folder, TRACKER_PG_PORT="55480")
    script = str(ROOT / ".ci" / "start-postgres.sh")
    out = subprocess.run([script], env=env, check=True, capture_output=True, text=True).stdout
    url = next(line.split("=", 1)[1] for line in out.splitlines() if line.startswith("export TRACKER_PG_URL="))
    try:
        yield url
    finally:
        subprocess.run([script, "stop"], env=env, check=False, capture_output=True)


def _club(s, admin, teacher, name: str) -> list[tuple[int, int, int]]:  # type: ignore[no-untyped-def]
    """An activity of the teacher: STUDENTS students (joined long ago), SESSIONS past sessions;
    returns its cells, each with the status to give it."""
    from tracker.domain.enums import Role
    from tracker.services.activities import ActivityInput
    from tracker.services.people import UserInput

    club = s.activities.create_activity(admin, ActivityInput(name, lead_ids=[teacher.id])).id
    students = [s.people.create_user(admin, UserInput(f"{name[:4].lower()}{i:03d}", f"{name} {i:03d}",
                                                      Role.STUDENT)).id for i in range(STUDENTS)]
    s.enrollment.enroll(admin, club, students, enrolled_on=date.today() - timedelta(days=SESSIONS + 30))
    start = datetime.now().replace(hour=8, minute=0, second=0, microsecond=0) - timedelta(days=SESSIONS + 1)
    sessions = [s.calendar.add_extra_session(admin, club, start + timedelta(days=i),
                                             start + timedelta(days=i, hours=1)).id for i in range(SESSIONS)]
    statuses = [st.id for st in s.attendance.statuses(teacher) if st.code in ("P", "L", "A", "E")]
    return [(m, sid, statuses[(i + j) % len(statuses)]) for i, m in enumerate(sessions)
            for j, sid in enumerate(students)]


def _school(url: str):  # type: ignore[no-untyped-def]
    """A fresh schema: an administrator and a teacher leading two alike activities, one for the
    floor's marks and one for the sync's, so that neither side marks where the other did."""
    from tests.pg.conftest import wipe
    from tracker.domain.enums import Role
    from tracker.domain.policy import Actor
    from tracker.services import Services
    from tracker.services.bootstrap import open_database
    from tracker.services.people import UserInput

    wipe(url)
    db, _ = open_database(url)
    s = Services(db)
    admin = s.auth.create_first_admin("admin", "bench-pass-2026", "Ada Admin")
    info = s.people.create_user(admin, UserInput("tina", "Tina Teacher", Role.TEACHER, password="bench-pass-2026"))
    teacher = Actor(info.id, info.username, info.display_name, info.role)
    return s, teacher, _club(s, admin, teacher, "Athletics"), _club(s, admin, teacher, "Swimming")


def _round(url: str, folder: Path) -> tuple[float, float]:
    from tracker.offline import replica as replicas
    from tracker.offline.queue import OfflineServices, waiting
    from tracker.offline.sync import push
    from tracker.services.attendance_types import MarkChange

    server, teacher, floor_cells, sync_cells = _school(url)
    try:
        path = folder / "replica.db"
        path.unlink(missing_ok=True)
        replicas.build_replica(server.db, teacher, path=path)  # before the floor's marks: nothing to carry
        offline = OfflineServices(replicas.open_replica(path))
        for session, student, status in sync_cells:  # made offline, one cell at a time, as the GUI does
            offline.attendance.apply(teacher, [MarkChange(session, student, status)])
        assert waiting(offline.db) == len(sync_cells)

        begin = time.perf_counter()
        for session, student, status in floor_cells:
            server.attendance.apply(teacher, [MarkChange(session, student, status)])
        floor = time.perf_counter() - begin

        begin = time.perf_counter()
        report = push(server, offline.db, teacher)
        value = time.perf_counter() - begin
        assert (report.applied, report.decisions, report.left) == (len(sync_cells), 0, 0), report
        offline.db.dispose()
        return value, floor
    finally:
        server.db.dispose()


def bench_sync_1000_marks(repeat: int, students: int) -> None:
    from tests.perf.run import emit, median

    values, floors = [], []
    with postgres_url() as url, tempfile.TemporaryDirectory() as folder:
        for _ in range(max(1, min(repeat, 3))):  # each round builds a school: three rounds at most
            value, floor = _round(url, Path(folder))
            values.append(value)
            floors.append(floor)
    emit("sync_1000_marks", median(values), "s", median(floors), bar=BAR, cells=STUDENTS * SESSIONS,
         rounds=len(values), floor_is="the same number of marks made online: 1,000 calls of "
         "services.attendance.apply, one cell each, on the same PostgreSQL (loopback)")

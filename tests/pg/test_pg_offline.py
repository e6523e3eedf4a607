"""Offline-first on a shared school database (issue 17), against a real PostgreSQL that goes away.

The server is stopped and started mid-test (``outage``: the real cluster, see tests/pg/outage.py):
marks continue on the replica, queued; when the server is back they arrive once; a cell changed
on both sides waits for a decision; a sync killed with SIGKILL half-way applies nothing twice;
a whole week made offline ends up on the server with the server's own standing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tracker.db.engine import Database
from tracker.db.models import AttendanceRecord, SyncApplied, UserMilestone
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.enums import Role
from tracker.domain.policy import Actor
from tracker.offline import replica as replicas
from tracker.offline.queue import OfflineServices, waiting
from tracker.offline.router import RoutedServices
from tracker.offline.sync import decisions, push
from tracker.services import Services
from tracker.services.activities import ActivityInput
from tracker.services.attendance_aggregates import check
from tracker.services.attendance_types import MarkChange
from tracker.services.bootstrap import open_database
from tracker.services.people import UserInput
from tracker.services.recompute import recompute_activity

from ..conftest import School
from .outage import ClusterSwitch, ProxySwitch

pytestmark = pytest.mark.pg

ROOT = Path(__file__).resolve().parents[2]
Switch = ClusterSwitch | ProxySwitch


@pytest.fixture
def db(outage: Switch) -> Iterator[Database]:
    """The school database reached through ``outage.url`` (the same server; a proxy when the
    cluster cannot be stopped), so that stopping it cuts these services off."""
    database, _ = open_database(outage.url)
    yield database
    database.dispose()


@pytest.fixture
def routed(school: School, outage: Switch, tmp_path: Path) -> Iterator[Callable[[], RoutedServices]]:
    """The teacher's workstation: services that follow the server, with a fresh replica of the
    teacher's activities (made when called, after the test set up its school)."""
    made: list[RoutedServices] = []

    def make() -> RoutedServices:
        router = RoutedServices(outage.url, school.services, replica_path=tmp_path / "replica.db")
        router.actor = school.teacher
        router.refresh_replica()
        made.append(router)
        return router

    yield make
    for router in made:
        if router.replica is not None:
            router.replica.db.dispose()


def _status(services: Services, actor: Actor, code: str) -> int:
    return next(st.id for st in services.attendance.statuses(actor) if st.code == code)


def _count(db: Database, what: object) -> int:
    with read_only(db) as s:
        return s.scalar(select(func.count()).select_from(what)) or 0  # type: ignore[arg-type]


def _marks(db: Database, session_ids: list[int]) -> dict[tuple[int, int], tuple[int, int, str, int]]:
    """(session, student) -> (status, participation, remark, version), as stored on the server."""
    with read_only(db) as s:
        rows = s.execute(select(AttendanceRecord.session_id, AttendanceRecord.student_id, AttendanceRecord.status_id,
                                AttendanceRecord.participation, AttendanceRecord.remark, AttendanceRecord.version)
                         .where(AttendanceRecord.session_id.in_(session_ids)))
        return {(r[0], r[1]): (r[2], r[3] or 0, r[4] or "", r[5]) for r in rows}


def test_marks_continue_through_an_outage_and_each_arrives_once(school: School, held: list[int],
                                                                 routed: Callable[[], RoutedServices],
                                                                 outage: Switch) -> None:
    router = routed()
    t, sam, olga = school.teacher, school.student.id, school.other_student.id
    present, late = _status(router, t, "P"), _status(router, t, "L")
    router.attendance.apply(t, [MarkChange(held[0], sam, present)])
    assert router.online and router.waiting() == 0

    outage.stop()  # the school's server goes down mid-lesson
    router.attendance.apply(t, [MarkChange(held[1], sam, late, remark="bus was late")])
    assert not router.online and router.waiting() == 1
    router.attendance.apply(t, [MarkChange(held[1], olga, present, participation=4)])
    router.attendance.apply(t, [MarkChange(held[2], sam, present), MarkChange(held[2], olga, present)])
    assert router.waiting() == 4
    assert router.attendance.sheet(t, held[1]).marks[sam].remark == "bus was late"  # shown at once, offline
    assert router.try_online() is None and not router.online  # still down: nothing sent

    outage.start()
    report = router.try_online()
    assert report is not None and (report.applied, report.decisions, report.left) == (4, 0, 0)
    assert router.online and router.waiting() == 0
    server = school.services.db
    assert _count(server, SyncApplied) == 4
    marks = _marks(server, held)
    assert marks == {(held[0], sam): (present, 0, "", 1), (held[1], sam): (late, 0, "bus was late", 1),
                     (held[1], olga): (present, 4, "", 1), (held[2], sam): (present, 0, "", 1),
                     (held[2], olga): (present, 0, "", 1)}
    # asked again (a second "Sync now"): nothing is sent twice
    again = router.try_online()
    assert again is not None and again.applied == 0
    assert _count(server, SyncApplied) == 4 and _marks(server, held) == marks


def test_a_cell_changed_at_school_and_offline_waits_for_a_decision(school: School, held: list[int],
                                                                    routed: Callable[[], RoutedServices],
                                                                    outage: Switch) -> None:
    router = routed()
    t, admin, sam, olga = school.teacher, school.admin, school.student.id, school.other_student.id
    present, late, absent = (_status(router, t, c) for c in "PLA")
    outage.stop()
    router.attendance.apply(t, [MarkChange(held[0], sam, late, remark="bus was late"),
                                MarkChange(held[0], olga, late), MarkChange(held[1], sam, absent)])
    assert not router.online and router.waiting() == 3
    outage.start()
    # meanwhile, at school (the laptop has not reconnected yet)
    school.services.attendance.apply(admin, [MarkChange(held[0], sam, present), MarkChange(held[0], olga, absent)])

    report = router.try_online()
    assert report is not None and (report.applied, report.decisions, report.left) == (1, 2, 0)
    assert router.online
    server = school.services.db
    # nothing overwritten until decided: the server keeps theirs
    marks = _marks(server, held)
    assert marks[(held[0], sam)][0] == present and marks[(held[0], olga)][0] == absent
    assert marks[(held[1], sam)][0] == absent
    rows = {d.subject.split(" · ")[0]: d for d in router.decisions()}
    assert set(rows) == {"Sam Student", "Olga Other"}
    assert rows["Sam Student"].mine == "Late · “bus was late”" and rows["Sam Student"].mine_by == "Tina Teacher"
    assert rows["Sam Student"].theirs == "Present" and rows["Sam Student"].theirs_by == "Ada Admin"
    assert rows["Olga Other"].mine == "Late" and rows["Olga Other"].theirs == "Absent"

    assert "Used mine" in router.decide(rows["Sam Student"].id, use_mine=True)
    assert "Kept theirs" in router.decide(rows["Olga Other"].id, use_mine=False)
    marks = _marks(server, held)
    assert marks[(held[0], sam)][:3] == (late, 0, "bus was late") and marks[(held[0], sam)][3] == 2
    assert marks[(held[0], olga)] == (absent, 0, "", 1)
    assert router.decisions() == []
    assert _count(server, SyncApplied) == 2  # the one applied, and "use mine"; "keep theirs" sends nothing


def _athletics(school: School, students: int, sessions: int) -> tuple[int, list[int], list[int]]:
    """An activity of the teacher with ``students`` enrolled (joined long ago) and ``sessions`` past
    sessions: students × sessions cells to mark."""
    s, admin = school.services, school.admin
    club = s.activities.create_activity(admin, ActivityInput("Athletics", lead_ids=[school.teacher.id])).id
    ids = [s.people.create_user(admin, UserInput(f"runner{i:03d}", f"Runner {i:03d}", Role.STUDENT,
                                                 grade="9", class_name="9C")).id for i in range(students)]
    s.enrollment.enroll(admin, club, ids, enrolled_on=date.today() - timedelta(days=sessions + 30))
    start = datetime.now().replace(hour=8, minute=0, second=0, microsecond=0) - timedelta(days=sessions + 1)
    meetings = [s.calendar.add_extra_session(admin, club, start + timedelta(days=i),
                                             start + timedelta(days=i, hours=1)).id for i in range(sessions)]
    return club, ids, meetings


def test_a_sync_killed_half_way_applies_every_change_exactly_once(school: School, outage: Switch,
                                                                   tmp_path: Path) -> None:
    _club, students, meetings = _athletics(school, 20, 15)
    t, server = school.teacher, school.services
    path = tmp_path / "replica.db"
    replicas.build_replica(server.db, t, path=path)
    offline = OfflineServices(replicas.open_replica(path))
    codes = [_status(offline, t, c) for c in "PLAE"]
    wanted = {(m, sid): codes[(i + j) % 4] for i, m in enumerate(meetings) for j, sid in enumerate(students)}
    offline.attendance.apply(t, [MarkChange(m, sid, status) for (m, sid), status in wanted.items()])
    assert waiting(offline.db) == 300
    offline.db.dispose()

    actor = json.dumps({"id": t.id, "username": t.username, "display_name": t.display_name, "role": t.role.value})
    worker = subprocess.Popen([sys.executable, str(ROOT / "tests" / "pg" / "push_worker.py"), outage.url,
                               str(path), actor, "0.01"], cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while (applied := _count(server.db, SyncApplied)) < 150:  # past the first batch removed from the queue
            assert worker.poll() is None, f"the sync ended before it could be killed: {worker.communicate()}"
            assert time.monotonic() < deadline, "the sync did not start"
            time.sleep(0.02)
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(30)
    assert worker.returncode == -signal.SIGKILL
    at_kill = _count(server.db, SyncApplied)
    assert 150 <= applied <= at_kill < 300  # killed part-way

    replica = replicas.open_replica(path)
    try:
        left = waiting(replica)
        # removed from the queue in batches once the server committed them: the last batch may still be there
        assert 300 - at_kill <= left <= 200
        report = push(server, replica, t)
        assert report.applied == 300 - at_kill and report.already == left - (300 - at_kill)
        assert (report.decisions, report.left) == (0, 0) and decisions(replica, t) == []
        assert waiting(replica) == 0
    finally:
        replica.dispose()
    assert _count(server.db, SyncApplied) == 300
    stored = _marks(server.db, meetings)
    assert {cell: row[0] for cell, row in stored.items()} == wanted
    assert {row[3] for row in stored.values()} == {1}  # each applied once


def _standing(services: Services, actor: Actor, club: int) -> dict[int, tuple[object, ...]]:
    return {r.user_id: (r.status, round(r.progress_percentage, 2), r.attendance_rate, r.sessions_held,
                        r.milestones_done, r.points)
            for r in services.progress.activity_progress(actor, club)}


def test_a_week_made_offline_reaches_the_server_with_the_servers_standing(school: School, outage: Switch,
                                                                          routed: Callable[[], RoutedServices]
                                                                          ) -> None:
    club, students, week = _athletics(school, 6, 5)
    s, admin, t = school.services, school.admin, school.teacher
    firsts = [s.milestones.create_milestone(admin, club, title=title, points=points).id
              for title, points in (("Warm-up routine", 1), ("5 km run", 2), ("Relay", 1))]
    router = routed()
    outage.stop()  # the laptop goes on a week's trip: no school database at all
    codes = {c: _status(router, t, c) for c in "PLAE"}
    for day, session in enumerate(week):
        absent = students[day % len(students)]
        router.attendance.apply(t, [MarkChange(session, absent, codes["A"], remark="ill")])
        router.attendance.apply(t, [MarkChange(session, students[(day + 1) % len(students)], codes["L"],
                                               participation=2, remark="missed the bus")])
        router.attendance.mark_rest_present(t, session)
        router.attendance.apply(t, [MarkChange(session, sid, codes["P"], expected_version=1, participation=1 + i % 5)
                                    for i, sid in enumerate(students) if sid not in
                                    {absent, students[(day + 1) % len(students)]}])
    router.milestones.complete_for_students(t, firsts[0], students)
    router.milestones.complete_milestone(t, firsts[1], students[0], notes="personal best")
    router.milestones.complete_for_students(t, firsts[2], students[:3])
    router.milestones.uncomplete_milestone(t, firsts[2], students[2])  # a slip, corrected
    assert not router.online
    provisional = _standing(router, t, club)  # what the laptop showed all week
    queued = router.waiting()
    assert queued == 5 * (6 + 4) + 6 + 1 + 3 + 1  # one entry per cell change

    outage.start()
    report = router.try_online()
    assert report is not None and (report.applied, report.decisions, report.left) == (queued, 0, 0)
    assert router.online
    stored = _marks(s.db, week)
    assert len(stored) == 30 and sum(row[0] == codes["A"] for row in stored.values()) == 5
    assert {row[2] for row in stored.values()} == {"", "ill", "missed the bus"}
    with read_only(s.db) as session:
        ticks = set(session.execute(select(UserMilestone.milestone_id, UserMilestone.user_id)
                                    .where(UserMilestone.milestone_id.in_(firsts))).all())
    assert ticks == ({(firsts[0], sid) for sid in students} | {(firsts[1], students[0])}
                     | {(firsts[2], sid) for sid in students[:2]})

    # the server's standing, recomputed by its own bus, is what the laptop showed …
    online = _standing(s, admin, club)
    assert online == provisional
    # … and what the server computes from scratch
    with s.db.engine.connect() as conn:
        assert check(conn) == []
    with unit_of_work(s.db) as tx:
        recompute_activity(tx, club)
    assert _standing(s, admin, club) == online
    assert online[students[0]][4:] == (3, 4) and online[students[3]][4:] == (1, 1)


def test_the_outage_is_the_real_server_when_the_cluster_is_ours(outage: Switch, db: Database) -> None:
    """In CI ($TRACKER_PG_DIR set, one process) the server itself stops; either way a stopped
    server refuses connections and is running again after ``ensure_running`` (the teardown)."""
    if os.environ.get("TRACKER_PG_DIR") and os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") == "1":
        assert isinstance(outage, ClusterSwitch)
    outage.stop()
    with pytest.raises(Exception, match="(?i)connect|refused|closed|terminat"):  # noqa: PT011
        with db.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    outage.ensure_running()
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1

"""Offline work on a shared database (issue 17), with an SQLite file standing in for the school's
server (tests/pg runs the same against a real PostgreSQL that is stopped and started)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import School, server_down
from tracker.db.models import AttendanceRecord, SyncApplied, SyncQueue, User, UserMilestone
from tracker.db.uow import read_only
from tracker.errors import NotAvailableOffline, PermissionDenied
from tracker.offline import replica as replicas
from tracker.offline.queue import OfflineServices
from tracker.offline.router import RoutedServices
from tracker.offline.sync import DecisionChanged, decide, decisions, push
from tracker.services import Services
from tracker.services.activities import ActivityInput
from tracker.services.attendance_types import AttendanceConflict, MarkChange


def _status(services: Services, actor, code: str) -> int:  # type: ignore[no-untyped-def]
    return next(st.id for st in services.attendance.statuses(actor) if st.code == code)


def _offline(school: School, path: Path) -> OfflineServices:
    replicas.build_replica(school.services.db, school.teacher, path=path)
    return OfflineServices(replicas.open_replica(path))


def test_the_replica_holds_only_what_the_teacher_may_see(school: School, held: list[int], tmp_path: Path) -> None:
    path = tmp_path / "replica.db"
    summary = replicas.build_replica(school.services.db, school.teacher, path=path)
    assert summary.activity_names == ("Chess Club",) and summary.sessions == 3 and summary.students == 2
    db = replicas.open_replica(path)
    try:
        with read_only(db) as s:
            users = {u.username: u.password_hash for u in s.scalars(select(User))}
        # the teacher (who can sign in here), their students, nobody else's password or e-mail
        assert set(users) >= {"tina", "sam", "olga"} and "otto" not in users and "pat" not in users
        assert users["tina"] and not users["sam"]
    finally:
        db.dispose()


def test_students_and_parents_cannot_take_a_replica(school: School, tmp_path: Path) -> None:
    for actor in (school.student, school.parent):
        with pytest.raises(PermissionDenied):
            replicas.build_replica(school.services.db, actor, path=tmp_path / "r.db")
    with pytest.raises(PermissionDenied):
        replicas.build_replica(school.services.db, school.teacher, path=tmp_path / "r.db",
                               activity_ids=[school.drama])
    assert not (tmp_path / "r.db").exists()


def test_marks_made_offline_are_queued_with_the_change_and_sent_once(school: School, held: list[int],
                                                                       tmp_path: Path) -> None:
    off = _offline(school, tmp_path / "replica.db")
    t = school.teacher
    present, absent = _status(off, t, "P"), _status(off, t, "A")
    off.attendance.apply(t, [MarkChange(held[0], school.student.id, present),
                             MarkChange(held[0], school.other_student.id, absent)])
    off.attendance.apply(t, [MarkChange(held[0], school.student.id, absent, expected_version=1)])
    with read_only(off.db) as s:
        assert s.scalar(select(func.count(SyncQueue.id))) == 3  # one per cell change, in order
    # a refused change is not queued
    with pytest.raises(AttendanceConflict):
        off.attendance.apply(t, [MarkChange(held[0], school.student.id, present, expected_version=99)])
    with read_only(off.db) as s:
        assert s.scalar(select(func.count(SyncQueue.id))) == 3
    # work that needs the whole school is refused with a reason
    with pytest.raises(NotAvailableOffline, match="school database"):
        off.activities.create_activity(school.admin, ActivityInput("Sneaky"))

    report = push(school.services, off.db, t)
    assert (report.applied, report.decisions, report.left) == (3, 0, 0)
    sheet = school.services.attendance.sheet(t, held[0])
    assert sheet.marks[school.student.id].status_id == absent
    assert sheet.marks[school.other_student.id].status_id == absent
    assert sheet.marks[school.student.id].version == 2
    # sent again (a retry after a cut connection): nothing doubles
    with read_only(school.services.db) as s:
        keys = s.scalar(select(func.count(SyncApplied.id)))
    assert keys == 3
    assert push(school.services, off.db, t).applied == 0
    off.db.dispose()


def test_a_retry_after_the_server_committed_finds_the_key(school: School, held: list[int], tmp_path: Path) -> None:
    """The server committed, the workstation died before removing the entry: sent again, it is
    recognised by its key and not applied twice."""
    off = _offline(school, tmp_path / "replica.db")
    t = school.teacher
    off.attendance.apply(t, [MarkChange(held[1], school.student.id, _status(off, t, "P"))])
    with read_only(off.db) as s:
        entry = s.scalar(select(SyncQueue))
        snapshot = {c.name: getattr(entry, c.name) for c in SyncQueue.__table__.columns}
    assert push(school.services, off.db, t).applied == 1
    with off.db.session_factory() as s, s.begin():  # the entry comes back, as if never removed
        s.execute(SyncQueue.__table__.insert(), [snapshot])
    report = push(school.services, off.db, t)
    assert (report.applied, report.already, report.left) == (0, 1, 0)
    with read_only(school.services.db) as s:
        assert s.scalar(select(AttendanceRecord.version).where(AttendanceRecord.session_id == held[1])) == 1
    off.db.dispose()


def test_the_same_cell_changed_online_and_offline_waits_for_a_decision(school: School, held: list[int],
                                                                      tmp_path: Path) -> None:
    off = _offline(school, tmp_path / "replica.db")
    t, admin = school.teacher, school.admin
    present, late, absent = (_status(off, t, c) for c in "PLA")
    off.attendance.apply(t, [MarkChange(held[2], school.student.id, late, remark="bus was late"),
                             MarkChange(held[2], school.other_student.id, present)])
    off.attendance.apply(t, [MarkChange(held[2], school.student.id, absent, expected_version=1)])
    # meanwhile, at school
    school.services.attendance.apply(admin, [MarkChange(held[2], school.student.id, present)])
    report = push(school.services, off.db, t)
    assert (report.applied, report.decisions, report.left) == (1, 1, 0)  # the other student went through
    [d] = decisions(off.db, t)
    assert "Sam Student" in d.subject and "Chess Club" in d.subject
    assert d.mine == "Absent" and d.mine_by == "Tina Teacher"  # mine: the latest offline value
    assert d.theirs == "Present" and d.theirs_by == "Ada Admin" and d.theirs_at is not None
    # both kept until decided: the server still has theirs
    assert school.services.attendance.sheet(t, held[2]).marks[school.student.id].status_id == present
    assert "Used mine" in decide(school.services, off.db, t, d.id, use_mine=True)
    assert school.services.attendance.sheet(t, held[2]).marks[school.student.id].status_id == absent
    assert decisions(off.db, t) == []
    off.db.dispose()


def test_keep_theirs_and_a_decision_overtaken_again(school: School, held: list[int], tmp_path: Path) -> None:
    off = _offline(school, tmp_path / "replica.db")
    t, admin = school.teacher, school.admin
    present, late, absent = (_status(off, t, c) for c in "PLA")
    off.attendance.apply(t, [MarkChange(held[0], school.student.id, late),
                             MarkChange(held[1], school.student.id, late)])
    school.services.attendance.apply(admin, [MarkChange(held[0], school.student.id, present),
                                             MarkChange(held[1], school.student.id, present)])
    assert push(school.services, off.db, t).decisions == 2
    first, second = decisions(off.db, t)
    assert "Kept theirs" in decide(school.services, off.db, t, first.id, use_mine=False)
    assert school.services.attendance.sheet(t, held[0]).marks[school.student.id].status_id == present
    stored = school.services.attendance.sheet(t, held[1]).marks[school.student.id]
    school.services.attendance.apply(admin, [MarkChange(held[1], school.student.id, absent,
                                                        expected_version=stored.version)])
    with pytest.raises(DecisionChanged, match="changed again"):
        decide(school.services, off.db, t, second.id, use_mine=True)
    [again] = decisions(off.db, t)
    assert again.theirs == "Absent"
    decide(school.services, off.db, t, again.id, use_mine=True)
    assert school.services.attendance.sheet(t, held[1]).marks[school.student.id].status_id == late
    off.db.dispose()


def test_the_same_value_set_on_both_sides_is_no_conflict(school: School, held: list[int], tmp_path: Path) -> None:
    off = _offline(school, tmp_path / "replica.db")
    t = school.teacher
    present = _status(off, t, "P")
    off.attendance.apply(t, [MarkChange(held[0], school.student.id, present)])
    school.services.attendance.apply(school.admin, [MarkChange(held[0], school.student.id, present)])
    report = push(school.services, off.db, t)
    assert (report.same, report.decisions, report.left) == (1, 0, 0)
    off.db.dispose()


def test_milestones_ticked_offline_reach_the_server_and_recompute_there(school: School, tmp_path: Path) -> None:
    admin, t = school.admin, school.teacher
    first = school.services.milestones.create_milestone(admin, school.chess, title="Opening", points=1)
    second = school.services.milestones.create_milestone(admin, school.chess, title="Endgame", points=1)
    off = _offline(school, tmp_path / "replica.db")
    off.milestones.complete_milestone(t, first.id, school.student.id, notes="solid")
    off.milestones.complete_for_students(t, second.id, [school.student.id, school.other_student.id])
    # shown at once on this computer: the replica's own (provisional) recompute
    local = {r.user_id: r.progress_percentage for r in off.progress.activity_progress(t, school.chess)}
    assert local[school.student.id] == 100 and local[school.other_student.id] == 50
    assert {r.user_id: r.progress_percentage for r in school.services.progress.activity_progress(
        t, school.chess)}[school.student.id] == 0  # the server has not heard yet
    school.services.milestones.complete_milestone(admin, second.id, school.other_student.id)  # same outcome
    report = push(school.services, off.db, t)
    assert (report.applied, report.same, report.decisions) == (2, 1, 0)
    with read_only(school.services.db) as s:
        done = set(s.execute(select(UserMilestone.user_id, UserMilestone.milestone_id)).all())
        notes = s.scalar(select(UserMilestone.notes).where(UserMilestone.milestone_id == first.id))
    assert done == {(school.student.id, first.id), (school.student.id, second.id),
                    (school.other_student.id, second.id)} and notes == "solid"
    # the server recomputed on its own when the ticks arrived
    server = {r.user_id: r.progress_percentage for r in school.services.progress.activity_progress(t, school.chess)}
    assert server == local
    # unticked offline while someone re-noted it at school: a decision
    off.milestones.uncomplete_milestone(t, first.id, school.student.id)
    school.services.milestones.complete_milestone(admin, first.id, school.student.id, notes="checked by Ada")
    report = push(school.services, off.db, t)
    assert report.decisions == 1
    [d] = decisions(off.db, t)
    assert d.mine == "Not ticked" and d.theirs.startswith("Ticked")
    assert d.theirs_by == admin.display_name  # who re-noted it, not the teacher who ticked it first
    # unticked at school (for several students at once) while re-noted offline: the one who unticked
    off.milestones.set_completion_notes(t, school.chess, school.student.id, {second.id: "rechecked"})
    school.services.milestones.uncomplete_for_students(admin, second.id, [school.student.id, school.other_student.id])
    push(school.services, off.db, t)
    later = [x for x in decisions(off.db, t) if x.id != d.id]
    assert [(x.theirs, x.theirs_by) for x in later] == [("Not ticked", admin.display_name)]
    assert later[0].theirs_at is not None
    off.db.dispose()


def test_the_router_goes_offline_and_back(school: School, held: list[int], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "replica.db"
    replicas.build_replica(school.services.db, school.teacher, path=path)
    router = RoutedServices(str(school.services.db.url.database), school.services, replica_path=path)
    router.actor = school.teacher
    heard: list[bool] = []
    router.listen(lambda: heard.append(router.online))
    t = school.teacher
    present = _status(router, t, "P")
    back = server_down(school, monkeypatch)
    router.attendance.apply(t, [MarkChange(held[0], school.student.id, present)])
    assert not router.online and heard == [False] and router.waiting() == 1
    with pytest.raises(NotAvailableOffline, match="Importing rosters"):
        router.imports.preview(t, tmp_path / "x.csv")
    assert router.try_online() is None and not router.online
    back()
    report = router.try_online()
    assert report is not None and report.applied == 1 and router.online and heard == [False, True]
    assert router.waiting() == 0
    assert school.services.attendance.sheet(t, held[0]).marks[school.student.id].status_id == present
    router.refresh_replica()
    summary = replicas.replica_summary(path)
    assert summary.marks == 1 and summary.waiting == 0


def test_a_replica_of_an_older_revision_is_rebuilt_not_used(school: School, held: list[int], tmp_path: Path) -> None:
    path = tmp_path / "replica.db"
    replicas.build_replica(school.services.db, school.teacher, path=path)
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0008'")
        conn.execute("INSERT INTO sync_queue (uid, created_at, updated_at, kind, payload, base, user_id, made_at"
                     ") VALUES ('k1', '2026-01-01', '2026-01-01', 'mark', ?, '{}', ?, '2026-01-01')",
                     (json.dumps({"session_id": held[0], "student_id": school.student.id, "status_id": 1,
                                  "participation": None, "remark": None}), school.teacher.id))
    with pytest.raises(replicas.ReplicaUnusable, match="rebuilt"):
        replicas.open_replica(path)
    summary = replicas.build_replica(school.services.db, school.teacher, path=path)
    assert summary.waiting == 1 and summary.revision != "0008"  # the waiting change is carried over


def test_wiping_refuses_while_changes_wait(school: School, held: list[int], tmp_path: Path) -> None:
    path = tmp_path / "replica.db"
    off = _offline(school, path)
    t = school.teacher
    off.attendance.apply(t, [MarkChange(held[0], school.student.id, _status(off, t, "P"))])
    off.db.dispose()
    assert not replicas.wipe_replica(path) and path.exists()
    assert replicas.wipe_replica(path, force=True) and not path.exists()


def test_mark_the_rest_present_offline_never_overwrites_a_mark_made_meanwhile(school: School, held: list[int],
                                                                             tmp_path: Path) -> None:
    off = _offline(school, tmp_path / "replica.db")
    t = school.teacher
    late = _status(school.services, school.admin, "L")
    assert len(off.attendance.mark_rest_present(t, held[0])) == 2
    school.services.attendance.apply(school.admin, [MarkChange(held[0], school.student.id, late)])
    report = push(school.services, off.db, t)
    assert (report.applied, report.same, report.decisions) == (1, 1, 0)
    marks = school.services.attendance.sheet(t, held[0]).marks
    assert marks[school.student.id].status_id == late  # theirs kept, as online
    assert marks[school.other_student.id].status_id == _status(school.services, t, "P")
    off.db.dispose()


def test_the_replica_commits_to_disk_before_a_change_counts_as_saved(school: School, tmp_path: Path) -> None:
    path = tmp_path / "replica.db"
    replicas.build_replica(school.services.db, school.teacher, path=path)
    db = replicas.open_replica(path)
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        db.dispose()


def test_a_session_started_offline_asks_the_server_cheaply(school: School, held: list[int], tmp_path: Path) -> None:
    path = tmp_path / "replica.db"
    replicas.build_replica(school.services.db, school.teacher, path=path)
    down = RoutedServices("postgresql://tracker:x@127.0.0.1:1/nowhere", None, replica_path=path)
    up = RoutedServices(str(school.services.db.url.database), None, replica_path=path)
    try:
        assert not down.server_answers() and not down.online
        assert up.server_answers() and not up.online  # asking changes nothing: try_online switches
    finally:
        down.dispose()
        up.dispose()


def test_a_mark_sent_later_keeps_the_time_it_was_made(school: School, held: list[int], tmp_path: Path) -> None:
    off = _offline(school, tmp_path / "replica.db")
    t = school.teacher
    off.attendance.apply(t, [MarkChange(held[0], school.student.id, _status(off, t, "P"))])
    with off.db.session_factory() as s, s.begin():  # made on the sports field an hour ago
        s.execute(SyncQueue.__table__.update().values(made_at=func.datetime("now", "-1 hour")))
    with read_only(off.db) as s:
        made_at = s.scalar(select(SyncQueue.made_at))
    push(school.services, off.db, t)
    mark = school.services.attendance.sheet(t, held[0]).marks[school.student.id]
    assert mark.recorded_at == made_at and mark.recorded_by == "Tina Teacher"
    off.db.dispose()

"""Persistence and concurrency against a real PostgreSQL server (issue 2, part 2)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, inspect, select, text

from tracker.api import TrackerAPI
from tracker.db.migrate import current_revision, head_revision
from tracker.db.models import (
    ActivityProgress,
    ActivitySession,
    AttendanceRecord,
    AttendanceStatus,
    Base,
    User,
)
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.enums import ProgressStatus, Role
from tracker.errors import AuthError, ConflictError, DatabaseError, PermissionDenied, ValidationError
from tracker.services.people import UserInput

from ..conftest import PASSWORD

pytestmark = pytest.mark.pg


def test_migrations_create_the_whole_schema_on_postgresql(pg_url):
    with TrackerAPI.open(pg_url) as api:
        assert api.db.url.drivername == "postgresql+psycopg"
        assert current_revision(api.db) == head_revision()
        with api.db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        assert set(Base.metadata.tables) | {"alembic_version"} == tables
    with TrackerAPI.open(pg_url) as again:  # re-opening is a no-op: defaults seeded once
        with read_only(again.db) as s:
            codes = s.scalars(select(AttendanceStatus.code).order_by(AttendanceStatus.sort_order)).all()
        assert codes == ["P", "L", "E", "A"]


def test_schema_from_a_newer_program_is_refused(pg_url):
    TrackerAPI.open(pg_url).close()
    from tracker.db.engine import make_engine

    engine = make_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff9999'"))
    engine.dispose()
    with pytest.raises(DatabaseError, match="newer version"):
        TrackerAPI.open(pg_url)


def test_foreign_tables_are_refused(pg_url):
    from tracker.db.engine import make_engine

    engine = make_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE recipes (id serial PRIMARY KEY)"))
    engine.dispose()
    try:
        with pytest.raises(DatabaseError, match="not an Activity Tracker database"):
            TrackerAPI.open(pg_url)
    finally:
        engine = make_engine(pg_url)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE recipes"))
        engine.dispose()


def _add_attendance(api: TrackerAPI, activity_id: int, marks: dict[int, str]) -> None:
    n = max(len(codes) for codes in marks.values())
    start = datetime.now().replace(microsecond=0) - timedelta(days=n + 1)
    with unit_of_work(api.db) as tx:
        s = tx.session
        status = dict(s.execute(select(AttendanceStatus.code, AttendanceStatus.id)).all())
        s.execute(ActivityProgress.__table__.update()
                  .where(ActivityProgress.activity_id == activity_id)
                  .values(enrolled_on=start.date() - timedelta(days=7)))
        sessions = [ActivitySession(activity_id=activity_id, starts_at=start + timedelta(days=i),
                                    ends_at=start + timedelta(days=i, hours=1)) for i in range(n)]
        s.add_all(sessions)
        s.flush()
        for student_id, codes in marks.items():
            for sess, code in zip(sessions, codes, strict=False):
                s.add(AttendanceRecord(session_id=sess.id, student_id=student_id, status_id=status[code]))


def test_facade_flows_work_on_postgresql(school):
    api = TrackerAPI(school.services)
    teacher = api.login("tina", PASSWORD)
    assert teacher.id == school.teacher.id
    assert [a["name"] for a in api.list_activities(teacher)] == ["Chess Club"]
    assert {u["username"] for u in api.find_users(api.login("pat", PASSWORD))} == {"pat", "sam"}

    _add_attendance(api, school.chess, {school.student.id: "PPLA", school.other_student.id: "PAEE"})
    rules = api.create_milestone(teacher, school.chess, title="Rules", points=10)
    game = api.create_milestone(teacher, school.chess, title="Tournament", points=30)
    api.create_milestone(teacher, school.chess, title="Puzzle", required=False)
    assert api.complete_milestone(teacher, rules["id"], school.student.id)["progress_percentage"] == 25.0
    done = api.complete_milestone(teacher, game["id"], school.student.id, notes="Won twice")
    assert done["status"] == "completed"
    api.complete_milestone(teacher, rules["id"], school.other_student.id)
    row = api.update_progress(teacher, school.chess, school.other_student.id, note="Keeps at it")
    assert row["note"] == "Keeps at it" and row["attendance_rate"] == 50.0

    sam = api.get_user_progress(api.login("pat", PASSWORD), school.student.id)[0]
    assert (sam["status"], sam["attendance_rate"], sam["points"]) == ("completed", 75.0, 40)
    assert sam["completed_at"]
    a = api.get_activity_analytics(teacher, school.chess)
    assert (a["enrolled"], a["active"], a["completed"], a["dropped"]) == (2, 1, 1, 0)
    assert (a["completion_rate"], a["average_attendance_rate"], a["average_progress"]) == (50.0, 62.5, 62.5)
    assert [m["completed"] for m in a["milestones"]] == [2, 1, 0]

    with pytest.raises(PermissionDenied):
        api.get_activity_analytics(api.login("otto", PASSWORD), school.chess)
    with pytest.raises(ValidationError):
        api.update_progress(teacher, school.chess, school.student.id, status="dropped")
    api.services.milestones.uncomplete_milestone(teacher, game["id"], school.student.id)
    assert api.get_user_progress(teacher, school.student.id)[0]["status"] == "active"


def test_optimistic_locking_with_two_concurrent_connections(school):
    db = school.services.db
    barrier = threading.Barrier(2, timeout=30)
    outcome: dict[str, str] = {}

    def workstation(name: str, new_name: str, delay_commit: bool) -> None:
        try:
            with unit_of_work(db) as tx:
                user = tx.session.get(User, school.student.id)
                assert user is not None and user.version == 1
                barrier.wait()  # both have read version 1
                if delay_commit:
                    barrier.wait()  # let the other one save first
                user.display_name = new_name
                tx.session.flush()
                if not delay_commit:
                    tx.session.commit()
                    barrier.wait()
            outcome[name] = "saved"
        except ConflictError:
            outcome[name] = "conflict"

    threads = [threading.Thread(target=workstation, args=("first", "Samuel", False)),
               threading.Thread(target=workstation, args=("second", "Sammy", True))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcome == {"first": "saved", "second": "conflict"}
    with read_only(db) as s:
        user = s.get(User, school.student.id)
        assert (user.display_name, user.version) == ("Samuel", 2)


def test_concurrent_writers_blocked_on_the_same_row_get_a_conflict(school):
    """B updates while A's update of the same row is still uncommitted: B waits on the row lock,
    then finds the version changed and reports a conflict instead of overwriting."""
    db = school.services.db
    a_flushed = threading.Event()
    b_result: list[str] = []

    with unit_of_work(db) as a:
        act_a = a.session.get(User, school.teacher.id)

        def second() -> None:
            try:
                with unit_of_work(db) as b:
                    u = b.session.get(User, school.teacher.id)
                    a_flushed.wait(10)
                    u.display_name = "Overwritten?"
            except ConflictError:
                b_result.append("conflict")
            else:
                b_result.append("saved")

        t = threading.Thread(target=second)
        t.start()
        act_a.display_name = "Tina T."
        a.session.flush()  # holds the row lock until commit
        a_flushed.set()
        threading.Event().wait(0.3)  # B is now blocked on the lock
    t.join(30)
    assert b_result == ["conflict"]
    with read_only(db) as s:
        assert s.get(User, school.teacher.id).display_name == "Tina T."


def test_lockout_counter_persists_across_connections(school, pg_url):
    for _ in range(3):
        with TrackerAPI.open(pg_url) as api, pytest.raises(AuthError):
            api.login("tina", "wrong-password")
    with read_only(school.services.db) as s:
        assert s.scalar(select(User.failed_logins).where(User.username == "tina")) == 3
    with TrackerAPI.open(pg_url) as api:
        for _ in range(2):
            with pytest.raises(AuthError):
                api.login("tina", "wrong-password")
    with TrackerAPI.open(pg_url) as other_workstation, pytest.raises(AuthError, match="locked"):
        other_workstation.login("tina", PASSWORD)
    with read_only(school.services.db) as s:
        assert s.scalar(select(User.locked_until).where(User.username == "tina")) is not None


def test_unique_constraints_give_validation_errors(school):
    db = school.services.db
    with pytest.raises(ValidationError):
        with unit_of_work(db) as tx:
            tx.session.add(User(username="sam", display_name="Second Sam", role=Role.STUDENT))
    with pytest.raises(ValidationError):
        with unit_of_work(db) as tx:
            tx.session.add(ActivityProgress(user_id=school.student.id, activity_id=school.chess,
                                            status=ProgressStatus.ACTIVE))
    with pytest.raises(ValidationError):
        school.services.people.create_user(
            school.admin, UserInput("sam2", "Sam Two", Role.STUDENT, student_number="S001"))
    with pytest.raises(ValidationError):  # check constraint
        with unit_of_work(db) as tx:
            tx.session.get(ActivityProgress, 1).progress_percentage = 140
    with read_only(db) as s:
        assert s.scalar(select(func.count(User.id)).where(User.username.like("sam%"))) == 1


def test_two_workstations_signing_in_at_once_both_succeed(school, monkeypatch):
    import tracker.services.auth as auth

    barrier = threading.Barrier(2, timeout=10)
    check = auth.password_matches

    def slow_check(stored, password):
        ok = check(stored, password)
        barrier.wait()
        return ok

    monkeypatch.setattr(auth, "password_matches", slow_check)
    results: list[str] = []

    def sign_in(password: str) -> None:
        try:
            results.append(school.services.auth.login("tina", password).username)
        except AuthError:
            results.append("auth-error")
        except Exception as exc:  # noqa: BLE001
            results.append(type(exc).__name__)

    for password, expected in ((PASSWORD, ["tina", "tina"]), ("wrong-password", ["auth-error"] * 2)):
        results.clear()
        threads = [threading.Thread(target=sign_in, args=(password,)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert results == expected
    with read_only(school.services.db) as s:
        assert s.scalar(select(User.failed_logins).where(User.username == "tina")) == 2

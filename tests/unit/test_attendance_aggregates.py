"""Maintained attendance counts (issue 12, "Analytics in the database"): whatever sequence of
marks, changes, clears, session moves, cancels and restores, status rule changes, drops and
re-enrollments a school goes through, the counts equal a recount from the records, and every
figure read from them equals the figure read from the records themselves (the rates the
dashboards, the completion rule and the analytics show)."""

from __future__ import annotations

import dataclasses
import math
import random
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import and_, case, func, select, true

from tracker import cli
from tracker.db.engine import Database
from tracker.db.models import (
    Activity,
    ActivityProgress,
    ActivitySession,
    AttendanceRecord,
    AttendanceStatus,
    EnrollmentAttendance,
    SessionAttendance,
)
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.enums import Role
from tracker.errors import TrackerError
from tracker.services import Services, stats
from tracker.services.activities import ActivityInput
from tracker.services.analytics_activity import weekly_attendance
from tracker.services.attendance import MarkChange
from tracker.services.attendance_aggregates import Counts, Scope, check, rebuild
from tracker.services.bootstrap import open_database
from tracker.services.people import UserInput
from tracker.services.progress_rows import progress_rows

from ..conftest import School

TODAY = date.today()


def at(days_ago: int, hour: int = 9) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), time(hour))


@dataclass
class Club:
    """An activity with held sessions, one cancelled, one starting in ten minutes (it can be marked
    already but is not held yet) and one next week; four students enrolled on different days, one
    of them in a second activity too."""

    school: School
    activity: int
    other: int  # a second activity of one of the students
    sessions: list[int]  # the club's sessions; the last is the other activity's
    students: list[int]
    codes: dict[str, int]

    @property
    def s(self) -> Services:
        return self.school.services


def make_club(school: School) -> Club:
    s, admin = school.services, school.admin
    act = s.activities.create_activity(admin, ActivityInput("Athletics", lead_ids=[school.teacher.id],
                                                            min_attendance_pct=60)).id
    lou = s.people.create_user(admin, UserInput("lou", "Lou Late", Role.STUDENT, grade="7")).id
    kim = s.people.create_user(admin, UserInput("kim", "Kim Keen", Role.STUDENT, grade="8")).id
    s.enrollment.enroll(admin, act, [school.student.id, school.other_student.id], enrolled_on=TODAY - timedelta(days=30))
    s.enrollment.enroll(admin, act, [lou], enrolled_on=TODAY - timedelta(days=10))
    s.enrollment.enroll(admin, act, [kim], enrolled_on=TODAY - timedelta(days=25))
    cal = s.calendar
    sessions = [cal.add_extra_session(admin, act, at(d), at(d, 10)).id for d in (24, 20, 16, 12, 8, 4, 1)]
    cancelled = cal.add_extra_session(admin, act, at(14), at(14, 10)).id
    cal.cancel_session(admin, cancelled, "Rain")
    soon = datetime.now().replace(microsecond=0) + timedelta(minutes=10)
    sessions += [cancelled, cal.add_extra_session(admin, act, soon, soon + timedelta(hours=1)).id,
                 cal.add_extra_session(admin, act, at(-7), at(-7, 10)).id]
    other = school.chess  # Sam and Olga hold places there too
    sessions.append(cal.add_extra_session(admin, other, at(5), at(5, 10)).id)
    codes = {x.code: x.id for x in s.attendance.statuses(admin)}
    return Club(school, act, other, sessions, [school.student.id, school.other_student.id, lou, kim], codes)


# --------------------------------------------------------------------------- what happens to it

N_SESSIONS, N_STUDENTS = 11, 4
CODES = ("P", "L", "E", "A")
session_i = st.integers(0, N_SESSIONS - 1)
student_i = st.integers(0, N_STUDENTS - 1)
OPS = st.one_of(
    st.tuples(st.just("mark"), session_i, student_i, st.sampled_from(CODES)),
    st.tuples(st.just("mark"), session_i, student_i, st.sampled_from(CODES)),
    st.tuples(st.just("clear"), session_i, student_i),
    st.tuples(st.just("remark"), session_i, student_i),
    st.tuples(st.just("rest"), session_i),
    st.tuples(st.just("move"), session_i, st.integers(-3, 35)),
    st.tuples(st.just("cancel"), session_i),
    st.tuples(st.just("restore"), session_i),
    st.tuples(st.just("rule"), st.sampled_from(CODES), st.booleans(), st.booleans()),
    st.tuples(st.just("drop"), student_i, st.integers(0, 20)),
    st.tuples(st.just("reenroll"), student_i, st.integers(0, 20)),
    st.tuples(st.just("orm"), session_i, student_i, st.sampled_from((*CODES, None))),
)


def apply_op(club: Club, op: tuple[Any, ...]) -> None:
    """One thing a school does, through the services (an ORM write for "orm"); refusals (a
    cancelled session cannot be marked, a marked one cannot be cancelled…) are part of life."""
    s, admin, teacher = club.s, club.school.admin, club.school.teacher
    kind, *args = op
    try:
        if kind in ("mark", "clear", "remark"):
            session, student = club.sessions[args[0]], club.students[args[1]]
            if kind == "remark":
                change = MarkChange(session, student, _stored_status(club, session, student), remark="Noted",
                                    check_version=False)
            else:
                change = MarkChange(session, student, club.codes[args[2]] if kind == "mark" else None,
                                    check_version=False)
            s.attendance.apply(teacher, [change])
        elif kind == "rest":
            s.attendance.mark_rest_present(teacher, club.sessions[args[0]])
        elif kind == "move":
            start = at(args[1], 11)
            s.calendar.move_session(admin, club.sessions[args[0]], start, start + timedelta(hours=1))
        elif kind == "cancel":
            s.calendar.cancel_session(admin, club.sessions[args[0]], "Closed")
        elif kind == "restore":
            s.calendar.restore_session(admin, club.sessions[args[0]])
        elif kind == "rule":
            code, present, in_rate = args
            info = next(x for x in s.attendance.statuses(admin, include_inactive=True) if x.code == code)
            s.attendance.save_status(admin, info.id, code=info.code, label=info.label, colour=info.colour,
                                     counts_as_present=present, counts_in_rate=in_rate)
        elif kind == "drop":
            s.enrollment.drop(admin, club.activity, club.students[args[0]], "Moved away",
                              TODAY - timedelta(days=args[1]))
        elif kind == "reenroll":
            s.enrollment.reenroll(admin, club.activity, club.students[args[0]], TODAY - timedelta(days=args[1]))
        elif kind == "orm":
            _orm_write(club, club.sessions[args[0]], club.students[args[1]], args[2])
    except TrackerError:
        pass


def _stored_status(club: Club, session: int, student: int) -> int | None:
    with read_only(club.s.db) as s:
        return s.scalar(select(AttendanceRecord.status_id).where(
            AttendanceRecord.session_id == session, AttendanceRecord.student_id == student))


def _orm_write(club: Club, session: int, student: int, code: str | None) -> None:
    """A record added, changed or deleted through the ORM (a script, a repair), not the services."""
    with unit_of_work(club.s.db) as tx:
        row = tx.session.scalar(select(AttendanceRecord).where(
            AttendanceRecord.session_id == session, AttendanceRecord.student_id == student))
        if code is None:
            if row is not None:
                tx.session.delete(row)
        elif row is None:
            tx.session.add(AttendanceRecord(session_id=session, student_id=student, status_id=club.codes[code]))
        else:
            row.status_id = club.codes[code]


# --------------------------------------------------------------------------- what must hold


def reference_counts(s: Any, now: datetime) -> dict[tuple[int, int], stats.AttendanceCount]:
    """Present / counted / held per (student, activity) read from the records themselves, as
    every screen computed them before the counts were kept: one join of enrollments, their held
    sessions and the records on them."""
    p, sess, r, status = ActivityProgress, ActivitySession, AttendanceRecord, AttendanceStatus
    in_rate = status.counts_in_rate.is_(True)
    return {(u, a): stats.AttendanceCount(int(here or 0), int(counted or 0), int(held)) for u, a, here, counted, held in s.execute(
        select(p.user_id, p.activity_id,
               func.sum(case((and_(in_rate, status.counts_as_present.is_(True)), 1), else_=0)),
               func.sum(case((in_rate, 1), else_=0)), func.count(sess.id))
        .join(sess, stats.counts_window(now))
        .outerjoin(r, and_(r.session_id == sess.id, r.student_id == p.user_id))
        .outerjoin(status, status.id == r.status_id)
        .group_by(p.user_id, p.activity_id))}


def stored_rows(db: Database) -> dict[tuple[str, int], Counts]:
    """Every stored row with something in it (a row of zeros is the same as none)."""
    out = {}
    with read_only(db) as s:
        for model, key in ((EnrollmentAttendance, EnrollmentAttendance.progress_id),
                           (SessionAttendance, SessionAttendance.session_id)):
            for k, m, c, p in s.execute(select(key, model.marks, model.counted, model.present)):
                if (m, c, p) != (0, 0, 0):
                    out[(model.__tablename__, k)] = Counts(m, c, p)
    return out


def assert_exact(club: Club) -> None:
    """The counts are what a recount says, and every figure read from them is the figure read
    from the records."""
    db, now = club.s.db, datetime.now()
    with read_only(db) as s:
        assert check(s.connection()) == []
        assert stats.attendance_counts(s, now=now) == reference_counts(s, now)
        both = ActivitySession.activity_id.in_([club.activity, club.other])
        assert weekly_attendance(s, both, now) == weekly_attendance(s, both, now, marks=true())
    kept = stored_rows(db)
    with unit_of_work(db) as tx:
        rebuild(tx.session.connection())
    assert stored_rows(db) == kept
    admin = club.school.admin
    school = club.s.analytics.school_analytics(admin, now=now)  # from the enrollments' counts
    assert {r.activity_id: r.average_attendance_rate for r in school.effectiveness} == reference_averages(db, now)
    year = club.s.analytics.school_analytics(admin, start=date(2000, 1, 1), end=date(2100, 1, 1), now=now)
    assert [r.average_attendance_rate for r in year.effectiveness] == [
        r.average_attendance_rate for r in school.effectiveness]  # a range that cuts no mark
    rows = {r.student_id: r for r in club.s.enrollment.roster(admin, club.activity)}  # as a screen shows them
    reference = {u: c for (u, a), c in reference_counts_now(db, now).items() if a == club.activity}
    for student, row in rows.items():
        expected = reference.get(student, stats.AttendanceCount(0, 0, 0))
        assert (row.attendance_rate, row.sessions_held) == (expected.rate, expected.held)


def reference_averages(db: Database, now: datetime) -> dict[int, float | None]:
    """Per activity: the mean of its placed students' rates (those with a rate), from the records."""
    with read_only(db) as s:
        placed = set(s.execute(select(ActivityProgress.user_id, ActivityProgress.activity_id).where(
            ActivityProgress.status.in_(("active", "completed", "dropped")))).all())
        out: dict[int, float | None] = {a: None for a in s.scalars(select(Activity.id))}
        rates: dict[int, list[float]] = {}
        for (u, a), c in reference_counts(s, now).items():
            if (u, a) in placed and c.rate is not None:
                rates.setdefault(a, []).append(c.rate)
    out.update({a: round(math.fsum(v) / len(v), 1) for a, v in rates.items()})
    return out


def reference_counts_now(db: Database, now: datetime) -> dict[tuple[int, int], stats.AttendanceCount]:
    with read_only(db) as s:
        return reference_counts(s, now)


# --------------------------------------------------------------------------- the tests


@pytest.fixture(scope="session")
def club_template(school_template: tuple[Path, School], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Club]:
    """The school with the club, built once; each example works on its own copy of the file."""
    source, school = school_template
    path = tmp_path_factory.mktemp("club-template") / "club.db"
    shutil.copyfile(source, path)
    db, _ = open_database(path)
    try:
        club = make_club(dataclasses.replace(school, services=Services(db)))
    finally:
        db.dispose()
    return path, club


def _copy(template: tuple[Path, Club]) -> Iterator[Club]:
    path, club = template
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "club.db"
        shutil.copyfile(path, target)
        db, _ = open_database(target)
        try:
            yield dataclasses.replace(club, school=dataclasses.replace(club.school, services=Services(db)))
        finally:
            db.dispose()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=1, max_size=14))
def test_any_sequence_of_writes_keeps_the_counts_exact(club_template: tuple[Path, Club], ops) -> None:
    for club in _copy(club_template):
        for op in ops:
            apply_op(club, op)
        assert_exact(club)


def test_each_kind_of_write_moves_the_counts_it_should(club: Club) -> None:
    """A walk through every kind of write, checking after each."""
    steps: list[tuple[Any, ...]] = [
        ("mark", 0, 0, "P"), ("mark", 1, 0, "A"), ("mark", 2, 0, "E"), ("rest", 3), ("mark", 8, 1, "P"),
        ("mark", 3, 1, "A"), ("clear", 3, 2), ("remark", 0, 0), ("rule", "E", False, True),
        ("move", 0, -2), ("move", 0, 26), ("move", 1, 2), ("drop", 0, 15), ("reenroll", 0, 18),
        ("orm", 4, 3, "L"), ("orm", 4, 3, "A"), ("orm", 4, 3, None), ("orm", 10, 0, "P"),
        ("mark", 9, 0, "P"), ("cancel", 9), ("cancel", 7), ("restore", 7), ("rule", "E", False, False),
    ]
    for step in steps:
        apply_op(club, step)
        assert_exact(club)
    with read_only(club.s.db) as s:
        assert s.scalar(select(func.count()).select_from(EnrollmentAttendance)) > 0


def test_marks_of_a_session_not_started_yet_are_left_out_until_it_starts(club: Club) -> None:
    soon = club.sessions[8]  # starts in ten minutes: it can be marked already
    sam = club.students[0]
    club.s.attendance.apply(club.school.teacher, [MarkChange(soon, sam, club.codes["P"])])
    with read_only(club.s.db) as s:
        assert stats.attendance_counts(s)[(sam, club.activity)] == stats.AttendanceCount(0, 0, 7)  # not held yet
        later = datetime.now() + timedelta(minutes=20)
        assert stats.attendance_counts(s, now=later)[(sam, club.activity)] == stats.AttendanceCount(1, 1, 8)
        assert stats.attendance_counts(s, now=later) == reference_counts(s, later)


def test_check_aggregates_reports_differences_and_fixes_them(club: Club, capsys) -> None:
    apply_op(club, ("mark", 0, 0, "P"))
    apply_op(club, ("mark", 1, 0, "A"))
    db = club.s.db
    target = db.url.database if db.is_sqlite else db.url.render_as_string(hide_password=False)
    args = ["check-aggregates", "--db", target]
    assert cli.main(args) == 0  # the command as a user types it
    assert capsys.readouterr().out == "Aggregates OK\n"
    with db.engine.begin() as conn:  # changed behind the application's back
        conn.execute(EnrollmentAttendance.__table__.update().values(present=EnrollmentAttendance.present + 5))
        conn.execute(SessionAttendance.__table__.delete().where(SessionAttendance.session_id == club.sessions[1]))
    assert cli.main(args) == 1
    out = capsys.readouterr().out.splitlines()
    sam = _progress_id(club, club.students[0])
    assert out[0].split() == ["Table", "Key", "Stored", "Recomputed"]
    assert out[1].split() == ["enrollment_attendance", "progress_id", str(sam), *"marks 2, counted 2, present 6".split(),
                              *"marks 2, counted 2, present 1".split()]
    assert out[2].split() == ["session_attendance", "session_id", str(club.sessions[1]),
                              *"marks 0, counted 0, present 0".split(), *"marks 1, counted 1, present 0".split()]
    assert out[3] == "2 differences found. Run again with --fix to rebuild the counts from the records."
    assert cli.main([*args, "--fix"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("the counts were rebuilt from the records. Aggregates OK")
    assert cli.main(args) == 0
    assert_exact(club)


@pytest.fixture
def demo_target(tmp_path: Path) -> str:
    """Where the demo school is generated (tests/pg overrides it with the server)."""
    return str(tmp_path / "demo.db")


def test_a_new_demo_school_carries_exact_counts(demo_target: str) -> None:
    from tracker.demo import DemoOptions, generate_demo

    generate_demo(demo_target, DemoOptions(students=60, seed=5, password="demo-pass-2026"))
    db, _ = open_database(demo_target)
    try:
        with read_only(db) as s:
            assert check(s.connection()) == []
            assert s.scalar(select(func.count()).select_from(EnrollmentAttendance)) > 0
            now = datetime.now()
            assert stats.attendance_counts(s, now=now) == reference_counts(s, now)
    finally:
        db.dispose()


def test_upgrading_an_older_database_counts_what_it_holds(demo_target: str) -> None:
    """Migration 0005 fills the counts of a school that has attendance already (one INSERT …
    SELECT … GROUP BY per table)."""
    from alembic import command

    from tracker.db.migrate import alembic_config, head_revision
    from tracker.demo import DemoOptions, generate_demo

    generate_demo(demo_target, DemoOptions(students=60, seed=7, password="demo-pass-2026"))
    old = Database.connect(demo_target)
    try:
        cfg = alembic_config()
        with old.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0004")  # the school as the previous version left it
    finally:
        old.dispose()
    db, result = open_database(demo_target)
    try:
        assert result is not None and (result.from_revision, result.to_revision) == ("0004", head_revision())
        with read_only(db) as s:
            assert check(s.connection()) == []
            assert s.scalar(select(func.count()).select_from(EnrollmentAttendance)) > 0
            assert s.scalar(select(func.count()).select_from(SessionAttendance)) > 0
            now = datetime.now()
            assert stats.attendance_counts(s, now=now) == reference_counts(s, now)
    finally:
        db.dispose()


def random_ops(rng: random.Random, n: int) -> list[tuple[Any, ...]]:
    """``n`` writes drawn like the hypothesis strategy's, from a seeded generator (for runs that
    keep one database throughout, as on PostgreSQL)."""
    def session() -> int:
        return rng.randrange(N_SESSIONS)

    def student() -> int:
        return rng.randrange(N_STUDENTS)

    makers = [
        lambda: ("mark", session(), student(), rng.choice(CODES)),
        lambda: ("mark", session(), student(), rng.choice(CODES)),
        lambda: ("clear", session(), student()),
        lambda: ("remark", session(), student()),
        lambda: ("rest", session()),
        lambda: ("move", session(), rng.randint(-3, 35)),
        lambda: ("cancel", session()),
        lambda: ("restore", session()),
        lambda: ("rule", rng.choice(CODES), rng.random() < 0.5, rng.random() < 0.7),
        lambda: ("drop", student(), rng.randint(0, 20)),
        lambda: ("reenroll", student(), rng.randint(0, 20)),
        lambda: ("orm", session(), student(), rng.choice((*CODES, None))),
    ]
    return [rng.choice(makers)() for _ in range(n)]


def test_a_date_range_that_leaves_marks_out_counts_the_records_of_the_range(club: Club) -> None:
    for op in (("mark", 0, 0, "A"), ("mark", 6, 0, "P"), ("mark", 6, 1, "P")):  # 24 days ago, yesterday
        apply_op(club, op)
    admin, analytics = club.school.admin, club.s.analytics

    def average(**dates: date) -> float | None:
        return next(r.average_attendance_rate for r in analytics.school_analytics(admin, **dates).effectiveness
                    if r.activity_id == club.activity)

    assert average() == 75.0  # Sam 50 %, Olga 100 %
    assert average(start=TODAY - timedelta(days=30), end=TODAY) == 75.0  # the range holds every mark
    assert average(start=TODAY - timedelta(days=10), end=TODAY) == 100.0  # Sam's absence left out


def test_a_rebuild_in_scope_touches_only_the_rows_named(club: Club) -> None:
    for op in (("mark", 0, 0, "P"), ("mark", 0, 1, "A"), ("mark", 1, 1, "L")):
        apply_op(club, op)
    sam, olga = _progress_id(club, club.students[0]), _progress_id(club, club.students[1])
    db = club.s.db
    with db.engine.begin() as conn:
        conn.execute(EnrollmentAttendance.__table__.update().values(marks=99))
        conn.execute(SessionAttendance.__table__.update().values(present=7))
        rebuild(conn, Scope(enrollments=[sam], sessions=[club.sessions[0]]))
        left = {(d.table, d.key) for d in check(conn)}
    assert left == {("enrollment_attendance", olga), ("session_attendance", club.sessions[1])}
    with db.engine.begin() as conn:
        rebuild(conn)
        assert check(conn) == []


def test_a_long_seeded_sequence_keeps_the_counts_exact_throughout(club: Club) -> None:
    rng = random.Random(12)
    for _ in range(6):
        for op in random_ops(rng, 12):
            apply_op(club, op)
        assert_exact(club)


def _progress_id(club: Club, student: int) -> int:
    with read_only(club.s.db) as s:
        return int(s.scalar(select(ActivityProgress.id).where(
            ActivityProgress.user_id == student, ActivityProgress.activity_id == club.activity)))


@pytest.fixture
def club(school: School) -> Club:
    return make_club(school)


def test_the_counts_are_read_in_one_row_per_enrollment(club: Club) -> None:
    """No read of a rate touches the attendance records (the SQL the dashboard sends)."""
    from sqlalchemy import event

    apply_op(club, ("mark", 0, 0, "P"))
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(club.s.db.engine, "before_cursor_execute", seen)
    try:
        with read_only(club.s.db) as s:
            stats.attendance_counts(s, activity_ids=[club.activity])
        club.s.analytics.school_analytics(club.school.admin)
    finally:
        event.remove(club.s.db.engine, "before_cursor_execute", seen)
    assert statements and not [q for q in statements if "attendance_records" in q]


def test_held_sessions_of_a_period_start_at_midnight_of_the_enrollment_day_and_stop_at_the_drop_day(
        school: School) -> None:
    """The sessions an enrollment counts as held, at the edges of its period (the rule of
    ``counts_window``: on or after the enrollment day's midnight, before the drop day's), as every
    bulk read counts them; the same as a recount from the sessions in SQL."""
    s, admin = school.services, school.admin
    act = s.activities.create_activity(admin, ActivityInput("Night Owls", lead_ids=[school.teacher.id])).id
    start, drop = TODAY - timedelta(days=20), TODAY - timedelta(days=5)
    for when in (datetime.combine(start, time(0)) - timedelta(minutes=1),  # the evening before: not counted
                 datetime.combine(start, time(0)),  # midnight of the enrollment day: counted
                 datetime.combine(start + timedelta(days=7), time(18)),  # counted
                 datetime.combine(drop, time(0)) - timedelta(minutes=1),  # the last minute before the drop day
                 datetime.combine(drop, time(0)),  # midnight of the drop day: not counted
                 datetime.combine(TODAY, time(0)) + timedelta(days=3)):  # not held yet
        s.calendar.add_extra_session(admin, act, when, when + timedelta(minutes=30))
    cancelled = s.calendar.add_extra_session(admin, act, datetime.combine(start, time(9)),
                                             datetime.combine(start, time(10))).id
    s.calendar.cancel_session(admin, cancelled, "Snow")
    s.enrollment.enroll(admin, act, [school.student.id, school.other_student.id], enrolled_on=start)
    s.enrollment.drop(admin, act, school.other_student.id, "Moved away", on_date=drop)
    now = datetime.now()
    with read_only(s.db) as rs:
        counts = stats.attendance_counts(rs, activity_ids=[act], now=now)
        assert counts[(school.student.id, act)].held == 4  # midnight, a week later, both sides of the drop day
        assert counts[(school.other_student.id, act)].held == 3  # not the drop day's midnight
        assert counts == reference_counts(rs, now)
        rows = {r.user_id: r.sessions_held for r in progress_rows(rs, activity_ids=[act])}
        assert rows == {school.student.id: 4, school.other_student.id: 3}

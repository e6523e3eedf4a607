"""Issue 3 on PostgreSQL: enrollment (with two workstations racing for the last place),
sessions from a weekly pattern and the attendance window, .ics round trip, roster import."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tracker.db.models import ActivitySession, AttendanceRecord, AttendanceStatus
from tracker.db.uow import unit_of_work
from tracker.domain.enums import ProgressStatus, Role
from tracker.services import Services
from tracker.services.activities import ActivityInput
from tracker.services.calendar import ScheduleInput
from tracker.services.people import UserInput

from ..conftest import PASSWORD, School

pytestmark = pytest.mark.pg

ROSTER = Path(__file__).resolve().parents[1] / "data" / "roster" / "students.csv"


def _students(school: School, n: int) -> list[int]:
    return [
        school.services.people.create_user(
            school.admin, UserInput(f"pg{i}", f"Pg Student {i}", Role.STUDENT, password=PASSWORD,
                                    student_number=f"PG-{i}")).id
        for i in range(n)
    ]


def test_two_workstations_racing_for_the_last_place_get_one_place_and_one_waitlist(
    school: School, db, monkeypatch
):
    club = school.services.activities.create_activity(
        school.admin, ActivityInput("Robotics", capacity=1, lead_ids=[school.teacher.id])).id
    a, b = _students(school, 2)
    other = Services(type(db).connect(db.url))  # a second workstation: its own engine and pool
    import tracker.services.enrollment as enrollment

    counted = enrollment.places

    def slow_places(session, activity_id):  # type: ignore[no-untyped-def]
        """Widen the race: each transaction waits between counting places and taking one."""
        result = counted(session, activity_id)
        threading.Event().wait(0.5)
        return result

    monkeypatch.setattr(enrollment, "places", slow_places)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def enroll(services: Services, student: int) -> None:
        barrier.wait()
        outcomes.extend(o.outcome for o in services.enrollment.enroll(school.teacher, club, [student]))

    threads = [threading.Thread(target=enroll, args=(school.services, a)),
               threading.Thread(target=enroll, args=(other, b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    other.db.dispose()
    assert sorted(outcomes) == ["enrolled", "waitlisted"]
    roster = school.services.enrollment.roster(school.admin, club)
    assert sorted(r.status.value for r in roster) == ["active", "waitlisted"]


def test_weekly_pattern_makes_sessions_and_only_those_after_enrollment_count(school: School):
    s = school.services
    today = date.today()
    start = today - timedelta(days=28)
    s.calendar.add_schedule(school.teacher, school.chess, ScheduleInput(
        weekdays=[start.weekday()], start_time=time(15, 30), end_time=time(16, 30),
        start_date=start, end_date=today + timedelta(days=28), location="Room 4"))
    sessions = s.calendar.list_sessions(school.teacher, school.chess)
    assert len(sessions) >= 8
    assert all(x.starts_at.time() == time(15, 30) for x in sessions)
    past = [x for x in sessions if x.starts_at < datetime.now()]
    # mark everything Absent for Sam, but Sam enrolled only a week ago: earlier sessions never count
    with unit_of_work(s.db) as tx:
        absent = tx.session.scalar(select(AttendanceStatus.id).where(AttendanceStatus.code == "A"))
        for x in past:
            tx.session.add(AttendanceRecord(session_id=x.id, student_id=school.student.id, status_id=absent))
    s.progress.update_progress(school.admin, school.chess, school.student.id, status="dropped", note="moved")
    s.enrollment.reenroll(school.teacher, school.chess, school.student.id, enrolled_on=today - timedelta(days=7))
    row = next(r for r in s.progress.get_user_progress(school.admin, school.student.id)
               if r.activity_id == school.chess)
    counted = [x for x in past if x.starts_at.date() >= today - timedelta(days=7)]
    assert row.status is ProgressStatus.ACTIVE
    assert row.sessions_held == len(counted)
    assert row.attendance_rate == (0.0 if counted else None)


def test_ics_export_then_import_gives_the_same_sessions(school: School):
    s = school.services
    start = date.today() - timedelta(days=14)
    s.calendar.add_schedule(school.teacher, school.chess, ScheduleInput(
        weekdays=[0, 3], start_time=time(12, 40), end_time=time(13, 20),
        start_date=start, end_date=start + timedelta(days=60)))
    data = s.ical.export_ics(school.teacher, school.chess, tz="Europe/London")
    s.ical.import_ics(school.admin, data, new_activity_name="Chess copy", tz="Europe/London")
    copy = next(a for a in s.activities.list_activities(school.admin) if a.name == "Chess copy")
    original = [(x.starts_at, x.ends_at) for x in s.calendar.list_sessions(school.admin, school.chess)]
    imported = [(x.starts_at, x.ends_at) for x in s.calendar.list_sessions(school.admin, copy.id)]
    assert imported == original
    s.ical.import_ics(school.admin, data, activity_id=copy.id, tz="Europe/London")  # idempotent
    with unit_of_work(s.db) as tx:
        count = len(tx.session.scalars(select(ActivitySession.id).where(ActivitySession.activity_id == copy.id)).all())
    assert count == len(original)


def test_roster_import_is_idempotent_on_postgresql(school: School):
    s = school.services
    first = s.imports.apply(school.admin, ROSTER)
    assert first.created_ids
    again = s.imports.preview(school.admin, ROSTER)
    assert again.ok and not again.changes_anything

"""Shared set-up of the leaderboard, portfolio and transcript tests: students, badges and marks
written the short way (badge rows straight into the database: these tests are about reading
them, not about the badge engine)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from tracker.db.models import Badge, BadgeAward, utcnow
from tracker.domain.enums import Role
from tracker.domain.policy import Actor
from tracker.services import Services
from tracker.services.attendance import MarkChange
from tracker.services.people import UserInput

from ..conftest import PASSWORD, School


def add_student(school: School, username: str, name: str, *activities: int, first: str | None = None,
                last: str | None = None) -> Actor:
    """A student with a password, enrolled (active) in the activities given."""
    s = school.services
    info = s.people.create_user(school.admin, UserInput(username, name, Role.STUDENT, password=PASSWORD,
                                                        first_name=first, last_name=last))
    for activity in activities:
        s.progress.update_progress(school.admin, activity, info.id, status="active")
    return Actor(info.id, info.username, info.display_name, info.role)


def award(services: Services, student_id: int, points: int, activity_id: int | None, *, name: str = "Badge",
          revoked: bool = False) -> int:
    """A badge worth ``points`` held by the student, earned in ``activity_id``; returns the award id."""
    with services.db.session_factory() as s, s.begin():
        badge = Badge(name=name, points=points, activity_id=activity_id)
        s.add(badge)
        s.flush()
        row = BadgeAward(badge_id=badge.id, student_id=student_id, activity_id=activity_id,
                         revoked_at=utcnow() if revoked else None)
        s.add(row)
        s.flush()
        return row.id


def milestone_done(school: School, activity_id: int, student_id: int, title: str, points: int,
                   notes: str = "") -> int:
    """A milestone worth ``points`` (plus an open one that keeps the activity from completing),
    ticked off for the student."""
    s = school.services
    m = s.milestones.create_milestone(school.admin, activity_id, title=title, points=points)
    s.milestones.complete_milestone(school.admin, m.id, student_id, notes=notes)
    return m.id


def mark_present(school: School, activity_id: int, student_ids: list[int]) -> None:
    """One session that began earlier today, the students marked present."""
    s = school.services
    start = max(datetime.now() - timedelta(minutes=30), datetime.combine(datetime.now().date(), time(0, 1)))
    session = s.calendar.add_extra_session(school.admin, activity_id, start, start + timedelta(minutes=10))
    present = next(st for st in s.attendance.statuses(school.admin) if st.code == "P")
    s.attendance.apply(school.admin, [MarkChange(session.id, sid, present.id, check_version=False)
                                      for sid in student_ids])

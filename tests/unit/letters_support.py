"""The letters' school (tests of the service and of the dialog): Sam at risk in Chess Club."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import update

from tracker.db.models import ActivityProgress
from tracker.services.attendance import MarkChange

from ..conftest import School


def mark(school: School, activity_id: int, codes: dict[int, str], days_ago: int) -> None:
    """One session ``days_ago`` days back, each student marked with the status code given."""
    s = school.services
    start = datetime.combine(date.today() - timedelta(days=days_ago), time(15))
    session = s.calendar.add_extra_session(school.admin, activity_id, start, start + timedelta(hours=1))
    status = {st.code: st.id for st in s.attendance.statuses(school.admin)}
    s.attendance.apply(school.admin, [MarkChange(session.id, sid, status[code], check_version=False)
                                      for sid, code in codes.items()])


def at_risk_in_chess(school: School) -> School:
    """Chess Club: Sam misses three of four sessions (at risk), Olga is there every time; one
    milestone due, done by Olga only, and an optional one nobody did."""
    s, sam, olga = school.services, school.student.id, school.other_student.id
    with s.db.session_factory() as session, session.begin():  # enrolled a month ago: past sessions count
        session.execute(update(ActivityProgress).where(ActivityProgress.activity_id == school.chess)
                        .values(enrolled_on=date.today() - timedelta(days=30)))
    due = s.milestones.create_milestone(school.admin, school.chess, title="Opening principles",
                                        due_date=date(2031, 11, 3))
    s.milestones.create_milestone(school.admin, school.chess, title="Endgame puzzles", required=False)
    s.milestones.create_milestone(school.admin, school.chess, title="Checkmate in two")
    s.milestones.complete_milestone(school.admin, due.id, olga)
    for n, sam_code in enumerate(["P", "A", "A", "A"]):
        mark(school, school.chess, {sam: sam_code, olga: "P"}, days_ago=10 - n)
    return school

"""Shared set-up of the badge tests (rules, engine, service; SQLite and PostgreSQL): past sessions
a student was enrolled for, marks, ticks, badges, and who holds what, read straight from the
database."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select, update

from tests.conftest import School
from tracker.db.models import ActivityProgress, BadgeAward
from tracker.db.uow import read_only
from tracker.domain.badge_rules import Criterion
from tracker.domain.policy import Actor
from tracker.services import Services
from tracker.services.attendance import MarkChange
from tracker.services.badges import BadgeInfo, BadgeInput


def last_month(day: int) -> date:
    """A day of the previous calendar month (a month that has ended)."""
    first = date.today().replace(day=1)
    return (first - timedelta(days=1)).replace(day=day)


def enrolled_since(services: Services, activity_id: int, day: date, *student_ids: int) -> None:
    """Move the students' enrollment back to ``day`` (before any mark exists: the maintained
    counts are still zero), so that sessions since then count for them."""
    with services.db.engine.begin() as conn:
        conn.execute(update(ActivityProgress)
                     .where(ActivityProgress.activity_id == activity_id, ActivityProgress.user_id.in_(student_ids))
                     .values(enrolled_on=day, version=ActivityProgress.version + 1))


def sessions_on(school: School, activity_id: int, days: list[date]) -> list[int]:
    """A session at 15:00 on each day, made by the admin."""
    s = school.services
    return [s.calendar.add_extra_session(school.admin, activity_id, datetime.combine(d, time(15)),
                                         datetime.combine(d, time(16))).id for d in days]


def status_ids(school: School) -> dict[str, int]:
    return {st.code: st.id for st in school.services.attendance.statuses(school.admin)}


def mark(school: School, session_id: int, student_id: int, code: str | None, actor: Actor | None = None) -> None:
    """Mark (or with None clear) one cell, whatever is stored."""
    status = None if code is None else status_ids(school)[code]
    school.services.attendance.apply(actor or school.admin,
                                     [MarkChange(session_id, student_id, status, check_version=False)])


def make_badge(school: School, name: str, criterion: Criterion, activity_id: int | None = None, *,
               actor: Actor | None = None, points: int = 0, award_existing: bool = False) -> BadgeInfo:
    return school.services.badges.save(actor or school.admin,
                                       BadgeInput(name, activity_id=activity_id, criterion=criterion, points=points),
                                       award_existing=award_existing)


def holders(services: Services, badge_id: int) -> set[int]:
    """Students holding the badge (not revoked)."""
    with read_only(services.db) as s:
        return set(s.scalars(select(BadgeAward.student_id).where(BadgeAward.badge_id == badge_id,
                                                                 BadgeAward.revoked_at.is_(None))))


def award_rows(services: Services, badge_id: int, student_id: int) -> int:
    """How many award rows (revoked or not) the student has of the badge."""
    with read_only(services.db) as s:
        return s.scalar(select(func.count()).select_from(BadgeAward).where(
            BadgeAward.badge_id == badge_id, BadgeAward.student_id == student_id)) or 0


def earned_in(services: Services, badge_id: int, student_id: int) -> int | None:
    with read_only(services.db) as s:
        return s.scalar(select(BadgeAward.activity_id).where(BadgeAward.badge_id == badge_id,
                                                             BadgeAward.student_id == student_id))

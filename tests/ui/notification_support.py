"""Notifications put straight into a test school's database (what the rules would raise), for the
inbox, tray and settings widget tests: the widgets are tested, not the rules."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import School
from tracker.db.models import Notification, utcnow
from tracker.db.uow import unit_of_work
from tracker.domain.policy import Actor


def notify(school: School, to: Actor, kind: str, title: str, *, body: str = "", student: Actor | None = None,
           activity_id: int | None = None, read: bool = False, minutes_ago: int = 0) -> int:
    """One notification in ``to``'s inbox; its id."""
    at = utcnow() - timedelta(minutes=minutes_ago)
    with unit_of_work(school.services.db) as tx:
        row = Notification(user_id=to.id, kind=kind, title=title, body=body,
                           student_id=student.id if student else None, activity_id=activity_id,
                           read_at=at if read else None, count=1)
        row.created_at = at
        tx.session.add(row)
        tx.session.flush()
        return row.id

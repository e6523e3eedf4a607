"""Opening a database: migrate, wire the message bus, make sure the default reference rows exist.

``bootstrap(db)`` is the one place where domain events meet their handlers and after-commit jobs
meet theirs (the "cosmic python" bootstrap). Adding a side effect is one function plus one line in
``EVENT_HANDLERS`` (in the transaction) or ``AFTER_COMMIT_JOBS`` (files, deliveries: after the
commit, retried until done). Tests can bootstrap with no handlers or with the ones they choose.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.engine import URL

from tracker.db.engine import Database
from tracker.db.messagebus import EventHandler, JobHandler, MessageBus
from tracker.db.migrate import MigrationResult, ensure_schema
from tracker.db.models import AttendanceStatus, RubricLevel
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.events import (
    ActivityCompleted,
    AttendanceChanged,
    BadgeAwarded,
    CompletionReverted,
    Event,
    MilestoneCompletionChanged,
    MilestoneSetChanged,
    MilestonesTicked,
    ProgressOverridden,
    SkillAssessed,
)
from tracker.services import badge_engine, certificates, email_background, email_outbox, recompute
from tracker.services import notification_rules as notify

#: in-transaction side effects: event type -> handlers, run in this order
EVENT_HANDLERS: dict[type[Event], list[EventHandler]] = {
    MilestoneCompletionChanged: [recompute.on_milestone_changed, badge_engine.on_milestone_changed,
                                 notify.on_milestone_changed],
    MilestonesTicked: [recompute.on_milestones_ticked, badge_engine.on_milestones_ticked,
                       notify.on_milestones_ticked],
    MilestoneSetChanged: [recompute.on_milestone_set_changed, badge_engine.on_milestone_set_changed],
    AttendanceChanged: [recompute.on_attendance_changed, badge_engine.on_attendance_changed,
                        notify.on_attendance_changed],
    # notify after certificates: "certificate ready" follows the certificate issued on completion
    ActivityCompleted: [certificates.on_activity_completed, badge_engine.on_activity_completed,
                        notify.on_activity_completed],
    SkillAssessed: [badge_engine.on_skill_assessed],
    CompletionReverted: [certificates.on_completion_reverted],
    BadgeAwarded: [notify.on_badge_awarded],
    ProgressOverridden: [notify.on_progress_overridden],
}

#: after-commit work on the outside world: job kind -> handler(db, payload)
AFTER_COMMIT_JOBS: dict[str, JobHandler] = {
    certificates.WRITE_JOB: certificates.write_certificate_job,
    email_outbox.SEND_JOB: email_background.send_email_job,  # only wakes the background sender
}


def bootstrap(
    db: Database,
    *,
    handlers: Mapping[type[Event], Sequence[EventHandler]] | None = None,
    jobs: Mapping[str, JobHandler] | None = None,
) -> MessageBus:
    """Give the database its message bus: the tables above, or the ones a test passes."""
    bus = MessageBus(EVENT_HANDLERS if handlers is None else handlers,
                     AFTER_COMMIT_JOBS if jobs is None else jobs)
    db.bus = bus
    return bus

DEFAULT_STATUSES = (
    # code, label, counts as present, counts in rate, colour (Okabe-Ito, colour-blind safe)
    ("P", "Present", True, True, "#009E73"),
    ("L", "Late", True, True, "#E69F00"),
    ("E", "Excused", False, False, "#56B4E9"),
    ("A", "Absent", False, True, "#D55E00"),
)

DEFAULT_RUBRIC = (
    (1, "Beginning", "Starting to show the skill with help."),
    (2, "Developing", "Shows the skill sometimes, with some help."),
    (3, "Proficient", "Shows the skill reliably on their own."),
    (4, "Advanced", "Shows the skill confidently and helps others."),
)


def seed_defaults(db: Database) -> None:
    """Insert the default attendance statuses and rubric once (idempotent). Checked with a read
    first, so that opening a database in use never waits for another writer."""
    with read_only(db) as s:
        if s.scalar(select(func.count(AttendanceStatus.id))) and s.scalar(
                select(func.count(RubricLevel.id)).where(RubricLevel.skill_id.is_(None))):
            return
    with unit_of_work(db) as tx:
        s = tx.session
        if not s.scalar(select(func.count(AttendanceStatus.id))):
            for order, (code, label, present, in_rate, colour) in enumerate(DEFAULT_STATUSES):
                s.add(AttendanceStatus(code=code, label=label, counts_as_present=present,
                                       counts_in_rate=in_rate, colour=colour, sort_order=order))
        if not s.scalar(select(func.count(RubricLevel.id)).where(RubricLevel.skill_id.is_(None))):
            for level, name, text in DEFAULT_RUBRIC:
                s.add(RubricLevel(skill_id=None, level=level, name=name, description=text))


def open_database(
    path_or_url: str | os.PathLike[str] | URL | None = None, *, migrate: bool = True
) -> tuple[Database, MigrationResult | None]:
    db = Database.connect(path_or_url)
    bootstrap(db)
    result = None
    if migrate:
        try:
            result = ensure_schema(db)
            if not db.read_only:
                seed_defaults(db)
        except BaseException:
            db.dispose()
            raise
    return db, result

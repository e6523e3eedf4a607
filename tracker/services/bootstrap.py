"""Opening a database: migrate, then make sure the default reference rows exist."""

from __future__ import annotations

import os

from sqlalchemy import func, select
from sqlalchemy.engine import URL

from tracker.db.engine import Database
from tracker.db.migrate import MigrationResult, ensure_schema
from tracker.db.models import AttendanceStatus, RubricLevel
from tracker.db.uow import unit_of_work

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
    """Insert the default attendance statuses and rubric once (idempotent)."""
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
    result = None
    if migrate:
        try:
            result = ensure_schema(db)
            seed_defaults(db)
        except BaseException:
            db.dispose()
            raise
    return db, result

"""Benchmark ``badge_rules_2000``: creating a badge with "award to everyone who already qualifies"
on the 2,000-student demo school, for several kinds of criterion (bar: ≤ 1 s each).

Each figure is ``BadgeService.save(award_existing=True)`` as the administrator (validation, the
badge row, the measuring query over every enrollment concerned, the awards and the audit), the
median of the repeats, each repeat a new badge on the same copy of the demo database. Floor: a
bare Core executemany INSERT of as many award rows, in its own transaction, same engine."""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

BAR_S = 1.0


def _cases(largest: int, skill: int) -> list[tuple[str, Any, int | None]]:
    from tracker.domain.badge_rules import Criterion
    from tracker.domain.badge_rules import CriterionKind as K

    term = date.today() - timedelta(weeks=10)
    return [
        ("milestones", Criterion(K.MILESTONES, count=3), largest),
        ("points", Criterion(K.POINTS, points=50), None),
        ("attendance_rate", Criterion(K.ATTENDANCE_RATE, percent=90, min_sessions=10), None),
        ("attendance_rate_period", Criterion(K.ATTENDANCE_RATE, percent=90, start=term,
                                             end=term + timedelta(weeks=6)), largest),
        ("attendance_streak", Criterion(K.ATTENDANCE_STREAK, count=10), largest),
        ("attendance_streak_any", Criterion(K.ATTENDANCE_STREAK, count=15), None),
        ("perfect_month_any", Criterion(K.PERFECT_MONTH, min_sessions=4), None),
        ("activity_completed_any", Criterion(K.ACTIVITY_COMPLETED), None),
        ("activities_completed", Criterion(K.ACTIVITIES_COMPLETED, count=2), None),
        ("skill_level", Criterion(K.SKILL_LEVEL, skill_id=skill, level=3), None),
    ]


def bench_badge_rules_2000(repeat: int, students: int) -> None:
    from sqlalchemy import delete, func, insert, select

    from tests.perf.run import DEMO_PASSWORD, _largest_activity, demo_db, emit
    from tracker.db.models import BadgeAward, Skill, new_salt, new_uid, utcnow
    from tracker.services import Services
    from tracker.services.badges import BadgeInput
    from tracker.services.bootstrap import open_database

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.db"
        shutil.copyfile(demo_db(students), path)
        db, _ = open_database(path)
        services = Services(db)
        admin = services.auth.login("admin", DEMO_PASSWORD)
        largest = _largest_activity(db)
        with db.engine.connect() as conn:
            skill = conn.execute(select(Skill.id).where(Skill.name == "Teamwork")).scalar_one()
            enrollments = conn.execute(select(func.count()).select_from(BadgeAward.metadata.tables["activity_progress"])
                                       ).scalar_one()
        table = BadgeAward.__table__
        for name, criterion, activity in _cases(largest, skill):
            values, floors, awarded = [], [], 0
            for n in range(max(1, repeat)):
                start = time.perf_counter()
                info = services.badges.save(admin, BadgeInput(f"{name} {n}", activity_id=activity,
                                                              criterion=criterion), award_existing=True)
                values.append(time.perf_counter() - start)
                awarded = info.newly_awarded
                with db.engine.begin() as conn:  # the same awards again, written the bare way
                    holders = list(conn.execute(select(table.c.student_id)  # type: ignore[attr-defined]
                                                .where(table.c.badge_id == info.id)).scalars())  # type: ignore[attr-defined]
                    conn.execute(delete(table).where(table.c.badge_id == info.id))  # type: ignore[attr-defined]
                rows = [{"uid": new_uid(), "created_at": utcnow(), "updated_at": utcnow(), "badge_id": info.id,
                         "student_id": student, "awarded_at": utcnow(), "evidence": "", "note": "",
                         "salt": new_salt()} for student in holders]
                start = time.perf_counter()
                with db.engine.begin() as conn:
                    if rows:
                        conn.execute(insert(table), rows)
                floors.append(time.perf_counter() - start)
                with db.engine.begin() as conn:
                    conn.execute(delete(table).where(table.c.badge_id == info.id))  # type: ignore[attr-defined]
            emit(f"badge_rules_2000.{name}", statistics.median(values), "s", statistics.median(floors),
                 students=students, enrollments=enrollments, awarded=awarded, bar_s=BAR_S,
                 within_bar=statistics.median(values) <= BAR_S,
                 floor_is="a bare Core executemany INSERT of as many award rows (own transaction)")
        db.dispose()

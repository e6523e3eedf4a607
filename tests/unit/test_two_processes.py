"""Two real processes writing one SQLite file at once (two workstations, or the GUI and the CLI):
check-then-write transactions are serialised, so a capacity is never overrun and a tick that
raced another tick is simply a tick."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import School
from tracker.db.models import ActivityProgress, UserMilestone
from tracker.db.uow import read_only
from tracker.domain.enums import ProgressStatus, Role
from tracker.services.activities import ActivityInput
from tracker.services.people import UserInput

ROUNDS = 8


def _worker(db_path: str, op: str, actor_id: int, args: tuple[int, ...], start, out) -> None:  # type: ignore[no-untyped-def]
    """In a process of its own: open the file, wait for the other one, then write."""
    from tracker.domain.policy import Actor
    from tracker.services import Services
    from tracker.services.bootstrap import open_database

    db, _ = open_database(db_path)
    services = Services(db)
    with read_only(db) as s:
        from tracker.db.models import User

        u = s.get(User, actor_id)
        actor = Actor(u.id, u.username, u.display_name, u.role)
    start.wait(20)
    try:
        if op == "enroll":
            activity_id, student_id = args
            result = services.enrollment.enroll(actor, activity_id, [student_id])[0].outcome
        else:
            milestone_id, student_id = args
            services.milestones.complete_milestone(actor, milestone_id, student_id)
            result = "ticked"
        out.put(result)
    except Exception as exc:  # noqa: BLE001 - the parent asserts on it
        out.put(f"{type(exc).__name__}: {exc}")
    finally:
        db.dispose()


def _race(db_path: Path, jobs: list[tuple[str, int, tuple[int, ...]]]) -> list[str]:
    ctx = mp.get_context("spawn")
    start = ctx.Barrier(len(jobs))
    out = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(str(db_path), op, actor, args, start, out)) for op, actor, args in jobs]
    for p in procs:
        p.start()
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(30)
    return sorted(results)


@pytest.fixture
def rounds(school: School) -> list[tuple[int, int, int]]:
    """ROUNDS activities with one free place each, and two students for each."""
    s = school.services
    made = []
    for i in range(ROUNDS):
        aid = s.activities.create_activity(
            school.admin, ActivityInput(f"Club {i}", lead_ids=[school.teacher.id], capacity=1)).id
        a, b = (s.people.create_user(school.admin, UserInput(f"st{i}{x}", f"Student {i}{x}", Role.STUDENT)).id
                for x in "ab")
        made.append((aid, a, b))
    return made


def test_two_processes_never_both_take_the_last_place(school: School, db_path: Path, rounds) -> None:
    for aid, a, b in rounds:
        outcomes = _race(db_path, [("enroll", school.teacher.id, (aid, a)), ("enroll", school.admin.id, (aid, b))])
        assert outcomes == ["enrolled", "waitlisted"], outcomes
    with read_only(school.services.db) as s:
        taken = s.execute(select(ActivityProgress.activity_id, func.count()).where(
            ActivityProgress.activity_id.in_([r[0] for r in rounds]),
            ActivityProgress.status == ProgressStatus.ACTIVE).group_by(ActivityProgress.activity_id)).all()
    assert sorted(n for _, n in taken) == [1] * ROUNDS


def test_two_teachers_ticking_the_same_milestone_at_once_both_succeed(school: School, db_path: Path) -> None:
    s = school.services
    s.activities.update_activity(school.admin, school.chess, ActivityInput(
        "Chess Club", lead_ids=[school.teacher.id], co_lead_ids=[school.other_teacher.id]))
    for i in range(4):
        m = s.milestones.create_milestone(school.admin, school.chess, title=f"Step {i}")
        outcomes = _race(db_path, [("tick", school.teacher.id, (m.id, school.student.id)),
                                   ("tick", school.other_teacher.id, (m.id, school.student.id))])
        assert outcomes == ["ticked", "ticked"], outcomes
        with read_only(s.db) as session:
            assert session.scalar(select(func.count()).select_from(UserMilestone).where(
                UserMilestone.milestone_id == m.id)) == 1

"""Shared fixtures. Qt runs offscreen; every test gets a fresh temporary SQLite database."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# the support log of every test run (subprocesses included) goes to a throwaway folder
os.environ.setdefault("TRACKER_LOG_DIR", __import__("tempfile").mkdtemp(prefix="tracker-test-logs-"))
# a workstation's own /etc/xdg/ActivityTracker/activity-tracker.toml must not steer the tests
os.environ.setdefault("TRACKER_SYSTEM_CONFIG", os.path.join(os.environ["TRACKER_LOG_DIR"], "no-such-config.toml"))

from collections.abc import Callable, Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import IO  # noqa: E402

import pytest  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402

import tracker.services.auth as auth_module  # noqa: E402
from tracker.db.engine import Database  # noqa: E402
from tracker.domain.enums import Role  # noqa: E402
from tracker.domain.policy import Actor  # noqa: E402
from tracker.services import Services  # noqa: E402
from tracker.services.activities import ActivityInput  # noqa: E402
from tracker.services.bootstrap import open_database  # noqa: E402
from tracker.services.people import UserInput  # noqa: E402

PASSWORD = "correct-horse"

# argon2id at production cost takes ~0.1 s a hash; tests hash with the same algorithm at minimal
# cost (tests/unit/test_auth.py checks the production parameters with `real_hasher`).
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PRODUCTION_HASHER = auth_module._hasher


#: where a test worker that crashes (a segfault inside Qt, say) leaves every thread's Python stack:
#: xdist loses a dead worker's stderr, and .ci/run prints these files when the tests fail
CRASH_LOGS = Path(__file__).resolve().parents[1] / ".test-crashes"
_CRASH_LOG = pytest.StashKey[IO[str]]()


@pytest.hookimpl(trylast=True)  # after pytest's own faulthandler plugin, which writes to stderr
def pytest_configure(config: pytest.Config) -> None:
    import faulthandler

    CRASH_LOGS.mkdir(exist_ok=True)
    log = (CRASH_LOGS / f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log").open("w")
    faulthandler.enable(file=log, all_threads=True)
    config.stash[_CRASH_LOG] = log  # kept open (and alive) for as long as the worker runs


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth_module, "_hasher", CHEAP_HASHER)


@pytest.fixture
def real_hasher(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    monkeypatch.setattr(auth_module, "_hasher", PRODUCTION_HASHER)
    return PRODUCTION_HASHER


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "school.db"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database, _ = open_database(db_path)
    yield database
    database.dispose()


@pytest.fixture
def services(db: Database) -> Services:
    return Services(db)


@dataclass
class School:
    """A small school: one of each role, two activities, a parent linked to one student."""

    services: Services
    admin: Actor
    teacher: Actor
    other_teacher: Actor
    student: Actor
    other_student: Actor
    parent: Actor
    chess: int  # led by teacher; student and other_student enrolled
    drama: int  # led by other_teacher; other_student enrolled


@pytest.fixture
def school(services: Services) -> School:
    return build_school(services)


def build_school(services: Services) -> School:
    """The small school of the `school` fixture (also used to build a reusable template)."""
    s = services
    admin = s.auth.create_first_admin("admin", PASSWORD, "Ada Admin")

    def make(username: str, name: str, role: Role, **kw: str) -> Actor:
        info = s.people.create_user(admin, UserInput(username, name, role, password=PASSWORD, **kw))
        return Actor(info.id, info.username, info.display_name, info.role)

    teacher = make("tina", "Tina Teacher", Role.TEACHER)
    other_teacher = make("otto", "Otto Other", Role.TEACHER)
    student = make("sam", "Sam Student", Role.STUDENT, grade="7", class_name="7B", student_number="S001")
    other = make("olga", "Olga Other", Role.STUDENT, grade="8", class_name="8A", student_number="S002")
    parent = make("pat", "Pat Parent", Role.PARENT)
    s.people.link_guardian(admin, parent.id, student.id)
    chess = s.activities.create_activity(admin, ActivityInput("Chess Club", lead_ids=[teacher.id]))
    drama = s.activities.create_activity(admin, ActivityInput("Drama", lead_ids=[other_teacher.id]))
    s.progress.update_progress(admin, chess.id, student.id, status="active")
    s.progress.update_progress(admin, chess.id, other.id, status="active")
    s.progress.update_progress(admin, drama.id, other.id, status="active")
    return School(s, admin, teacher, other_teacher, student, other, parent, chess.id, drama.id)


@pytest.fixture
def held(school: School) -> list[int]:
    """Three past weekly sessions of Chess Club, its students enrolled two months ago (marks can
    be made in every one of them): the offline tests' sessions (unit, ui and pg)."""
    from datetime import datetime, timedelta

    from sqlalchemy import update

    from tracker.db.models import ActivityProgress

    with school.services.db.session_factory() as s, s.begin():
        s.execute(update(ActivityProgress).values(enrolled_on=datetime.now().date() - timedelta(days=60)))
    start = datetime.now().replace(hour=15, minute=30, second=0, microsecond=0) - timedelta(days=21)
    return [school.services.calendar.add_extra_session(school.admin, school.chess, start + timedelta(days=7 * i),
                                                       start + timedelta(days=7 * i, hours=1)).id
            for i in range(3)]


def server_down(school: School, monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Make the "server" (the ``school`` file, standing in for a shared database) refuse
    attendance writes and probes as if the network were cut; returns a function that brings it
    back. A replica's own writes still work (the offline tests)."""
    from tracker.errors import ServerUnreachable

    server_apply = type(school.services.attendance).apply

    def down(self, *a, **kw):  # type: ignore[no-untyped-def]
        if self.db is school.services.db:
            raise ServerUnreachable("The connection to the database server was lost.")
        return server_apply(self, *a, **kw)

    monkeypatch.setattr(type(school.services.attendance), "apply", down)
    monkeypatch.setattr("tracker.offline.router.reachable", lambda db: db is not school.services.db)

    def back() -> None:
        monkeypatch.setattr(type(school.services.attendance), "apply", server_apply)
        monkeypatch.setattr("tracker.offline.router.reachable", lambda db: True)
    return back

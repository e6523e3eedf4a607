"""Shared fixtures for widget tests of offline work (issue 17): the small ``school`` SQLite file
stands in for the school's server, with a replica built for its teacher.

Use in a test module: ``routed, routed_ctx = offline_support.routed, offline_support.routed_ctx``
(or import them by name with ``# noqa: F401, F811``); ``held`` (three past sessions of Chess Club)
is a fixture of tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import School, server_down  # noqa: F401 - server_down: used by importers
from tracker.offline import replica as replicas
from tracker.offline.router import RoutedServices
from tracker.services import Services
from tracker.services.attendance_types import MarkChange
from ui.context import AppContext
from ui.events import EventBus
from ui.tasks import TaskRunner


@pytest.fixture
def routed(school: School, held: list[int], tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[RoutedServices]:
    """A router over the ``school`` file (online), with a replica for ``school.teacher`` (who is
    its actor) holding Chess Club and its three past sessions. Replicas live in ``tmp_path``."""
    monkeypatch.setenv("TRACKER_OFFLINE_DIR", str(tmp_path / "offline"))
    target = str(school.services.db.url.database)
    path = replicas.replica_path(target)
    replicas.build_replica(school.services.db, school.teacher, path=path)
    router = RoutedServices(target, school.services, replica_path=path)
    router.actor = school.teacher
    yield router
    if router.replica is not None:
        router.replica.db.dispose()


@pytest.fixture
def routed_ctx(qapp, routed: RoutedServices, school: School) -> Iterator[AppContext]:  # type: ignore[no-untyped-def]
    """An AppContext whose services is the router, signed in as the teacher."""
    ctx = AppContext(services=routed, events=EventBus(), tasks=TaskRunner(), actor=school.teacher,
                     db_description=school.services.db.describe())
    yield ctx
    ctx.tasks.cancel_all()
    ctx.tasks.wait(10_000)
    import gc

    gc.collect(0)


def status_id(services: Services, school: School, code: str) -> int:
    """The id of an attendance status by its code ("P", "A", "L"…)."""
    return next(st.id for st in services.attendance.statuses(school.teacher) if st.code == code)


def mark_offline(router: RoutedServices, school: School, held: list[int], count: int = 2) -> None:
    """Take the router offline and make ``count`` marks there (so ``count`` changes wait)."""
    router.go_offline()
    present = status_id(router, school, "P")
    cells = [(s, st) for s in held for st in (school.student.id, school.other_student.id)][:count]
    router.attendance.apply(school.teacher, [MarkChange(s, st, present) for s, st in cells])

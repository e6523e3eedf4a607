"""Unit-test helpers: a school template so that the suite stays fast.

The cheap argon2id hasher (and `real_hasher`) live in tests/conftest.py.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

import tracker.services.auth as auth_module
from tracker.services import Services
from tracker.services.bootstrap import open_database

from ..conftest import CHEAP_HASHER, School, build_school

# Building the small school takes a dozen transactions; most unit tests need it. It is built
# once per test process and each test gets its own copy of the file (still a fresh database).


@pytest.fixture(scope="session")
def school_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, School]:
    path = tmp_path_factory.mktemp("school-template") / "school.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(auth_module, "_hasher", CHEAP_HASHER)
        db, _ = open_database(path)
        try:
            template = build_school(Services(db))
        finally:
            db.dispose()  # the last connection checkpoints the WAL into the file
    return path, template


@pytest.fixture
def db_path(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    path = tmp_path / "school.db"
    if "school" in request.fixturenames:
        template, _ = request.getfixturevalue("school_template")
        shutil.copyfile(template, path)
    return path


@pytest.fixture
def school(services: Services, school_template: tuple[Path, School]) -> School:
    """The same school as tests/conftest.py's fixture, copied from the template."""
    return dataclasses.replace(school_template[1], services=services)

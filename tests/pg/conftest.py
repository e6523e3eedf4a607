"""PostgreSQL persistence tests: they run when TRACKER_PG_URL names a database to wipe.

    TRACKER_PG_URL=postgresql://tracker:tracker@127.0.0.1:55432/tracker_test make test-pg

`.ci/start-postgres.sh` starts a throwaway cluster and prints that URL. Without the variable
these tests are not collected at all (the project allows no skipped tests). Every test starts on
an empty schema: all tables are dropped, then the façade opens the URL and migrates.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import MetaData, make_url, text

from tracker.db.engine import Database, make_engine
from tracker.db.models import Base
from tracker.services.bootstrap import open_database

from .outage import ClusterSwitch, ProxySwitch, make_switch

PG_URL = os.environ.get("TRACKER_PG_URL", "").strip()

if not PG_URL:
    collect_ignore_glob = ["test_*.py"]


def worker_url(base: str) -> str:
    """Under pytest-xdist each worker gets its own schema, so that workers never wipe each
    other's tables; a plain run uses the database as given."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return base
    schema = f"tracker_test_{worker}"
    engine = make_engine(base)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    finally:
        engine.dispose()
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def wipe(url: str) -> None:
    engine = make_engine(url)
    try:
        Base.metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        leftovers = MetaData()  # tables a failed test left behind (a foreign table, say)
        leftovers.reflect(engine)
        leftovers.drop_all(engine)
    finally:
        engine.dispose()


@pytest.fixture
def pg_url() -> str:
    url = worker_url(PG_URL)
    wipe(url)
    return url


@pytest.fixture
def db(pg_url: str) -> Iterator[Database]:
    """Overrides the SQLite `db` of tests/conftest.py: `services` and `school` run on PostgreSQL."""
    database, _ = open_database(pg_url)
    yield database
    database.dispose()


@pytest.fixture
def outage(pg_url: str) -> Iterator[ClusterSwitch | ProxySwitch]:
    """The school database, to stop and start mid-test (tests/pg/outage.py): the real cluster of
    $TRACKER_PG_DIR, else a loopback proxy. Connect through ``outage.url``. Whatever the test
    did, the server is running again at teardown."""
    switch = make_switch(pg_url)
    try:
        yield switch
    finally:
        switch.ensure_running()
        if isinstance(switch, ProxySwitch):
            switch.close()

"""Engine and session factory. The database is always injected, never global."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from tracker.paths import APP_NAME, default_data_dir, default_db_path

if TYPE_CHECKING:
    from tracker.db.messagebus import MessageBus

__all__ = ["APP_NAME", "Database", "default_data_dir", "default_db_path", "make_engine", "resolve_url"]


def resolve_url(path_or_url: str | os.PathLike[str] | None = None) -> URL:
    """A path becomes an SQLite URL; an SQLAlchemy URL is taken as is.

    ``None`` means ``$TRACKER_DB`` or, failing that, the per-user data directory.
    ``postgresql://`` URLs are routed to psycopg 3.
    """
    raw = path_or_url if path_or_url is not None else os.environ.get("TRACKER_DB") or None
    if raw is None:
        raw = default_db_path()
    text = os.fspath(raw)
    if "://" in text:
        url = make_url(text)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url
    return URL.create("sqlite", database=str(Path(text).expanduser().resolve()))


def describe_url(url: URL) -> str:
    """A short human description (no password) for status bars and messages."""
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


#: execution option of a write transaction's connection: on SQLite it begins with BEGIN IMMEDIATE
WRITE = "tracker_write"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # the driver must not begin transactions itself: ``_sqlite_begin`` does, choosing the kind
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
    finally:
        cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """A write transaction takes SQLite's write lock when it begins (BEGIN IMMEDIATE), so one that
    checks and then writes (the last free place, a tick) is serialised with every other writer —
    two processes cannot both pass the check. Reads begin deferred and, in WAL mode, never wait."""
    options = conn.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE) else "BEGIN")


def make_engine(path_or_url: str | os.PathLike[str] | URL | None = None) -> Engine:
    url = path_or_url if isinstance(path_or_url, URL) else resolve_url(path_or_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 5})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})


@dataclass
class Database:
    """An engine and its session factory: what every service is given."""

    engine: Engine
    session_factory: sessionmaker[Session]
    #: the event handlers and after-commit jobs, wired by ``tracker.services.bootstrap.bootstrap``
    bus: MessageBus | None = None

    @classmethod
    def connect(cls, path_or_url: str | os.PathLike[str] | URL | None = None) -> "Database":
        engine = make_engine(path_or_url)
        return cls(engine, sessionmaker(engine, expire_on_commit=False))

    @property
    def url(self) -> URL:
        return self.engine.url

    @property
    def is_sqlite(self) -> bool:
        return self.engine.url.get_backend_name() == "sqlite"

    def describe(self) -> str:
        return describe_url(self.engine.url)

    def dispose(self) -> None:
        self.engine.dispose()

"""Engine and session factory. The database is always injected, never global."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from tracker.errors import DatabaseError
from tracker.paths import (
    APP_NAME,
    configured_database,
    create_private_file,
    default_data_dir,
    default_db_path,
    make_private_dir,
)

if TYPE_CHECKING:
    from tracker.db.messagebus import MessageBus

__all__ = ["APP_NAME", "Database", "default_data_dir", "default_db_path", "make_engine", "require_folder",
           "resolve_url"]


def resolve_url(path_or_url: str | os.PathLike[str] | None = None) -> URL:
    """A path becomes an SQLite URL; an SQLAlchemy URL is taken as is.

    ``None`` means ``$TRACKER_DB``, else the machine's configuration file, else the per-user
    data directory.
    ``postgresql://`` URLs are routed to psycopg 3.
    """
    raw = path_or_url if path_or_url is not None else configured_database()
    if raw is None:
        raw = default_db_path()
    text = os.fspath(raw)
    if "://" in text:
        try:
            url = make_url(text)
        except (ValueError, ArgumentError) as exc:
            raise DatabaseError(f"{_hide_password(text)} is not a valid database address ({_reason(exc)}). "
                                "Give a file path, or a URL such as "
                                "postgresql://user@server:5432/school.") from None
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        backend = url.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise DatabaseError(f"Activity Tracker works with SQLite files and PostgreSQL servers; "
                                f"{backend!r} databases are not supported.")
        return url
    return URL.create("sqlite", database=str(Path(text).expanduser().resolve()))


def require_folder(path_or_url: str | os.PathLike[str] | None = None) -> None:
    """Refuse an SQLite file whose folder does not exist (a mistyped ``--db``), before anything
    is created: opening would otherwise make the folders and an empty database there, which a
    later ``demo`` then refuses to overwrite. The default data folder is created as usual."""
    url = resolve_url(path_or_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    folder = Path(url.database).parent
    if folder.is_dir() or folder == default_data_dir().expanduser().resolve():
        return
    what = "is not a folder" if folder.exists() else "does not exist"
    raise DatabaseError(f"The folder {folder} {what}, so there is no database {Path(url.database).name} "
                        "in it. Nothing was created. Check the path, or create the folder first.")


def _hide_password(text: str) -> str:
    import re

    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", text)


def _reason(exc: BaseException) -> str:
    text = (str(exc).splitlines() or [type(exc).__name__])[0][:120]
    if text.startswith("invalid literal for int()"):
        return "the port is not a number"
    return text


def describe_url(url: URL) -> str:
    """A short human description (no password) for status bars and messages."""
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


#: how long a write waits for another writer (another workstation, an import) before "busy"
BUSY_TIMEOUT_MS = 5000

#: execution option of a write transaction's connection: on SQLite it begins with BEGIN IMMEDIATE
WRITE = "tracker_write"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, read_only: bool = False) -> None:
    # the driver must not begin transactions itself: ``_sqlite_begin`` does, choosing the kind
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        if not read_only:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # 64 MB of pages per connection (SQLite's default is 2 MB): the indexes the analytics and
        # the dashboards read stay in memory instead of being read again on every page
        cursor.execute("PRAGMA cache_size=-65536")
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


def writable(path: Path) -> bool:
    """Whether this account may change the database file (and create its -wal/-shm beside it)."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _read_only_url(path: Path) -> URL:
    """The file opened read-only; with no -wal to read and a folder it cannot write to, as
    immutable (SQLite would otherwise need to create the -shm file)."""
    query = {"mode": "ro", "uri": "true"}
    if not path.with_name(path.name + "-wal").exists() and not os.access(path.parent, os.W_OK):
        query["immutable"] = "1"
    return URL.create("sqlite", database=path.resolve().as_uri(), query=query)


def make_engine(path_or_url: str | os.PathLike[str] | URL | None = None, *, read_only: bool = False) -> Engine:
    url = path_or_url if isinstance(path_or_url, URL) else resolve_url(path_or_url)
    if url.get_backend_name() == "sqlite":
        if read_only and url.database:
            url = _read_only_url(Path(url.database))
        elif url.database and url.database != ":memory:":
            path = Path(url.database)
            make_private_dir(path.parent)
            create_private_file(path)  # SQLite gives its -wal and -shm files the same mode
        engine = create_engine(url, connect_args={"timeout": 5})
        event.listen(engine, "connect", partial(_sqlite_pragmas, read_only=read_only))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    except ImportError as exc:
        raise DatabaseError(f"The driver for {url.get_backend_name()} is not installed ({_reason(exc)}). "
                            "Install the program with its 'postgres' extra.") from None


@dataclass
class Database:
    """An engine and its session factory: what every service is given."""

    engine: Engine
    session_factory: sessionmaker[Session]
    #: the event handlers and after-commit jobs, wired by ``tracker.services.bootstrap.bootstrap``
    bus: MessageBus | None = None
    #: an SQLite file this account cannot write: opened read-only, every write is refused plainly
    read_only: bool = False
    #: the address as given (a read-only SQLite file's engine URL is a ``file:`` URI)
    source_url: URL | None = None
    #: a workstation's offline replica of the school database (``tracker.offline``): only the
    #: changes that can be queued for the school database are written, and this is why the rest
    #: cannot be (None: an ordinary database)
    offline_reason: str | None = None

    @classmethod
    def connect(cls, path_or_url: str | os.PathLike[str] | URL | None = None) -> "Database":
        url = path_or_url if isinstance(path_or_url, URL) else resolve_url(path_or_url)
        path = Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None
        read_only = bool(path and path.name != ":memory:" and path.is_file() and not writable(path))
        engine = make_engine(url, read_only=read_only)
        return cls(engine, sessionmaker(engine, expire_on_commit=False), read_only=read_only, source_url=url)

    @property
    def url(self) -> URL:
        return self.source_url or self.engine.url

    @property
    def is_sqlite(self) -> bool:
        return self.engine.url.get_backend_name() == "sqlite"

    def describe(self) -> str:
        return describe_url(self.url) + (" (read-only)" if self.read_only else "")

    def dispose(self) -> None:
        self.engine.dispose()

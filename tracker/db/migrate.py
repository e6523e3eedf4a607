"""Schema check and upgrade at start.

* A new, empty database is created at the newest revision.
* An older database is backed up first (SQLite: a verified copy in the backup folder,
  :mod:`tracker.db.sqlite_backup`), then upgraded.
* A database from a newer version of the program, a file that is not a database (or not ours), or
  an unreachable server raises :class:`DatabaseError` with a clear message and is never modified.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError, OperationalError

from tracker.db.engine import Database, describe_url
from tracker.errors import DatabaseError, ServerUnreachable

if TYPE_CHECKING:  # Alembic is imported only when a database must be created or upgraded
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_MAGIC = b"SQLite format 3\x00"


def alembic_config() -> "Config":
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _script() -> "ScriptDirectory":
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


_REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(.+)$", re.M)


def head_revision() -> str:
    """The newest revision, read from the migration files without importing Alembic.

    Opening a database that is already current (every start but the first after an update)
    then costs one read of its ``alembic_version`` row; a test checks this agrees with Alembic.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        rev = _REVISION.search(text)
        if not rev:
            continue
        revisions.add(rev.group(1))
        down = _DOWN.search(text)
        if down:
            parents.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    heads = revisions - parents
    if len(heads) != 1:
        raise DatabaseError(f"The program's migrations have {len(heads)} heads; expected one.")
    return heads.pop()


@dataclass(frozen=True)
class MigrationResult:
    from_revision: str | None
    to_revision: str
    backup: Path | None

    @property
    def created(self) -> bool:
        return self.from_revision is None

    @property
    def upgraded(self) -> bool:
        return self.from_revision is not None and self.from_revision != self.to_revision


def _check_sqlite_file(path: Path) -> None:
    if not path.exists():
        return
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder, not a database file.")
    if path.stat().st_size == 0:
        return
    with path.open("rb") as fh:
        header = fh.read(16)
    if header != SQLITE_MAGIC:
        raise DatabaseError(
            f"{path} is not an Activity Tracker database (it is not an SQLite file). "
            "Nothing was changed. Choose another file with --db."
        )


def _read_sqlite_state(path: Path) -> tuple[str | None, set[str]] | None:
    """Revision and table names of an existing SQLite file, read without writing to it.

    Opening the file through the engine would already change it (the connect pragmas switch it
    to WAL), so a file that is not ours must be recognised before that.
    """
    if not path.is_file() or path.stat().st_size == 0:
        return None
    # immutable: no -wal/-shm files are created beside it, unless a WAL holds data to read
    wal = path.with_name(path.name + "-wal")
    query = "?mode=ro" if wal.exists() else "?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + query, uri=True)
        try:
            tables = {
                row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            current = None
            if "alembic_version" in tables:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                current = row[0] if row else None
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise DatabaseError(_unreachable_message(str(path), exc)) from exc
    return current, tables


def _refuse_foreign_or_newer(
    where: str, current: str | None, tables: set[str], script: ScriptDirectory
) -> None:
    if current is None:
        if tables - {"alembic_version"}:
            raise DatabaseError(
                f"{where} already holds tables that are not an Activity Tracker database. "
                "Nothing was changed. Choose an empty or new database."
            )
        return
    try:
        script.get_revision(current)
    except Exception as exc:
        raise DatabaseError(
            f"The database {where} was written by a newer version of Activity Tracker "
            f"(schema revision {current}). Nothing was changed. Update the program to open it."
        ) from exc


def _backup_sqlite(path: Path, revision: str | None) -> Path:
    """The verified backup before an upgrade, in the school's backup folder (rotated with the others)."""
    from tracker.db.sqlite_backup import back_up, default_folder

    reason = "before-migration-from-" + (re.sub(r"[^a-z0-9]+", "-", (revision or "none").lower()).strip("-") or "none")
    try:
        return back_up(path, reason).path
    except OSError:  # the chosen folder is unreachable (a USB stick not plugged in): beside the database
        return back_up(path, reason, folder=default_folder(path)).path


def known_revision(revision: str) -> bool:
    """Whether this program's migrations know ``revision`` (False: a newer program wrote it)."""
    try:
        return _script().get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - Alembic raises several kinds for an unknown revision
        return False


def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def ensure_schema(db: Database, *, backup: bool = True) -> MigrationResult:
    """Bring the database to the newest revision, or refuse with a clear message."""
    where = describe_url(db.url)
    head = head_revision()
    if db.is_sqlite and db.url.database and db.url.database != ":memory:":
        _check_sqlite_file(Path(db.url.database))
        state = _read_sqlite_state(Path(db.url.database))
        if state is not None and state[0] == head:
            return MigrationResult(head, head, None)  # current: no Alembic needed
        if state is not None:
            _refuse_foreign_or_newer(where, *state, _script())
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    script = _script()
    try:
        with db.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
            tables = set(inspect(conn).get_table_names())
    except OperationalError as exc:
        if not db.is_sqlite:  # the school's server: the network or the server is down
            raise ServerUnreachable(_unreachable_message(where, exc)) from exc
        raise DatabaseError(_unreachable_message(where, exc)) from exc
    except DBAPIError as exc:
        raise DatabaseError(f"Cannot read the database {where}: {_first_line(exc)}") from exc

    if current == head:
        return MigrationResult(current, head, None)
    _refuse_foreign_or_newer(where, current, tables, script)
    if db.read_only:
        raise DatabaseError(f"The database {where} is read-only and must be upgraded before this version "
                            "of the program can use it. Ask IT for write access, then open it again.")

    backup_path: Path | None = None
    if current is not None and backup and db.is_sqlite and db.url.database:
        backup_path = _backup_sqlite(Path(db.url.database), current)

    cfg = alembic_config()
    with db.engine.connect() as conn:
        # SQLite alters a table by copying it and dropping the old one; with foreign keys on, that
        # drop would cascade-delete the rows that point at it (every status history row of an
        # enrollment, say). So keys are off during the upgrade (a pragma that only works outside a
        # transaction) and checked as a whole before the commit.
        raw = conn.connection.dbapi_connection if db.is_sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if raw is not None and conn.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise DatabaseError(f"Upgrading {where} would leave rows pointing at missing ones; "
                                        "nothing was changed (a backup is in the backup folder).")
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")
    return MigrationResult(current, head, backup_path)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _unreachable_message(where: str, exc: BaseException) -> str:
    detail = _first_line(exc)
    if "file is not a database" in detail or "file is encrypted" in detail:
        return f"{where} is not an Activity Tracker database. Nothing was changed."
    if "malformed" in detail:
        return (f"The database file {where} is damaged ({detail}). Nothing was changed. Restore it from "
                "a backup, or ask IT for help.")
    return (
        f"Cannot open the database {where}: {detail}. "
        "Check that the file or server is reachable and that you may use it."
    )

"""Verified copies of an SQLite database file, their names, and which of them are kept.

A backup is copied with SQLite's online backup API (consistent while the application keeps
writing) into a temporary file whose name starts with "." in the backup folder, checked with
``PRAGMA integrity_check`` and only then renamed to ``activity-tracker-YYYYMMDD-HHMMSS-REASON.db``:
a file under a backup name is always a whole, verified database. A process killed half-way leaves
only its temporary file, removed by the next backup (:func:`sweep`).

Kept free of SQLAlchemy and of the settings: :mod:`tracker.db.migrate` backs up with it before the
schema (and so the services) can be used, :mod:`tracker.services.backups` with the school's settings.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from tracker.errors import DatabaseError
from tracker.paths import POSIX, create_private_file, make_private_dir

PREFIX = "activity-tracker-"
SQLITE_MAGIC = b"SQLite format 3\x00"
#: backups made by the schedule (rotated by day and week); every other reason is kept by count
AUTOMATIC = frozenset({"daily", "start"})
KEEP_DAILY = 7
KEEP_WEEKLY = 4
#: manual and before-* backups (before a migration, a restore, a roster import): the newest this many
KEEP_OTHER = 10
#: pages copied per step of the backup API (4 KiB pages: 4 MiB), so progress can be reported
STEP_PAGES = 1024

_NAME = re.compile(r"^activity-tracker-(\d{8}-\d{6})-([a-z0-9][a-z0-9-]*)\.db$")
_TEMP = re.compile(r"^\.activity-tracker-.*\.(\d+)\.tmp(?:-journal|-wal|-shm)?$")  # and SQLite's side files
Progress = Callable[[int, int], None]  # pages copied, pages in all


@dataclass(frozen=True)
class BackupFile:
    """One verified backup in the backup folder (what its name says, and its size)."""

    path: Path
    taken: datetime  # local time, from the name
    reason: str  # daily, start, manual, before-migration-from-0007, before-restore, before-import
    size: int

    @property
    def automatic(self) -> bool:
        return self.reason in AUTOMATIC

    @property
    def reason_text(self) -> str:
        """"before restore", "daily": the reason as words for a list."""
        return self.reason.replace("-", " ")


def default_folder(db_path: Path) -> Path:
    """Where backups go unless the school chose a folder: ``backups`` beside the database."""
    return db_path.parent / "backups"


def backup_name(taken: datetime, reason: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", reason):
        raise ValueError(f"not a backup reason: {reason!r}")
    return f"{PREFIX}{taken:%Y%m%d-%H%M%S}-{reason}.db"


def parse_name(path: Path) -> tuple[datetime, str] | None:
    match = _NAME.match(path.name)
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d-%H%M%S"), match.group(2)
    except ValueError:
        return None


def list_backups(folder: Path) -> list[BackupFile]:
    """The backups in ``folder``, newest first (a missing folder has none)."""
    found: list[BackupFile] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return found
    for path in entries:
        parsed = parse_name(path)
        if parsed is None or not path.is_file():
            continue
        found.append(BackupFile(path, parsed[0], parsed[1], path.stat().st_size))
    found.sort(key=lambda b: (b.taken, b.path.name), reverse=True)
    return found


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if not POSIX:
        return False  # a temporary left on Windows is removed once its writer is gone (next run)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep(folder: Path) -> list[Path]:
    """Remove the temporary files of backups whose process died (killed, power cut)."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for path in entries:
        match = _TEMP.match(path.name)
        if match and not _alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def copy_database(source: Path, target: Path, *, progress: Progress | None = None) -> None:
    """Copy ``source`` into the (new, empty) file ``target`` with the online backup API, as one
    self-contained file (journal mode DELETE: no -wal beside a copy on a USB stick)."""
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst, pages=STEP_PAGES,
                       progress=(lambda _status, left, total: progress(total - left, total)) if progress else None)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise DatabaseError(f"Cannot copy the database {source}: {exc}") from exc
    finally:
        src.close()


def integrity_problem(path: Path) -> str | None:
    """None when ``path`` is a whole SQLite database (``PRAGMA integrity_check`` says "ok"),
    else what is wrong, in a few words."""
    try:
        with path.open("rb") as fh:
            if fh.read(16) != SQLITE_MAGIC:
                return "it is not an SQLite database file"
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        finally:
            conn.close()
    except (OSError, sqlite3.Error) as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None if rows == ["ok"] else "; ".join(str(r) for r in rows[:3])


def schema_revision(path: Path) -> str:
    """The Alembic revision an (intact) Activity Tracker database file is at, or DatabaseError."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone() \
                if "alembic_version" in tables else None
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise DatabaseError(f"Cannot read {path}: {exc}") from exc
    if row is None or "users" not in tables:
        raise DatabaseError(f"{path} is not an Activity Tracker database; nothing was changed.")
    return str(row[0])


def _free_name(folder: Path, taken: datetime, reason: str) -> Path:
    """The backup's name; a second backup for the same reason within a second takes the next one."""
    while (folder / backup_name(taken, reason)).exists():
        taken += timedelta(seconds=1)
    return folder / backup_name(taken, reason)


def verified_copy(source: Path, target: Path, *, progress: Progress | None = None) -> Path:
    """Copy ``source`` to ``target`` through a temporary file beside it that is checked before it
    is renamed: ``target`` is a whole, verified database or nothing. The copy is as private as
    the database (its mode)."""
    temp = target.parent / f".{target.name}.{os.getpid()}.tmp"
    temp.unlink(missing_ok=True)
    create_private_file(temp, like=source)
    try:
        copy_database(source, temp, progress=progress)
        problem = integrity_problem(temp)
        if problem is not None:
            raise DatabaseError(f"The backup copy of {source} failed its check ({problem}); it was not kept. "
                                "The database itself may be damaged: ask IT for help.")
        with open(temp, "rb+") as fh:  # on disk before it carries the name
            os.fsync(fh.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return target


def write_verified(source: Path, folder: Path, reason: str, *, now: datetime | None = None,
                   progress: Progress | None = None) -> BackupFile:
    """Back ``source`` up into ``folder`` under its backup name (created private when missing),
    after sweeping what killed backups left there."""
    make_private_dir(folder)
    sweep(folder)
    target = verified_copy(source, _free_name(folder, now or datetime.now(), reason), progress=progress)
    parsed = parse_name(target)
    assert parsed is not None
    return BackupFile(target, parsed[0], parsed[1], target.stat().st_size)


def to_keep(backups: Iterable[BackupFile], *, keep_daily: int = KEEP_DAILY, keep_weekly: int = KEEP_WEEKLY,
            keep_other: int = KEEP_OTHER) -> set[Path]:
    """Which backups rotation keeps: of the automatic ones, the newest of each of the last
    ``keep_daily`` days and of each of the last ``keep_weekly`` ISO weeks that have one; of the
    others (manual, before-*), the newest ``keep_other``."""
    newest_first = sorted(backups, key=lambda b: b.taken, reverse=True)
    kept: set[Path] = set()
    days: set[object] = set()
    weeks: set[object] = set()
    for b in (b for b in newest_first if b.automatic):
        day, week = b.taken.date(), b.taken.isocalendar()[:2]
        if day not in days and len(days) < keep_daily:
            days.add(day)
            kept.add(b.path)
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.add(week)
            kept.add(b.path)
    kept.update(b.path for b in [b for b in newest_first if not b.automatic][:keep_other])
    return kept


def rotate(folder: Path, *, just_made: Path, keep_daily: int = KEEP_DAILY, keep_weekly: int = KEEP_WEEKLY,
           keep_other: int = KEEP_OTHER) -> list[Path]:
    """Delete the backups rotation does not keep (never ``just_made``); returns what was deleted."""
    backups = list_backups(folder)
    kept = to_keep(backups, keep_daily=keep_daily, keep_weekly=keep_weekly, keep_other=keep_other) | {just_made}
    deleted: list[Path] = []
    for b in backups:
        if b.path not in kept:
            with contextlib.suppress(OSError):
                b.path.unlink()
                deleted.append(b.path)
    return deleted


def stored_settings(db_path: Path) -> tuple[Path, int, int]:
    """The backup folder and the daily / weekly counts stored in the database's settings, read
    with ``sqlite3`` (before a migration the services cannot be used yet); defaults when absent."""
    import json

    stored: dict[str, object] = {}
    with contextlib.suppress(sqlite3.Error, OSError, ValueError):
        conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            stored = {k: json.loads(v) for k, v in conn.execute(
                "SELECT key, value FROM settings WHERE key IN "
                "('backup_folder', 'backups_keep_daily', 'backups_keep_weekly')")}
        finally:
            conn.close()
    folder = str(stored.get("backup_folder") or "")

    def whole(key: str, default: int) -> int:
        value = stored.get(key)
        return value if isinstance(value, int) else default

    return (Path(folder) if folder else default_folder(db_path), whole("backups_keep_daily", KEEP_DAILY),
            whole("backups_keep_weekly", KEEP_WEEKLY))


def back_up(db_path: Path, reason: str, *, folder: Path | None = None, keep_daily: int | None = None,
            keep_weekly: int | None = None, now: datetime | None = None,
            progress: Progress | None = None) -> BackupFile:
    """A verified backup of ``db_path`` for ``reason``, then rotation: what the settings stored in
    the database say for whatever is not given."""
    stored_folder, stored_daily, stored_weekly = stored_settings(db_path)
    folder = folder or stored_folder
    made = write_verified(db_path, folder, reason, now=now, progress=progress)
    rotate(folder, just_made=made.path, keep_daily=stored_daily if keep_daily is None else keep_daily,
           keep_weekly=stored_weekly if keep_weekly is None else keep_weekly)
    return made

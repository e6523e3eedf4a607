"""Backups and restore: a school that keeps its records in one file must never lose them.

* **Backups** of an SQLite database are verified copies in the backup folder (a setting: a USB
  stick or a network share; by default ``backups`` beside the database), made automatically on
  start and daily while the application runs (:meth:`BackupService.automatic`), before every
  migration, restore and roster import (:meth:`BackupService.before`), and by hand
  (:meth:`BackupService.back_up`). Rotation keeps the newest automatic backup of each of the last
  7 days and 4 weeks (settings) and the newest 10 others (:mod:`tracker.db.sqlite_backup`).
* **Restore** replaces the database with a backup, all or nothing: the current file is backed up
  first, the candidate must be an intact Activity Tracker database no newer than this program,
  it is copied beside the database and upgraded there, and only then renamed over it.
* **PostgreSQL** is backed up with ``pg_dump`` when it is installed; restoring is ``pg_restore``'s
  job (the server's administrator), so the program says so instead of guessing.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from tracker.db import sqlite_backup
from tracker.db.sqlite_backup import BackupFile
from tracker.db.uow import read_only
from tracker.domain.policy import Actor, Permission
from tracker.errors import DatabaseBusy, DatabaseError, TrackerError
from tracker.paths import create_private_file, default_data_dir, make_private_dir
from tracker.services.base import Service, require
from tracker.services.settings import SettingsService

Progress = Callable[[float, str], None]  # fraction 0..1, what it is doing

__all__ = ["AUTOMATIC_EVERY", "BackupFile", "BackupListing", "BackupService", "BackupUnavailable", "RestoreResult"]

#: an automatic backup is due when the newest one is older than this
AUTOMATIC_EVERY = timedelta(days=1)


class BackupUnavailable(TrackerError):
    """This database cannot be backed up or restored by the program itself (PostgreSQL without
    pg_dump, a restore on PostgreSQL, an in-memory database): the message says what to do."""


@dataclass(frozen=True)
class BackupListing:
    """What the restore and backup dialogs show."""

    folder: Path
    configured_folder: str  # "" when the default (beside the database) is used
    backups: tuple[BackupFile, ...]  # newest first
    keep_daily: int
    keep_weekly: int

    @property
    def last_backup(self) -> datetime | None:
        return self.backups[0].taken if self.backups else None


@dataclass(frozen=True)
class RestoreResult:
    source: Path
    from_revision: str  # the candidate's schema
    revision: str  # what the database is at now (the program's newest)
    safety_backup: Path  # the database as it was just before


class BackupService(Service):
    # ------------------------------------------------------------------ where
    def _live_path(self) -> Path | None:
        """The SQLite file, or None (a server, or a database in memory)."""
        name = self.db.url.database if self.db.is_sqlite else None  # the address as given
        return Path(name) if name and name != ":memory:" else None

    def folder(self) -> Path:
        """The backup folder: the setting, else ``backups`` beside the database (a server's:
        in the per-user data folder)."""
        configured = SettingsService(self.db).get().backup_folder
        if configured:
            return Path(configured)
        live = self._live_path()
        return sqlite_backup.default_folder(live) if live else default_data_dir() / "backups"

    def listing(self, actor: Actor) -> BackupListing:
        with read_only(self.db) as s:
            require(s, actor, Permission.MANAGE_SETTINGS)
        settings = SettingsService(self.db).get()
        folder = self.folder()
        return BackupListing(folder, settings.backup_folder, tuple(sqlite_backup.list_backups(folder)),
                             settings.backups_keep_daily, settings.backups_keep_weekly)

    # ------------------------------------------------------------------ making
    def _make(self, reason: str, *, now: datetime | None = None, progress: Progress | None = None) -> BackupFile:
        live = self._live_path()
        assert live is not None
        settings = SettingsService(self.db).get()
        report = progress or (lambda fraction, text: None)
        report(0.0, "Copying the database…")
        made = sqlite_backup.write_verified(
            live, self.folder(), reason, now=now,
            progress=lambda done, total: report(0.9 * done / max(total, 1), "Copying the database…"))
        report(0.95, "Removing old backups…")
        sqlite_backup.rotate(made.path.parent, just_made=made.path, keep_daily=settings.backups_keep_daily,
                             keep_weekly=settings.backups_keep_weekly)
        report(1.0, "Backup verified")
        return made

    def back_up(self, actor: Actor, *, out: Path | None = None, progress: Progress | None = None) -> Path:
        """A backup by hand (administrators): into the backup folder, or exactly ``out``; on
        PostgreSQL a ``pg_dump`` custom-format archive."""
        with read_only(self.db) as s:
            require(s, actor, Permission.MANAGE_SETTINGS)
        live = self._live_path()
        if not self.db.is_sqlite:
            return self._pg_dump(out)
        if live is None:
            raise BackupUnavailable("A database in memory cannot be backed up.")
        if out is not None:
            report = progress or (lambda fraction, text: None)
            return sqlite_backup.verified_copy(
                live, out, progress=lambda done, total: report(done / max(total, 1), "Copying the database…"))
        return self._make("manual", progress=progress).path

    def automatic(self, reason: str = "daily", *, now: datetime | None = None) -> BackupFile | None:
        """The scheduled backup, when the newest automatic one is older than a day (None: not
        due, or a database that is not an SQLite file). Whoever is signed in, the school's data
        is kept safe, so no permission is asked; nothing here reveals or changes any record."""
        if self._live_path() is None:
            return None
        now = now or datetime.now()
        newest = next((b for b in sqlite_backup.list_backups(self.folder()) if b.automatic), None)
        if newest is not None and now - newest.taken < AUTOMATIC_EVERY:
            return None
        return self._make(reason, now=now)

    def before(self, what: str) -> Path | None:
        """The backup before a change that is hard to undo ("import", "restore"): reason
        ``before-WHAT``. None when the database is not an SQLite file."""
        if self._live_path() is None:
            return None
        return self._make(f"before-{what}").path

    def _pg_dump(self, out: Path | None) -> Path:
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise BackupUnavailable(
                "Backing up a PostgreSQL database needs the PostgreSQL client tools (pg_dump). Install "
                "them (e.g. the postgresql-client package), or ask IT to back up the server.")
        url = self.db.url
        if out is None:
            folder = self.folder()
            make_private_dir(folder)
            out = folder / f"{sqlite_backup.PREFIX}{datetime.now():%Y%m%d-%H%M%S}-manual.dump"
        temp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        create_private_file(temp)
        env = dict(os.environ)
        if url.password:
            env["PGPASSWORD"] = str(url.password)  # never on the command line (other users see it)
        address = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
        try:
            done = subprocess.run([pg_dump, "--format=custom", "--file", str(temp), "--dbname", address],
                                  env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                first = (done.stderr.strip().splitlines() or ["no message"])[0]
                raise DatabaseError(f"pg_dump failed: {first}")
            os.replace(temp, out)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return out

    # ------------------------------------------------------------------ restoring
    def restore(self, actor: Actor, candidate: Path, *, progress: Progress | None = None) -> RestoreResult:
        """Replace the database with ``candidate`` (administrators), all or nothing.

        The connections of this program are closed on the way (the next use opens the restored
        file); another program or workstation still using the file makes it refuse (busy)."""
        from tracker.db.engine import Database
        from tracker.db.migrate import ensure_schema, head_revision, known_revision

        with read_only(self.db) as s:
            require(s, actor, Permission.MANAGE_SETTINGS)
        live = self._live_path()
        if not self.db.is_sqlite:
            raise BackupUnavailable("A PostgreSQL database is restored with pg_restore by the server's "
                                    "administrator: ask IT (the program does not replace a server's data).")
        if live is None:
            raise BackupUnavailable("A database in memory cannot be restored.")
        report = progress or (lambda fraction, text: None)
        candidate = Path(candidate)
        report(0.0, "Checking the backup…")
        if not candidate.is_file():
            raise TrackerError(f"{candidate} does not exist; nothing was changed.")
        problem = sqlite_backup.integrity_problem(candidate)
        if problem is not None:
            raise TrackerError(f"{candidate.name} cannot be restored: {problem}. Nothing was changed.")
        from_revision = sqlite_backup.schema_revision(candidate)
        if not known_revision(from_revision):
            raise TrackerError(f"{candidate.name} was written by a newer version of Activity Tracker (schema "
                               f"{from_revision}); update the program to restore it. Nothing was changed.")
        report(0.1, "Backing up the current data first…")
        safety = self._make("before-restore").path
        temp = live.with_name(f".{live.name}.restore.{os.getpid()}.tmp")
        temp.unlink(missing_ok=True)
        create_private_file(temp, like=live)
        try:
            report(0.4, "Copying the backup…")
            sqlite_backup.copy_database(candidate, temp)
            if from_revision != head_revision():
                report(0.6, "Upgrading the backup to this version…")
                upgraded = Database.connect(temp)
                try:
                    ensure_schema(upgraded, backup=False)
                finally:
                    upgraded.dispose()
            _single_file(temp)
            problem = sqlite_backup.integrity_problem(temp)
            if problem is not None:
                raise DatabaseError(f"The restored copy failed its check ({problem}); nothing was changed.")
            report(0.9, "Replacing the database…")
            self.db.dispose()
            _single_file(live)  # its -wal checkpointed and gone: nothing of the old data is left to replay
            os.replace(temp, live)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        report(1.0, "Restored")
        return RestoreResult(candidate, from_revision, sqlite_backup.schema_revision(live), safety)


def _single_file(path: Path) -> None:
    """Checkpoint the file's WAL into it and leave it in rollback-journal mode: one self-contained
    file with no -wal / -shm beside it. It needs the file to itself: another connection (another
    workstation) makes it fail as busy rather than replace data someone is using."""
    try:
        conn = sqlite3.connect(str(path), timeout=5)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise DatabaseBusy("Another program or workstation is using the database; close it there and "
                               "restore again. Nothing was changed.") from exc
        raise DatabaseError(f"Cannot prepare {path.name}: {exc}") from exc
    if str(mode).lower() != "delete":
        raise DatabaseBusy("Another program or workstation is using the database; close it there and "
                           "restore again. Nothing was changed.")

"""Backups and restore (issue 15): verified copies, rotation, restore round trips, refusals."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import School
from tracker import cli
from tracker.db import migrate, sqlite_backup
from tracker.db.sqlite_backup import BackupFile
from tracker.errors import DatabaseError, PermissionDenied, TrackerError, ValidationError
from tracker.services.activities import ActivityInput
from tracker.services.backups import BackupService, BackupUnavailable

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "roster" / "students.csv"


def _rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, sorted: 'data identical' means these are equal."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


def _live(school: School) -> Path:
    live = BackupService(school.services.db)._live_path()
    assert live is not None
    return live


def _fake(folder: Path, taken: datetime, reason: str) -> Path:
    path = folder / sqlite_backup.backup_name(taken, reason)
    path.write_bytes(b"x")
    return path


# --------------------------------------------------------------------------- rotation


def test_rotation_keeps_the_last_seven_days_and_four_weeks_of_automatic_backups() -> None:
    start = datetime(2026, 11, 30, 8, 0)  # a Monday
    automatic = [BackupFile(Path(f"d{i}.db"), start - timedelta(days=i), "daily", 1) for i in range(60)]
    extra_same_day = BackupFile(Path("start.db"), start - timedelta(hours=3), "start", 1)
    kept = sqlite_backup.to_keep([*automatic, extra_same_day])
    days = {Path(f"d{i}.db") for i in range(7)}  # today and the six days before
    # the newest of each of the last four ISO weeks: this Monday, then the Sundays before
    weeks = {Path("d0.db"), Path("d1.db"), Path("d8.db"), Path("d15.db")}
    assert kept == days | weeks
    assert Path("start.db") not in kept  # an older backup of a day that already has one


def test_rotation_keeps_ten_manual_and_before_backups_apart_from_the_automatic_ones() -> None:
    now = datetime(2026, 11, 30, 8, 0)
    others = [BackupFile(Path(f"m{i}.db"), now - timedelta(hours=i), "manual" if i % 2 else "before-import", 1)
              for i in range(14)]
    daily = [BackupFile(Path(f"d{i}.db"), now - timedelta(days=i), "daily", 1) for i in range(3)]
    kept = sqlite_backup.to_keep([*others, *daily], keep_daily=2, keep_weekly=0)
    assert kept == {Path(f"m{i}.db") for i in range(10)} | {Path("d0.db"), Path("d1.db")}


def test_rotation_never_deletes_the_backup_just_made(tmp_path: Path) -> None:
    now = datetime(2026, 11, 30, 8, 0)
    newer = [_fake(tmp_path, now - timedelta(days=i), "daily") for i in range(3)]
    just_made = _fake(tmp_path, now - timedelta(days=40), "daily")  # a clock set back, say
    deleted = sqlite_backup.rotate(tmp_path, just_made=just_made, keep_daily=3, keep_weekly=0)
    assert deleted == [] and just_made.exists() and all(p.exists() for p in newer)
    older = _fake(tmp_path, now - timedelta(days=41), "daily")
    assert sqlite_backup.rotate(tmp_path, just_made=newer[0], keep_daily=3, keep_weekly=0) == [just_made, older]


def test_backup_folder_settings_are_validated(school: School, tmp_path: Path) -> None:
    settings = school.services.settings
    with pytest.raises(ValidationError, match="cannot be written"):
        settings.update(school.admin, backup_folder=str(tmp_path / "missing"))
    with pytest.raises(ValidationError, match="Daily backups kept"):
        settings.update(school.admin, backups_keep_daily=0)
    saved = settings.update(school.admin, backup_folder=str(tmp_path), backups_keep_weekly=8)
    assert (saved.backup_folder, saved.backups_keep_daily, saved.backups_keep_weekly) == (str(tmp_path), 7, 8)
    assert school.services.backups.folder() == tmp_path


# --------------------------------------------------------------------------- making backups


def test_a_manual_backup_is_a_verified_private_copy_in_the_backups_folder(school: School) -> None:
    live = _live(school)
    path = school.services.backups.back_up(school.admin)
    assert path.parent == live.parent / "backups"
    assert sqlite_backup.parse_name(path) is not None and path.name.endswith("-manual.db")
    assert sqlite_backup.integrity_problem(path) is None
    assert _rows(path)["users"] == _rows(live)["users"]
    assert not list(path.parent.glob("*-wal"))  # one self-contained file
    if sqlite_backup.POSIX:
        assert path.stat().st_mode & 0o777 == live.stat().st_mode & 0o777  # as private as the database
    listing = school.services.backups.listing(school.admin)
    assert [b.path for b in listing.backups] == [path] and listing.last_backup is not None


def test_a_corrupted_copy_never_counts(school: School, monkeypatch: pytest.MonkeyPatch) -> None:
    real_copy = sqlite_backup.copy_database

    def damaging_copy(source: Path, target: Path, **kw: object) -> None:
        real_copy(source, target)
        with target.open("r+b") as fh:  # the first table's pages overwritten: integrity_check fails
            fh.seek(4096 * 2)
            fh.write(b"\xff" * 4096 * 6)

    monkeypatch.setattr(sqlite_backup, "copy_database", damaging_copy)
    with pytest.raises(DatabaseError, match="failed its check"):
        school.services.backups.back_up(school.admin)
    folder = school.services.backups.folder()
    assert list(folder.iterdir()) == []  # no backup name, no temporary file


def test_an_automatic_backup_is_made_once_a_day(school: School) -> None:
    backups = school.services.backups
    first = backups.automatic("start", now=datetime(2026, 11, 30, 8, 0))
    assert first is not None and first.reason == "start"
    assert backups.automatic("daily", now=datetime(2026, 11, 30, 20, 0)) is None  # not due yet
    backups.back_up(school.admin)  # a manual one does not put the automatic one off
    second = backups.automatic("daily", now=datetime(2026, 12, 1, 8, 30))
    assert second is not None and second.reason == "daily"


def test_a_roster_import_is_backed_up_first(school: School) -> None:
    before = _rows(_live(school))["users"]
    school.services.imports.apply(school.admin, SAMPLE)
    [backup] = sqlite_backup.list_backups(school.services.backups.folder())
    assert backup.reason == "before-import" and _rows(backup.path)["users"] == before


def test_an_upgrade_backup_goes_to_the_backup_folder_and_is_rotated_like_the_others(school: School) -> None:
    live = _live(school)
    path = migrate._backup_sqlite(live, "0007")
    assert path.parent == live.parent / "backups" and path.name.endswith("-before-migration-from-0007.db")
    assert sqlite_backup.list_backups(path.parent)[0].reason_text == "before migration from 0007"


# --------------------------------------------------------------------------- restoring


def test_restore_round_trip_gives_back_identical_data(school: School) -> None:
    backups, live = school.services.backups, _live(school)
    backup = backups.back_up(school.admin)
    expected = _rows(backup)
    school.services.activities.create_activity(school.admin, ActivityInput("Robotics", lead_ids=[]))
    changed = _rows(live)
    assert changed["activities"] != expected["activities"]

    result = backups.restore(school.admin, backup)
    assert result.revision == result.from_revision == migrate.head_revision()
    assert _rows(live) == expected
    assert _rows(result.safety_backup)["activities"] == changed["activities"]  # what was there before
    assert result.safety_backup.name.endswith("-before-restore.db")
    assert not live.with_name(live.name + "-wal").exists() or live.with_name(live.name + "-wal").stat().st_size == 0
    assert not [p for p in live.parent.iterdir() if p.name.endswith(".tmp")]
    # the services carry on, on the restored data
    names = [a.name for a in school.services.activities.list_activities(school.admin)]
    assert "Robotics" not in names and "Chess Club" in names


def test_restore_of_an_older_schema_upgrades_it_and_keeps_the_data(school: School, tmp_path: Path) -> None:
    from alembic import command

    from tracker.db.engine import Database

    old = tmp_path / "old.db"
    sqlite_backup.verified_copy(_live(school), old)
    users = _rows(old)["users"]
    older = Database.connect(old)
    try:
        cfg = migrate.alembic_config()
        with older.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0005")
    finally:
        older.dispose()
    assert sqlite_backup.schema_revision(old) == "0005"

    result = school.services.backups.restore(school.admin, old)
    assert (result.from_revision, result.revision) == ("0005", migrate.head_revision())
    live_users = _rows(_live(school))["users"]
    assert [u[:3] for u in live_users] == [u[:3] for u in users]  # id, uid, username… kept
    assert sqlite_backup.schema_revision(old) == "0005"  # the file chosen is never changed


def test_a_backup_from_a_newer_program_or_not_ours_is_refused_and_nothing_changes(
        school: School, tmp_path: Path) -> None:
    live = _live(school)
    before = _rows(live)
    newer = tmp_path / "newer.db"
    sqlite_backup.verified_copy(live, newer)
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE alembic_version SET version_num = 'ffff9999'")
    conn.commit()
    conn.close()
    with pytest.raises(TrackerError, match="newer version of Activity Tracker"):
        school.services.backups.restore(school.admin, newer)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE notes (x)").connection.close()
    with pytest.raises(DatabaseError, match="not an Activity Tracker database"):
        school.services.backups.restore(school.admin, other)
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(TrackerError, match="cannot be restored"):
        school.services.backups.restore(school.admin, damaged)
    assert _rows(live) == before
    assert sqlite_backup.list_backups(school.services.backups.folder()) == []  # refused before any backup


def test_only_administrators_back_up_list_and_restore(school: School) -> None:
    backups = school.services.backups
    backup = backups.back_up(school.admin)
    for who in (school.teacher, school.student, school.parent):
        with pytest.raises(PermissionDenied):
            backups.restore(who, backup)
        with pytest.raises(PermissionDenied):
            backups.back_up(who)
        with pytest.raises(PermissionDenied):
            backups.listing(who)


def test_postgresql_without_pg_dump_says_what_to_install(school: School, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(BackupUnavailable, match=r"PostgreSQL client tools \(pg_dump\)"):
        school.services.backups._pg_dump(None)


# --------------------------------------------------------------------------- command line


def test_cli_backup_and_restore(school: School, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    live = _live(school)
    out = tmp_path / "copy.db"
    assert cli.main(["--db", str(live), "backup", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"Backup written: {out}\n"
    assert sqlite_backup.integrity_problem(out) is None
    assert cli.main(["--db", str(live), "backup"]) == 0
    written = Path(capsys.readouterr().out.removeprefix("Backup written: ").strip())
    assert written.parent == live.parent / "backups" and written.is_file()

    school.services.activities.create_activity(school.admin, ActivityInput("Robotics", lead_ids=[]))
    school.services.db.dispose()
    assert cli.main(["--db", str(live), "restore", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"Restored {out} (schema {migrate.head_revision()})"
    assert printed[1].startswith("The data as it was before: ") and printed[1].endswith("-before-restore.db")
    assert _rows(live) == _rows(out)

    (tmp_path / "junk.db").write_text("not a database")
    assert cli.main(["--db", str(live), "restore", str(tmp_path / "junk.db")]) == 1
    assert "not an SQLite database file" in capsys.readouterr().err


def test_cli_says_what_to_do_when_the_program_cannot_back_up_or_restore(
        school: School, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    live = str(_live(school))

    def unavailable(*args: object, **kwargs: object) -> None:
        raise BackupUnavailable("Use pg_restore.")

    monkeypatch.setattr(BackupService, "back_up", unavailable)
    monkeypatch.setattr(BackupService, "restore", unavailable)
    assert cli.main(["--db", live, "backup"]) == 2
    assert cli.main(["--db", live, "restore", live]) == 2
    assert capsys.readouterr().err.count("Use pg_restore.") == 2


def test_an_upgrade_is_backed_up_beside_the_database_when_the_chosen_folder_is_gone(
        school: School, tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    school.services.settings.update(school.admin, backup_folder=str(usb))
    usb.rmdir()
    (tmp_path / "usb").write_text("a file where the folder was: the stick is not plugged in")
    live = _live(school)
    path = migrate._backup_sqlite(live, "0007")
    assert path.parent == live.parent / "backups"

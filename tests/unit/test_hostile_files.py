"""Hostile files and addresses: a plain message, an exit code, no traceback, the file untouched;
database files private to the user; a support log that never carries students' data."""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, build_school
from tracker import cli
from tracker.db import engine as engine_module
from tracker.db.models import User
from tracker.domain.enums import Role
from tracker.errors import DatabaseBusy, DatabaseError
from tracker.logs import redact, setup_logging
from tracker.services import Services
from tracker.services.bootstrap import open_database
from tracker.services.people import UserInput

POSIX = os.name == "posix"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _run(argv: list[str], capsys) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def school_file(tmp_path: Path) -> Path:
    path = tmp_path / "school.db"
    db, _ = open_database(path)
    build_school(Services(db))
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


def test_a_database_with_damaged_pages_says_so_and_points_to_a_backup(school_file: Path) -> None:
    raw = bytearray(school_file.read_bytes())
    page = 4096
    for n in range(2, len(raw) // page):  # every page but the header and the schema
        raw[n * page:(n + 1) * page] = b"\xa5" * page
    school_file.write_bytes(bytes(raw))
    before = _digest(school_file)
    with pytest.raises(DatabaseError) as err:  # found on opening it, or at the latest on first use
        db, _ = open_database(school_file)
        try:
            Services(db).auth.login("tina", PASSWORD)
        finally:
            db.dispose()
    assert "damaged" in str(err.value) and "backup" in str(err.value)
    assert "sqlite3" not in str(err.value) and "SELECT" not in str(err.value)
    assert _digest(school_file) == before


def test_a_read_only_database_opens_reads_and_refuses_changes_plainly(school_file: Path, monkeypatch) -> None:
    """(Run as any user: the test says the file is not writable, as os.access would for a 0444
    file or folder of another account; root can write everything, so the real check would pass.)"""
    monkeypatch.setattr(engine_module, "writable", lambda path: False)
    before = _digest(school_file)
    db, _ = open_database(school_file)
    try:
        assert db.read_only and db.describe().endswith("(read-only)")
        services = Services(db)
        teacher = services.auth.login("tina", PASSWORD)  # signing in works …
        assert [a.name for a in services.activities.list_activities(teacher)] == ["Chess Club"]  # … so do reads
        with pytest.raises(DatabaseError, match="read-only: changes cannot be saved"):
            services.milestones.create_milestone(teacher, services.activities.list_activities(teacher)[0].id,
                                                 title="New")
    finally:
        db.dispose()
    assert _digest(school_file) == before


def test_a_disk_that_fills_during_an_import_says_so_and_writes_nothing(school_file: Path, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("Student ID,First Name,Surname,Email\n" + "".join(
        f"S{i:05d},Secret,Name{i},secret{i}@example.org\n" for i in range(5000)), encoding="utf-8")
    db, _ = open_database(school_file)
    try:
        with db.engine.connect() as conn:  # no room for more pages: what a full disk does to SQLite
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
        db.engine.dispose()
        engine_module.event.listen(db.engine, "connect",
                                   lambda c, _r: c.execute(f"PRAGMA max_page_count={pages + 2}"))
        services = Services(db)
        admin = services.auth.login("admin", PASSWORD)
        with pytest.raises(DatabaseError) as err:
            services.imports.apply(admin, roster)
        message = str(err.value)
        assert "disk is full" in message and "Secret" not in message and "secret1@" not in message
        assert not any(u.student_number == "S00001" for u in services.people.find_users(admin))
    finally:
        db.dispose()


def test_a_locked_database_is_busy_not_a_raw_error(school_file: Path, monkeypatch) -> None:
    """Another process holds the write lock longer than a write waits: the user is told the
    database is busy (and signing in, which also writes, says so too)."""
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 100)
    holder = sqlite3.connect(school_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    db, _ = open_database(school_file)
    try:
        services = Services(db)
        with pytest.raises(DatabaseBusy, match="busy with another change; try again"):
            services.people.create_user(_admin(db), UserInput("newbie", "New Person", Role.STUDENT))
        with pytest.raises(DatabaseBusy):
            services.auth.login("tina", PASSWORD)
    finally:
        holder.rollback()
        holder.close()
        db.dispose()


def _admin(db):  # type: ignore[no-untyped-def]
    from tracker.db.uow import read_only
    from tracker.domain.policy import Actor

    with read_only(db) as s:
        u = s.query(User).filter(User.role == Role.ADMIN).one()
        return Actor(u.id, u.username, u.display_name, u.role)


@pytest.mark.parametrize(("address", "words"), [
    ("postgresql://u:secret@localhost:notaport/db", "not a valid database address (the port is not a number)"),
    ("mysql://u@localhost/school", "'mysql' databases are not supported"),
    ("postgresql+pg8000://u@localhost/school", "driver for postgresql is not installed"),
])
def test_bad_database_addresses_get_a_plain_message_and_exit_3(address: str, words: str, capsys) -> None:
    code, out = _run(["--db", address, "migrate"], capsys)
    assert code == 3 and words in out
    assert "Traceback" not in out and "secret" not in out


@pytest.mark.skipif(not POSIX, reason="file modes are POSIX")
def test_new_databases_their_folder_and_backups_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "profile" / "ActivityTracker"
    db, _ = open_database(folder / "school.db")
    db.dispose()
    assert _mode(folder) == 0o700 and _mode(folder / "school.db") == 0o600
    for side in folder.glob("school.db-*"):
        assert _mode(side) == 0o600, side
    # an upgrade's backup keeps the database's own mode (here one an admin chose: 0640)
    os.chmod(folder / "school.db", 0o640)
    from tracker.db import migrate

    backup = migrate._backup_sqlite(folder / "school.db", "0002")
    assert _mode(backup) == 0o640


def test_support_log_hides_sql_parameters(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TRACKER_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr("tracker.logs._handler", None)
    path = setup_logging()
    assert path is not None
    try:
        logging.getLogger("tracker.test").error(
            "import failed: (sqlite3.IntegrityError) UNIQUE constraint failed\n[SQL: INSERT INTO users]\n"
            "[parameters: [('Jürgen Groß', 'jg@example.org')]]")
        for h in logging.getLogger().handlers:
            h.flush()
        logged = path.read_text(encoding="utf-8")
    finally:
        import tracker.logs

        if tracker.logs._handler is not None:
            logging.getLogger().removeHandler(tracker.logs._handler)
            tracker.logs._handler.close()
    assert "UNIQUE constraint failed" in logged and "Jürgen" not in logged and "jg@example.org" not in logged
    if POSIX:
        assert _mode(path) == 0o600
    assert redact("x\n[parameters: ('a', 'b')]") == "x\n[parameters: hidden]"


def test_an_unexpected_error_on_the_command_line_is_one_line_and_logged(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("TRACKER_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr("tracker.logs._handler", None)

    def boom(args):  # type: ignore[no-untyped-def]
        raise KeyError("something internal")

    monkeypatch.setattr(cli, "cmd_migrate", boom)
    try:
        code, out = _run(["--db", str(tmp_path / "x.db"), "migrate"], capsys)
    finally:
        import tracker.logs

        if tracker.logs._handler is not None:
            logging.getLogger().removeHandler(tracker.logs._handler)
            tracker.logs._handler.close()
    assert code == 1 and "unexpected error (KeyError" in out and "Traceback" not in out
    assert str(tmp_path / "logs") in out
    assert "Traceback" in (tmp_path / "logs" / "activity-tracker.log").read_text()

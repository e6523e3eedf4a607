"""Opening databases: create, upgrade with a backup, refuse what is not ours (issue 2, part 2)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text

import tracker.db.migrate as migrate
from tracker import cli
from tracker.db.engine import Database, default_db_path, describe_url, resolve_url
from tracker.db.models import AttendanceStatus, Base, RubricLevel
from tracker.db.uow import read_only
from tracker.errors import DatabaseError
from tracker.services.bootstrap import DEFAULT_STATUSES, open_database


def _revision(path: Path) -> str | None:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        conn.close()


def _fingerprint(path: Path) -> tuple[bytes, int, list[str]]:
    """The file's bytes, its mtime and the files beside it: 'never modified' means all equal."""
    return path.read_bytes(), path.stat().st_mtime_ns, sorted(p.name for p in path.parent.iterdir())


def _make_school_file(path: Path) -> None:
    db, _ = open_database(path)
    db.dispose()  # the last connection checkpoints the WAL into the file


# --------------------------------------------------------------------------- creating


def test_new_database_is_created_at_the_newest_revision(db_path):
    db, result = open_database(db_path)
    try:
        assert result is not None and result.created and result.backup is None
        assert result.to_revision == migrate.head_revision() == migrate.current_revision(db)
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        assert set(Base.metadata.tables) <= tables
    finally:
        db.dispose()


def test_default_attendance_statuses_are_seeded_once(db_path):
    for _ in range(3):
        db, result = open_database(db_path)
        with read_only(db) as s:
            statuses = s.execute(
                select(AttendanceStatus.code, AttendanceStatus.label, AttendanceStatus.counts_as_present,
                       AttendanceStatus.counts_in_rate).order_by(AttendanceStatus.sort_order)
            ).all()
            rubric = s.scalar(select(func.count(RubricLevel.id)))
        db.dispose()
        assert [tuple(r) for r in statuses] == [(c, label, p, r) for c, label, p, r, _ in DEFAULT_STATUSES]
        assert [r[0] for r in statuses] == ["P", "L", "E", "A"]
        assert rubric == 4
    assert result is not None and not result.created and not result.upgraded


def test_schema_matches_the_models(db_path):
    """The migration and the ORM models describe the same schema (no forgotten revision)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    db, _ = open_database(db_path)
    try:
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        db.dispose()


# --------------------------------------------------------------------------- upgrading


EXTRA = "9999"  # a test-only revision after the program's newest
EXTRA_REVISION = '''"""test-only next revision"""
from alembic import op
import sqlalchemy as sa

revision = "9999"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("ci_extra", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("ci_extra")
'''


@pytest.fixture
def newer_program(tmp_path, monkeypatch):
    """The migrations folder of a newer program: the real revisions plus a test-only one."""
    folder = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    head = migrate.head_revision()
    (folder / "versions" / f"{EXTRA}_ci_extra.py").write_text(EXTRA_REVISION.format(down=head))
    monkeypatch.setattr(migrate, "MIGRATIONS", folder)
    return head


def test_older_database_is_backed_up_then_upgraded(tmp_path, newer_program):
    path = tmp_path / "school.db"
    with monkeypatch_context() as mp:  # build the old file with the real program
        mp.setattr(migrate, "MIGRATIONS", Path(migrate.__file__).with_name("migrations"))
        _make_school_file(path)
    assert _revision(path) == newer_program

    db, result = open_database(path)
    try:
        assert result is not None and result.upgraded
        assert (result.from_revision, result.to_revision) == (newer_program, EXTRA)
        with db.engine.connect() as conn:
            assert "ci_extra" in inspect(conn).get_table_names()
            assert conn.scalar(text("SELECT count(*) FROM attendance_statuses")) == 4
    finally:
        db.dispose()
    assert _revision(path) == EXTRA
    backup = result.backup
    assert backup is not None and backup.exists() and backup.parent == path.parent / "backups"  # the backup folder
    assert newer_program in backup.name
    assert _revision(backup) == newer_program  # a valid SQLite database of the old revision
    conn = sqlite3.connect(backup)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "ci_extra" not in tables and "users" in tables
        assert conn.execute("SELECT count(*) FROM attendance_statuses").fetchone()[0] == 4
    finally:
        conn.close()


def test_cli_migrate_reports_the_upgrade_and_the_backup(tmp_path, newer_program, capsys):
    path = tmp_path / "school.db"
    with monkeypatch_context() as mp:
        mp.setattr(migrate, "MIGRATIONS", Path(migrate.__file__).with_name("migrations"))
        assert cli.main(["--db", str(path), "migrate"]) == 0
    assert cli.main(["--db", str(path), "migrate"]) == 0
    out = capsys.readouterr().out
    assert "Created a new database" in out and f"from {newer_program} to {EXTRA}" in out
    assert "Backup of the old database" in out


def monkeypatch_context():
    return pytest.MonkeyPatch.context()


# --------------------------------------------------------------------------- refusing


def test_database_from_a_newer_program_is_refused_and_left_alone(db_path):
    _make_school_file(db_path)
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE alembic_version SET version_num = 'ffff9999'")
    conn.commit()
    conn.close()
    before = _fingerprint(db_path)
    with pytest.raises(DatabaseError, match="newer version") as err:
        open_database(db_path)
    assert "Nothing was changed" in str(err.value)
    assert _fingerprint(db_path) == before


def test_file_that_is_not_a_database_is_refused_and_left_alone(db_path):
    db_path.write_text("name,grade\nSam,7\n" * 50)
    before = _fingerprint(db_path)
    with pytest.raises(DatabaseError, match="not an Activity Tracker database"):
        open_database(db_path)
    assert _fingerprint(db_path) == before


def test_folder_is_refused(tmp_path):
    with pytest.raises(DatabaseError, match="folder"):
        open_database(tmp_path)


def test_foreign_sqlite_database_is_refused_and_left_alone(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO recipes (name) VALUES ('soup')")
    conn.commit()
    conn.close()
    before = _fingerprint(db_path)
    with pytest.raises(DatabaseError, match="not an Activity Tracker database"):
        open_database(db_path)
    assert _fingerprint(db_path) == before


def test_corrupt_sqlite_file_is_refused_and_left_alone(db_path):
    db_path.write_bytes(migrate.SQLITE_MAGIC + b"\x00garbage" * 200)
    before = _fingerprint(db_path)
    with pytest.raises(DatabaseError):
        open_database(db_path)
    assert _fingerprint(db_path) == before


def test_empty_file_becomes_a_new_database(db_path):
    db_path.touch()
    db, result = open_database(db_path)
    db.dispose()
    assert result is not None and result.created


def test_unreachable_postgresql_server_gets_a_clear_message():
    with pytest.raises(DatabaseError) as err:
        open_database("postgresql://u:p@127.0.0.1:1/x")
    message = str(err.value)
    assert message.startswith("Cannot open the database postgresql+psycopg://u:***@127.0.0.1:1/x")
    assert "reachable" in message and ":p@" not in message


def test_cli_reports_a_bad_database_and_exits_non_zero(db_path, capsys):
    db_path.write_text("not a database")
    assert cli.main(["--db", str(db_path), "migrate"]) == 3
    err = capsys.readouterr().err
    assert "not an Activity Tracker database" in err and "Traceback" not in err


# --------------------------------------------------------------------------- engine and URLs


def test_sqlite_connections_use_wal_foreign_keys_normal_sync_and_busy_timeout(db):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_resolve_url_turns_a_path_into_an_absolute_sqlite_url(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = resolve_url("school.db")
    assert url.drivername == "sqlite" and url.database == str(tmp_path / "school.db")
    assert resolve_url(tmp_path / "x.db").database == str(tmp_path / "x.db")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_url("~/y.db").database == str(tmp_path / "y.db")


@pytest.mark.parametrize("raw", ["postgresql://u:p@db.example/school", "postgres://u:p@db.example/school"])
def test_resolve_url_sends_postgresql_through_psycopg3(raw):
    url = resolve_url(raw)
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.database, url.username) == ("db.example", "school", "u")
    assert describe_url(url) == "postgresql+psycopg://u:***@db.example/school"


def test_resolve_url_keeps_other_sqlalchemy_urls():
    assert resolve_url("postgresql+psycopg://u@h/d").drivername == "postgresql+psycopg"
    assert resolve_url("sqlite:////tmp/a.db").database == "/tmp/a.db"


def test_resolve_url_falls_back_to_tracker_db_then_the_user_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "env.db"))
    assert resolve_url().database == str(tmp_path / "env.db")
    assert resolve_url(tmp_path / "explicit.db").database == str(tmp_path / "explicit.db")
    monkeypatch.delenv("TRACKER_DB")
    assert resolve_url().database == str(default_db_path().resolve())
    assert default_db_path().name == "tracker.db" and "ActivityTracker" in str(default_db_path())


@pytest.mark.parametrize("argv", [
    ["--db", "{p}", "migrate"],
    ["migrate", "--db", "{p}"],
])
def test_db_option_is_accepted_before_or_after_the_subcommand(tmp_path, argv, capsys):
    path = tmp_path / "school.db"
    assert cli.main([a.format(p=path) for a in argv]) == 0
    assert "Created a new database" in capsys.readouterr().out
    assert _revision(path) == migrate.head_revision()


def test_tracker_db_environment_variable_selects_the_database(tmp_path, monkeypatch, capsys):
    path = tmp_path / "env.db"
    monkeypatch.setenv("TRACKER_DB", str(path))
    assert cli.main(["migrate"]) == 0
    assert path.exists()
    assert cli.main(["migrate"]) == 0
    assert "is up to date" in capsys.readouterr().out


def test_database_connect_describes_itself(db_path):
    db = Database.connect(db_path)
    try:
        assert db.is_sqlite and db.describe() == str(db_path.resolve())
    finally:
        db.dispose()


def test_head_revision_read_from_files_agrees_with_alembic() -> None:
    """The fast start-up path reads the head from the files; Alembic must agree."""
    from alembic.script import ScriptDirectory

    assert migrate.head_revision() == ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()


def test_a_0001_database_gains_the_override_columns_and_the_pending_jobs_and_keeps_its_data(tmp_path):
    """The real upgrade path: a file made at revision 0001 with an enrollment in it."""
    from alembic import command

    path = tmp_path / "old.db"
    cfg = migrate.alembic_config()
    cfg.set_main_option("sqlalchemy.url", f"sqlite:///{path}")
    command.upgrade(cfg, "0001")
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO users (username, display_name, role, active, password_hash, failed_logins,"
                 " version, uid, created_at, updated_at) VALUES ('s1','S One','student',1,'x',0,1,'u1',"
                 "'2026-01-01','2026-01-01')")
    conn.commit()
    conn.close()
    db, result = open_database(path)
    try:
        assert result is not None and (result.from_revision, result.to_revision) == ("0001", migrate.head_revision())
        with db.engine.connect() as c:
            cols = {col["name"] for col in inspect(c).get_columns("activity_progress")}
            assert {"override_note", "override_by", "override_at"} <= cols
            jobs = {col["name"] for col in inspect(c).get_columns("pending_jobs")}
            assert {"kind", "payload", "attempts", "last_error", "version"} <= jobs
            assert c.scalar(text("SELECT display_name FROM users WHERE username='s1'")) == "S One"
    finally:
        db.dispose()


# --------------------------------------------------------------------------- a missing folder (issue 10)


def test_migrate_refuses_a_folder_that_does_not_exist_and_creates_nothing(tmp_path, capsys):
    target = tmp_path / "no" / "such" / "dir" / "school.db"
    assert cli.main(["migrate", "--db", str(target)]) == 3
    err = capsys.readouterr().err
    assert err == (f"activity-tracker: The folder {target.parent} does not exist, so there is no database "
                   "school.db in it. Nothing was created. Check the path, or create the folder first.\n")
    assert not (tmp_path / "no").exists()


def test_a_later_demo_into_the_same_place_is_not_blocked(tmp_path, capsys):
    """The story of the issue: migrate used to leave an empty database that demo then refused."""
    target = tmp_path / "school" / "school.db"
    assert cli.main(["migrate", "--db", str(target)]) == 3
    assert cli.main(["demo", "--db", str(target), "--students", "5"]) == 0  # a demo makes its folder
    assert "Created demo school" in capsys.readouterr().out
    assert cli.main(["migrate", "--db", str(target)]) == 0
    assert "is up to date" in capsys.readouterr().out


def test_a_path_through_a_file_is_refused_too(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("hello")
    assert cli.main(["migrate", "--db", str(tmp_path / "notes.txt" / "school.db")]) == 3
    assert "is not a folder" in capsys.readouterr().err


def test_the_default_data_folder_is_still_created(tmp_path, monkeypatch, capsys):
    import platformdirs

    data = tmp_path / "home" / ".local" / "share" / "ActivityTracker"
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda *a, **k: str(data))
    monkeypatch.delenv("TRACKER_DB", raising=False)
    assert cli.main(["migrate"]) == 0
    assert "Created a new database" in capsys.readouterr().out
    assert (data / "tracker.db").is_file()


def test_upgrading_a_0001_database_keeps_the_rows_that_point_at_altered_tables(tmp_path):
    """SQLite alters a table by copying it: with foreign keys on, dropping the old copy would
    cascade-delete every status history row of every enrollment."""
    from alembic import command

    path = tmp_path / "old.db"
    cfg = migrate.alembic_config()
    cfg.set_main_option("sqlalchemy.url", f"sqlite:///{path}")
    command.upgrade(cfg, "0001")
    stamp = "'2026-01-01','2026-01-01'"
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO users (id, username, display_name, role, active, failed_logins, version, uid, "
                 f"created_at, updated_at) VALUES (1, 's1', 'S One', 'student', 1, 0, 1, 'u1', {stamp})")
    conn.execute("INSERT INTO activities (id, name, category, description, location, requires_signoff, "
                 "require_milestones, archived, version, uid, created_at, updated_at) "
                 f"VALUES (1, 'Chess', 'Club', '', '', 0, 1, 0, 1, 'a1', {stamp})")
    conn.execute("INSERT INTO activity_progress (id, user_id, activity_id, status, progress_percentage, "
                 "progress_manual, status_manual, version, uid, created_at, updated_at) "
                 f"VALUES (1, 1, 1, 'active', 0, 0, 0, 1, 'p1', {stamp})")
    conn.execute("INSERT INTO progress_status_history (progress_id, from_status, to_status, changed_at, uid, "
                 f"created_at, updated_at) VALUES (1, NULL, 'active', '2026-01-01', 'h1', {stamp})")
    conn.commit()
    conn.close()
    db, result = open_database(path)
    try:
        assert result is not None and result.to_revision == migrate.head_revision()
        with db.engine.connect() as c:
            counts = {t: c.scalar(text(f"SELECT count(*) FROM {t}")) for t in
                      ("users", "activities", "activity_progress", "progress_status_history")}
            assert counts == {"users": 1, "activities": 1, "activity_progress": 1, "progress_status_history": 1}
            assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # back on for everyone after
    finally:
        db.dispose()


def test_achievements_migration_keeps_badges_and_salts_each_award(tmp_path):
    """Migration 0006 keeps the badges and awards a school has, gives every award a salt of its
    own (its recipient hash) and records the activity an activity's badge was earned in."""
    from alembic import command
    from sqlalchemy import select

    from tracker.db.migrate import alembic_config
    from tracker.db.models import Badge, BadgeAward
    from tracker.db.uow import read_only
    from tracker.demo import DemoOptions, generate_demo

    target = str(tmp_path / "school.db")
    generate_demo(target, DemoOptions(students=60, seed=7, password="demo-pass-2026"))
    old = Database.connect(target)
    try:
        cfg = alembic_config()
        with old.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0005")
        with old.engine.connect() as conn:
            before = conn.exec_driver_sql("SELECT count(*) FROM badge_awards").scalar()
    finally:
        old.dispose()
    db, result = open_database(target)
    try:
        assert result is not None and result.from_revision == "0005"
        with read_only(db) as s:
            awards = s.execute(select(BadgeAward.salt, BadgeAward.activity_id, Badge.activity_id)
                               .join(Badge, Badge.id == BadgeAward.badge_id)).all()
        assert before and len(awards) == before
        assert all(len(salt) == 32 for salt, _, _ in awards)
        assert len({salt for salt, _, _ in awards}) == len(awards)
        assert all(earned_in == badge_activity for _, earned_in, badge_activity in awards)
    finally:
        db.dispose()

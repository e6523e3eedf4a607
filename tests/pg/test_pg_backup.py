"""Backups on PostgreSQL (issue 15): `backup` writes a pg_dump custom-format archive when the
client tools are installed and says what to install when not; a restore is pg_restore's job (the
server's administrator), so it is refused with that advice (exit 2), and nothing is backed up
automatically on a server (its own backups are IT's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import School
from tracker import cli
from tracker.services.backups import BackupUnavailable

pytestmark = pytest.mark.pg


def test_backup_writes_a_pg_dump_archive(school: School, pg_url: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "school.dump"
    assert cli.main(["--db", pg_url, "backup", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"Backup written: {out}\n"
    assert out.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_without_pg_dump_the_backup_says_what_to_install(school: School, pg_url: str,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    assert cli.main(["--db", pg_url, "backup", "--out", "never.dump"]) == 2
    assert "PostgreSQL client tools (pg_dump)" in capsys.readouterr().err
    assert not Path("never.dump").exists()


def test_restore_on_postgresql_points_to_pg_restore(school: School, pg_url: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(BackupUnavailable, match="pg_restore"):
        school.services.backups.restore(school.admin, tmp_path / "any.db")
    assert cli.main(["--db", pg_url, "restore", str(tmp_path / "any.db")]) == 2
    assert "pg_restore" in capsys.readouterr().err
    assert school.services.backups.automatic("start") is None and school.services.backups.before("import") is None

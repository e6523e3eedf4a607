"""The machine's configuration file (issue 16): IT points every account of a workstation at the
school's shared database once; $TRACKER_DB and --db still win, and a broken file says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tracker.db.engine import resolve_url
from tracker.paths import ConfigError, configured_database, system_database

MAIN = Path(__file__).resolve().parents[2] / "main.py"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "activity-tracker.toml"
    monkeypatch.setenv("TRACKER_SYSTEM_CONFIG", str(path))
    monkeypatch.delenv("TRACKER_DB", raising=False)
    return path


def test_no_file_means_the_per_user_default(config: Path) -> None:
    assert system_database() is None and configured_database() is None
    assert resolve_url(None).drivername == "sqlite"


def test_the_file_sets_the_shared_database_for_everyone_on_the_machine(config: Path) -> None:
    config.write_text('# set by IT\n[database]\nurl = "postgresql://tracker@db.school.test/school"\n')
    assert configured_database() == "postgresql://tracker@db.school.test/school"
    url = resolve_url(None)
    assert url.host == "db.school.test" and url.database == "school"


def test_tracker_db_overrides_the_file(config: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config.write_text('[database]\nurl = "postgresql://db.school.test/school"\n')
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "mine.db"))
    assert configured_database() == str(tmp_path / "mine.db")


@pytest.mark.parametrize("text, says", [
    ("[database\nurl = 1", "is not valid TOML"),
    ("[database]\nurl = 5\n", "must be text"),
])
def test_a_broken_file_is_an_error_that_names_it(config: Path, text: str, says: str) -> None:
    config.write_text(text)
    with pytest.raises(ConfigError) as caught:
        configured_database()
    assert says in str(caught.value) and str(config) in str(caught.value)


def test_a_file_without_a_database_section_changes_nothing(config: Path) -> None:
    config.write_text("[other]\nkey = 1\n")
    assert configured_database() is None


def test_the_command_line_uses_the_file_and_reports_a_broken_one(config: Path, tmp_path: Path) -> None:
    import os

    shared = tmp_path / "shared-school.db"
    config.write_text(f'[database]\nurl = "sqlite:///{shared}"\n')
    env = dict(os.environ, TRACKER_SYSTEM_CONFIG=str(config))
    env.pop("TRACKER_DB", None)
    done = subprocess.run([sys.executable, str(MAIN), "migrate"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert shared.exists()
    config.write_text("[database\n")
    broken = subprocess.run([sys.executable, str(MAIN), "activities"], env=env, capture_output=True,
                            text=True, timeout=120)
    assert broken.returncode != 0 and "is not valid TOML" in broken.stderr and "Traceback" not in broken.stderr

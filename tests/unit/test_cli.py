"""The command line and the no-display start (issue 2, parts 1 and 4)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracker import cli
from tracker.api import TrackerAPI

ROOT = Path(__file__).resolve().parents[2]


def create_user(monkeypatch, db_path, *args: str, password: str = "first-admin-pass\n") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(password))
    return cli.main(["--db", str(db_path), "create-user", *args, "--password-stdin"])


def test_create_user_makes_the_first_admin_from_stdin(db_path, monkeypatch, capsys):
    assert create_user(monkeypatch, db_path, "--role", "admin", "--username", "head",
                       "--display-name", "Head Teacher") == 0
    assert "Created administrator head" in capsys.readouterr().out
    with TrackerAPI.open(db_path) as api:
        actor = api.login("head", "first-admin-pass")  # the newline is not part of the password
        assert actor.role.value == "admin" and actor.display_name == "Head Teacher"


def test_create_user_then_adds_a_teacher(db_path, monkeypatch, capsys):
    assert create_user(monkeypatch, db_path, "--role", "admin", "--username", "head") == 0
    assert create_user(monkeypatch, db_path, "--role", "teacher", "--username", "tina",
                       password="teacher-pass\r\n") == 0
    assert "Created teacher tina" in capsys.readouterr().out
    with TrackerAPI.open(db_path) as api:
        assert api.login("tina", "teacher-pass").role.value == "teacher"


def test_db_option_after_the_subcommand_works_for_create_user(db_path, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("first-admin-pass\n"))
    assert cli.main(["create-user", "--role", "admin", "--username", "head", "--password-stdin",
                     "--db", str(db_path)]) == 0
    with TrackerAPI.open(db_path) as api:
        assert api.login("head", "first-admin-pass")


def test_a_second_admin_is_created_by_the_first(db_path, monkeypatch, capsys):
    assert create_user(monkeypatch, db_path, "--role", "admin", "--username", "head") == 0
    assert create_user(monkeypatch, db_path, "--role", "admin", "--username", "deputy") == 0
    assert "Created admin deputy" in capsys.readouterr().out


def test_unknown_role_is_rejected_by_the_argument_parser(db_path, monkeypatch, capsys):
    with pytest.raises(SystemExit) as exc:
        create_user(monkeypatch, db_path, "--role", "janitor", "--username", "x")
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
    assert not db_path.exists()


def test_short_password_exits_1_with_a_message(db_path, monkeypatch, capsys):
    assert create_user(monkeypatch, db_path, "--role", "admin", "--username", "head",
                       password="short\n") == 1
    err = capsys.readouterr().err
    assert "at least 8 characters" in err and "Traceback" not in err
    with TrackerAPI.open(db_path) as api:
        assert not api.services.auth.has_admin()


def test_teacher_before_any_admin_is_refused(db_path, monkeypatch, capsys):
    assert create_user(monkeypatch, db_path, "--role", "teacher", "--username", "tina") == 1
    assert "Create an administrator first" in capsys.readouterr().err


def test_taken_username_exits_1(db_path, monkeypatch, capsys):
    assert create_user(monkeypatch, db_path, "--role", "admin", "--username", "head") == 0
    assert create_user(monkeypatch, db_path, "--role", "teacher", "--username", "HEAD") == 1
    assert "taken" in capsys.readouterr().err


def test_version_flag(capsys):
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("activity-tracker ")


def test_gui_subcommand_without_the_ui_package_is_a_clear_error(capsys):
    assert cli.main(["gui"]) == 2
    assert "desktop interface" in capsys.readouterr().err


@pytest.fixture
def no_display(monkeypatch):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)


def test_starting_without_a_display_explains_what_to_do(no_display, capsys):
    from ui import launcher

    assert launcher.main([]) == 2
    err = capsys.readouterr().err
    assert "xvfb-run" in err and "QT_QPA_PLATFORM=offscreen" in err


def test_launcher_module_does_not_import_qt():
    code = "import sys, ui.launcher; print(any(m.startswith('PySide6') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_main_py_without_a_display_exits_2_without_a_qt_abort(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["TRACKER_DB"] = str(tmp_path / "never-created.db")
    out = subprocess.run([sys.executable, "main.py"], capture_output=True, text=True, cwd=ROOT,
                         env=env, timeout=60)
    assert out.returncode == 2, out.stderr
    assert "Fatal Python error" not in out.stderr and "Aborted" not in out.stderr
    assert "xvfb-run" in out.stderr
    assert not (tmp_path / "never-created.db").exists()


def test_cli_subcommands_work_without_a_display(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = subprocess.run([sys.executable, "main.py", "migrate", "--db", str(tmp_path / "s.db")],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "Created a new database" in out.stdout


@pytest.mark.parametrize("role", ["admin", "teacher"])
def test_empty_password_on_stdin_creates_nothing(db_path, monkeypatch, capsys, role):
    if role != "admin":
        assert create_user(monkeypatch, db_path, "--role", "admin", "--username", "head") == 0
    assert create_user(monkeypatch, db_path, "--role", role, "--username", "blank", password="") == 1
    assert "No password given" in capsys.readouterr().err
    with TrackerAPI.open(db_path) as api:
        admin = api.login("head", "first-admin-pass") if role != "admin" else None
        if admin:
            assert "blank" not in {u["username"] for u in api.find_users(admin)}
        else:
            assert not api.services.auth.has_admin()


def test_activity_tracker_console_script_is_the_launcher(no_display, capsys):
    from importlib.metadata import entry_points

    (script,) = entry_points(group="console_scripts", name="activity-tracker")
    assert script.value == "ui.launcher:main"
    assert script.load()([]) == 2
    assert "xvfb-run" in capsys.readouterr().err

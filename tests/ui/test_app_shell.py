"""The application shell end to end: starting up, the screenshot command, bad databases."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from tests.conftest import PASSWORD, School
from tests.ui.conftest import settle
from tracker.cli import build_parser
from ui import app as app_module
from ui import theme
from ui.dialogs import DATABASE_LOCATION, app_settings
from ui.screenshot import run_screenshot, views
from ui.views.registry import PAGES


@pytest.fixture(autouse=True)
def prefs(tmp_path: Path, qapp) -> QSettings:  # type: ignore[no-untyped-def]
    """Keep the user's real preferences out of the tests."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "prefs"))
    return app_settings()


def screenshot_args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["screenshot", *argv])


def school_db(school: School) -> str:
    return str(school.services.db.url.database)


def test_a_text_file_as_database_is_reported_and_exits_3(qtbot, tmp_path, monkeypatch, capsys):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n")

    launch = app_module.GuiLaunch(argparse.Namespace(db=str(notes)))
    qtbot.waitUntil(lambda: launch.exit_code is not None)

    assert launch.exit_code == 3
    assert not launch.login.isVisible()
    assert "not an Activity Tracker database" in capsys.readouterr().err
    assert shown and "not an Activity Tracker database" in shown[0]
    assert notes.read_text() == "shopping list\n"  # nothing modified


def test_a_broken_workstation_configuration_is_said_in_the_window(qtbot, tmp_path, monkeypatch, capsys, prefs):
    """IT's configuration file has a typo: the window says which file and why, and offers
    another database (here the user quits) instead of crashing or silently opening another."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    config = tmp_path / "activity-tracker.toml"
    config.write_text("[database\nurl = ")
    monkeypatch.setenv("TRACKER_SYSTEM_CONFIG", str(config))
    monkeypatch.delenv("TRACKER_DB", raising=False)

    launch = app_module.GuiLaunch(argparse.Namespace(db=None))
    qtbot.waitUntil(lambda: launch.exit_code is not None)

    assert launch.exit_code == 3
    assert shown and "is not valid TOML" in shown[0] and str(config) in shown[0]
    assert "is not valid TOML" in capsys.readouterr().err


def test_database_location_comes_from_args_then_settings_then_environment(prefs, monkeypatch, tmp_path):
    config = tmp_path / "activity-tracker.toml"
    config.write_text('[database]\nurl = "postgresql://tracker@db.school.test/school"\n')
    monkeypatch.setenv("TRACKER_SYSTEM_CONFIG", str(config))
    monkeypatch.delenv("TRACKER_DB", raising=False)
    # IT's machine-wide choice, when the user has none of their own
    assert app_module.database_target(argparse.Namespace(db=None)) == "postgresql://tracker@db.school.test/school"
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "env.db"))
    assert app_module.database_target(argparse.Namespace(db=None)) == str(tmp_path / "env.db")
    prefs.setValue(DATABASE_LOCATION, str(tmp_path / "chosen.db"))
    assert app_module.database_target(argparse.Namespace(db=None)) == str(tmp_path / "chosen.db")
    assert app_module.database_target(argparse.Namespace(db="cli.db")) == "cli.db"


def test_build_context_and_main_window_without_exec(qtbot, school: School):
    ctx = app_module.build_context(school.services.db)
    ctx.actor = school.teacher
    window = app_module.make_main_window(ctx, persist=False)
    qtbot.addWidget(window)
    assert window.page_keys == ["dashboard", "activities", "calendar", "analytics", "leaderboard", "inbox"]
    settle(qtbot, ctx)  # the school's name is read in the background
    assert window.windowTitle() == school.services.settings.get().school_name  # the platform adds the app
    ctx.tasks.cancel_all()
    ctx.tasks.wait()


def test_screenshot_lists_every_page_and_dialog(capsys):
    assert run_screenshot(screenshot_args("--list-views")) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[0] for line in lines]
    for page in PAGES:
        assert page.key in names
    for dialog in ("login", "first-run", "settings", "about", "change-password", "lock"):
        assert dialog in names
    assert all(len(line.split(None, 1)) == 2 for line in lines)  # every view has a description
    assert set(names) == set(views())


@pytest.mark.parametrize("view", ["login", "dashboard"])
def test_screenshot_writes_a_png_of_the_requested_size(tmp_path, school: School, view: str):
    out = tmp_path / f"{view}.png"
    code = run_screenshot(screenshot_args("--db", school_db(school), "--user", "admin", "--password", PASSWORD,
                                          "--view", view, "--out", str(out), "--size", "1000x700"))
    assert code == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1000, 700)


@pytest.mark.parametrize("view", ["lock", "settings", "about", "change-password", "first-run", "people",
                                  "skill-catalog", "rubric"])
def test_screenshot_of_every_shell_view(tmp_path, school: School, view: str):
    out = tmp_path / f"{view}.png"
    assert run_screenshot(screenshot_args("--db", school_db(school), "--user", "admin", "--password", PASSWORD,
                                          "--view", view, "--out", str(out))) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)


def test_screenshot_of_a_page_the_user_may_not_see_fails_clearly(tmp_path, school: School):
    from tracker.errors import TrackerError

    with pytest.raises(TrackerError, match="not available to tina"):
        run_screenshot(screenshot_args("--db", school_db(school), "--user", "tina", "--password", PASSWORD,
                                       "--view", "people", "--out", str(tmp_path / "x.png")))


def test_screenshot_unknown_view_lists_the_views(tmp_path, school: School, capsys):
    code = run_screenshot(screenshot_args("--db", school_db(school), "--user", "admin", "--password", PASSWORD,
                                          "--view", "nonsense", "--out", str(tmp_path / "x.png")))
    assert code == 2
    err = capsys.readouterr().err
    assert "nonsense" in err and "dashboard" in err and "login" in err


def test_screenshot_bad_login_exits_1(tmp_path, school: School, capsys):
    out = tmp_path / "x.png"
    code = run_screenshot(screenshot_args("--db", school_db(school), "--user", "admin", "--password", "wrong-one",
                                          "--view", "dashboard", "--out", str(out)))
    assert code == 1
    assert "cannot sign in" in capsys.readouterr().err
    assert not out.exists()


def test_status_colours_are_distinct_for_every_enrollment_status():
    colours = {theme.status_colour(s) for s in ("active", "completed", "dropped", "waitlisted")}
    assert len(colours) == 4
    assert theme.status_colour("ACTIVE") == theme.ACCENT


def test_start_shows_sign_in_first_then_the_main_window(qtbot, monkeypatch, school: School):
    import sys

    from ui.dialogs.login import LoginDialog

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    seen: dict[str, object] = {}

    def fake_sign_in(ctx, target, login=None, *, first_run=False):  # type: ignore[no-untyped-def]
        seen["target"] = target
        seen["first_run"] = first_run
        seen["login_shown_first"] = isinstance(login, LoginDialog) and login.isVisible()
        login.hide()
        ctx.actor = school.parent
        return True

    monkeypatch.setattr(app_module, "sign_in", fake_sign_in)
    launch = app_module.GuiLaunch(argparse.Namespace(db=school_db(school)))
    assert launch.login.isVisible() and launch.ctx is None  # before the database is open
    try:
        qtbot.waitUntil(lambda: launch.window is not None and launch.window.isVisible())
        window = launch.window
        assert seen["target"] == school_db(school)
        assert seen["login_shown_first"] is True
        assert seen["first_run"] is False  # the school has an administrator
        assert window.page_keys == ["dashboard", "calendar", "progress", "leaderboard", "portfolio", "inbox"]
        settle(qtbot, launch.ctx)
        assert window.windowTitle() == school.services.settings.get().school_name
        assert launch.app.applicationDisplayName() == "Activity Tracker"  # what the platform adds
        window.persist = False
        window.close()
    finally:
        launch.close()
        launch.app.setQuitOnLastWindowClosed(True)


def test_cancelling_sign_in_while_the_database_opens_quits(qtbot, school: School):
    launch = app_module.GuiLaunch(argparse.Namespace(db=school_db(school)))
    try:
        launch.login.reject()  # before the database is open
        assert launch.exit_code == 0
        qtbot.waitUntil(lambda: not launch.tasks.busy)
        assert launch.ctx is None and launch.window is None
        assert not launch.login.isVisible()
    finally:
        launch.close()
        launch.app.setQuitOnLastWindowClosed(True)


# --- a database that is not one: choose another, or create a new one ---------------------------
def answer_database_box(monkeypatch, button_text: str, shown: list[str]) -> None:  # type: ignore[no-untyped-def]
    """The "cannot open the database" box, answered by clicking the button named ``button_text``."""

    def fake_exec(box: QMessageBox) -> int:
        shown.append(box.text())
        names = [b.text() for b in box.buttons()]
        assert "Choose another database…" in names and "Create a new one…" in names and "Quit" in names
        next(b for b in box.buttons() if b.text() == button_text).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)


def launch_until_signed_in(qtbot, monkeypatch, school: School, target: str) -> tuple:  # type: ignore[no-untyped-def]
    import sys

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    seen: dict[str, object] = {}

    def fake_sign_in(ctx, target, login=None, *, first_run=False):  # type: ignore[no-untyped-def]
        seen.update(target=target, first_run=first_run)
        login.hide()
        return False  # the user closes the sign-in: the session ends, the database stays chosen

    monkeypatch.setattr(app_module, "sign_in", fake_sign_in)
    launch = app_module.GuiLaunch(argparse.Namespace(db=target))
    return launch, seen


def test_a_file_that_is_not_a_database_offers_to_choose_another(qtbot, tmp_path, monkeypatch, school: School,
                                                                 prefs):
    from PySide6.QtWidgets import QFileDialog

    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n")
    shown: list[str] = []
    answer_database_box(monkeypatch, "Choose another database…", shown)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (school_db(school), ""))
    launch, seen = launch_until_signed_in(qtbot, monkeypatch, school, str(notes))
    try:
        qtbot.waitUntil(lambda: launch.exit_code is not None, timeout=10_000)
        assert shown and "not an Activity Tracker database" in shown[0]
        assert seen == {"target": school_db(school), "first_run": False}  # the school opened
        assert prefs.value(DATABASE_LOCATION) == school_db(school)  # and is the location from now on
        assert notes.read_text() == "shopping list\n"
    finally:
        launch.close()
        launch.app.setQuitOnLastWindowClosed(True)


def test_a_file_that_is_not_a_database_offers_to_create_a_new_one(qtbot, tmp_path, monkeypatch, school: School,
                                                                  prefs):
    from PySide6.QtWidgets import QFileDialog

    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n")
    created = tmp_path / "new school.db"
    answer_database_box(monkeypatch, "Create a new one…", [])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(created), ""))
    launch, seen = launch_until_signed_in(qtbot, monkeypatch, school, str(notes))
    try:
        qtbot.waitUntil(lambda: launch.exit_code is not None, timeout=10_000)
        assert seen == {"target": str(created), "first_run": True}  # a new, empty school: set it up
        assert created.is_file()
        assert prefs.value(DATABASE_LOCATION) == str(created)
    finally:
        launch.close()
        launch.app.setQuitOnLastWindowClosed(True)


# --- screenshots show what a user sees --------------------------------------------------------------
def test_a_screenshot_smaller_than_the_window_names_it_and_exits_4(tmp_path, school: School, capsys):
    out = tmp_path / "small.png"
    code = run_screenshot(screenshot_args("--db", school_db(school), "--user", "admin", "--password", PASSWORD,
                                          "--view", "people", "--out", str(out), "--size", "800x600"))
    assert code == 4
    err = capsys.readouterr().err
    assert re.search(r"MainWindow 'mainWindow' needs at least 9\d\dx600: it does not fit a 800x600 screen", err)
    image = QImage(str(out))  # still written: what the 800x600 screen shows, cut at its edge
    assert (image.width(), image.height()) == (800, 600)


def test_a_screenshot_renders_the_window_at_the_size_asked_without_scaling(qtbot, tmp_path, school: School):
    from PySide6.QtCore import QSize

    from ui import screenshot

    ctx = app_module.build_context(school.services.db)
    ctx.actor = school.admin
    made: list = []
    try:
        stage = screenshot.stage_view(qtbot_app(), ctx, "about", QSize(1000, 700), made)
        assert stage.window is not None and stage.window.size() == QSize(1000, 700)
        assert stage.dialog is not None
        natural = stage.dialog.size()
        picture = screenshot.compose(stage, QSize(1000, 700))
        assert (picture.width(), picture.height()) == (1000, 700)
        assert stage.dialog.size() == natural  # drawn as it opened, not adjusted to look better
    finally:
        screenshot.close_all(qtbot_app(), made)
        ctx.tasks.cancel_all()
        ctx.tasks.wait()


def qtbot_app():  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return app


def test_screenshots_render_as_the_demo_administrator_without_user(tmp_path, school: School):
    out = tmp_path / "people.png"
    assert run_screenshot(screenshot_args("--db", school_db(school), "--password", PASSWORD,
                                          "--view", "people", "--out", str(out))) == 0
    assert out.is_file()


def test_offscreen_size_hint_warnings_are_silenced_and_other_messages_kept(qtlog, monkeypatch):
    from PySide6.QtCore import qWarning

    monkeypatch.setattr(app_module, "_offscreen_filter_installed", False)
    app_module._quiet_offscreen()
    qWarning(app_module.OFFSCREEN_NOISE)
    qWarning("something worth reading")
    messages = [r.message for r in qtlog.records]
    assert "something worth reading" in messages
    assert app_module.OFFSCREEN_NOISE not in messages

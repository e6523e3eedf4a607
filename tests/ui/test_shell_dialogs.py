"""Sign-in, first run, settings, change password and About dialogs."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog

from tests.conftest import PASSWORD, School
from tracker import __version__
from tracker.services import Services
from ui.context import AppContext
from ui.dialogs import DATABASE_LOCATION, LAST_USERNAME, app_settings
from ui.dialogs.about import AboutDialog
from ui.dialogs.change_password import ChangePasswordDialog
from ui.dialogs.first_run import FirstRunDialog
from ui.dialogs.login import LoginDialog
from ui.dialogs.settings import SettingsDialog
from ui.events import EventBus
from ui.main_window import MainWindow
from ui.tasks import TaskRunner


@pytest.fixture(autouse=True)
def prefs(tmp_path: Path, qapp) -> QSettings:  # type: ignore[no-untyped-def]
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "prefs"))
    return app_settings()


# --- sign in ------------------------------------------------------------------------------------
def login_dialog(qtbot, ctx: AppContext) -> LoginDialog:  # type: ignore[no-untyped-def]
    dialog = LoginDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_sign_in_returns_the_actor_and_remembers_the_username(qtbot, make_ctx, school: School, prefs):
    ctx = make_ctx(None)
    ctx.actor = None
    dialog = login_dialog(qtbot, ctx)
    qtbot.keyClicks(dialog.username, "tina")
    qtbot.keyClicks(dialog.password, PASSWORD)
    dialog.sign_in_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.actor == school.teacher
    assert prefs.value(LAST_USERNAME) == "tina"


def test_remembered_username_is_filled_in_and_password_has_focus(qtbot, ctx, prefs):
    prefs.setValue(LAST_USERNAME, "tina")
    dialog = login_dialog(qtbot, ctx)
    assert dialog.username.text() == "tina"
    qtbot.waitUntil(lambda: dialog.password.hasFocus())


def test_login_shows_school_name_and_accessible_fields(qtbot, ctx, school: School):
    school.services.settings.update(school.admin, school_name="Lakeside School")
    dialog = login_dialog(qtbot, ctx)
    assert dialog.school_label.text() == "Lakeside School"
    assert dialog.username.accessibleName() == "Username"
    assert dialog.password.accessibleName() == "Password"
    assert dialog.sign_in_button.isDefault()


def test_wrong_password_is_said_inline(qtbot, ctx):
    dialog = login_dialog(qtbot, ctx)
    dialog.username.setText("tina")
    dialog.password.setText("not-the-password")
    dialog.sign_in_button.click()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error.isVisible()
    assert "Wrong username or password" in dialog.error.text()
    assert dialog.password.text() == ""


def test_five_wrong_passwords_lock_the_account_plainly(qtbot, ctx):
    dialog = login_dialog(qtbot, ctx)
    for _ in range(5):
        dialog.username.setText("otto")
        dialog.password.setText("not-the-password")
        dialog.sign_in()
    assert "locked for 5 minutes" in dialog.error.text()
    dialog.password.setText(PASSWORD)
    assert not dialog.sign_in()
    assert "locked" in dialog.error.text() and "Try again in 5 minutes" in dialog.error.text()


def test_empty_username_is_asked_for(qtbot, ctx):
    dialog = login_dialog(qtbot, ctx)
    dialog.username.clear()
    assert not dialog.sign_in()
    assert dialog.error.text() == "Enter your username."


# --- settings -----------------------------------------------------------------------------------
def test_settings_are_saved_and_the_title_follows(qtbot, make_ctx, school: School, tmp_path, prefs):
    window = MainWindow(make_ctx(school.admin), persist=False)
    qtbot.addWidget(window)
    dialog = window.open_settings()
    assert isinstance(dialog, SettingsDialog)
    dialog.school_name.setText("Northfield College")
    dialog.idle_minutes.setValue(25)
    dialog.database.setText(str(tmp_path / "other.db"))
    assert dialog.save()
    saved = school.services.settings.get()
    assert (saved.school_name, saved.idle_lock_minutes) == ("Northfield College", 25)
    assert window.windowTitle() == "Activity Tracker — Northfield College"
    assert prefs.value(DATABASE_LOCATION) == str(tmp_path / "other.db")
    assert window.idle.timeout_ms == 25 * 60_000


def test_settings_need_a_school_name(qtbot, ctx, school: School):
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.school_name.setText("   ")
    assert not dialog.save()
    assert dialog.error.isVisible()
    assert "The school needs a name." in dialog.error.text()
    assert school.services.settings.get().school_name != ""


def test_settings_reject_a_missing_logo_file(qtbot, ctx, tmp_path):
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.logo_path.setText(str(tmp_path / "nope.png"))
    assert not dialog.save()
    assert "does not exist" in dialog.error.text()


def test_unchanged_database_location_is_not_stored(qtbot, ctx, prefs):
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.database.text() == ctx.db_description
    assert dialog.save()
    assert prefs.value(DATABASE_LOCATION) is None


# --- change password ----------------------------------------------------------------------------
def test_change_password(qtbot, make_ctx, school: School):
    ctx = make_ctx(school.teacher)
    dialog = ChangePasswordDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.current.setText(PASSWORD)
    dialog.new.setText("a-brand-new-one")
    dialog.confirm.setText("a-different-one")
    assert not dialog.save()
    assert "do not match" in dialog.error.text()

    dialog.current.setText("wrong-current")
    dialog.confirm.setText("a-brand-new-one")
    assert not dialog.save()
    assert "current password is wrong" in dialog.error.text()

    dialog.current.setText(PASSWORD)
    dialog.new.setText("short")
    dialog.confirm.setText("short")
    assert not dialog.save()
    assert "at least 8 characters" in dialog.error.text()

    dialog.new.setText("a-brand-new-one")
    dialog.confirm.setText("a-brand-new-one")
    assert dialog.save()
    assert school.services.auth.login("tina", "a-brand-new-one").id == school.teacher.id


# --- about --------------------------------------------------------------------------------------
def test_about_names_version_and_database(qtbot, ctx):
    dialog = AboutDialog(ctx)
    qtbot.addWidget(dialog)
    assert __version__ in dialog.version_label.text()
    assert dialog.database_label.text() == ctx.db_description


# --- first run ----------------------------------------------------------------------------------
@pytest.fixture
def empty_ctx(qapp, services: Services):  # type: ignore[no-untyped-def]
    ctx = AppContext(services=services, events=EventBus(), tasks=TaskRunner(),
                     db_description=services.db.describe())
    yield ctx
    ctx.tasks.cancel_all()
    ctx.tasks.wait()


def test_first_run_creates_the_administrator(qtbot, empty_ctx, db_path):
    assert not empty_ctx.services.auth.has_admin()
    dialog = FirstRunDialog(empty_ctx, str(db_path))
    qtbot.addWidget(dialog)
    dialog.username.setText("head")
    dialog.display_name.setText("Helen Head")
    dialog.password.setText("long-enough-pw")
    dialog.confirm.setText("long-enough-pw")
    dialog.create_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.actor is not None and dialog.actor.display_name == "Helen Head"
    assert empty_ctx.services.auth.has_admin()


def test_first_run_validation_is_inline(qtbot, empty_ctx, db_path):
    dialog = FirstRunDialog(empty_ctx, str(db_path))
    qtbot.addWidget(dialog)
    dialog.username.setText("head")
    dialog.password.setText("long-enough-pw")
    dialog.confirm.setText("long-enough-px")
    assert not dialog.create_admin()
    assert "do not match" in dialog.error.text()
    dialog.password.setText("short")
    dialog.confirm.setText("short")
    assert not dialog.create_admin()
    assert "at least 8 characters" in dialog.error.text()
    assert not empty_ctx.services.auth.has_admin()


def test_first_run_can_load_a_demo_school(qtbot, empty_ctx, db_path, monkeypatch):
    pytest.importorskip("tracker.demo")
    monkeypatch.setattr("ui.dialogs.first_run.DEMO_STUDENTS", 30)
    shown: list[str] = []
    dialog = FirstRunDialog(empty_ctx, str(db_path))
    qtbot.addWidget(dialog)
    monkeypatch.setattr(dialog, "show_demo_accounts", shown.append)
    old_services = empty_ctx.services
    dialog.load_demo()
    qtbot.waitUntil(lambda: dialog.demo_loaded or dialog.error.isVisible(), timeout=120_000)
    assert dialog.demo_loaded, dialog.error.text()
    assert empty_ctx.services is not old_services
    assert empty_ctx.services.auth.has_admin()
    assert shown and "demo-pass-2026" in shown[0]
    empty_ctx.services.db.dispose()

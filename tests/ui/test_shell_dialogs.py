"""Sign-in, first run, settings, change password and About dialogs."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog

from tests.conftest import PASSWORD, School
from tests.ui.conftest import settle
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
    settle(qtbot, ctx)  # the school's name is read in the background
    return dialog


def test_sign_in_returns_the_actor_and_remembers_the_username(qtbot, make_ctx, school: School, prefs):
    ctx = make_ctx(None)
    ctx.actor = None
    dialog = login_dialog(qtbot, ctx)
    qtbot.keyClicks(dialog.username, "tina")
    qtbot.keyClicks(dialog.password, PASSWORD)
    dialog.sign_in_button.click()
    assert not dialog.sign_in_button.isEnabled()  # while the password is checked
    settle(qtbot, ctx)
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
    settle(qtbot, ctx)
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
        settle(qtbot, ctx)
    assert "locked for 5 minutes" in dialog.error.text()
    dialog.password.setText(PASSWORD)
    dialog.sign_in()
    settle(qtbot, ctx)
    assert dialog.actor is None and dialog.result() != QDialog.DialogCode.Accepted
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
    settle(qtbot, window.ctx)  # the stored values are read in the background
    dialog.school_name.setText("Northfield College")
    dialog.idle_minutes.setValue(25)
    assert (dialog.absences_in_a_row.value(), dialog.keep_days.value()) == (3, 180)  # the defaults, as read
    dialog.absences_in_a_row.setValue(4)
    dialog.keep_days.setValue(90)
    dialog.database.setText(str(tmp_path / "other.db"))
    with qtbot.waitSignal(dialog.accepted):
        assert dialog.save()
        assert not dialog.save_button.isEnabled()  # while saving
    settle(qtbot, window.ctx)
    saved = school.services.settings.get()
    assert (saved.school_name, saved.idle_lock_minutes) == ("Northfield College", 25)
    assert (saved.absences_in_a_row, saved.notifications_keep_days) == (4, 90)
    assert window.windowTitle() == "Northfield College"
    assert prefs.value(DATABASE_LOCATION) == str(tmp_path / "other.db")
    assert window.idle.timeout_ms == 25 * 60_000


def test_settings_need_a_school_name(qtbot, ctx, school: School):
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    settle(qtbot, ctx)
    dialog.school_name.setText("   ")
    dialog.save()
    settle(qtbot, ctx)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error.isVisible()
    assert "The school needs a name." in dialog.error.text()
    assert school.services.settings.get().school_name != ""


def test_settings_reject_a_missing_logo_file(qtbot, ctx, tmp_path):
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    settle(qtbot, ctx)
    dialog.logo_path.setText(str(tmp_path / "nope.png"))
    dialog.save()
    settle(qtbot, ctx)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "does not exist" in dialog.error.text()


def test_unchanged_database_location_is_not_stored(qtbot, ctx, prefs):
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.database.text() == ctx.db_description
    settle(qtbot, ctx)
    assert dialog.save()
    settle(qtbot, ctx)
    assert dialog.result() == QDialog.DialogCode.Accepted
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
    dialog.save()
    settle(qtbot, ctx)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "current password is wrong" in dialog.error.text()

    dialog.current.setText(PASSWORD)
    dialog.new.setText("short")
    dialog.confirm.setText("short")
    dialog.save()
    settle(qtbot, ctx)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "at least 8 characters" in dialog.error.text()

    dialog.new.setText("a-brand-new-one")
    dialog.confirm.setText("a-brand-new-one")
    assert dialog.save()
    assert not dialog.ok_button.isEnabled()  # while the new password is hashed
    settle(qtbot, ctx)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert school.services.auth.login("tina", "a-brand-new-one").id == school.teacher.id


def test_change_password_can_be_cancelled_while_the_new_one_is_hashed(qtbot, make_ctx, school: School,
                                                                      monkeypatch):
    release = threading.Event()
    real = school.services.auth.change_password

    def slow(*args):  # type: ignore[no-untyped-def]
        release.wait(10)
        return real(*args)

    monkeypatch.setattr(school.services.auth, "change_password", slow)
    ctx = make_ctx(school.teacher)
    dialog = ChangePasswordDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.current.setText(PASSWORD)
    dialog.new.setText("a-brand-new-one")
    dialog.confirm.setText("a-brand-new-one")
    assert dialog.save()
    assert not dialog.ok_button.isEnabled() and dialog.cursor().shape() == Qt.CursorShape.BusyCursor
    assert not dialog.save()  # one change at a time
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected
    release.set()
    settle(qtbot, ctx)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert school.services.auth.login("tina", "a-brand-new-one").id == school.teacher.id


# --- about --------------------------------------------------------------------------------------
def test_about_names_version_and_database(qtbot, ctx):
    dialog = AboutDialog(ctx)
    qtbot.addWidget(dialog)
    assert __version__ in dialog.version_label.text()
    assert dialog.database_label.full_text() == ctx.db_description


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
    settle(qtbot, empty_ctx)
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
    dialog.create_admin()
    settle(qtbot, empty_ctx)
    assert dialog.actor is None and dialog.result() != QDialog.DialogCode.Accepted
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
    # every account (not only the few shown) is written beside the database, and the message says where
    listing = db_path.with_name(f"{db_path.stem}-accounts.txt")
    assert str(listing) in shown[0] and listing.read_text(encoding="utf-8").count("\n") > 30
    empty_ctx.services.db.dispose()

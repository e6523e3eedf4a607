"""The main window: role-aware pages, status bar, idle lock, switching user and logging out."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from tests.conftest import PASSWORD, School
from tests.ui.conftest import settle
from ui.dialogs import app_settings
from ui.main_window import MainWindow, UnavailablePage
from ui.views.registry import PageSpec


@pytest.fixture(autouse=True)
def prefs(tmp_path: Path, qapp) -> QSettings:  # type: ignore[no-untyped-def]
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "prefs"))
    return app_settings()


@pytest.fixture
def open_window(qtbot, make_ctx):  # type: ignore[no-untyped-def]
    def open_(actor, **kwargs) -> MainWindow:  # type: ignore[no-untyped-def]
        ctx = make_ctx(actor)
        kwargs.setdefault("persist", False)
        window = MainWindow(ctx, **kwargs)
        qtbot.addWidget(window)
        window.show()
        settle(qtbot, ctx)
        return window

    return open_


def sidebar_titles(window: MainWindow) -> list[str]:
    return [window.sidebar.item(i).text() for i in range(window.sidebar.count())]


def test_admin_sees_people_and_settings(open_window, school: School):
    window = open_window(school.admin)
    assert window.page_keys == ["dashboard", "activities", "people", "calendar", "skill-catalog"]
    assert sidebar_titles(window) == ["Dashboard", "Activities", "People", "Calendar", "Skills"]
    assert window.settings_action.isVisible() and window.settings_action.isEnabled()


def test_teacher_does_not_see_people_or_settings(open_window, school: School):
    window = open_window(school.teacher)
    assert "people" not in window.page_keys
    assert "activities" in window.page_keys
    assert not window.settings_action.isVisible()
    assert window.open_settings() is None


@pytest.mark.parametrize("who", ["student", "parent"])
def test_students_and_parents_see_the_dashboard_and_progress(open_window, school: School, who: str):
    window = open_window(getattr(school, who))
    assert window.page_keys == ["dashboard", "progress"]
    assert sidebar_titles(window) == ["Dashboard", "Progress"]
    assert window._page_actions[1].shortcut().toString() == "Ctrl+6"


def test_status_bar_shows_user_role_and_database(open_window, school: School):
    window = open_window(school.teacher)
    assert "Tina Teacher" in window.user_status.text()
    assert window.role_status.text() == "Teacher"
    assert school.services.db.describe() in window.db_status.text()


def test_window_title_names_the_school(open_window, school: School):
    school.services.settings.update(school.admin, school_name="Hillside High")
    window = open_window(school.admin)
    assert window.windowTitle() == "Activity Tracker — Hillside High"


def test_switching_pages_from_sidebar_and_shortcut_actions(qtbot, open_window, school: School):
    window = open_window(school.admin)
    assert window.current_key == "dashboard"
    window.sidebar.setCurrentRow(2)
    settle(qtbot, window.ctx)
    assert window.current_key == "people"
    assert window.page_title.text() == "People"
    assert window.stack.currentWidget() is window.current_page()
    window._page_actions[1].trigger()
    settle(qtbot, window.ctx)
    assert window.current_key == "activities"
    assert window._page_actions[1].shortcut().toString() == "Ctrl+2"
    assert window.sidebar.currentRow() == 1


def test_a_page_that_cannot_load_shows_a_clear_message(open_window, school: School, monkeypatch):
    broken = PageSpec("broken", "Broken", "ui.views.does_not_exist:Page", lambda a: True)
    monkeypatch.setattr("ui.main_window.pages_for", lambda actor: [broken])
    window = open_window(school.admin)
    assert isinstance(window.current_page(), UnavailablePage)


def test_last_page_and_geometry_are_remembered(qtbot, make_ctx, school: School, prefs):
    window = MainWindow(make_ctx(school.admin))
    qtbot.addWidget(window)
    window.show_page("people")
    window.close()
    assert prefs.value("mainwindow/last_page") == "people"
    again = MainWindow(make_ctx(school.admin))
    qtbot.addWidget(again)
    assert again.current_key == "people"


def test_idle_lock_hides_the_content_after_the_timeout(qtbot, open_window, school: School):
    window = open_window(school.admin, idle_timeout_ms=0)
    window.show_page("people")
    settle(qtbot, window.ctx)
    page = window.current_page()
    window.idle.set_timeout(150)
    qtbot.waitUntil(lambda: window.locked, timeout=3000)
    assert window.lock_screen.isVisible()
    assert not window.body.isVisible()
    assert not window.help_menu.menuAction().isEnabled()
    assert not window.lock_action.isEnabled()

    window.lock_screen.password.setText("not-my-password")
    window.lock_screen.unlock_button.click()
    assert not window.lock_screen.unlock_button.isEnabled()  # while the password is checked
    settle(qtbot, window.ctx)
    assert window.locked
    assert "Wrong" in window.lock_screen.error.text()
    assert window.lock_screen.error.isVisible()
    assert window.lock_screen.unlock_button.isEnabled()

    window.lock_screen.password.setText(PASSWORD)
    window.lock_screen.unlock_button.click()
    settle(qtbot, window.ctx)
    assert not window.locked
    assert window.body.isVisible()
    assert window.current_key == "people"
    assert window.current_page() is page  # the same page, state untouched
    assert window.idle.active  # counting again


def test_zero_minutes_means_never_lock(open_window, school: School):
    school.services.settings.update(school.admin, idle_lock_minutes=0)
    window = open_window(school.admin)
    assert not window.idle.active


def test_lock_uses_the_same_lockout_rules(qtbot, open_window, school: School):
    window = open_window(school.teacher, idle_timeout_ms=0)
    window.lock()
    for _ in range(5):
        window.lock_screen.password.setText("wrong-password")
        window.lock_screen.try_unlock()
        settle(qtbot, window.ctx)
    window.lock_screen.password.setText(PASSWORD)
    window.lock_screen.try_unlock()
    settle(qtbot, window.ctx)
    assert "Try again in 5 minutes" in window.lock_screen.error.text()
    assert window.locked


def test_someone_else_signs_in_from_the_lock_screen(qtbot, open_window, school: School):
    window = open_window(school.admin, idle_timeout_ms=0)
    window.lock()
    window.lock_screen.switch_button.click()
    dialog = window.login_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.username.setText("tina")
    dialog.password.setText(PASSWORD)
    dialog.sign_in_button.click()
    settle(qtbot, window.ctx)
    assert window.ctx.user.username == "tina"
    assert not window.locked
    assert window.page_keys == ["dashboard", "activities", "calendar"]
    assert "Tina Teacher" in window.user_status.text()


def test_cancelled_switch_from_the_lock_screen_stays_locked(open_window, school: School):
    window = open_window(school.admin, idle_timeout_ms=0)
    window.lock()
    window.switch_user().reject()
    assert window.locked
    assert window.ctx.user.username == "admin"


def test_log_out_shows_sign_in_and_rebuilds_for_the_next_user(qtbot, open_window, school: School):
    window = open_window(school.admin)
    dialog = window.log_out()
    assert window.ctx.actor is None
    assert not window.isVisible()
    assert window.sidebar.count() == 0
    dialog.username.setText("sam")
    dialog.password.setText(PASSWORD)
    assert dialog.sign_in()  # the check started
    settle(qtbot, window.ctx)
    assert window.isVisible()
    assert window.ctx.user.username == "sam"
    assert window.page_keys == ["dashboard", "progress"]
    assert window.role_status.text() == "Student"


def test_locking_closes_open_dialogs_so_nothing_shows_through(open_window, school: School):
    window = open_window(school.admin, idle_timeout_ms=0)
    dialog = window.open_settings()
    assert dialog is not None and dialog.isVisible()
    window.lock_action.trigger()
    assert window.locked
    assert not dialog.isVisible()
    assert window.open_settings() is None  # nothing opens while locked


def test_cancelling_switch_user_keeps_the_current_session(open_window, school: School):
    window = open_window(school.teacher, idle_timeout_ms=0)
    window.switch_action.trigger()
    window.login_dialog.reject()
    assert window.ctx.user.username == "tina"
    assert not window.locked


def test_status_bar_shows_a_busy_indicator_while_tasks_run(qtbot, open_window, school: School):
    import threading

    window = open_window(school.admin, idle_timeout_ms=0)
    release = threading.Event()
    window.ctx.tasks.run(lambda state: release.wait(5), label="Slow work")
    assert window.busy_bar.isVisible()
    release.set()
    settle(qtbot, window.ctx)
    assert not window.busy_bar.isVisible()

"""The main window: role-aware pages, status bar, idle lock, switching user and logging out."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QMessageBox, QTabWidget, QWidget

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
    assert window.page_keys == ["dashboard", "activities", "people", "calendar", "skill-catalog", "analytics",
                                "leaderboard", "inbox", "audit"]
    assert sidebar_titles(window) == ["Dashboard", "Activities", "People", "Calendar", "Skills", "Analytics",
                                     "Leaderboard", "Inbox", "Audit"]
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
    assert window.page_keys == ["dashboard", "calendar", "progress", "leaderboard", "portfolio", "inbox"]
    assert sidebar_titles(window) == ["Dashboard", "Calendar", "Progress", "Leaderboard", "Portfolio", "Inbox"]
    assert window._page_actions[2].shortcut().toString() == "Ctrl+6"


def test_status_bar_shows_user_role_and_database(open_window, school: School):
    window = open_window(school.teacher)
    assert "Tina Teacher" in window.user_status.text()
    assert window.role_status.text() == "Teacher"
    assert school.services.db.describe() in window.db_status.text()


def test_window_title_names_the_school_and_the_application_once(open_window, school: School):
    school.services.settings.update(school.admin, school_name="Hillside High")
    window = open_window(school.admin)
    # the platform adds " — <application display name>" to the title: the window does not
    assert window.windowTitle() == "Hillside High"
    assert "Activity Tracker" not in window.windowTitle()


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


def test_input_at_the_window_or_a_dialog_restarts_the_idle_count_and_nothing_else_does(
        qtbot, open_window, school: School):
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QDialog

    window = open_window(school.admin, idle_timeout_ms=0)
    settle(qtbot, window.ctx)
    window.idle.set_timeout(1500)  # under two seconds: every input restarts it

    def aged() -> int:  # milliseconds counted since the last restart
        qtbot.wait(400)
        left = window.idle._timer.remainingTime()
        assert 0 < left < 1300
        return left

    aged()
    window.update()  # a paint: no input
    QApplication.processEvents()
    assert window.idle._timer.remainingTime() < 1300
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_Shift)
    assert window.idle._timer.remainingTime() > 1400
    aged()
    QTest.mouseMove(window.windowHandle(), QPoint(40, 40))
    assert window.idle._timer.remainingTime() > 1400

    dialog = QDialog(window)  # a window of its own, opened later
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    aged()
    QTest.keyClick(dialog.windowHandle(), Qt.Key.Key_Shift)
    assert window.idle._timer.remainingTime() > 1400
    window.idle.pause()  # no longer watched, anywhere
    assert not window.idle.watching_input
    QTest.keyClick(dialog.windowHandle(), Qt.Key.Key_Shift)
    assert not window.idle.active
    dialog.close()


def test_zero_minutes_means_never_lock(open_window, school: School):
    school.services.settings.update(school.admin, idle_lock_minutes=0)
    window = open_window(school.admin)
    assert not window.idle.active
    assert not window.idle.watching_input  # no Python filter on every event of the application


def test_the_idle_lock_watches_input_only_while_it_counts(open_window, school: School):
    window = open_window(school.admin, idle_timeout_ms=60_000)
    assert window.idle.watching_input
    window.lock()
    assert not window.idle.watching_input
    window.close()
    assert not window.idle.watching_input


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
    assert window.page_keys == ["dashboard", "activities", "calendar", "analytics", "leaderboard", "inbox"]
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
    assert window.page_keys == ["dashboard", "calendar", "progress", "leaderboard", "portfolio", "inbox"]
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


# --- the keyboard ---------------------------------------------------------------------------------
def active(qtbot, window: MainWindow) -> MainWindow:  # type: ignore[no-untyped-def]
    """The window as the one the user types into (shortcuts answer only in the active window)."""
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window


def focus_is_in(widget: QWidget) -> bool:
    """Whether the window's keyboard focus is in ``widget`` (the window's own record of it: the
    offscreen platform may deactivate the window meanwhile)."""
    focus = widget.window().focusWidget()
    return focus is not None and (focus is widget or widget.isAncestorOf(focus))


def test_switching_page_by_keyboard_puts_the_focus_in_the_page(qtbot, open_window, school: School):
    window = active(qtbot, open_window(school.admin))
    settle(qtbot, window.ctx)
    active(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window.ctx)
    people = window.current_page()
    assert window.current_key == "people"
    qtbot.waitUntil(lambda: focus_is_in(people))
    assert not window.sidebar.hasFocus()


def test_arrowing_through_the_sidebar_keeps_the_focus_there(qtbot, open_window, school: School):
    window = active(qtbot, open_window(school.admin))
    window.sidebar.setFocus()
    qtbot.waitUntil(window.sidebar.hasFocus)
    qtbot.keyClick(window.sidebar, Qt.Key.Key_Down)
    settle(qtbot, window.ctx)
    assert window.current_key == "activities"
    assert focus_is_in(window.sidebar)


def test_a_page_without_focus_main_gets_the_focus_itself(qtbot, open_window, school: School):
    window = active(qtbot, open_window(school.student))
    page = window.show_page("progress")
    assert window.current_page() is page
    qtbot.waitUntil(lambda: focus_is_in(page))


def open_activity(qtbot, window: MainWindow, activity_id: int):  # type: ignore[no-untyped-def]
    page = window.show_page("activities")
    settle(qtbot, window.ctx)
    detail = page.open_activity(activity_id)
    settle(qtbot, window.ctx)
    return detail


@pytest.mark.parametrize(("key", "modifiers", "step"), [
    (Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier, 1),
    (Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier, 1),
    (Qt.Key.Key_Backtab, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier, -1),
    (Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier, -1),
])
def test_tab_keys_switch_the_activity_tabs_even_from_inside_a_table(qtbot, open_window, school: School,
                                                                    key, modifiers, step):
    window = active(qtbot, open_window(school.teacher))
    detail = open_activity(qtbot, window, school.chess)
    tabs = detail.tabs
    tabs.setCurrentIndex(1)
    settle(qtbot, window.ctx)
    table = tabs.currentWidget().findChild(QAbstractItemView)
    active(qtbot, window)
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    qtbot.keyClick(table, key, modifiers)
    assert tabs.currentIndex() == (1 + step) % tabs.count()
    qtbot.waitUntil(lambda: focus_is_in(tabs.currentWidget()) or tabs.tabBar().hasFocus())


def test_tab_keys_work_on_every_page_with_tabs(qtbot, open_window, school: School):
    window = active(qtbot, open_window(school.student))
    page = window.show_page("progress")
    settle(qtbot, window.ctx)
    tabs = page.findChild(QTabWidget)
    assert tabs is not None and tabs.count() > 1
    before = tabs.currentIndex()
    active(qtbot, window)
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert tabs.currentIndex() == (before + 1) % tabs.count()
    assert not window.switch_tab(1) or tabs.currentIndex() == (before + 2) % tabs.count()


def test_tab_keys_do_nothing_on_a_page_without_tabs(qtbot, open_window, school: School):
    window = active(qtbot, open_window(school.admin))
    window.show_page("people")
    assert window.current_tabs() is None
    assert window.switch_tab(1) is False


def session_now(school: School, activity_id: int, minutes_ago: int = 10, length: int = 60) -> int:
    now = datetime.now().replace(second=0, microsecond=0)
    start = max(now - timedelta(minutes=minutes_ago), now.replace(hour=0, minute=0))
    end = min(start + timedelta(minutes=length), now.replace(hour=23, minute=59))
    return school.services.calendar.add_extra_session(school.admin, activity_id, start, end, "Room 4").id


def test_ctrl_t_opens_the_session_on_now_from_any_page(qtbot, open_window, school: School):
    from ui.views.take_attendance import TakeAttendanceDialog

    session = session_now(school, school.chess)
    window = active(qtbot, open_window(school.teacher))
    window.show_page("calendar")
    settle(qtbot, window.ctx)
    active(qtbot, window)
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window.ctx)
    dialog = window.take_now.opened
    assert isinstance(dialog, TakeAttendanceDialog) and dialog.isVisible()
    assert dialog.view.session_id == session
    dialog.reject()


def test_ctrl_t_with_two_sessions_on_asks_which_and_enter_picks(qtbot, open_window, school: School):
    from ui.take_now import SessionPicker
    from ui.views.take_attendance import TakeAttendanceDialog

    session_now(school, school.chess)
    drama = session_now(school, school.drama)
    window = active(qtbot, open_window(school.admin))  # leads nothing: every activity counts
    window.take_now_action.trigger()
    settle(qtbot, window.ctx)
    picker = window.take_now.opened
    assert isinstance(picker, SessionPicker)
    assert [c.activity_name for c in picker.choices] == ["Chess Club", "Drama"]
    assert "Room 4" in picker.list.item(0).text()
    qtbot.keyClick(picker.list, Qt.Key.Key_Down)
    qtbot.keyClick(picker.list, Qt.Key.Key_Return)
    settle(qtbot, window.ctx)
    dialog = window.take_now.opened
    assert isinstance(dialog, TakeAttendanceDialog)
    assert dialog.view.session_id == drama
    dialog.reject()


def test_ctrl_t_without_a_session_today_says_so(qtbot, open_window, school: School):
    from ui.take_now import NOTHING_TODAY

    window = active(qtbot, open_window(school.teacher))
    window.take_now_action.trigger()
    settle(qtbot, window.ctx)
    box = window.take_now.opened
    assert isinstance(box, QMessageBox) and box.text() == NOTHING_TODAY
    box.close()


def test_students_have_no_take_attendance_command(open_window, school: School):
    window = open_window(school.student)
    assert not window.take_now_action.isVisible()
    assert not window.take_now_action.isEnabled()


def test_the_session_on_now_wins_then_the_next_today_then_the_last_held():
    from tracker.services.attendance import SessionRef
    from ui.take_now import SessionChoice, choose

    now = datetime(2026, 3, 2, 15, 0)

    def at(name: str, hour: int, minute: int = 0) -> SessionChoice:
        start = datetime(2026, 3, 2, hour, minute)
        return SessionChoice(len(name), name, SessionRef(hour, 1, start, start + timedelta(hours=1), "", False, ""))

    morning, running, soon, also_soon, evening = (at("Choir", 9), at("Chess", 14, 30), at("Drama", 16),
                                                  at("Art", 16), at("Band", 18))
    assert choose([morning, running, soon, evening], now) == [running]
    assert choose([morning, soon, also_soon, evening], now) == [also_soon, soon]  # same time: both
    assert choose([morning, at("Robotics", 11)], now)[0].activity_name == "Robotics"
    assert choose([], now) == []


def test_queued_email_goes_out_after_the_first_page_and_not_after_sign_out(
        qtbot, open_window, school: School, monkeypatch):
    started: list[object] = []
    monkeypatch.setattr(type(school.services.email), "start_background",
                        lambda self: started.append(self))
    window = open_window(school.admin)
    # the first page's read went alone: the sender's first pass waits a few seconds
    assert window.email_start.isActive() and started == []
    window.email_start.setInterval(20)  # (the seconds, gone by)
    window.email_start.start()
    qtbot.waitUntil(lambda: len(started) == 1, timeout=3000)
    assert not window.email_start.isActive()

    window.email_start.start()  # signing out before the delay is over starts no sender
    dialog = window.log_out()
    try:
        assert not window.email_start.isActive()
        qtbot.wait(150)
        assert len(started) == 1
    finally:
        dialog.close()  # (the sign-in dialog would take the keys of the tests after this one)

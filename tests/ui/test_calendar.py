"""The Calendar page (month and week), the activity's Schedule tab and the calendar dialogs."""

from __future__ import annotations

import argparse
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QSettings, Qt, QTime
from PySide6.QtGui import QImage

from tests.conftest import PASSWORD, School
from tests.ui.conftest import settle, show_page
from tracker.cli import build_parser
from tracker.services.calendar import ScheduleInput
from tracker.services.outcome import perform
from ui.dialogs.schedule_dialog import ScheduleDialog, SessionDialog
from ui.screenshot import run_screenshot
from ui.views.activity_schedule import ScheduleTab
from ui.views.calendar import MONTH, WEEK, CalendarPage
from ui.views.registry import page as page_spec

TODAY = date.today()
MONTH_START = TODAY.replace(day=1)
NEXT_MONTH = (MONTH_START + timedelta(days=32)).replace(day=1)


@pytest.fixture(autouse=True)
def prefs(tmp_path: Path, qapp) -> None:  # type: ignore[no-untyped-def]
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "prefs"))


@pytest.fixture
def timetable(school: School) -> School:
    """Chess meets Mon and Wed at 15:30 this month and next; Drama (another teacher) on Thursdays."""
    cal = school.services.calendar
    last = NEXT_MONTH + timedelta(days=27)
    cal.add_schedule(school.teacher, school.chess,
                     ScheduleInput([0, 2], time(15, 30), time(16, 30), MONTH_START, last, "Room 12"))
    cal.add_schedule(school.other_teacher, school.drama,
                     ScheduleInput([3], time(16), time(17), MONTH_START, last, "Hall"))
    return school


def _page(qtbot, ctx) -> CalendarPage:  # type: ignore[no-untyped-def]
    return show_page(qtbot, ctx, CalendarPage(ctx))


def in_month(page: CalendarPage) -> list:  # type: ignore[type-arg]
    first, last = page.month.first_day(), page.month.last_day()
    return [s for s in page.month.sessions if first <= s.starts_at.date() < last]


def test_calendar_page_is_listed_for_everyone_who_sees_activities(school: School):
    spec = page_spec("calendar")
    assert spec.title == "Calendar"
    assert spec.visible(school.admin) and spec.visible(school.teacher)
    # students and parents too: their own (their children's) activities, read-only
    assert spec.visible(school.student) and spec.visible(school.parent)


def test_teacher_sees_the_month_of_their_own_activities(qtbot, make_ctx, timetable: School):
    page = _page(qtbot, make_ctx(timetable.teacher))
    assert page.period.text() == f"{TODAY:%B %Y}"
    assert page.filter.itemText(0) == "All my activities"
    assert {s.activity_name for s in in_month(page)} == {"Chess Club"}
    expected = timetable.services.calendar.list_sessions(
        timetable.teacher, None, page.month.first_day(), page.month.last_day())
    assert [s.id for s in in_month(page)] == [s.id for s in expected]
    page.month.grab()  # paints: chips are laid out and can be hit
    assert page.month._hits


def test_admin_sees_every_activity_and_can_filter_to_one(qtbot, ctx, timetable: School):
    page = _page(qtbot, ctx)
    assert {s.activity_name for s in in_month(page)} == {"Chess Club", "Drama"}
    page.filter.setCurrentIndex(page.filter.findData(timetable.drama))
    settle(qtbot, ctx)
    assert {s.activity_name for s in in_month(page)} == {"Drama"}


def test_navigation_buttons_and_keys(qtbot, ctx, timetable: School):
    page = _page(qtbot, ctx)
    page.next_action.trigger()
    settle(qtbot, ctx)
    assert page.period.text() == f"{NEXT_MONTH:%B %Y}"
    assert any(s.starts_at.date() >= NEXT_MONTH for s in page.month.sessions)
    page.prev_action.trigger()
    page.prev_action.trigger()
    settle(qtbot, ctx)
    before = (MONTH_START - timedelta(days=1)).replace(day=1)
    assert page.period.text() == f"{before:%B %Y}"
    page.today_action.trigger()
    assert page.current == TODAY
    page.month.setFocus()
    qtbot.keyClick(page.month, Qt.Key.Key_Right)
    assert page.current == TODAY + timedelta(days=1)
    qtbot.keyClick(page.month, Qt.Key.Key_Down)
    assert page.current == TODAY + timedelta(days=8)
    qtbot.keyClick(page.month, Qt.Key.Key_Up)
    qtbot.keyClick(page.month, Qt.Key.Key_Left)
    assert page.current == TODAY


def test_week_view_shows_the_week_as_time_blocks(qtbot, ctx, timetable: School):
    page = _page(qtbot, ctx)
    monday = MONTH_START + timedelta(days=(7 - MONTH_START.weekday()) % 7)
    page.go_to(monday)
    page.set_mode(WEEK)
    settle(qtbot, ctx)
    assert page.mode == WEEK and page.week_button.isChecked()
    assert page.week.first_day() == monday
    assert page.period.text().startswith(f"{monday.day}")
    page.week.grab()
    blocks = {s.starts_at for _, s in page.week._hits}
    assert datetime.combine(monday, time(15, 30)) in blocks
    assert datetime.combine(monday + timedelta(days=3), time(16)) in blocks
    page.next_action.trigger()
    assert page.week.first_day() == monday + timedelta(days=7)
    page.set_mode(MONTH)
    assert page.mode == MONTH and page.month.current == monday + timedelta(days=7)


def test_choosing_a_day_lists_its_sessions_and_cancel_strikes_one_through(qtbot, make_ctx, timetable: School):
    ctx = make_ctx(timetable.teacher)
    page = _page(qtbot, ctx)
    session = in_month(page)[0]
    page.go_to(session.starts_at.date() + timedelta(days=1))  # a Tuesday or Thursday: no chess
    assert [page.day_list.item(i).text() for i in range(page.day_list.count())] == ["No sessions this day."]
    assert not page.day_list.item(0).flags() & Qt.ItemFlag.ItemIsSelectable
    page.go_to(session.starts_at.date())
    assert page.day_list.count() == 1
    assert page.day_list.item(0).text().startswith("15:30–16:30  Chess Club")
    page.day_list.setCurrentRow(0)
    assert page.selected() is not None and page.selected().id == session.id
    assert page.cancel_action.isEnabled() and page.move_action.isEnabled()
    page.toggle_cancelled(note="Exam week")
    settle(qtbot, ctx)
    cancelled = next(s for s in page.month.sessions if s.id == session.id)
    assert cancelled.cancelled and cancelled.note == "Exam week"
    assert page.day_list.item(0).font().strikeOut()
    assert "Cancelled: Exam week" in page.day_list.item(0).text()
    page.month.select_session(cancelled)
    assert page.cancel_action.text() == "Restore session"
    page.toggle_cancelled()
    settle(qtbot, ctx)
    assert not next(s for s in page.month.sessions if s.id == session.id).cancelled


def test_moving_a_session_from_the_calendar(qtbot, make_ctx, timetable: School):
    ctx = make_ctx(timetable.teacher)
    page = _page(qtbot, ctx)
    session = in_month(page)[0]
    page.go_to(session.starts_at.date())
    page.month.select_session(session)
    dialog = page.move_selected()
    assert isinstance(dialog, SessionDialog)
    dialog.start_time.setTime(QTime(12, 0))
    dialog.end_time.setTime(QTime(13, 0))
    dialog.accept()
    settle(qtbot, ctx)
    moved = next(s for s in page.month.sessions if s.id == session.id)
    assert moved.moved and moved.starts_at.time() == time(12, 0)
    assert moved.original_starts_at == session.starts_at


def test_an_extra_session_needs_one_activity_chosen(qtbot, ctx, timetable: School):
    page = _page(qtbot, ctx)
    assert not page.extra_action.isEnabled()
    page.filter.setCurrentIndex(page.filter.findData(timetable.chess))
    settle(qtbot, ctx)
    assert page.extra_action.isEnabled()
    dialog = page.add_extra(TODAY)
    assert isinstance(dialog, SessionDialog)
    dialog.start_time.setTime(QTime(7, 0))
    dialog.end_time.setTime(QTime(7, 45))
    dialog.note.setText("Breakfast club")
    dialog.accept()
    settle(qtbot, ctx)
    extra = [s for s in page.month.sessions if s.note == "Breakfast club"]
    assert len(extra) == 1 and extra[0].extra and extra[0].starts_at == datetime.combine(TODAY, time(7))


def test_calendar_refreshes_when_sessions_change_elsewhere(qtbot, ctx, timetable: School):
    page = _page(qtbot, ctx)
    s = timetable.services
    written = perform(lambda: s.calendar.add_extra_session(
        timetable.admin, timetable.chess, datetime.combine(TODAY, time(6)), datetime.combine(TODAY, time(7))))
    extra = written.result
    ctx.events.publish(written.changes)  # as a write on another page would
    settle(qtbot, ctx)
    assert extra.id in {x.id for x in page.month.sessions}


def test_schedule_tab_lists_patterns_and_sessions(qtbot, make_ctx, timetable: School):
    ctx = make_ctx(timetable.teacher)
    tab = ScheduleTab(ctx, timetable.chess)
    qtbot.addWidget(tab)
    tab.resize(900, 600)
    tab.show()
    settle(qtbot, ctx)
    assert tab.patterns.count() == 1
    assert tab.patterns.item(0).text().startswith("Mon, Wed  ·  15:30–16:30")
    tab.which.setCurrentIndex(2)  # all
    assert tab.table.rowCount() == len(tab.sessions) > 0
    assert {s.activity_id for s in tab.sessions} == {timetable.chess}


def test_schedule_tab_adds_edits_and_deletes_a_pattern(qtbot, make_ctx, school: School):
    ctx = make_ctx(school.teacher)
    tab = ScheduleTab(ctx, school.chess)
    qtbot.addWidget(tab)
    tab.show()
    settle(qtbot, ctx)
    assert tab.sessions == []
    dialog = tab.add_pattern()
    assert isinstance(dialog, ScheduleDialog)
    dialog.day_boxes[1].setChecked(True)  # Tuesday
    dialog.start_time.setTime(QTime(16, 0))
    dialog.end_time.setTime(QTime(17, 0))
    dialog.start_date.setDate(QDate(2026, 3, 2))
    dialog.end_date.setDate(QDate(2026, 3, 31))
    dialog.location.setText("Library")
    dialog.accept()
    settle(qtbot, ctx)
    assert [s.starts_at.day for s in tab.sessions] == [3, 10, 17, 24, 31]
    assert tab.patterns.count() == 1
    tab.patterns.setCurrentRow(0)
    edit = tab.edit_pattern()
    assert edit is not None and edit.day_boxes[1].isChecked() and edit.location.text() == "Library"
    edit.day_boxes[3].setChecked(True)  # and Thursday
    edit.accept()
    settle(qtbot, ctx)
    assert len(tab.sessions) == 9
    tab.patterns.setCurrentRow(0)
    tab.delete_pattern(confirm=False)
    settle(qtbot, ctx)
    assert tab.sessions == [] and not tab.schedules


def test_a_bad_pattern_stays_in_the_dialog_with_the_reason(qtbot, make_ctx, school: School):
    ctx = make_ctx(school.teacher)
    dialog = ScheduleDialog(ctx, school.chess)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.start_time.setTime(QTime(16, 0))
    dialog.end_time.setTime(QTime(15, 0))
    dialog.accept()
    settle(qtbot, ctx)
    assert dialog.isVisible()
    texts = " ".join(label.text() for label, _ in dialog.field_errors.values())
    assert "at least one day" in texts and "end after it starts" in texts


def test_schedule_tab_cancels_moves_and_adds_sessions(qtbot, make_ctx, timetable: School):
    ctx = make_ctx(timetable.teacher)
    tab = ScheduleTab(ctx, timetable.chess)
    qtbot.addWidget(tab)
    tab.show()
    settle(qtbot, ctx)
    tab.which.setCurrentIndex(2)
    tab.table.selectRow(0)
    first = tab.selected_session()
    assert first is not None
    tab.toggle_cancelled(note="Rain")
    settle(qtbot, ctx)
    assert next(s for s in tab.sessions if s.id == first.id).cancelled
    assert tab.table.item(0, 3).text() == "Cancelled"
    tab.table.selectRow(1)
    dialog = tab.move_session()
    assert dialog is not None
    dialog.start_time.setTime(QTime(9, 0))
    dialog.end_time.setTime(QTime(10, 0))
    dialog.accept()
    settle(qtbot, ctx)
    assert any(s.moved and s.starts_at.time() == time(9) for s in tab.sessions)
    extra = tab.add_extra()
    assert extra is not None
    extra.day.setDate(QDate(TODAY.year, TODAY.month, TODAY.day))
    extra.accept()
    settle(qtbot, ctx)
    assert sum(s.extra for s in tab.sessions) == 1


def test_schedule_tab_exports_and_imports_ics(qtbot, make_ctx, timetable: School, tmp_path):
    ctx = make_ctx(timetable.teacher)
    tab = ScheduleTab(ctx, timetable.chess)
    qtbot.addWidget(tab)
    tab.show()  # a tab reads when it is shown
    settle(qtbot, ctx)
    assert tab.sessions
    out = tmp_path / "chess.ics"
    tab.export_ics(str(out))
    settle(qtbot, ctx)
    assert out.read_bytes().startswith(b"BEGIN:VCALENDAR") and b"RRULE:FREQ=WEEKLY" in out.read_bytes()
    before = len(tab.sessions)
    tab.import_ics(str(out), quiet=True)
    settle(qtbot, ctx)
    assert len(tab.sessions) == before
    assert tab.last_message.startswith("chess.ics: 0 sessions added")
    held_before = sum(1 for s in tab.sessions if not s.cancelled)
    sample = Path(__file__).resolve().parent.parent / "data" / "ics" / "google_utc.ics"
    tab.import_ics(str(sample), quiet=True)
    settle(qtbot, ctx)
    # eight meetings; the file's EXDATE (19 January) comes in as a cancelled session
    assert sum(1 for s in tab.sessions if not s.cancelled) == held_before + 8


def test_students_and_parents_see_a_read_only_schedule_tab(qtbot, make_ctx, timetable: School):
    ctx = make_ctx(timetable.student)
    tab = ScheduleTab(ctx, timetable.chess)
    qtbot.addWidget(tab)
    tab.show()
    settle(qtbot, ctx)
    assert tab.sessions
    assert not tab.add_pattern_action.isEnabled() and not tab.import_action.isVisible()
    assert tab.add_pattern() is None


def test_screenshot_of_the_calendar_view(tmp_path, timetable: School):
    out = tmp_path / "calendar.png"
    args = build_parser().parse_args(["screenshot", "--db", str(timetable.services.db.url.database),
                                      "--user", "tina", "--password", PASSWORD, "--view", "calendar",
                                      "--out", str(out), "--size", "1000x700"])
    assert isinstance(args, argparse.Namespace)
    assert run_screenshot(args) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1000, 700)


def test_admin_manages_school_holidays_from_the_calendar(qtbot, ctx, timetable: School):
    page = _page(qtbot, ctx)
    session = in_month(page)[0]
    day = session.starts_at.date()
    dialog = page.open_holidays()
    assert dialog is not None
    settle(qtbot, ctx)
    dialog.day.setDate(QDate(day.year, day.month, day.day))
    dialog.name.setText("Flood")
    dialog.add()
    settle(qtbot, ctx)
    assert [h.day for h in dialog.holidays] == [day]
    assert dialog.list.item(0).text().endswith("Flood")
    assert session.id not in {s.id for s in page.month.sessions}
    assert page.month.holidays == {day: "Flood"}
    dialog.list.setCurrentRow(0)
    dialog.remove()
    settle(qtbot, ctx)
    assert dialog.holidays == []
    assert day in {s.starts_at.date() for s in page.month.sessions}


def test_teachers_do_not_get_the_holidays_dialog(qtbot, make_ctx, timetable: School):
    page = _page(qtbot, make_ctx(timetable.teacher))
    assert page.open_holidays() is None


def test_admin_turns_a_club_calendar_file_into_a_new_activity(qtbot, ctx, school: School):
    page = _page(qtbot, ctx)
    sample = Path(__file__).resolve().parent.parent / "data" / "ics" / "google_utc.ics"
    page.import_new_activity(str(sample), "Debate Society", quiet=True)
    settle(qtbot, ctx)
    assert page.last_message == "Created Debate Society with 8 sessions (1 all-day or cancelled entries skipped)."
    assert page.filter.currentText() == "Debate Society"
    assert page.current == date(2026, 1, 5)
    assert {s.activity_name for s in in_month(page)} == {"Debate Society"}
    # January 2026's grid meets on 5, 12, 26 January and 2 February (the 19th is an exception of
    # the weekly pattern: cancelled, or not there at all)
    meets = sorted(s.starts_at.date() for s in in_month(page) if not s.cancelled)
    assert meets == [date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 26), date(2026, 2, 2)]


def test_teachers_cannot_create_activities_from_ics(qtbot, make_ctx, school: School):
    page = _page(qtbot, make_ctx(school.teacher))
    page.import_new_activity("whatever.ics", "Mine", quiet=True)
    assert not hasattr(page, "last_message")


# --------------------------------------------------------------------------- students and parents
def test_student_sees_a_read_only_calendar_of_their_own_activities(qtbot, make_ctx, timetable: School):
    ctx = make_ctx(timetable.student)
    page = _page(qtbot, ctx)
    assert page.filter.itemText(0) == "All my activities"
    assert [page.filter.itemText(i) for i in range(1, page.filter.count())] == ["Chess Club"]
    assert {s.activity_name for s in in_month(page)} == {"Chess Club"}  # not Drama: not theirs
    texts = {b.text() for b in page.findChildren(type(page.month_button)) if b.isVisibleTo(page)}
    assert not texts & {"Move…", "Cancel session…", "Add extra session…", "School holidays…",
                        "New activity from .ics…"}
    session = in_month(page)[0]
    page.go_to(session.starts_at.date())
    page.day_list.setCurrentRow(0)
    assert page.selected() is not None
    assert not page.move_action.isEnabled() and not page.cancel_action.isEnabled()
    assert page.move_selected() is None and page.add_extra(None) is None  # nothing opens
    page.toggle_cancelled(note="no")
    settle(qtbot, ctx)
    assert not any(s.cancelled for s in page.month.sessions)


def test_parent_sees_their_childrens_activities(qtbot, make_ctx, timetable: School):
    page = _page(qtbot, make_ctx(timetable.parent))
    assert page.filter.itemText(0) == "All my children's activities"
    assert {s.activity_name for s in in_month(page)} == {"Chess Club"}


# --------------------------------------------------------------------------- fit at 1024 × 768
def test_the_header_and_side_panel_fit_a_1024_screen(qtbot, ctx, timetable: School):
    page = show_page(qtbot, ctx, CalendarPage(ctx), width=792)  # 1024 px less the sidebar
    header = [page.period, page.month_button, page.week_button]
    for w in header:
        assert w.mapTo(page, w.rect().topRight()).x() <= page.width()
    assert page.side.width() == page.SIDE_WIDTH[0]
    for b in page.side.findChildren(type(page.month_button)):
        if b.isVisible():
            assert b.fontMetrics().horizontalAdvance(b.text()) < b.width(), b.text()
    assert page.month.width() >= 7 * 68  # day cells keep room for a name
    page.resize(1048, 760)
    qtbot.waitUntil(lambda: page.side.width() == page.SIDE_WIDTH[1])


def test_chips_show_time_and_name_or_the_name_alone_never_a_bare_time(qapp):
    from PySide6.QtGui import QFont, QFontMetrics

    from tracker.services.calendar import SessionInfo
    from ui.widgets.calendar_grid import chip_text

    s = SessionInfo(1, "u", 1, "Chess Club", None, datetime(2026, 3, 2, 12, 40), datetime(2026, 3, 2, 13, 40),
                    None, "Room 1", False, "", False)
    fm = QFontMetrics(QFont())
    wide = fm.horizontalAdvance("12:40 Chess Club") + 2
    assert chip_text(s, fm, wide) == "12:40 Chess Club"
    cut = chip_text(s, fm, fm.horizontalAdvance("12:40 Chess Cl"))
    assert cut.startswith("12:40 Chess") and cut.endswith("…") and " …" not in cut
    narrow = chip_text(s, fm, fm.horizontalAdvance("Chess C…"))
    assert narrow.startswith("Chess") and not narrow.startswith("12:40")
    assert narrow == "Chess Club" or narrow.endswith("…")


def test_reveal_session_shows_its_day_with_it_chosen_and_focus_main_goes_to_the_grid(
        qtbot, make_ctx, timetable: School):
    ctx = make_ctx(timetable.student)
    page = _page(qtbot, ctx)
    later = [s for s in page.month.sessions if s.starts_at.date() >= NEXT_MONTH][0]
    page.reveal_session(later)
    settle(qtbot, ctx)
    assert page.current == later.starts_at.date()
    assert page.selected() is not None and page.selected().id == later.id
    assert page.day_list.currentItem() is not None
    page.focus_main()
    assert page.focusWidget() is page.grid


def test_all_day_entries_of_an_activity_import_are_listed_and_added_at_the_chosen_time(
        qtbot, make_ctx, timetable: School, monkeypatch):
    from datetime import datetime as dt

    from PySide6.QtCore import QTime
    from PySide6.QtWidgets import QLabel, QMessageBox

    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _parent, _title, text, *a: told.append(text))
    ctx = make_ctx(timetable.teacher)
    tab = ScheduleTab(ctx, timetable.chess)
    qtbot.addWidget(tab)
    tab.show()
    settle(qtbot, ctx)
    before = {s.starts_at for s in tab.sessions}
    sample = Path(__file__).resolve().parent.parent / "data" / "ics" / "district_holidays.ics"
    tab.import_ics(str(sample))
    settle(qtbot, ctx)
    dialog = tab.dialog
    assert dialog.isVisible() and "all-day entries" in dialog.findChildren(QLabel)[0].text()
    assert any("Thanksgiving break" in label.text() for label in dialog.findChildren(QLabel))
    assert dialog.skip.isChecked() and not dialog.starts.isEnabled()  # skipping is the default
    dialog.add.setChecked(True)
    dialog.starts.setTime(QTime(15, 0))
    dialog.ends.setTime(QTime(16, 0))
    dialog.accept()
    settle(qtbot, ctx)
    added = {s.starts_at for s in tab.sessions} - before
    assert dt(2026, 11, 26, 15, 0) in added and dt(2026, 11, 27, 15, 0) in added
    assert told == [tab.last_message] and "sessions added" in told[0]


def test_all_day_entries_are_skipped_and_counted_when_the_import_asks_nothing(qtbot, make_ctx, timetable: School):
    ctx = make_ctx(timetable.teacher)
    tab = ScheduleTab(ctx, timetable.chess)
    qtbot.addWidget(tab)
    tab.show()
    settle(qtbot, ctx)
    sample = Path(__file__).resolve().parent.parent / "data" / "ics" / "district_holidays.ics"
    tab.import_ics(str(sample), quiet=True)
    settle(qtbot, ctx)
    assert "skipped (all-day or cancelled)" in tab.last_message

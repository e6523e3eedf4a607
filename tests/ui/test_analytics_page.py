"""The Analytics page (issue 12): which activities work? Charts and the effectiveness table show the
service's own figures, filters narrow them and are remembered per user, the table sorts and
exports, and only those who may see analytics get the page."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog, QStackedWidget

from tests.conftest import School
from tests.ui.conftest import settle, show_page
from tracker.domain.changes import ChangeKind, Changes
from tracker.domain.enums import Role
from tracker.domain.policy import Actor
from tracker.services import Services
from tracker.services.activities import ActivityInput
from tracker.services.attendance import MarkChange
from tracker.services.people import UserInput
from ui.charts.school import NO_ACTIVITIES, NO_SESSIONS, NOBODY_COMPLETED
from ui.models.effectiveness import EffectivenessModel
from ui.views.analytics_filters import (
    AnalyticsFilters,
    Period,
    load_filters,
    save_filters,
    school_year,
    term,
)
from ui.views.analytics_page import AnalyticsPage
from ui.views.registry import pages_for

ALL_TIME = AnalyticsFilters(period=Period.ALL)
M = EffectivenessModel


@dataclass
class Robotics:
    id: int
    students: dict[str, int]


@pytest.fixture
def robotics(school: School) -> Robotics:
    """Robotics (STEM, led by Tina): four students marked at three sessions held in the last
    weeks; Cara completed, Dan dropped ("Clash with football"). Chess Club (Tina) and Drama
    (Otto) are the school fixture's, category "Club"; an empty "Photography" holds nobody."""
    s, admin, tina = school.services, school.admin, school.teacher
    today = date.today()
    start = today - timedelta(days=30)
    act = s.activities.create_activity(admin, ActivityInput(
        "Robotics", category="STEM", start_date=start, end_date=today + timedelta(days=30), lead_ids=[tina.id],
        certificate_on_completion=False)).id
    s.activities.create_activity(admin, ActivityInput("Photography", category="Arts", lead_ids=[tina.id]))
    who = {"sam": school.student.id, "olga": school.other_student.id}
    for name, grade in (("cara", "7"), ("dan", "8")):
        who[name] = s.people.create_user(admin, UserInput(name, name.title(), Role.STUDENT, grade=grade)).id
    s.enrollment.enroll(admin, act, list(who.values()), enrolled_on=start)
    days = [start + timedelta(days=n) for n in (2, 9, 16)]
    sessions = [s.calendar.add_extra_session(admin, act, datetime.combine(d, time(15)),
                                             datetime.combine(d, time(16))).id for d in days]
    status = {st.code: st.id for st in s.attendance.statuses(admin)}
    marks = {"cara": "PPP", "sam": "PAP", "olga": "PPA", "dan": "PA-"}
    s.attendance.apply(tina, [MarkChange(session, who[name], status[code], check_version=False)
                              for name, codes in marks.items()
                              for session, code in zip(sessions, codes, strict=True) if code != "-"])
    s.progress.update_progress(admin, act, who["cara"], status="completed")
    s.enrollment.drop(tina, act, who["dan"], "Clash with football", days[1])
    return Robotics(act, who)


def _page(qtbot, ctx, width: int = 1100, height: int = 760, *, filters: AnalyticsFilters | None = ALL_TIME):  # type: ignore[no-untyped-def]
    if filters is not None:
        save_filters(ctx.user.username, filters)
    return show_page(qtbot, ctx, AnalyticsPage(ctx), width=width, height=height)


def _table(page: AnalyticsPage) -> list[list[str]]:
    m = page.model
    return [[m.index(r, c).data() for c in range(m.columnCount())] for r in range(m.rowCount())]


def _names(page: AnalyticsPage) -> list[str]:
    return [page.model.record(r).activity for r in range(page.model.rowCount())]


def _panel(page: AnalyticsPage, title: str):  # type: ignore[no-untyped-def]
    return next(p for p in page.panels if p.data.title == title)


def _chart_rows(page: AnalyticsPage, title: str) -> list[list[object]]:
    model = _panel(page, title).model
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]


# --------------------------------------------------------------------------- the service's numbers
def test_the_table_and_charts_show_the_services_figures(qtbot, ctx, school: School, robotics: Robotics) -> None:
    page = _page(qtbot, ctx)
    expected = school.services.analytics.school_analytics(school.admin)
    assert page.model.rows() == sorted(expected.effectiveness, key=lambda r: r.activity.lower())
    robo = next(r for r in expected.effectiveness if r.activity == "Robotics")
    row = _table(page)[_names(page).index("Robotics")]
    assert row[M.PLACED] == "4"
    assert row[M.COMPLETION] == f"{robo.completion_rate:.0f}%" == "25%"
    assert row[M.DROPOUT] == "25%" and row[M.RETENTION] == "75%"
    assert row[M.ATTENDANCE] == f"{robo.average_attendance_rate:.0f}%"
    assert row[M.LEADS] == "Tina Teacher" and row[M.CATEGORY] == "STEM"
    assert _table(page)[_names(page).index("Photography")][M.COMPLETION] == "—"

    by_category = _chart_rows(page, "Participation by category")
    assert by_category == [[c.key, str(c.places), str(c.students)] for c in expected.by_category]
    weekly = _chart_rows(page, "Weekly attendance across activities")
    held = [w for w in expected.weekly_attendance if w.rate is not None]
    assert [r[1] for r in weekly] == [f"{w.rate:g}" for w in held] and len(held) == 3
    assert page.summary.full_text().startswith("4 activities · 7 places · 1 completed")


def test_the_drop_out_tooltip_gives_the_recorded_reasons(qtbot, ctx, robotics: Robotics) -> None:
    page = _page(qtbot, ctx)
    row = _names(page).index("Robotics")
    tip = page.model.index(row, M.DROPOUT).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == "1 of 4 placed dropped out (25.0%)\nReasons:\n  Clash with football: 1"
    activity_tip = page.model.index(row, M.ACTIVITY).data(Qt.ItemDataRole.ToolTipRole)
    assert activity_tip.startswith("Robotics\nSTEM · led by Tina Teacher")


def test_a_long_activity_name_is_elided_with_the_whole_name_in_its_tooltip(qtbot, ctx, school: School) -> None:
    name = "Robotics and Engineering Society of Riverside Academy for Young Makers"
    school.services.activities.create_activity(school.admin, ActivityInput(name, lead_ids=[school.teacher.id]))
    page = _page(qtbot, ctx, width=1024)
    row = _names(page).index(name)
    index = page.model.index(row, M.ACTIVITY)
    rect = page.table.visualRect(index)
    assert page.table.fontMetrics().horizontalAdvance(name) > rect.width()  # it cannot fit…
    assert page.table.textElideMode() == Qt.TextElideMode.ElideRight  # …so it is drawn with "…"
    assert index.data(Qt.ItemDataRole.ToolTipRole).startswith(name)


def test_charts_keep_their_height_and_stand_two_abreast_on_a_wide_page(qtbot, ctx, robotics: Robotics) -> None:
    page = _page(qtbot, ctx, width=1000)
    assert page.columns == 1
    assert all(card.height() >= 200 for card in page.cards)
    assert page.scroll_area.widget().height() > page.scroll_area.viewport().height()  # it scrolls instead
    page.resize(1500, 800)
    qtbot.waitUntil(lambda: page.columns == 2)
    first, second = page.cards[0].geometry(), page.cards[1].geometry()
    assert first.top() == second.top() and first.right() < second.left()
    last = page.cards[-1].geometry()
    assert last.width() > 1.5 * first.width()  # the odd one out takes the whole row


# --------------------------------------------------------------------------- filters
def test_a_filter_reloads_the_page_with_it_and_is_remembered(qtbot, make_ctx, school: School,
                                                             robotics: Robotics) -> None:
    ctx = make_ctx(school.admin)
    page = _page(qtbot, ctx)
    assert page.filter_bar.category.findText("STEM") >= 0
    page.filter_bar.category.setCurrentIndex(page.filter_bar.category.findText("STEM"))
    settle(qtbot, ctx)
    assert _names(page) == ["Robotics"]
    assert _chart_rows(page, "Participation by category") == [["STEM", "4", "4"]]
    assert load_filters("admin").category == "STEM"

    again = _page(qtbot, make_ctx(school.admin), filters=None)
    assert again.filter_bar.category.currentText() == "STEM"
    assert _names(again) == ["Robotics"]
    assert load_filters("tina").category is None  # another user's filters are their own


def test_grade_and_lead_filters_narrow_the_figures(qtbot, ctx, school: School, robotics: Robotics) -> None:
    page = _page(qtbot, ctx)
    bar = page.filter_bar
    assert [bar.grade.itemText(i) for i in range(bar.grade.count())] == ["All grades", "Grade 7", "Grade 8"]
    bar.grade.setCurrentIndex(bar.grade.findData("8"))
    settle(qtbot, ctx)
    robo = page.model.record(_names(page).index("Robotics"))
    assert (robo.placed, robo.dropped) == (2, 1)  # Olga and Dan are in grade 8
    bar.lead.setCurrentIndex(bar.lead.findText("Otto Other"))
    settle(qtbot, ctx)
    assert _names(page) == ["Drama"]


def test_a_custom_date_range_is_sent_to_the_service_and_reset_brings_the_defaults_back(
        qtbot, ctx, robotics: Robotics) -> None:
    page = _page(qtbot, ctx)
    bar = page.filter_bar
    future = date.today() + timedelta(days=400)
    bar.start_edit.setDate(future)
    settle(qtbot, ctx)
    assert bar.filters().period is Period.CUSTOM and bar.filters().start == future
    assert page.analytics is not None and page.analytics.filters.start == future
    assert _chart_rows(page, "Weekly attendance across activities") == []
    assert _panel(page, "Weekly attendance across activities").empty.title_label.text() == NO_SESSIONS
    assert bar.period.currentText() == "Custom dates"
    qtbot.mouseClick(bar.reset_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert bar.filters() == AnalyticsFilters() and bar.period.currentText() == "This school year"
    assert load_filters("admin") == AnalyticsFilters()
    first, last = school_year(date.today())
    assert page.analytics.filters.start == first and page.analytics.filters.end == last
    assert bar.start_edit.date().toPython() == first


def test_a_remembered_category_that_is_gone_is_forgotten(qtbot, ctx, robotics: Robotics) -> None:
    page = _page(qtbot, ctx, filters=AnalyticsFilters(period=Period.ALL, category="Underwater Basket Weaving"))
    settle(qtbot, ctx)
    assert page.filter_bar.filters().category is None and page.filter_bar.category.currentIndex() == 0
    assert "Robotics" in _names(page)
    assert load_filters("admin").category is None


def test_presets_mean_the_term_and_school_year_of_today() -> None:
    assert school_year(date(2026, 11, 5)) == (date(2026, 9, 1), date(2027, 8, 31))
    assert school_year(date(2027, 2, 1)) == (date(2026, 9, 1), date(2027, 8, 31))
    assert term(date(2026, 11, 5)) == (date(2026, 9, 1), date(2026, 12, 31))
    assert term(date(2027, 2, 1)) == (date(2027, 1, 1), date(2027, 3, 31))
    assert term(date(2027, 5, 9)) == (date(2027, 4, 1), date(2027, 8, 31))
    today = date(2026, 11, 5)
    assert AnalyticsFilters(period=Period.LAST_30_DAYS).dates(today) == (date(2026, 10, 7), today)
    assert AnalyticsFilters(period=Period.ALL).dates(today) == (None, None)


def test_the_filters_take_two_rows_on_a_small_screen(qtbot, ctx, robotics: Robotics) -> None:
    page = _page(qtbot, ctx, width=760)
    bar = page.filter_bar
    assert bar.two_rows and bar.what.geometry().top() > bar.when.geometry().bottom()
    page.resize(1400, 760)
    qtbot.waitUntil(lambda: not bar.two_rows)
    qtbot.waitUntil(lambda: bar.what.geometry().top() == bar.when.geometry().top())
    assert bar.what.geometry().left() > bar.when.geometry().right()


# --------------------------------------------------------------------------- the table
def test_sorting_by_completion_orders_numbers_with_the_unmeasured_last(qtbot, ctx, school: School,
                                                                       robotics: Robotics) -> None:
    school.services.progress.update_progress(school.admin, school.drama, school.other_student.id,
                                             status="completed")
    page = _page(qtbot, ctx)
    header = page.table.horizontalHeader()
    x = header.sectionViewportPosition(M.COMPLETION) + 10
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
    column = [r[M.COMPLETION] for r in _table(page)]
    first = header.sortIndicatorOrder()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
    other = [r[M.COMPLETION] for r in _table(page)]
    ascending, descending = (column, other) if first == Qt.SortOrder.AscendingOrder else (other, column)
    assert ascending == ["0%", "25%", "100%", "—"]
    assert descending == ["100%", "25%", "0%", "—"]
    assert _names(page)[-1] == "Photography"


def test_enter_on_a_row_opens_the_activity_on_the_activities_page(qtbot, make_ctx, school: School,
                                                                  robotics: Robotics) -> None:
    from ui.views.activities import ActivitiesPage

    ctx = make_ctx(school.admin)
    save_filters("admin", ALL_TIME)

    class Window(QStackedWidget):
        """Stands in for the main window: pages by key."""

        def __init__(self) -> None:
            super().__init__()
            self.analytics = AnalyticsPage(ctx)
            self.activities = ActivitiesPage(ctx)
            self.addWidget(self.analytics)
            self.addWidget(self.activities)

        def show_page(self, key: str):  # type: ignore[no-untyped-def]
            page = self.activities if key == "activities" else self.analytics
            self.setCurrentWidget(page)
            page.on_shown()
            return page

    window = Window()
    qtbot.addWidget(window)
    window.resize(1100, 760)
    window.show()
    window.show_page("analytics")
    settle(qtbot, ctx)
    page = window.analytics
    page.focus_main()
    row = _names(page).index("Robotics")
    page.table.setCurrentIndex(page.model.index(row, 0))
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    settle(qtbot, ctx)
    assert window.currentWidget() is window.activities
    assert window.activities.detail_page is not None and window.activities.detail_page.activity_id == robotics.id


def test_export_writes_csv_with_a_bom_and_xlsx_in_the_background(qtbot, ctx, tmp_path: Path, monkeypatch,
                                                                 robotics: Robotics) -> None:
    page = _page(qtbot, ctx)
    choices = iter([(str(tmp_path / "figures"), "CSV for Excel: UTF-8 with byte-order mark (*.csv)"),
                    (str(tmp_path / "figures.xlsx"), "Excel workbook (*.xlsx)")])
    asked: list[str] = []

    def save_as(_parent, _caption, suggested, filters):  # type: ignore[no-untyped-def]
        asked.append(filters)
        return next(choices)

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_as))
    assert page.export_button.isEnabled()
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert page.export_status.full_text() == "Saved figures.csv"
    raw = (tmp_path / "figures.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with (tmp_path / "figures.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert [r[0] for r in rows[1:]] == _names(page)
    robo = rows[1 + _names(page).index("Robotics")]
    assert robo[3] == "4" and robo[8] == "25.0" and robo[-1] == "Clash with football: 1"

    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "figures.xlsx", read_only=True)["Effectiveness"]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert [r[0] for r in values[1:]] == _names(page)
    assert values[1 + _names(page).index("Robotics")][8] == 25.0
    assert asked[0].startswith("Excel workbook (*.xlsx);;CSV for Excel")


# --------------------------------------------------------------------------- who sees what
def test_students_and_parents_do_not_get_the_page(school: School) -> None:
    keys = {who: [p.key for p in pages_for(getattr(school, who))] for who in ("admin", "teacher", "student", "parent")}
    assert "analytics" in keys["admin"] and "analytics" in keys["teacher"]
    assert "analytics" not in keys["student"] and "analytics" not in keys["parent"]
    spec = next(p for p in pages_for(school.admin) if p.key == "analytics")
    assert (spec.title, spec.shortcut, spec.icon) == ("Analytics", "Ctrl+7", "analytics.svg")


def test_a_teacher_sees_only_the_activities_they_lead(qtbot, make_ctx, school: School, robotics: Robotics) -> None:
    page = _page(qtbot, make_ctx(school.teacher))
    assert _names(page) == ["Chess Club", "Photography", "Robotics"]
    bar = page.filter_bar
    assert [bar.lead.itemText(i) for i in range(bar.lead.count())] == ["All leads", "Tina Teacher"]
    assert "Drama" not in {r[0] for r in _chart_rows(page, "Participation by activity")}


def test_an_empty_school_says_why_each_chart_is_empty(qtbot, qapp, tmp_path: Path) -> None:
    from tracker.services.bootstrap import open_database
    from ui.context import AppContext
    from ui.events import EventBus
    from ui.tasks import TaskRunner

    db, _ = open_database(tmp_path / "empty.db")
    services = Services(db)
    admin = services.auth.create_first_admin("head", "correct-horse", "Helen Head")
    ctx = AppContext(services=services, events=EventBus(), tasks=TaskRunner(), actor=admin,
                     db_description=db.describe())
    try:
        page = _page(qtbot, ctx)
        assert {p.empty.title_label.text() for p in page.panels} == {NO_ACTIVITIES}
        assert all(p.empty.isVisible() for p in page.panels)
        assert page.table_stack.currentWidget() is page.table_empty
        assert page.table_empty.title_label.text() == NO_ACTIVITIES
        assert "Activities page" in page.table_empty.message_label.text()
        assert not page.export_button.isEnabled()
        assert page.summary.full_text() == "0 activities · 0 places · 0 completed · all time"
    finally:
        ctx.tasks.cancel_all()
        ctx.tasks.wait(10_000)
        db.dispose()


def test_a_teacher_without_activities_is_told_who_can_assign_one(qtbot, make_ctx, school: School) -> None:
    info = school.services.people.create_user(school.admin, UserInput("nina", "Nina New", Role.TEACHER,
                                                                      password="correct-horse"))
    page = _page(qtbot, make_ctx(Actor(info.id, info.username, info.display_name, info.role)))
    assert page.table_empty.title_label.text() == NO_ACTIVITIES
    assert "administrator can assign you" in page.table_empty.message_label.text()


def test_nobody_completed_yet_is_said_on_the_time_to_completion_chart(qtbot, ctx, school: School) -> None:
    page = _page(qtbot, ctx)
    assert _panel(page, "Time to completion").empty.title_label.text() == NOBODY_COMPLETED


# --------------------------------------------------------------------------- refresh
def test_the_page_reloads_when_attendance_changes_while_shown(qtbot, ctx, school: School,
                                                              robotics: Robotics) -> None:
    page = _page(qtbot, ctx)
    s = school.services
    s.enrollment.enroll(school.admin, school.drama, [school.student.id])
    ctx.events.publish(Changes({ChangeKind.ENROLLMENT: {school.drama}}), None)
    settle(qtbot, ctx)
    assert page.model.record(_names(page).index("Drama")).placed == 2
    page.hide()
    s.progress.update_progress(school.admin, school.drama, school.student.id, status="completed")
    ctx.events.publish(Changes({ChangeKind.PROGRESS: {school.drama}}), None)
    settle(qtbot, ctx)
    assert page.stale and page.model.record(_names(page).index("Drama")).completed == 0
    page.show()
    settle(qtbot, ctx)
    assert page.model.record(_names(page).index("Drama")).completed == 1


def test_the_mouse_wheel_over_a_chart_scrolls_the_page(qtbot, ctx, robotics: Robotics) -> None:
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    page = _page(qtbot, ctx, width=1000)
    bar = page.scroll_area.verticalScrollBar()
    assert bar.value() == 0 and bar.maximum() > 0
    widget = page.panels[0].plot.viewport()
    at = QPointF(widget.width() / 2, widget.height() / 2)
    while widget is not None:  # as QApplication delivers a wheel the user turns: up the parents until taken
        wheel = QWheelEvent(at, widget.mapToGlobal(at), QPoint(0, 0), QPoint(0, -120), Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
        wheel.ignore()
        if QApplication.sendEvent(widget, wheel) and wheel.isAccepted():
            break
        at = QPointF(widget.mapToParent(at.toPoint()))
        widget = widget.parentWidget()
    assert widget is page.scroll_area.viewport()  # the chart does not zoom or take it: the page scrolls
    assert bar.value() > 0

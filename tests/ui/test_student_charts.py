"""A student's and a parent's charts: the Progress page's Charts tab and the dashboard's compact
progress chart show the service's history (``analytics.progress_history``), follow the child a
parent chooses, say why they are empty, and reload when a milestone is ticked."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QListWidget, QVBoxLayout, QWidget

from tests.conftest import PASSWORD, School
from tests.ui.conftest import settle, show_page
from tracker.domain.enums import Role
from tracker.domain.policy import Actor
from tracker.services.activities import ActivityInput
from tracker.services.outcome import perform
from tracker.services.people import UserInput
from ui.charts.axes import date_text, to_x
from ui.charts.base import ChartData, ChartPanel
from ui.views.dashboard import DashboardPage
from ui.views.my_progress import NOT_ENROLLED, MyProgressPage
from ui.views.student_charts import StudentCharts

TODAY = date.today()


@pytest.fixture
def milestones(school: School) -> list[int]:
    """Two chess milestones of 5 points; the student has done the first. The student is in
    Drama too (so they have two activities)."""
    s = school.services
    first = s.milestones.create_milestone(school.teacher, school.chess, title="Learn the moves", points=5)
    second = s.milestones.create_milestone(school.teacher, school.chess, title="Openings", points=5)
    s.milestones.complete_milestone(school.teacher, first.id, school.student.id)
    s.progress.update_progress(school.admin, school.drama, school.student.id, status="active")
    return [first.id, second.id]


def _charts(qtbot, ctx) -> tuple[MyProgressPage, StudentCharts]:  # type: ignore[no-untyped-def]
    page = show_page(qtbot, ctx, MyProgressPage(ctx), width=1100, height=760)
    charts = page.show_charts()
    settle(qtbot, ctx)
    return page, charts


def _steps(data: ChartData) -> dict[str, tuple[tuple[object, float], ...]]:
    return {s.name: s.points for s in data.series if s.kind == "step"}


def _service_lines(school: School, actor: Actor, student_id: int) -> dict[str, tuple[tuple[object, float], ...]]:
    history = school.services.analytics.progress_history(actor, student_id)
    return {e.activity: tuple((p.day, p.percent) for p in e.progress) for e in history.enrollments}


def _scene_pos(panel: ChartPanel, x: object, y: float) -> QPointF:
    return panel.plot.plotItem.vb.mapViewToScene(QPointF(to_x(x), y))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the Progress page
def test_student_sees_a_line_per_activity_with_the_services_values(qtbot, make_ctx, school: School,
                                                                   milestones: list[int]) -> None:
    _page, charts = _charts(qtbot, make_ctx(school.student))
    panel = charts.progress
    assert panel.plot.isVisible() and panel.title_label.text() == "Progress over time"
    lines = _steps(panel.data)
    assert lines == _service_lines(school, school.student, school.student.id)
    assert list(lines) == ["Chess Club", "Drama"]
    assert lines["Chess Club"][-1] == (TODAY, 50.0)
    chess_item = panel.items[[s.name for s in panel.data.series].index("Chess Club")]
    assert list(chess_item.getData()[1])[-1] == 50.0  # drawn, not only described
    assert [label.text for _sample, label in panel.legend.items] == ["Chess Club", "Drama"]
    attendance, points = charts.panels["attendance"], charts.panels["points"]
    assert attendance.empty.isVisible() and attendance.empty.title_label.text() == "No sessions held yet"
    assert _steps(points.data)["Chess Club"][-1] == (TODAY, 5.0)
    assert not charts.badges.isVisible()  # no badge earned: no chart waiting for one


def test_hovering_a_line_tells_the_activity_day_and_exact_progress(qtbot, make_ctx, school: School,
                                                                   milestones: list[int]) -> None:
    _page, charts = _charts(qtbot, make_ctx(school.student))
    panel = charts.progress
    assert panel.tooltip_at(_scene_pos(panel, TODAY, 50.0)) == f"Chess Club · {date_text(TODAY)} · 50 %"
    assert panel.tooltip_at(_scene_pos(panel, TODAY, 0.0)) == f"Drama · {date_text(TODAY)} · 0 %"


def test_an_activity_with_dates_has_its_expected_line_dashed_in_its_colour(qtbot, make_ctx, school: School,
                                                                           milestones: list[int]) -> None:
    start, end = TODAY - timedelta(days=30), TODAY + timedelta(days=30)
    school.services.activities.update_activity(school.admin, school.chess, ActivityInput(
        "Chess Club", start_date=start, end_date=end, lead_ids=[school.teacher.id]))
    _page, charts = _charts(qtbot, make_ctx(school.student))
    data = charts.progress.data
    (expected,) = [s for s in data.series if s.dashed]
    history = school.services.analytics.progress_history(school.student, school.student.id)
    chess = next(e for e in history.enrollments if e.activity == "Chess Club")
    assert expected.name == "Chess Club (expected)"
    assert expected.points == tuple((p.day, p.percent) for p in chess.expected)
    line = next(s for s in data.series if s.name == "Chess Club")
    assert expected.colour == line.colour


def test_parent_switches_child_and_the_charts_follow(qtbot, make_ctx, school: School,
                                                     milestones: list[int]) -> None:
    school.services.people.link_guardian(school.admin, school.parent.id, school.other_student.id)
    ctx = make_ctx(school.parent)
    page, charts = _charts(qtbot, ctx)
    first = page.student_id
    assert charts.student_id == first and charts.history is not None
    assert _steps(charts.progress.data) == _service_lines(school, school.parent, first)  # type: ignore[arg-type]
    other = school.other_student.id if first == school.student.id else school.student.id
    assert page.choose_child(other)
    settle(qtbot, ctx)
    assert charts.student_id == other and charts.history is not None and charts.history.student_id == other
    assert _steps(charts.progress.data) == _service_lines(school, school.parent, other)
    olga = _service_lines(school, school.parent, school.other_student.id)
    assert list(olga) == ["Chess Club", "Drama"]


def test_a_child_chosen_while_the_charts_are_hidden_is_read_when_they_are_shown(
        qtbot, make_ctx, school: School, milestones: list[int]) -> None:
    school.services.people.link_guardian(school.admin, school.parent.id, school.other_student.id)
    ctx = make_ctx(school.parent)
    page, charts = _charts(qtbot, ctx)
    page.tabs.setCurrentWidget(page.activities_stack)
    other = next(sid for sid in (school.student.id, school.other_student.id) if sid != page.student_id)
    assert page.choose_child(other)
    settle(qtbot, ctx)
    assert charts.stale and charts.progress.empty.title_label.text() == "Loading…"  # not read while hidden
    page.show_charts()
    settle(qtbot, ctx)
    assert _steps(charts.progress.data) == _service_lines(school, school.parent, other)


def test_a_student_without_activities_is_told_so_in_place_of_the_charts(qtbot, make_ctx, school: School) -> None:
    info = school.services.people.create_user(
        school.admin, UserInput("nina", "Nina New", Role.STUDENT, password=PASSWORD))
    _page, charts = _charts(qtbot, make_ctx(Actor(info.id, info.username, info.display_name, info.role)))
    panel = charts.progress
    assert panel.empty.isVisible() and not panel.plot.isVisible()
    assert panel.empty.title_label.text() == NOT_ENROLLED == "Not enrolled in any activity yet"
    assert not charts.grid.isVisible() and not charts.note.isVisible()  # said once, not under every chart
    assert not panel.menu_button.isVisible()


def test_export_copy_and_table_go_through_the_chart_base(qtbot, make_ctx, school: School, milestones: list[int],
                                                         tmp_path: Path) -> None:
    _page, charts = _charts(qtbot, make_ctx(school.student))
    panel = charts.progress
    panel.export_image(tmp_path / "progress.png")
    image = QImage()
    assert image.load(str(tmp_path / "progress.png")) and image.width() >= panel.plot.width()
    panel.export_image(tmp_path / "progress.svg")
    assert "Progress over time" in (tmp_path / "progress.svg").read_text()
    panel.copy_action.trigger()
    copied = QGuiApplication.clipboard().text().splitlines()
    assert copied[0] == "Date\tChess Club (%)\tDrama (%)"
    assert copied[-1] == f"{TODAY.isoformat()}\t50\t0"
    panel.table_action.trigger()
    assert panel.table.isVisible() and not panel.plot.isVisible()
    model = panel.table.model()
    last = [model.index(model.rowCount() - 1, c).data() for c in range(model.columnCount())]
    assert last == [date_text(TODAY), "50", "0"]


def test_ticking_a_milestone_redraws_the_charts_on_screen(qtbot, make_ctx, school: School,
                                                          milestones: list[int]) -> None:
    ctx = make_ctx(school.student)
    _page, charts = _charts(qtbot, ctx)
    written = perform(lambda: school.services.milestones.complete_milestone(
        school.teacher, milestones[1], school.student.id))
    ctx.events.publish(written.changes)  # as the teacher's tick on another workstation
    settle(qtbot, ctx)
    assert _steps(charts.progress.data)["Chess Club"][-1] == (TODAY, 100.0)
    assert _steps(charts.panels["points"].data)["Chess Club"][-1] == (TODAY, 10.0)


def test_hidden_charts_wait_for_the_tab_to_reload(qtbot, make_ctx, school: School, milestones: list[int]) -> None:
    ctx = make_ctx(school.student)
    page, charts = _charts(qtbot, ctx)
    page.tabs.setCurrentWidget(page.activities_stack)
    written = perform(lambda: school.services.milestones.complete_milestone(
        school.teacher, milestones[1], school.student.id))
    ctx.events.publish(written.changes)
    settle(qtbot, ctx)
    assert charts.stale and _steps(charts.progress.data)["Chess Club"][-1] == (TODAY, 50.0)
    page.show_charts()
    settle(qtbot, ctx)
    assert _steps(charts.progress.data)["Chess Club"][-1] == (TODAY, 100.0)


def test_the_charts_tab_opens_from_the_keyboard(qtbot, make_ctx, school: School, milestones: list[int]) -> None:
    ctx = make_ctx(school.student)
    page = show_page(qtbot, ctx, MyProgressPage(ctx), width=1100)
    assert page.charts is None  # built when first opened
    bar = page.tabs.tabBar()
    bar.setFocus()
    qtbot.keyClick(bar, Qt.Key.Key_Right)
    settle(qtbot, ctx)
    assert page.tabs.tabText(page.tabs.currentIndex()) == "Charts"
    assert page.charts is not None and page.charts.progress.plot.isVisible()
    assert page.tabs.tabToolTip(page.tabs.currentIndex()) == "Progress, attendance and points over time"


# --------------------------------------------------------------------------- the dashboard
def _dashboard(qtbot, ctx) -> DashboardPage:  # type: ignore[no-untyped-def]
    return show_page(qtbot, ctx, DashboardPage(ctx), width=1100, height=760)


def test_student_dashboard_has_a_compact_progress_chart_of_the_service(qtbot, make_ctx, school: School,
                                                                       milestones: list[int]) -> None:
    ctx = make_ctx(school.student)
    page = _dashboard(qtbot, ctx)
    assert page.learner is not None
    (panel,) = page.learner.progress_charts.values()
    assert list(page.learner.progress_charts) == [school.student.id]
    assert panel.isVisible() and panel.title_label.text() == "Progress over time"
    assert _steps(panel.data) == _service_lines(school, school.student, school.student.id)
    assert panel.height() < 300  # compact: the Charts tab has the rest


def test_parent_dashboard_has_a_chart_per_child(qtbot, make_ctx, school: School, milestones: list[int]) -> None:
    school.services.people.link_guardian(school.admin, school.parent.id, school.other_student.id)
    ctx = make_ctx(school.parent)
    page = _dashboard(qtbot, ctx)
    assert page.learner is not None
    charts = page.learner.progress_charts
    assert sorted(charts) == sorted([school.student.id, school.other_student.id])
    for student_id, panel in charts.items():
        assert _steps(panel.data) == _service_lines(school, school.parent, student_id)


def test_a_child_without_activities_gets_no_chart(qtbot, make_ctx, school: School) -> None:
    kid = school.services.people.create_user(school.admin, UserInput("kim", "Kim Kid", Role.STUDENT,
                                                                     password=PASSWORD))
    school.services.people.link_guardian(school.admin, school.parent.id, kid.id)
    page = _dashboard(qtbot, make_ctx(school.parent))
    assert page.learner is not None and list(page.learner.progress_charts) == [school.student.id]


def test_the_dashboards_chart_follows_a_milestone_tick(qtbot, make_ctx, school: School,
                                                       milestones: list[int]) -> None:
    ctx = make_ctx(school.student)
    page = _dashboard(qtbot, ctx)
    written = perform(lambda: school.services.milestones.complete_milestone(
        school.teacher, milestones[1], school.student.id))
    ctx.events.publish(written.changes)
    settle(qtbot, ctx)
    assert page.learner is not None
    (panel,) = page.learner.progress_charts.values()
    assert _steps(panel.data)["Chess Club"][-1] == (TODAY, 100.0)


def test_staff_dashboards_read_no_progress_charts(qtbot, make_ctx, school: School) -> None:
    page = _dashboard(qtbot, make_ctx(school.teacher))
    assert page.learner is None and not page.charts_reloader.loading


def test_a_chart_panel_leaves_the_users_window_active(qtbot) -> None:
    window = QWidget()
    lay = QVBoxLayout(window)
    entries = QListWidget()
    lay.addWidget(entries)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(window.isActiveWindow)
    entries.setFocus()
    panel = ChartPanel(ChartData("Progress over time", "Date", "Progress", ()))
    lay.addWidget(panel)
    QApplication.processEvents()
    assert window.isActiveWindow() and entries.hasFocus()
    assert panel.title_label.isVisible() and panel.title_label.text() == "Progress over time"

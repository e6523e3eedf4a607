"""An activity's Analytics tab: KPIs and the teacher's charts with the service's numbers, hover
tooltips, empty states that say why, who gets the tab, and reloading after attendance is taken."""

from __future__ import annotations

from datetime import datetime, time

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from tests.conftest import School
from tests.ui.conftest import settle
from tests.unit.test_analytics_metrics import Robotics, robotics  # noqa: F401 - the hand-computed school
from tracker.domain.changes import ChangeKind
from tracker.services.activities import ActivityInput
from tracker.services.attendance import MarkChange
from ui.charts.base import ChartPanel
from ui.ops import WriteOp
from ui.views.activity_analytics import AnalyticsTab
from ui.views.activity_detail import ActivityDetailPage


def _tab(qtbot, ctx, activity_id: int, width: int = 1100) -> AnalyticsTab:  # type: ignore[no-untyped-def]
    tab = AnalyticsTab(ctx, activity_id)
    qtbot.addWidget(tab)
    tab.resize(width, 700)
    tab.show()
    settle(qtbot, ctx)
    return tab


def _rows(panel: ChartPanel) -> list[list[str]]:
    """The chart's "Show as table" model, as the user reads it."""
    m = panel.table.model()
    return [[m.index(r, c).data() for c in range(m.columnCount())] for r in range(m.rowCount())]


def _at(panel: ChartPanel, day: object, y: float) -> QPointF:
    x = datetime.combine(day, time()).timestamp()  # type: ignore[arg-type]
    return panel.plot.plotItem.vb.mapViewToScene(QPointF(x, y))


def _tab_titles(page: ActivityDetailPage) -> list[str]:
    return [page.tabs.tabText(i) for i in range(page.tabs.count())]


def test_the_tab_shows_the_services_figures(qtbot, make_ctx, robotics: Robotics) -> None:  # noqa: F811
    r = robotics
    ctx = make_ctx(r.school.teacher)
    tab = _tab(qtbot, ctx, r.id)
    a = r.s.analytics.activity_analytics(r.school.teacher, r.id)
    assert tab.analytics == a
    kpi = {key: (card.value(), card.hint_label.full_text()) for key, card in tab.kpi.items()}
    assert kpi == {"enrolled": ("6", "4 enrolled, 2 dropped"), "completion_rate": ("17%", "1 completed"),
                   "attendance": ("70%", "average rate"), "median_days": ("15", "to complete"),
                   "dropped": ("2", "Clash with football")}
    assert tab.kpi["dropped"].toolTip() == "Reasons recorded:\nClash with football: 1\nNo reason given: 1"
    assert tab.kpi["enrolled"].toolTip().startswith("Everyone who held a place: 3 active, 1 completed, 2 dropped")
    assert _rows(tab.charts["attendance"]) == [[f"{w.week_start.day} {w.week_start:%b %Y}", f"{w.rate:g}"]
                                               for w in a.weekly_attendance]
    assert _rows(tab.charts["funnel"]) == [[s.title if s.required else f"{s.title} (optional)", str(s.reached),
                                            str(s.stalled)] for s in a.milestone_funnel]
    assert [row[0] for row in _rows(tab.charts["skills"])] == [s.skill for s in a.skills_now_vs_start]
    assert all(panel.plot.isVisible() for panel in tab.charts.values())  # every chart drawn, none empty


def test_hovering_a_week_tells_its_exact_attendance_rate(qtbot, make_ctx, robotics: Robotics) -> None:  # noqa: F811
    r = robotics
    tab = _tab(qtbot, make_ctx(r.school.teacher), r.id)
    panel = tab.charts["attendance"]
    week = r.day(7)
    assert panel.tooltip_at(_at(panel, week, 77.8)) == f"Attendance rate · week of {week.day} {week:%b %Y} · 77.8 %"
    standing = tab.charts["standing"]
    first = r.s.analytics.activity_analytics(r.school.teacher, r.id).standing_over_time[0]
    assert first.completed == 0  # nobody had completed in the first week: on track is the bottom bar
    assert standing.tooltip_at(_at(standing, r.day(0), 0.5)) == \
        f"On track · week of {r.day(0).day} {r.day(0):%b %Y} · {first.on_track}"


def test_an_empty_activity_says_why_each_chart_is_empty(qtbot, ctx, school: School) -> None:
    empty = school.services.activities.create_activity(school.admin, ActivityInput("Pottery")).id
    tab = _tab(qtbot, ctx, empty)
    reasons = {key: panel.empty.title_label.text() for key, panel in tab.charts.items() if panel.empty.isVisible()}
    assert reasons == {"progress": "Nobody enrolled yet", "attendance": "No sessions held yet",
                       "standing": "Nobody enrolled yet", "funnel": "No milestones yet",
                       "participation": "No participation ratings yet", "skills": "No skills assessed yet"}
    assert tab.kpi["completion_rate"].value() == "—"
    assert tab.kpi["median_days"].hint_label.full_text() == "Nobody has completed yet"
    assert tab.kpi["dropped"].toolTip() == "Nobody has dropped out"


def test_the_tab_is_for_admins_and_the_activitys_leads_only(qtbot, make_ctx, robotics: Robotics) -> None:  # noqa: F811
    r = robotics

    def page(actor) -> ActivityDetailPage:  # type: ignore[no-untyped-def]
        ctx = make_ctx(actor)
        detail = ActivityDetailPage(ctx, r.id)
        qtbot.addWidget(detail)
        detail.show()
        settle(qtbot, ctx)
        return detail

    assert "Analytics" in _tab_titles(page(r.school.admin))
    lead = page(r.school.teacher)
    assert _tab_titles(lead)[-1] == "Analytics" and lead.analytics is not None
    other = page(r.school.other_teacher)
    assert "Analytics" not in _tab_titles(other) and other.analytics is None
    assert "Analytics" not in _tab_titles(page(r.school.student))


def test_the_charts_are_built_only_when_the_tab_is_first_shown(qtbot, ctx, robotics: Robotics) -> None:  # noqa: F811
    detail = ActivityDetailPage(ctx, robotics.id)
    qtbot.addWidget(detail)
    detail.show()
    qtbot.waitExposed(detail)
    detail.activateWindow()
    settle(qtbot, ctx)
    tab = detail.analytics
    assert tab is not None and tab.charts == {} and tab.analytics is None  # the roster pays nothing for it
    detail.roster.focus_main()
    qtbot.waitUntil(detail.roster.table.hasFocus)
    qtbot.keyClick(detail.roster.table, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)  # to the last tab
    assert detail.tabs.currentWidget() is tab
    settle(qtbot, ctx)
    assert len(tab.charts) == 6 and tab.analytics is not None
    assert tab.charts["progress"].plot.isVisible() and tab.charts["progress"].title_label.isVisible()
    qtbot.wait(50)
    assert QApplication.activeWindow() is detail and tab.scroller.hasFocus()  # building charts took no focus


def test_two_columns_on_a_wide_tab_and_one_that_scrolls_on_a_narrow_one(qtbot, ctx, robotics: Robotics) -> None:  # noqa: F811
    tab = _tab(qtbot, ctx, robotics.id, width=1100)
    assert tab.grid.columns == 2
    tab.resize(760, 600)
    qtbot.waitUntil(lambda: tab.grid.columns == 1)
    assert all(panel.height() >= 200 for panel in tab.charts.values())  # scrolled, never squashed
    assert tab.scroller.verticalScrollBar().maximum() > 0
    assert tab.scroller.widget().width() <= tab.scroller.viewport().width()  # no sideways scrolling


def test_attendance_taken_reloads_the_tab_while_it_is_on_screen(qtbot, make_ctx, robotics: Robotics) -> None:  # noqa: F811
    r = robotics
    ctx = make_ctx(r.school.teacher)
    tab = _tab(qtbot, ctx, r.id)
    panel = tab.charts["attendance"]
    assert _rows(panel)[-1][1] == "75"  # week 2: 6 of 8 present
    assert ChangeKind.ATTENDANCE in tab.watches
    status = {st.code: st.id for st in r.s.attendance.statuses(r.school.admin)}
    service, teacher = r.s.attendance, r.school.teacher
    mark = MarkChange(r.sessions[5], r.who["sam"], status["P"], check_version=False)  # Sam's absence at S6
    WriteOp(tab, ctx, lambda state: service.apply(teacher, [mark])).run_in_background()
    qtbot.waitUntil(lambda: _rows(panel)[-1][1] == "87.5", timeout=10_000)  # 7 of 8
    assert tab.analytics is not None and tab.analytics.weekly_attendance[-1].present == 7

    tab.hide()  # hidden: only noted, read when shown again
    back = MarkChange(r.sessions[5], r.who["sam"], status["A"], check_version=False)
    WriteOp(None, ctx, lambda state: service.apply(teacher, [back])).run_in_background()
    settle(qtbot, ctx)
    assert tab.stale and _rows(panel)[-1][1] == "87.5"
    tab.show()
    settle(qtbot, ctx)
    assert _rows(panel)[-1][1] == "75"


def test_the_keyboard_reaches_a_chart_as_a_table(qtbot, ctx, robotics: Robotics) -> None:  # noqa: F811
    tab = _tab(qtbot, ctx, robotics.id)
    tab.activateWindow()
    tab.focus_main()
    qtbot.waitUntil(tab.scroller.hasFocus)  # arrows and PgDown scroll the charts
    first = tab.charts["progress"]
    qtbot.keyClick(tab.scroller, Qt.Key.Key_Tab)
    qtbot.waitUntil(first.menu_button.hasFocus)  # Tab reaches each chart's options
    first.table_action.trigger()
    qtbot.waitUntil(first.table.hasFocus)
    qtbot.keyClick(first.table, Qt.Key.Key_Down)
    assert first.table.currentIndex().row() == 1
    assert first.table.model().index(9, 0).data() == "90–100"


def test_the_screenshot_view_shows_the_largest_activitys_analytics(tmp_path, robotics: Robotics) -> None:  # noqa: F811
    from PySide6.QtGui import QImage

    from tests.conftest import PASSWORD
    from tracker.cli import build_parser
    from ui.screenshot import run_screenshot, views

    assert "activity-analytics" in views()
    out = tmp_path / "analytics.png"
    args = build_parser().parse_args(["screenshot", "--db", str(robotics.s.db.url.database), "--user", "tina",
                                      "--password", PASSWORD, "--view", "activity-analytics", "--out", str(out),
                                      "--size", "1024x768"])
    assert run_screenshot(args) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1024, 768)

"""The teacher's charts (ui/charts/activity.py): an activity's analytics and the activities one
leads, as chart data — checked as plain data, then drawn from the services' real figures."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import update

from tests.ui.conftest import settle
from tests.unit.test_analytics_metrics import Robotics, robotics  # noqa: F401 - the hand-computed school
from tracker.db.models import ActivityProgress
from tracker.domain.analytics_types import (
    ActivityAnalytics,
    FunnelStep,
    HistogramBin,
    RatingWeek,
    SkillShift,
    StandingWeek,
    WeekAttendance,
)
from tracker.domain.standing import Standing
from tracker.services.attendance import MarkChange
from ui.charts import activity as charts
from ui.charts.palette import REFERENCE, standing_colour
from ui.charts.table import point_text, table_of
from ui.views import staff_charts
from ui.views.staff_charts import StaffCharts

W0 = date(2026, 10, 5)  # a Monday
WEEKS = tuple(W0 + timedelta(weeks=i) for i in range(3))


def _analytics(**figures: object) -> ActivityAnalytics:
    base = ActivityAnalytics(7, "Chess Club", 10, 6, 2, 2, 0, 20.0, 80.0, 55.0, 1, 2, ())
    return ActivityAnalytics(**{**base.__dict__, **figures})  # type: ignore[arg-type]


def _bins(counts: dict[int, tuple[int, int]]) -> tuple[HistogramBin, ...]:
    return tuple(HistogramBin(k * 10, k * 10 + 10, *counts.get(k, (0, 0))) for k in range(10))


def _week(day: date, held: int, counted: int, present: int) -> WeekAttendance:
    return WeekAttendance(day, held, counted, counted, present, round(100 * present / counted, 1) if counted else None)


# --------------------------------------------------------------------------- one activity, as data
def test_progress_distribution_stacks_the_completed_students_in_their_own_colour() -> None:
    data = charts.progress_distribution(_analytics(progress_histogram=_bins({4: (3, 0), 9: (2, 2), 7: (4, 1)})))
    assert data.stacked and data.x_kind == "category"
    assert data.categories[0] == "0–10" and data.categories[9] == "90–100"
    in_progress, completed = data.series
    assert (in_progress.name, completed.name) == ("In progress", "Completed")
    assert dict(in_progress.points)[4.0] == 3 and dict(in_progress.points)[7.0] == 3 and dict(in_progress.points)[9.0] == 0
    assert dict(completed.points)[9.0] == 2 and dict(completed.points)[7.0] == 1
    assert completed.colour == standing_colour(Standing.COMPLETED)
    assert point_text(data, 1, 9) == "Completed · 90–100 % · 2"
    assert table_of(data)[0] == ["Progress (%)", "In progress", "Completed"]


def test_progress_distribution_says_why_it_is_empty() -> None:
    nobody = charts.progress_distribution(_analytics(enrolled=0, progress_histogram=_bins({})))
    assert nobody.is_empty and nobody.empty_reason == "Nobody enrolled yet"
    all_dropped = charts.progress_distribution(_analytics(enrolled=2, progress_histogram=_bins({})))
    assert all_dropped.is_empty and all_dropped.empty_reason == "No active or completed students"


def test_attendance_trend_draws_the_weekly_rate_in_percent() -> None:
    weeks = (_week(WEEKS[0], 2, 10, 7), _week(WEEKS[1], 1, 0, 0), _week(WEEKS[2], 2, 9, 7))
    data = charts.attendance_trend(_analytics(weekly_attendance=weeks))
    (line,) = data.series
    assert line.points == ((WEEKS[0], 70.0), (WEEKS[2], 77.8))  # a week with nothing counted has no rate
    assert (data.y_range, data.y_unit, data.x_kind) == ((0.0, 100.0), "%", "date")
    assert point_text(data, 0, 1) == "Attendance rate · week of 19 Oct 2026 · 77.8 %"


def test_attendance_trend_tells_no_sessions_from_no_marks() -> None:
    assert charts.attendance_trend(_analytics()).empty_reason == "No sessions held yet"
    unmarked = charts.attendance_trend(_analytics(weekly_attendance=(_week(WEEKS[0], 2, 0, 0),)))
    assert unmarked.is_empty and unmarked.empty_reason == "No attendance marked yet"


def test_standing_over_time_stacks_the_four_standings_in_their_colours() -> None:
    weeks = (StandingWeek(WEEKS[0], 5, 1, 0, 0), StandingWeek(WEEKS[1], 3, 2, 1, 1))
    data = charts.standing_over_time(_analytics(standing_over_time=weeks))
    assert data.stacked and [s.name for s in data.series] == ["Completed", "On track", "Behind", "At risk"]
    assert [s.colour for s in data.series] == [standing_colour(s) for s in charts.STANDINGS]
    assert [s.points[1][1] for s in data.series] == [1.0, 3.0, 2.0, 1.0]
    assert point_text(data, 2, 1) == "Behind · week of 12 Oct 2026 · 2"
    assert charts.standing_over_time(_analytics(enrolled=0)).empty_reason == "Nobody enrolled yet"
    assert charts.standing_over_time(_analytics()).empty_reason == "The activity has not started yet"


def test_milestone_funnel_shows_who_reached_each_and_who_stalls_there() -> None:
    steps = (FunnelStep(1, "Rules", True, 9, 1), FunnelStep(2, "Openings", True, 6, 3), FunnelStep(3, "Puzzle", False, 2, 0))
    data = charts.milestone_funnel(_analytics(milestone_funnel=steps))
    assert data.categories == ("Rules", "Openings", "Puzzle (optional)")
    reached, stalled = data.series
    assert [y for _x, y in reached.points] == [9, 6, 2] and [y for _x, y in stalled.points] == [1, 3, 0]
    assert point_text(data, 1, 1) == "Stalled here · Openings · 3"
    assert table_of(data)[1][2] == ["Puzzle (optional)", 2.0, 0.0]
    assert charts.milestone_funnel(_analytics()).empty_reason == "No milestones yet"


def test_participation_trend_is_a_line_between_one_and_five() -> None:
    data = charts.participation_trend(_analytics(participation_trend=(
        RatingWeek(WEEKS[0], 3.5, 4), RatingWeek(WEEKS[1], 4.25, 4))))
    assert data.series[0].points == ((WEEKS[0], 3.5), (WEEKS[1], 4.25)) and data.y_range == (1.0, 5.0)
    assert point_text(data, 0, 1) == "Average rating · week of 12 Oct 2026 · 4.25"
    assert charts.participation_trend(_analytics()).empty_reason == "No participation ratings yet"


def test_skills_put_the_level_at_the_start_beside_the_level_now() -> None:
    data = charts.skills_now_vs_start(_analytics(skills_now_vs_start=(
        SkillShift(1, "Teamwork", 3, 1.67, 3.0), SkillShift(2, "Logic", 1, 2.0, 2.0))))
    start, now = data.series
    assert data.categories == ("Teamwork", "Logic") and not data.stacked
    assert (start.name, start.colour, [y for _x, y in start.points]) == ("At start", REFERENCE, [1.67, 2.0])
    assert (now.name, [y for _x, y in now.points]) == ("Now", [3.0, 2.0])
    assert charts.skills_now_vs_start(_analytics()).empty_reason == "No skills assessed yet"


def test_the_tab_has_every_chart_in_order() -> None:
    assert [d.title for d in charts.activity_charts(_analytics()).values()] == [
        "Progress distribution", "Weekly attendance", "Standing over time", "Milestone funnel",
        "Participation rating", "Skills: start and now"]


# --------------------------------------------------------------------------- the activities one leads
def test_other_is_what_remains_of_the_school_once_the_drawn_activities_are_taken_out() -> None:
    total = (_week(WEEKS[0], 3, 30, 20), _week(WEEKS[1], 2, 20, 18))
    chess = (_week(WEEKS[0], 1, 10, 10), _week(WEEKS[1], 2, 20, 18))
    other = charts.other_weeks(total, [chess])
    assert other == (WeekAttendance(WEEKS[0], 2, 20, 20, 10, 50.0),)  # 10 of 20 marks, not a rate of rates
    assert charts.other_weeks(total, [total]) == ()


def test_attendance_by_activity_draws_a_line_each_and_other_dashed_grey() -> None:
    data = charts.attendance_by_activity([("Chess", (_week(WEEKS[0], 1, 4, 3),)), ("Choir", (_week(WEEKS[0], 1, 5, 5),))],
                                         (_week(WEEKS[0], 2, 10, 5),))
    assert [s.name for s in data.series] == ["Chess", "Choir", "Other"]
    assert data.series[2].dashed and data.series[2].colour == REFERENCE
    assert [s.points[0][1] for s in data.series] == [75.0, 100.0, 50.0]
    assert [s.name for s in charts.attendance_by_activity([("Chess", (_week(WEEKS[0], 1, 4, 3),))]).series] == ["Chess"]
    assert charts.attendance_by_activity([]).empty_reason == "No sessions held yet"
    assert charts.attendance_by_activity([("Chess", (_week(WEEKS[0], 1, 0, 0),))]).empty_reason == \
        "No attendance marked yet"


def test_standing_by_activity_counts_the_active_students_not_behind_or_at_risk_as_on_track() -> None:
    data = charts.standing_by_activity([_analytics(), _analytics(activity="Choir", active=4, completed=0, behind=0,
                                                                 at_risk=4)])
    assert data.categories == ("Chess Club", "Choir") and data.stacked
    assert [[y for _x, y in s.points] for s in data.series] == [[2, 0], [3, 0], [2, 0], [1, 4]]
    assert point_text(data, 3, 1) == "At risk · Choir · 4"
    assert charts.standing_by_activity([]).empty_reason == "No activities yet"
    idle = charts.standing_by_activity([_analytics(active=0, completed=0, behind=0, at_risk=0)])
    assert idle.is_empty and idle.empty_reason == "No active or completed students"


# --------------------------------------------------------------------------- drawn from real figures
def _staff_charts(qtbot, ctx) -> StaffCharts:  # type: ignore[no-untyped-def]
    widget = StaffCharts(ctx)
    qtbot.addWidget(widget)
    widget.resize(900, 300)
    widget.show()
    widget.reload()
    settle(qtbot, ctx)
    return widget


def test_staff_charts_show_the_teachers_activities_from_the_service(qtbot, make_ctx, robotics: Robotics) -> None:  # noqa: F811
    r = robotics
    teacher = r.school.teacher
    ctx = make_ctx(teacher)
    widget = _staff_charts(qtbot, ctx)
    weeks = r.s.analytics.activity_analytics(teacher, r.id).weekly_attendance
    lines = widget.attendance.data.series
    assert [s.name for s in lines] == ["Robotics", "Chess Club"]  # the largest first; Chess has no sessions
    assert lines[0].points == tuple((w.week_start, w.rate) for w in weeks)
    assert widget.standing.data.categories == ("Chess Club", "Robotics")  # the dashboard's order
    card = next(c.analytics for c in r.s.analytics.dashboard(teacher).activities if c.analytics.activity_id == r.id)
    assert (card.completed, card.active, card.behind, card.at_risk) == (1, 3, 2, 1)  # the dashboard's figures
    assert widget.standing.model.rows[1] == ["Robotics", 1.0, 0.0, 2.0, 1.0]  # completed, on track, behind, at risk
    assert widget.attendance.plot.isVisible() and widget.standing.plot.isVisible()
    assert widget.attendance.plot.plotItem.vb.width() > 300  # side by side, each readable
    assert widget.grid.columns == 2
    widget.grab()  # renders offscreen


def test_the_activities_beyond_the_largest_are_summed_as_other(qtbot, ctx, robotics: Robotics,  # noqa: F811
                                                               monkeypatch) -> None:
    r = robotics
    chess = r.school.chess
    with r.s.db.engine.begin() as conn:  # Chess Club's places taken on M0, as Robotics' were
        conn.execute(update(ActivityProgress).where(ActivityProgress.activity_id == chess).values(enrolled_on=r.day(0)))
    session = r.s.calendar.add_extra_session(r.school.admin, chess, r.at(1), r.at(1, 16)).id
    status = {st.code: st.id for st in r.s.attendance.statuses(r.school.admin)}
    r.s.attendance.apply(r.school.admin, [MarkChange(session, r.who["sam"], status["P"], check_version=False),
                                          MarkChange(session, r.who["olga"], status["A"], check_version=False)])
    monkeypatch.setattr(staff_charts, "MOST_LINES", 1)
    widget = _staff_charts(qtbot, ctx)
    robotics_line, other = widget.attendance.data.series
    assert robotics_line.name == "Robotics" and other.name == "Other" and other.dashed
    assert other.points == ((r.day(0), 50.0),)  # Chess Club's one session: Sam present, Olga absent
    assert widget.attendance.tooltip_at(widget.attendance.plot.plotItem.vb.mapViewToScene(
        _view_point(r.day(0), 50.0))) == f"Other · week of {r.day(0).day} {r.day(0):%b %Y} · 50 %"


def test_offline_the_staff_charts_draw_without_the_schools_remainder(
        robotics: Robotics, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """Working offline (issue 17) the school's weeks are not on this computer: the lines of the
    activities that are still draw, with no "Other" line, rather than the chart failing."""
    from tracker.errors import NotAvailableOffline

    def offline(*_a: object, **_kw: object) -> None:
        raise NotAvailableOffline("Analytics across activities needs the school database.")

    monkeypatch.setattr(staff_charts, "MOST_LINES", 1)
    monkeypatch.setattr(type(robotics.s.analytics), "school_analytics", offline)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:  # a read, off the GUI thread as the dashboard does it
        data = pool.submit(staff_charts.load_staff_charts, robotics.s, robotics.school.admin).result()
    assert [line.name for line in data.attendance.series] == ["Robotics"]


def _view_point(day: date, y: float):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QPointF

    return QPointF(datetime.combine(day, time()).timestamp(), y)


def test_staff_charts_say_why_when_nobody_leads_anything(qtbot, make_ctx, robotics: Robotics) -> None:  # noqa: F811
    from tracker.domain.enums import Role
    from tracker.domain.policy import Actor
    from tracker.services.people import UserInput

    info = robotics.s.people.create_user(robotics.school.admin, UserInput("nina", "Nina New", Role.TEACHER,
                                                                          password="x" * 12))
    widget = _staff_charts(qtbot, make_ctx(Actor(info.id, info.username, info.display_name, info.role)))
    assert widget.attendance.empty.title_label.text() == "No sessions held yet"
    assert widget.standing.empty.title_label.text() == "No activities yet"


@pytest.mark.parametrize("width", [600, 1000])
def test_staff_charts_stack_on_a_narrow_dashboard(qtbot, ctx, robotics: Robotics, width: int) -> None:  # noqa: F811
    widget = _staff_charts(qtbot, ctx)
    widget.resize(width, 600)
    qtbot.waitUntil(lambda: widget.grid.columns == (1 if width < staff_charts.SIDE_BY_SIDE_FROM else 2))
    assert widget.attendance.height() == widget.standing.height() >= 200  # never squashed

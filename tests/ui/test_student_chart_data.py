"""A student's charts as data (ui/charts/student.py): the service's history in, chart data out —
a line per activity with its expected line, attendance per month, points and badges, and empty
charts that say why."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tracker.domain.analytics_types import (
    BadgeEarned,
    EnrollmentHistory,
    MonthAttendance,
    PointsPoint,
    ProgressHistory,
    ProgressPoint,
)
from ui.charts import palette
from ui.charts.student import (
    NO_MARKS,
    NO_POINTS_TO_EARN,
    NO_POINTS_YET,
    NO_SESSIONS,
    NOT_ENROLLED,
    attendance_per_month,
    badges_over_time,
    count_ticks,
    points_over_time,
    progress_over_time,
    student_charts,
    total_steps,
)
from ui.charts.table import point_text

TODAY = date(2026, 11, 20)
SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)


def _chess(**kw: object) -> EnrollmentHistory:
    e = EnrollmentHistory(
        progress_id=1, activity_id=10, activity="Chess Club", status="active", start=date(2026, 9, 7),
        progress_percentage=50.0,
        progress=(ProgressPoint(date(2026, 9, 7), 0.0), ProgressPoint(date(2026, 10, 5), 25.0),
                  ProgressPoint(TODAY, 50.0)),
        expected=(ProgressPoint(date(2026, 9, 7), 0.0), ProgressPoint(TODAY, 60.0),
                  ProgressPoint(date(2026, 12, 18), 100.0)),
        attendance=(MonthAttendance(SEP, 4, 4, 3, 75.0), MonthAttendance(OCT, 5, 4, 4, 100.0),
                    MonthAttendance(NOV, 2, 0, 0, None)),
        points=(PointsPoint(date(2026, 9, 7), 0), PointsPoint(date(2026, 10, 5), 5), PointsPoint(TODAY, 10)),
        points_total=20)
    return replace(e, **kw)  # type: ignore[arg-type]


def _drama(**kw: object) -> EnrollmentHistory:
    e = EnrollmentHistory(
        progress_id=2, activity_id=11, activity="Drama", status="completed", start=date(2026, 9, 14),
        progress_percentage=100.0,
        progress=(ProgressPoint(date(2026, 9, 14), 0.0), ProgressPoint(date(2026, 10, 20), 100.0),
                  ProgressPoint(TODAY, 100.0)),
        expected=(ProgressPoint(date(2026, 9, 14), 0.0), ProgressPoint(TODAY, 70.0),
                  ProgressPoint(date(2026, 12, 1), 100.0)),
        attendance=(MonthAttendance(OCT, 3, 3, 2, 66.7),),
        points=(PointsPoint(date(2026, 9, 14), 0), PointsPoint(date(2026, 10, 20), 8), PointsPoint(TODAY, 8)),
        points_total=8)
    return replace(e, **kw)  # type: ignore[arg-type]


def _history(*enrollments: EnrollmentHistory, badges: tuple[BadgeEarned, ...] = ()) -> ProgressHistory:
    return ProgressHistory(7, "Sam Student", TODAY, enrollments, badges)


NOBODY = _history()


# --------------------------------------------------------------------------- progress over time
def test_progress_is_a_step_line_per_activity_with_the_services_values() -> None:
    chart = progress_over_time(_history(_chess(), _drama()))
    steps = [s for s in chart.series if s.kind == "step"]
    assert [s.name for s in steps] == ["Chess Club", "Drama"]
    assert steps[0].points == ((date(2026, 9, 7), 0.0), (date(2026, 10, 5), 25.0), (TODAY, 50.0))
    assert steps[1].points[-1] == (TODAY, 100.0)
    assert [s.colour for s in steps] == [palette.series_colour(0), palette.series_colour(1)]
    assert chart.x_kind == "date" and chart.y_range == (0.0, 100.0) and chart.y_unit == "%"


def test_an_active_place_has_its_expected_line_dashed_in_its_colour_a_finished_one_not() -> None:
    chart = progress_over_time(_history(_chess(), _drama()))
    dashed = [s for s in chart.series if s.dashed]
    assert [s.name for s in dashed] == ["Chess Club (expected)"]  # Drama is completed: no longer judged by it
    (expected,) = dashed
    assert expected.colour == palette.series_colour(0) and expected.kind == "line"
    assert expected.points == ((date(2026, 9, 7), 0.0), (TODAY, 60.0), (date(2026, 12, 18), 100.0))
    assert point_text(chart, chart.series.index(expected), 1) == "Chess Club (expected) · 20 Nov 2026 · 60 %"


def test_activities_of_the_same_dates_share_one_grey_expected_line_naming_them() -> None:
    same = _chess().expected
    chart = progress_over_time(_history(_chess(), _drama(status="active", expected=same)))
    dashed = [s for s in chart.series if s.dashed]
    assert [(s.name, s.colour) for s in dashed] == [("Expected", palette.REFERENCE)]
    assert point_text(chart, chart.series.index(dashed[0]), 1) == (
        "Expected for Chess Club, Drama · 20 Nov 2026 · 60 %")


def test_an_override_is_a_dot_on_the_day_it_took_effect() -> None:
    chess = _chess(override_from=date(2026, 11, 2), progress_percentage=80.0,
                   progress=(ProgressPoint(date(2026, 9, 7), 0.0), ProgressPoint(date(2026, 11, 2), 80.0),
                             ProgressPoint(TODAY, 80.0)))
    chart = progress_over_time(_history(chess))
    (dot,) = [s for s in chart.series if s.name == "Chess Club (set by hand)"]
    assert dot.points == ((date(2026, 11, 2), 80.0),) and dot.kind == "line" and not dot.dashed
    assert dot.colour == palette.series_colour(0)


def test_without_activities_the_progress_chart_says_not_enrolled() -> None:
    chart = progress_over_time(NOBODY)
    assert chart.is_empty and chart.empty_reason == NOT_ENROLLED == "Not enrolled in any activity yet"


# --------------------------------------------------------------------------- attendance
def test_attendance_is_a_bar_per_activity_and_month_with_the_sessions_in_the_tooltip() -> None:
    chart = attendance_per_month(_history(_chess(), _drama()))
    assert chart.x_kind == "category" and chart.categories == ("Sep 2026", "Oct 2026")  # November: nothing marked
    chess, drama = chart.series
    assert (chess.name, chess.kind, chess.colour) == ("Chess Club", "bar", palette.series_colour(0))
    assert chess.points == ((0.0, 75.0), (1.0, 100.0))
    assert drama.points == ((1.0, 66.7),) and drama.colour == palette.series_colour(1)
    assert point_text(chart, 0, 0) == "Chess Club: present 3 of 4 · Sep 2026 · 75 %"
    assert point_text(chart, 0, 1) == "Chess Club: present 4 of 4 counted, 5 held · Oct 2026 · 100 %"
    assert chart.y_range == (0.0, 100.0) and chart.y_unit == "%"


def test_an_empty_attendance_chart_says_why() -> None:
    assert attendance_per_month(NOBODY).empty_reason == NOT_ENROLLED
    no_sessions = attendance_per_month(_history(_chess(attendance=())))
    assert no_sessions.is_empty and no_sessions.empty_reason == NO_SESSIONS == "No sessions held yet"
    unmarked = attendance_per_month(_history(_chess(attendance=(MonthAttendance(SEP, 3, 0, 0, None),))))
    assert unmarked.is_empty and unmarked.empty_reason == NO_MARKS


# --------------------------------------------------------------------------- points
def test_points_are_steps_per_activity_and_their_total() -> None:
    chart = points_over_time(_history(_chess(), _drama()))
    assert [(s.name, s.kind) for s in chart.series] == [("Chess Club", "step"), ("Drama", "step"),
                                                       ("All activities", "step")]
    assert chart.series[0].points == ((date(2026, 9, 7), 0.0), (date(2026, 10, 5), 5.0), (TODAY, 10.0))
    assert chart.series[2].colour == palette.BLACK
    assert chart.series[2].points[-1] == (TODAY, 18.0)  # what the dashboard's "Points earned" says


def test_the_total_adds_what_each_activity_had_earned_by_each_day() -> None:
    assert total_steps([_chess(), _drama()]) == (
        (date(2026, 9, 7), 0.0), (date(2026, 9, 14), 0.0), (date(2026, 10, 5), 5.0),
        (date(2026, 10, 20), 13.0), (TODAY, 18.0))
    flat = _drama(points=(PointsPoint(date(2026, 9, 14), 0), PointsPoint(TODAY, 0)))
    assert total_steps([_chess(points=(PointsPoint(date(2026, 9, 7), 0), PointsPoint(TODAY, 0))), flat]) == (
        (date(2026, 9, 7), 0.0), (TODAY, 0.0))  # a flat stretch is one step, ending today


def test_one_activity_worth_points_has_no_total_line() -> None:
    chart = points_over_time(_history(_chess(), _drama(points_total=0)))
    assert [s.name for s in chart.series] == ["Chess Club"]


def test_an_empty_points_chart_says_why() -> None:
    assert points_over_time(NOBODY).empty_reason == NOT_ENROLLED
    nothing_to_earn = points_over_time(_history(_chess(points_total=0)))
    assert nothing_to_earn.is_empty and nothing_to_earn.empty_reason == NO_POINTS_TO_EARN
    none_yet = points_over_time(_history(_chess(points=(PointsPoint(date(2026, 9, 7), 0), PointsPoint(TODAY, 0)))))
    assert none_yet.is_empty and none_yet.empty_reason == NO_POINTS_YET


# --------------------------------------------------------------------------- badges
def test_no_badges_make_no_chart() -> None:
    assert badges_over_time(_history(_chess())) is None
    assert list(student_charts(_history(_chess()))) == ["progress", "attendance", "points"]


def test_badges_are_dots_counted_up_with_their_name_and_activity_on_hover() -> None:
    badges = (BadgeEarned(date(2026, 10, 5), "First Steps", 10), BadgeEarned(date(2026, 11, 2), "Good Citizen", None),
              BadgeEarned(date(2026, 11, 9), "Star", 99))
    charts = student_charts(_history(_chess(), badges=badges))
    assert list(charts) == ["progress", "attendance", "points", "badges"]
    chart = charts["badges"]
    (dots,) = chart.series
    assert dots.kind == "scatter" and dots.points == (
        (date(2026, 10, 5), 1.0), (date(2026, 11, 2), 2.0), (date(2026, 11, 9), 3.0))
    assert dots.labels == ("First Steps (Chess Club)", "Good Citizen (school-wide)", "Star")
    assert point_text(chart, 0, 1) == "Good Citizen (school-wide) · Date: 2 Nov 2026 · Badges: 2"
    assert chart.y_ticks == ((0.0, "0"), (1.0, "1"), (2.0, "2"), (3.0, "3"))  # whole badges only


def test_count_ticks_stay_whole_and_few() -> None:
    assert count_ticks(1) == ((0.0, "0"), (1.0, "1"))
    assert [v for v, _t in count_ticks(12)] == [0.0, 5.0, 10.0]
    assert len(count_ticks(4000)) <= 6

"""The school's charts as data (ui/charts/school.py): what the admin analytics page draws, from a
hand-made SchoolAnalytics, without widgets."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tracker.domain.analytics_types import (
    ActivityEffectiveness,
    ComparisonPoint,
    DropReason,
    FilterChoices,
    ParticipationCount,
    SchoolAnalytics,
    SchoolFilters,
    WeekAttendance,
)
from tracker.domain.standing import Standing
from ui.charts import palette
from ui.charts.school import (
    NO_ACTIVITIES,
    NO_MATCH,
    NO_SESSIONS,
    NOBODY_COMPLETED,
    NOBODY_PLACED,
    activity_comparison,
    outcomes_by_activity,
    participation_by_activity,
    participation_by_category,
    participation_by_grade,
    school_charts,
    time_to_completion,
    weekly_attendance,
)
from ui.charts.table import table_of


def _row(aid: int, name: str, placed: int, completed: int, dropped: int, *, attendance: float | None = 90.0,
         median: float | None = None, category: str = "Clubs") -> ActivityEffectiveness:
    def share(n: int) -> float | None:
        return round(100.0 * n / placed, 1) if placed else None

    return ActivityEffectiveness(
        activity_id=aid, activity=name, category=category, leads=("Tina Teacher",), placed=placed, students=placed,
        active=placed - completed - dropped, completed=completed, dropped=dropped, completion_rate=share(completed),
        dropout_rate=share(dropped), retention_rate=share(placed - dropped), median_days_to_completion=median,
        average_attendance_rate=attendance if placed else None, average_progress=50.0 if placed else None,
        drop_reasons=(DropReason("Lost interest", dropped),) if dropped else ())


CHESS = _row(1, "Chess Club", 20, 8, 2, attendance=92.5, median=40.0)
ROBOTICS = _row(2, "Robotics", 30, 3, 0, attendance=80.0, median=55.5, category="STEM")
CHOIR = _row(3, "Choir", 10, 0, 1, attendance=None)
EMPTY = _row(4, "Empty Club", 0, 0, 0)
WEEKS = (WeekAttendance(date(2026, 9, 7), 3, 60, 58, 50, 86.2), WeekAttendance(date(2026, 9, 14), 0, 0, 0, 0, None),
         WeekAttendance(date(2026, 9, 21), 3, 60, 60, 57, 95.0))


def _school(**changes: object) -> SchoolAnalytics:
    a = SchoolAnalytics(
        filters=SchoolFilters(),
        by_category=(ParticipationCount("STEM", 30, 28), ParticipationCount("Clubs", 30, 25)),
        by_grade=(ParticipationCount("9", 25, 20), ParticipationCount("No grade", 5, 5),
                  ParticipationCount("10", 12, 10), ParticipationCount("8", 18, 15)),
        by_activity=tuple(ParticipationCount(r.activity, r.placed, r.students, r.activity_id)
                          for r in (CHESS, CHOIR, EMPTY, ROBOTICS)),
        weekly_attendance=WEEKS,
        effectiveness=(CHESS, CHOIR, EMPTY, ROBOTICS),
        comparison=tuple(ComparisonPoint(r.activity_id, r.activity, r.completion_rate, r.average_attendance_rate,
                                         r.placed) for r in (CHESS, CHOIR, ROBOTICS)),
        drop_reasons=(DropReason("Lost interest", 3),),
        median_days_to_completion=41.0,
        choices=FilterChoices(("Clubs", "STEM"), ("8", "9", "10", "No grade"), ((7, "Tina Teacher"),)),
    )
    return replace(a, **changes)  # type: ignore[arg-type]


def _values(series_points: tuple) -> list[float]:  # type: ignore[type-arg]
    return [y for _x, y in series_points]


def test_participation_shows_places_and_students_side_by_side_per_category() -> None:
    data = participation_by_category(_school())
    assert data.x_kind == "category" and data.categories == ("STEM", "Clubs")
    places, students = data.series
    assert (places.name, places.kind, _values(places.points)) == ("Places", "bar", [30.0, 30.0])
    assert (students.name, _values(students.points)) == ("Students", [28.0, 25.0])
    assert table_of(data)[1] == [["STEM", 30.0, 28.0], ["Clubs", 30.0, 25.0]]


def test_grades_stand_in_school_order_not_by_size() -> None:
    data = participation_by_grade(_school())
    assert data.categories == ("8", "9", "10", "No grade")
    assert _values(data.series[0].points) == [18.0, 25.0, 12.0, 5.0]


def test_activities_are_charted_biggest_first_and_empty_ones_left_out() -> None:
    data = participation_by_activity(_school())
    assert data.categories == ("Robotics", "Chess Club", "Choir")
    assert _values(data.series[0].points) == [30.0, 20.0, 10.0]


def test_outcomes_are_percentages_in_the_standing_colours() -> None:
    data = outcomes_by_activity(_school())
    assert data.categories == ("Robotics", "Chess Club", "Choir") and data.y_unit == "%"
    completion, dropout, retention = data.series
    assert [s.name for s in data.series] == ["Completion", "Drop-out", "Retention"]
    assert _values(completion.points) == [10.0, 40.0, 0.0]
    assert _values(dropout.points) == [0.0, 10.0, 10.0]
    assert _values(retention.points) == [100.0, 90.0, 90.0]
    assert completion.colour == palette.standing_colour(Standing.COMPLETED)
    assert dropout.colour == palette.standing_colour(Standing.AT_RISK)
    assert data.y_range == (0.0, 100.0)


def test_weekly_attendance_is_a_line_of_the_weeks_with_a_rate() -> None:
    data = weekly_attendance(_school())
    (line,) = data.series
    assert data.x_kind == "date" and line.kind == "line"
    assert line.points == ((date(2026, 9, 7), 86.2), (date(2026, 9, 21), 95.0))
    assert data.x_hover == "week of {}" and data.y_unit == "%"


def test_comparison_dots_are_sized_by_places_and_named_on_hover() -> None:
    data = activity_comparison(_school())
    (dots,) = data.series
    assert dots.kind == "scatter" and (data.x_label, data.y_label) == ("Attendance", "Completion")
    assert dots.points == ((80.0, 10.0), (92.5, 40.0))  # Choir: no sessions held, so no dot
    assert dots.sizes == (30.0, 20.0)
    assert dots.labels == ("Robotics (30 placed)", "Chess Club (20 placed)")
    header, rows = table_of(data)
    assert header == ["Series", "Name", "Attendance (%)", "Completion (%)", "Size"]
    assert rows[0] == ["Activities", "Robotics (30 placed)", 80.0, 10.0, 30.0]


def test_time_to_completion_is_the_median_days_of_each_activity_someone_completed() -> None:
    data = time_to_completion(_school())
    assert data.categories == ("Robotics", "Chess Club") and data.y_unit == "days"
    assert _values(data.series[0].points) == [55.5, 40.0]


def test_every_chart_of_the_page_in_order() -> None:
    titles = [c.title for c in school_charts(_school())]
    assert titles == ["Participation by category", "Participation by grade", "Weekly attendance across activities",
                      "Activity comparison", "Participation by activity", "Completion, drop-out and retention",
                      "Time to completion"]
    assert all(not c.is_empty for c in school_charts(_school()))


def test_empty_charts_say_why() -> None:
    nothing = _school(by_category=(), by_grade=(), by_activity=(), weekly_attendance=(), effectiveness=(),
                      comparison=(), median_days_to_completion=None)
    assert {c.empty_reason for c in school_charts(nothing)} == {NO_ACTIVITIES}
    assert all(c.is_empty for c in school_charts(nothing))
    narrowed = replace(nothing, filters=SchoolFilters(category="Music"))
    assert {c.empty_reason for c in school_charts(narrowed)} == {NO_MATCH}

    unplaced = _school(by_category=(), by_grade=(), by_activity=(), weekly_attendance=(), effectiveness=(EMPTY,),
                       comparison=(), median_days_to_completion=None)
    charts = {c.title: c for c in school_charts(unplaced)}
    assert charts["Participation by activity"].empty_reason == NOBODY_PLACED
    assert charts["Weekly attendance across activities"].empty_reason == NO_SESSIONS

    no_sessions = _school(weekly_attendance=(), comparison=tuple(
        replace(c, attendance_rate=None) for c in _school().comparison))
    assert weekly_attendance(no_sessions).empty_reason == NO_SESSIONS
    assert activity_comparison(no_sessions).is_empty
    assert activity_comparison(no_sessions).empty_reason == NO_SESSIONS

    nobody_done = _school(effectiveness=tuple(replace(r, median_days_to_completion=None)
                                              for r in _school().effectiveness))
    assert time_to_completion(nobody_done).is_empty
    assert time_to_completion(nobody_done).empty_reason == NOBODY_COMPLETED

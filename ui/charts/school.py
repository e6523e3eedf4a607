"""The school's charts (the admin analytics page): :class:`SchoolAnalytics` in, :class:`ChartData` out.

Pure functions of the snapshot the service returned, so they run off the GUI thread and are
tested without widgets; the page only hands each result to a ``ChartPanel``. Charts of
activities list them in one order everywhere (most places first), so a bar in one chart is
found at the same spot in the next. Percentages and medians are the service's
(``docs/analytics.md``); nothing is recomputed here. An empty chart says why.
"""

from __future__ import annotations

from collections.abc import Iterable

from tracker.domain.analytics_types import (
    ActivityEffectiveness,
    ParticipationCount,
    SchoolAnalytics,
    SchoolFilters,
)
from tracker.domain.standing import Standing
from ui.charts.base import ChartData, Series
from ui.charts.palette import series_colour, standing_colour

NO_ACTIVITIES = "No activities to show"
NO_MATCH = "No activities match these filters"
NOBODY_PLACED = "Nobody holds a place yet"
NO_SESSIONS = "No sessions held yet"
NOBODY_COMPLETED = "Nobody has completed yet"
PERCENT = (0.0, 100.0)


def school_charts(a: SchoolAnalytics) -> tuple[ChartData, ...]:
    """Every chart of the page, in the order it shows them: the small ones first (they pair up
    on a wide screen), then the ones with a bar per activity."""
    return (participation_by_category(a), participation_by_grade(a), weekly_attendance(a),
            activity_comparison(a), participation_by_activity(a), outcomes_by_activity(a), time_to_completion(a))


def is_narrowed(f: SchoolFilters) -> bool:
    """Whether the figures were narrowed by a date, category, grade or lead."""
    return any(v is not None for v in (f.start, f.end, f.category, f.grade, f.lead_id))


def why_empty(a: SchoolAnalytics) -> str:
    """Why a chart of places has nothing to draw: no activities at all, none matching the
    filters, or nobody placed in them."""
    if not a.effectiveness:
        return NO_MATCH if is_narrowed(a.filters) else NO_ACTIVITIES
    return NOBODY_PLACED


def by_size(a: SchoolAnalytics) -> list[ActivityEffectiveness]:
    """The activities with places, most places first (then by name): the order of every chart
    of activities."""
    return sorted((r for r in a.effectiveness if r.placed), key=lambda r: (-r.placed, r.activity.lower()))


def _participation(title: str, x_label: str, counts: Iterable[ParticipationCount], empty: str) -> ChartData:
    """Places and distinct students side by side for each key."""
    counts = list(counts)
    return ChartData(title, x_label, "Places / students", (
        Series("Places", tuple((i, float(c.places)) for i, c in enumerate(counts)), kind="bar"),
        Series("Students", tuple((i, float(c.students)) for i, c in enumerate(counts)), kind="bar"),
    ), x_kind="category", categories=tuple(c.key for c in counts), empty_reason=empty)


def participation_by_category(a: SchoolAnalytics) -> ChartData:
    return _participation("Participation by category", "Category", a.by_category, why_empty(a))


def participation_by_grade(a: SchoolAnalytics) -> ChartData:
    """Grades in school order (the order the grade filter offers them), not by size."""
    order = {g: i for i, g in enumerate(a.choices.grades)}
    grades = sorted(a.by_grade, key=lambda c: (order.get(c.key, len(order)), c.key))
    return _participation("Participation by grade", "Grade", grades, why_empty(a))


def participation_by_activity(a: SchoolAnalytics) -> ChartData:
    rows = by_size(a)
    counts = [ParticipationCount(r.activity, r.placed, r.students, r.activity_id) for r in rows]
    return _participation("Participation by activity", "Activity", counts, why_empty(a))


def _percent_series(name: str, rows: list[ActivityEffectiveness], value: str, colour: str) -> Series:
    points = tuple((i, float(v)) for i, r in enumerate(rows) if (v := getattr(r, value)) is not None)
    return Series(name, points, kind="bar", colour=colour)


def outcomes_by_activity(a: SchoolAnalytics) -> ChartData:
    """Completion, drop-out and retention of each activity side by side, in the standing
    colours: completed green, dropped out the at-risk vermillion, retained the first series blue."""
    rows = by_size(a)
    return ChartData("Completion, drop-out and retention", "Activity", "Share of places", (
        _percent_series("Completion", rows, "completion_rate", standing_colour(Standing.COMPLETED)),
        _percent_series("Drop-out", rows, "dropout_rate", standing_colour(Standing.AT_RISK)),
        _percent_series("Retention", rows, "retention_rate", series_colour(0)),
    ), x_kind="category", categories=tuple(r.activity for r in rows), y_unit="%", y_range=PERCENT,
        empty_reason=why_empty(a))


def weekly_attendance(a: SchoolAnalytics) -> ChartData:
    """The school-wide attendance rate of each week with held sessions."""
    points = tuple((w.week_start, float(w.rate)) for w in a.weekly_attendance if w.rate is not None)
    reason = NO_SESSIONS if a.effectiveness else why_empty(a)
    return ChartData("Weekly attendance across activities", "Week", "Attendance", (
        Series("Attendance", points),), x_kind="date", y_unit="%", y_range=PERCENT, x_hover="week of {}",
        empty_reason=reason)


def activity_comparison(a: SchoolAnalytics) -> ChartData:
    """Each activity as a dot: attendance across, completion up, sized by its places; the
    hover names the activity and its places."""
    shown = [c for c in a.comparison if c.attendance_rate is not None and c.completion_rate is not None]
    shown.sort(key=lambda c: (-c.enrolled, c.activity.lower()))  # small dots drawn last, on top
    reason = NO_SESSIONS if a.comparison else why_empty(a)
    return ChartData("Activity comparison", "Attendance", "Completion", (
        Series("Activities", tuple((float(c.attendance_rate or 0), float(c.completion_rate or 0)) for c in shown),
               kind="scatter", sizes=tuple(float(c.enrolled) for c in shown),
               labels=tuple(f"{c.activity} ({c.enrolled} placed)" for c in shown)),
    ), x_unit="%", y_unit="%", empty_reason=reason)


def time_to_completion(a: SchoolAnalytics) -> ChartData:
    """The median days from starting to completing, for each activity someone completed."""
    rows = [r for r in by_size(a) if r.median_days_to_completion is not None]
    reason = NOBODY_COMPLETED if by_size(a) else why_empty(a)
    return ChartData("Time to completion", "Activity", "Median time to complete", (
        Series("Median", tuple((i, float(r.median_days_to_completion or 0)) for i, r in enumerate(rows)),
               kind="bar", colour=standing_colour(Standing.COMPLETED)),
    ), x_kind="category", categories=tuple(r.activity for r in rows), y_unit="days", empty_reason=reason)

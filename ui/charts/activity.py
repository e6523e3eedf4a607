"""The teacher's charts: one activity's analytics (its Analytics tab) and the activities one leads
side by side (the staff dashboard), as :class:`ui.charts.base.ChartData`.

Pure functions from the plain results of ``AnalyticsService`` (``tracker.domain.analytics_types``)
to chart data: no widget, no database, so they run on any thread and are tested without a window.
The widgets (``ui.views.activity_analytics``, ``ui.views.staff_charts``) only hand the data to
:class:`ui.charts.base.ChartPanel`. Standings take the standing colours (``palette.standing_colour``)
on every chart; an empty chart says why there is nothing to draw. Definitions of the figures:
``docs/analytics.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from tracker.domain.analytics_types import (
    ActivityAnalytics,
    StandingWeek,
    WeekAttendance,
)
from tracker.domain.standing import Standing
from ui.charts.base import ChartData, Series
from ui.charts.palette import REFERENCE, series_colour, standing_colour

WEEK = "week of {}"
#: bottom to top in a stack: the settled students first, the ones needing help on top
STANDINGS = (Standing.COMPLETED, Standing.ON_TRACK, Standing.BEHIND, Standing.AT_RISK)
MOST_LINES = 3  # activities drawn as lines of their own (a legend of four fits the dashboard at 1024×768); the rest are "Other"
OTHER = "Other"
NO_SESSIONS = "No sessions held yet"
NO_MARKS = "No attendance marked yet"
NOBODY = "Nobody enrolled yet"

StandingCounts = tuple[int, int, int, int]  # in the order of STANDINGS


# --------------------------------------------------------------------------- one activity


def activity_charts(a: ActivityAnalytics) -> dict[str, ChartData]:
    """Every chart of the Analytics tab by key, in the order it shows them."""
    return {"progress": progress_distribution(a), "attendance": attendance_trend(a),
            "standing": standing_over_time(a), "funnel": milestone_funnel(a),
            "participation": participation_trend(a), "skills": skills_now_vs_start(a)}


def progress_distribution(a: ActivityAnalytics) -> ChartData:
    """How far the active and completed students are: ten bins of progress, the completed
    students stacked in their own colour."""
    bins = a.progress_histogram
    shown = any(b.count for b in bins)
    categories = tuple(f"{b.low}–{b.high}" for b in bins)
    in_progress = tuple((float(i), float(b.count - b.completed)) for i, b in enumerate(bins)) if shown else ()
    completed = tuple((float(i), float(b.completed)) for i, b in enumerate(bins)) if shown else ()
    return ChartData(
        "Progress distribution", "Progress", "Students",
        (Series("In progress", in_progress, kind="bar", colour=series_colour(0)),
         Series("Completed", completed, kind="bar", colour=standing_colour(Standing.COMPLETED))),
        x_kind="category", categories=categories, stacked=True, x_unit="%",
        x_hover="{} %", empty_reason=NOBODY if a.enrolled == 0 else "No active or completed students")


def attendance_trend(a: ActivityAnalytics) -> ChartData:
    """The share of counted marks that were present, week by week."""
    return _attendance_chart("Weekly attendance", [Series("Attendance rate", rate_points(a.weekly_attendance))],
                             held=bool(a.weekly_attendance))


def standing_over_time(a: ActivityAnalytics) -> ChartData:
    """How many students were on track, behind, at risk or completed at the end of each week."""
    weeks = a.standing_over_time
    return ChartData(
        "Standing over time", "Week", "Students",
        standing_series([(w.week_start, week_counts(w)) for w in weeks]),
        x_kind="date", stacked=True, x_hover=WEEK,
        empty_reason=NOBODY if a.enrolled == 0 else "The activity has not started yet")


def milestone_funnel(a: ActivityAnalytics) -> ChartData:
    """Milestones in the activity's order: how many students reached each, and how many active
    students stall there (it is the first one they have not done)."""
    steps = a.milestone_funnel
    return ChartData(
        "Milestone funnel", "Milestone (in order)", "Students",
        (Series("Reached", tuple((float(i), float(s.reached)) for i, s in enumerate(steps)), kind="bar",
                colour=series_colour(0)),
         Series("Stalled here", tuple((float(i), float(s.stalled)) for i, s in enumerate(steps)), kind="bar",
                colour=standing_colour(Standing.BEHIND))),
        x_kind="category", categories=tuple(s.title if s.required else f"{s.title} (optional)" for s in steps),
        empty_reason="No milestones yet")


def participation_trend(a: ActivityAnalytics) -> ChartData:
    """The mean participation rating (1–5) given in each week's sessions."""
    points = tuple((w.week_start, w.average_rating) for w in a.participation_trend)
    return ChartData(
        "Participation rating", "Week", "Rating (1–5)",
        (Series("Average rating", points),), x_kind="date", y_range=(1.0, 5.0), x_hover=WEEK,
        empty_reason="No participation ratings yet")


def skills_now_vs_start(a: ActivityAnalytics) -> ChartData:
    """Per skill assessed here: the mean of the students' first level beside their latest."""
    shifts = a.skills_now_vs_start
    return ChartData(
        "Skills: start and now", "Skill", "Average level",
        (Series("At start", tuple((float(i), s.first_level) for i, s in enumerate(shifts)), kind="bar",
                colour=REFERENCE),
         Series("Now", tuple((float(i), s.latest_level) for i, s in enumerate(shifts)), kind="bar",
                colour=series_colour(0))),
        x_kind="category", categories=tuple(s.skill for s in shifts), empty_reason="No skills assessed yet")


# --------------------------------------------------------------------------- the activities one leads


def attendance_by_activity(lines: Sequence[tuple[str, Sequence[WeekAttendance]]],
                           other: Sequence[WeekAttendance] = ()) -> ChartData:
    """A weekly attendance line per activity (at most :data:`MOST_LINES`, the caller's choice),
    and one for every other activity summed (``other``: see :func:`other_weeks`)."""
    series = [Series(name, rate_points(weeks), colour=series_colour(i)) for i, (name, weeks) in enumerate(lines)]
    if any(w.rate is not None for w in other):
        series.append(Series(OTHER, rate_points(other), colour=REFERENCE, dashed=True))
    held = any(weeks for _name, weeks in lines) or bool(other)
    return _attendance_chart("Weekly attendance by activity", series, held=held)


def other_weeks(total: Sequence[WeekAttendance], parts: Sequence[Sequence[WeekAttendance]]) -> tuple[WeekAttendance, ...]:
    """``total`` (every activity together) less the activities drawn as lines of their own: the
    weeks of the rest, with their rate from what remains (a rate of rates would weigh a small
    activity as much as a large one). Weeks where nothing of the rest was held are left out."""
    out = []
    for week in total:
        same = [w for weeks in parts for w in weeks if w.week_start == week.week_start]
        held = week.sessions_held - sum(w.sessions_held for w in same)
        if held <= 0:
            continue
        counted = week.counted - sum(w.counted for w in same)
        present = week.present - sum(w.present for w in same)
        out.append(replace(week, sessions_held=held, marks=week.marks - sum(w.marks for w in same),
                           counted=counted, present=present,
                           rate=round(100.0 * present / counted, 1) if counted > 0 else None))
    return tuple(out)


def standing_by_activity(activities: Sequence[ActivityAnalytics]) -> ChartData:
    """Each activity's students by standing today, a stacked bar per activity (the dashboard's
    figures: active students are on track unless behind or at risk)."""
    rows = [(float(i), now_counts(a)) for i, a in enumerate(activities)]
    shown = any(sum(counts) for _x, counts in rows)
    return ChartData(
        "Standing now", "Activity", "Students", standing_series(rows if shown else []),
        x_kind="category", categories=tuple(a.activity for a in activities), stacked=True,
        empty_reason="No activities yet" if not activities else "No active or completed students")


def now_counts(a: ActivityAnalytics) -> StandingCounts:
    """Completed, on track, behind and at risk today, in the order of :data:`STANDINGS`."""
    return a.completed, a.active - a.behind - a.at_risk, a.behind, a.at_risk


def week_counts(w: StandingWeek) -> StandingCounts:
    """One week's standing breakdown in the order of :data:`STANDINGS`."""
    return w.completed, w.on_track, w.behind, w.at_risk


# --------------------------------------------------------------------------- shared pieces


def standing_series(rows: Sequence[tuple[float | date, StandingCounts]]) -> tuple[Series, ...]:
    """A bar series per standing (in its colour) from (x, counts) rows."""
    return tuple(Series(standing.label, tuple((x, float(counts[k])) for x, counts in rows), kind="bar",
                        colour=standing_colour(standing))
                 for k, standing in enumerate(STANDINGS))


def rate_points(weeks: Sequence[WeekAttendance]) -> tuple[tuple[date, float], ...]:
    """(week, rate) of the weeks that have a rate (something counted)."""
    return tuple((w.week_start, w.rate) for w in weeks if w.rate is not None)


def _attendance_chart(title: str, series: Sequence[Series], *, held: bool) -> ChartData:
    return ChartData(title, "Week", "Attendance", tuple(series), x_kind="date", y_range=(0.0, 100.0),
                     y_unit="%", x_hover=WEEK, empty_reason=NO_MARKS if held else NO_SESSIONS)

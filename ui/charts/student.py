"""A student's charts (their dashboard, their Progress page, a parent's view of a child):
:class:`ProgressHistory` in, :class:`ChartData` out.

Pure functions of the snapshot ``AnalyticsService.progress_history`` returned, so they run off
the GUI thread and are tested without widgets; the views only hand each result to a
``ChartPanel``. An activity keeps one colour on every chart of the student (its place in the
history's order), so its progress line, its expected line, its attendance bars and its points
read as one. The figures are the service's (``docs/analytics.md``); nothing is recomputed here
but the points total, which is the sum of the activities' steps. An empty chart says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from tracker.domain.analytics_types import BadgeEarned, EnrollmentHistory, MonthAttendance, ProgressHistory
from tracker.domain.enums import ProgressStatus
from ui.charts.axes import MONTHS
from ui.charts.base import ChartData, Series
from ui.charts.palette import BLACK, REDDISH_PURPLE, REFERENCE, series_colour

NOT_ENROLLED = "Not enrolled in any activity yet"
NO_SESSIONS = "No sessions held yet"
NO_MARKS = "No attendance marked yet"
NO_POINTS_TO_EARN = "No milestones with points yet"
NO_POINTS_YET = "No points earned yet"
EXPECTED = "{} (expected)"
SHARED_EXPECTED = "Expected"
SET_BY_HAND = "{} (set by hand)"
TOTAL = "All activities"
SCHOOL_WIDE = "school-wide"
PERCENT = (0.0, 100.0)


def student_charts(h: ProgressHistory) -> dict[str, ChartData]:
    """Every chart of the student by key, in the order the Progress page shows them; "badges"
    only when the student has earned one."""
    charts = {"progress": progress_over_time(h), "attendance": attendance_per_month(h),
              "points": points_over_time(h)}
    badges = badges_over_time(h)
    if badges is not None:
        charts["badges"] = badges
    return charts


def progress_over_time(h: ProgressHistory) -> ChartData:
    """A step line per activity (the progress holds until the next dated fact); for an active
    place the straight expected-progress line the standing compares with, dashed in the same
    colour (a finished or dropped place is no longer judged by it); a teacher's override as a
    dot on the day it took effect."""
    series: list[Series] = []
    for colour, e in _coloured(h.enrollments):
        series.append(Series(e.activity, tuple((p.day, p.percent) for p in e.progress), kind="step", colour=colour))
        if e.override_from is not None:
            series.append(Series(SET_BY_HAND.format(e.activity), ((e.override_from, e.progress_percentage),),
                                 colour=colour))
    series += expected_lines(h.enrollments)
    return ChartData("Progress over time", "Date", "Progress", tuple(series), x_kind="date", y_range=PERCENT,
                     y_unit="%", empty_reason=NOT_ENROLLED)


def attendance_per_month(h: ProgressHistory) -> ChartData:
    """The attendance rate of each month, a bar per activity side by side; the tooltip tells how
    many sessions that rate is of. A month whose sessions nobody has marked yet is left out."""
    held = any(e.attendance for e in h.enrollments)
    months = sorted({m.month for e in h.enrollments for m in e.attendance if m.rate is not None})
    column = {month: i for i, month in enumerate(months)}
    series = []
    for colour, e in _coloured(h.enrollments):
        rated = [m for m in e.attendance if m.rate is not None]
        if rated:
            series.append(Series(e.activity, tuple((float(column[m.month]), float(m.rate or 0.0)) for m in rated),
                                 kind="bar", colour=colour, labels=tuple(_sessions_text(e.activity, m) for m in rated)))
    reason = NOT_ENROLLED if not h.enrollments else NO_MARKS if held else NO_SESSIONS
    return ChartData("Attendance per month", "Month", "Attendance", tuple(series), x_kind="category",
                     categories=tuple(month_name(m) for m in months), y_range=PERCENT, y_unit="%",
                     empty_reason=reason)


def points_over_time(h: ProgressHistory) -> ChartData:
    """Milestone points earned up to each day: a step line per activity worth points, and their
    total (what the dashboard's "Points earned" says today) when there are several."""
    worth = [(colour, e) for colour, e in _coloured(h.enrollments) if e.points_total > 0]
    series = [Series(e.activity, tuple((p.day, float(p.points)) for p in e.points), kind="step", colour=colour)
              for colour, e in worth]
    if len(series) > 1:
        series.append(Series(TOTAL, total_steps([e for _colour, e in worth]), kind="step", colour=BLACK))
    earned = any(p.points for _colour, e in worth for p in e.points)
    reason = NOT_ENROLLED if not h.enrollments else NO_POINTS_TO_EARN if not worth else NO_POINTS_YET
    return ChartData("Points earned", "Date", "Points", tuple(series) if earned else (), x_kind="date",
                     empty_reason=reason)


def badges_over_time(h: ProgressHistory) -> ChartData | None:
    """A dot per badge on the day it was earned, at the count earned so far (hover: its name and
    activity); None without badges, so no empty chart waits for them."""
    if not h.badges:
        return None
    activity = {e.activity_id: e.activity for e in h.enrollments}
    labels = tuple(_badge_text(b, activity) for b in h.badges)
    points = tuple((b.day, float(n)) for n, b in enumerate(h.badges, start=1))
    count = len(h.badges)
    return ChartData("Badges earned", "Date", "Badges", (
        Series("Badges", points, kind="scatter", colour=REDDISH_PURPLE, labels=labels),), x_kind="date",
        y_range=(0.0, float(count)), y_ticks=count_ticks(count))


# --------------------------------------------------------------------------- pieces


def expected_lines(enrollments: Sequence[EnrollmentHistory]) -> list[Series]:
    """The dashed expected-progress line of each active place with dates, in its activity's
    colour. Activities of the same dates (and enrolled the same day) share one line: drawn once,
    grey, named "Expected", with the activities it stands for in its tooltip, rather than lines
    hiding each other so that only the last colour shows."""
    by_line: dict[tuple[tuple[date, float], ...], list[tuple[str, str]]] = {}
    for colour, e in _coloured(enrollments):
        if e.expected and e.status == ProgressStatus.ACTIVE.value:
            by_line.setdefault(tuple((p.day, p.percent) for p in e.expected), []).append((colour, e.activity))
    out = []
    for points, owners in by_line.items():
        if len(owners) == 1:
            (colour, activity), = owners
            out.append(Series(EXPECTED.format(activity), points, colour=colour, dashed=True))
        else:
            label = f"Expected for {', '.join(activity for _colour, activity in owners)}"
            out.append(Series(SHARED_EXPECTED, points, colour=REFERENCE, dashed=True, labels=(label,) * len(points)))
    return out


def count_ticks(most: int) -> tuple[tuple[float, str], ...]:
    """Whole numbers from 0 to ``most`` for a count axis (no "2.5 badges"), at most six of them."""
    step = next(n for n in (1, 2, 5, 10, 20, 50, 100, 200, 500, most) if most // n <= 5)
    return tuple((float(n), str(n)) for n in range(0, most + 1, max(step, 1)))


def _coloured(enrollments: Sequence[EnrollmentHistory]) -> list[tuple[str, EnrollmentHistory]]:
    """Each activity with its colour: its place among the student's activities."""
    return [(series_colour(i), e) for i, e in enumerate(enrollments)]


def month_name(month: date) -> str:
    """"Nov 2026"."""
    return f"{MONTHS[month.month]} {month.year}"


def _badge_text(b: BadgeEarned, activity: dict[int, str]) -> str:
    """"Chess Master (Chess Club)", "Good Citizen (school-wide)"."""
    where = SCHOOL_WIDE if b.activity_id is None else activity.get(b.activity_id)
    return f"{b.badge} ({where})" if where else b.badge


def _sessions_text(activity: str, m: MonthAttendance) -> str:
    """"Chess Club: present 9 of 10" (of the marks that count; the held sessions too when some
    were not counted: unmarked, or excused)."""
    if m.counted == m.held:
        return f"{activity}: present {m.present} of {m.held}"
    return f"{activity}: present {m.present} of {m.counted} counted, {m.held} held"


def total_steps(enrollments: Sequence[EnrollmentHistory]) -> tuple[tuple[date, float], ...]:
    """The sum of the activities' points step lines: on every day one of them steps, the
    points each had earned by then (none before its series starts)."""
    days = sorted({p.day for e in enrollments for p in e.points})
    out: list[tuple[date, float]] = []
    for day in days:
        total = float(sum(next((p.points for p in reversed(e.points) if p.day <= day), 0) for e in enrollments))
        if len(out) >= 2 and out[-1][1] == total == out[-2][1]:
            out[-1] = (day, total)  # a flat stretch: move its end
        else:
            out.append((day, total))
    return tuple(out)

"""The plain data of analytics: what the analytics services return and the charts draw.

Every result is a frozen dataclass of plain values (ints, floats, strings, dates, tuples), so it
crosses threads, becomes JSON through ``tracker.api.to_json`` and is compared in tests as is.
Percentages are 0–100 floats rounded to one decimal; ``None`` means "nothing to measure yet"
(no sessions held, nobody completed), never zero. Dates of weeks are the Monday of the ISO week;
dates of months the first of the month. Definitions of every figure: ``docs/analytics.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# --------------------------------------------------------------------------- shared pieces


@dataclass(frozen=True)
class WeekAttendance:
    """Attendance in one ISO week that had held sessions (not cancelled, already started)."""

    week_start: date  # the Monday
    sessions_held: int
    marks: int  # attendance records on those sessions (any status)
    counted: int  # marks whose status counts in the rate (Excused does not by default)
    present: int  # counted marks whose status counts as present
    rate: float | None  # present ÷ counted, percent; None when nothing counted


@dataclass(frozen=True)
class DropReason:
    reason: str  # the recorded reason, or NO_REASON
    count: int


NO_REASON = "No reason given"


# --------------------------------------------------------------------------- one activity


@dataclass(frozen=True)
class MilestoneStat:
    id: int
    title: str
    required: bool
    points: int
    completed: int


@dataclass(frozen=True)
class HistogramBin:
    """Students (active or completed) whose progress is in [low, high); the last bin holds 100."""

    low: int  # 0, 10, … 90
    high: int  # 10, 20, … 100
    count: int  # active + completed
    completed: int  # of which completed


@dataclass(frozen=True)
class FunnelStep:
    """One milestone in the activity's order: how many reached it, how many stall there."""

    milestone_id: int
    title: str
    required: bool
    reached: int  # placed students (active, completed, dropped) who have done it
    stalled: int  # active students whose first milestone not done (in order) is this one


@dataclass(frozen=True)
class StandingWeek:
    """The standing breakdown at the end of a week (Sunday, or today for the current week),
    judged from the dated facts known then (see ``docs/analytics.md`` for the approximation)."""

    week_start: date
    on_track: int
    behind: int
    at_risk: int
    completed: int


@dataclass(frozen=True)
class RatingWeek:
    """The mean of the 1–5 participation ratings given in sessions of one ISO week."""

    week_start: date
    average_rating: float
    ratings: int


@dataclass(frozen=True)
class SkillShift:
    """A skill assessed in the activity: the mean of each student's first and latest level."""

    skill_id: int
    skill: str
    students: int
    first_level: float
    latest_level: float


@dataclass(frozen=True)
class ActivityAnalytics:
    """An activity's figures. The dashboard's cards fill the first block only; the activity's
    analytics page (``AnalyticsService.activity_analytics``) fills every field."""

    activity_id: int
    activity: str
    enrolled: int  # everyone who holds a place: active + completed + dropped
    active: int
    completed: int
    dropped: int
    waitlisted: int
    completion_rate: float | None  # completed ÷ enrolled, percent
    average_attendance_rate: float | None
    average_progress: float | None
    at_risk: int
    behind: int
    milestones: tuple[MilestoneStat, ...]
    # ---- the analytics page (issue 12)
    weekly_attendance: tuple[WeekAttendance, ...] = ()
    progress_histogram: tuple[HistogramBin, ...] = ()
    milestone_funnel: tuple[FunnelStep, ...] = ()
    drop_reasons: tuple[DropReason, ...] = ()
    median_days_to_completion: float | None = None
    standing_over_time: tuple[StandingWeek, ...] = ()
    participation_trend: tuple[RatingWeek, ...] = ()
    skills_now_vs_start: tuple[SkillShift, ...] = ()


# --------------------------------------------------------------------------- one student over time


@dataclass(frozen=True)
class ProgressPoint:
    day: date
    percent: float


@dataclass(frozen=True)
class MonthAttendance:
    """An enrollment's held sessions in one month (from enrolling, before a drop)."""

    month: date  # the first of the month
    held: int  # held sessions, marked or not
    counted: int  # marked with a status that counts in the rate
    present: int
    rate: float | None  # present ÷ counted, percent


@dataclass(frozen=True)
class PointsPoint:
    day: date
    points: int  # milestone points earned up to and including this day


@dataclass(frozen=True)
class BadgeEarned:
    day: date
    badge: str
    activity_id: int | None  # None: a school-wide badge


@dataclass(frozen=True)
class EnrollmentHistory:
    """One activity of a student over time. ``progress`` steps at each dated fact and ends at
    today with the stored progress; ``expected`` is the straight line the standing compares with
    (empty when the activity has no dates)."""

    progress_id: int
    activity_id: int
    activity: str
    status: str  # active / completed / dropped / waitlisted
    start: date  # the first day of the series
    progress_percentage: float  # stored today (the series' last value)
    progress: tuple[ProgressPoint, ...]
    expected: tuple[ProgressPoint, ...]
    attendance: tuple[MonthAttendance, ...]
    points: tuple[PointsPoint, ...]
    points_total: int
    override_from: date | None = None  # progress set by hand from this day on


@dataclass(frozen=True)
class ProgressHistory:
    student_id: int
    student: str
    today: date
    enrollments: tuple[EnrollmentHistory, ...]
    badges: tuple[BadgeEarned, ...] = ()


# --------------------------------------------------------------------------- the school


@dataclass(frozen=True)
class SchoolFilters:
    """What the school's figures were narrowed to (None: not narrowed)."""

    start: date | None = None
    end: date | None = None
    category: str | None = None
    grade: str | None = None
    lead_id: int | None = None


@dataclass(frozen=True)
class ParticipationCount:
    """Participation in one category, grade or activity."""

    key: str  # the category, the grade ("No grade" when unset) or the activity's name
    places: int  # enrolled places (active, completed or dropped)
    students: int  # distinct students holding them
    activity_id: int | None = None  # for rows by activity


@dataclass(frozen=True)
class ActivityEffectiveness:
    """One row of the effectiveness table: every figure of one activity."""

    activity_id: int
    activity: str
    category: str
    leads: tuple[str, ...]
    placed: int  # ever placed in the period: active + completed + dropped
    students: int
    active: int
    completed: int
    dropped: int
    completion_rate: float | None  # completed ÷ placed, percent
    dropout_rate: float | None  # dropped ÷ placed
    retention_rate: float | None  # (active + completed) ÷ placed
    median_days_to_completion: float | None
    average_attendance_rate: float | None  # mean of the students' attendance rates
    average_progress: float | None  # mean progress of active and completed students
    drop_reasons: tuple[DropReason, ...] = ()


@dataclass(frozen=True)
class ComparisonPoint:
    """One activity on the comparison chart: completion against attendance, sized by enrolment."""

    activity_id: int
    activity: str
    completion_rate: float | None
    attendance_rate: float | None
    enrolled: int


@dataclass(frozen=True)
class FilterChoices:
    """What the filters can be set to, within what the actor may see."""

    categories: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()
    leads: tuple[tuple[int, str], ...] = ()  # (teacher id, name)


@dataclass(frozen=True)
class SchoolAnalytics:
    filters: SchoolFilters
    by_category: tuple[ParticipationCount, ...]
    by_grade: tuple[ParticipationCount, ...]
    by_activity: tuple[ParticipationCount, ...]
    weekly_attendance: tuple[WeekAttendance, ...]
    effectiveness: tuple[ActivityEffectiveness, ...]
    comparison: tuple[ComparisonPoint, ...]
    drop_reasons: tuple[DropReason, ...]  # over every activity shown
    median_days_to_completion: float | None  # over every completion shown
    choices: FilterChoices = FilterChoices()

"""Progress over time, derived from dated facts.

Nothing stores yesterday's progress: it is rebuilt from what carries a date — each milestone's
completion time (``user_milestones.completed_at``) weighed with the activity's milestones as they
are now, and a teacher's override (``override_at``), which sets the progress from that day on.
The formula is the one of :func:`tracker.domain.progress.progress_percentage`, so the series ends
today on the stored ``progress_percentage`` (a test checks every enrollment of the demo school).

The series feed a student's charts (:func:`student_history`) and the activity's standing over
time (:mod:`tracker.services.analytics_activity`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from tracker.db.models import (
    Activity,
    ActivityProgress,
    ActivitySession,
    AttendanceRecord,
    AttendanceStatus,
    Badge,
    BadgeAward,
    Milestone,
    User,
    UserMilestone,
)
from tracker.domain.analytics_types import (
    BadgeEarned,
    EnrollmentHistory,
    MonthAttendance,
    PointsPoint,
    ProgressHistory,
    ProgressPoint,
)
from tracker.domain.enums import ProgressStatus
from tracker.domain.policy import Actor, Permission
from tracker.domain.progress import MilestoneState, attendance_rate, progress_percentage
from tracker.domain.standing import expected_progress
from tracker.services import stats
from tracker.services.analytics_sql import month_start
from tracker.services.scoping import visible


@dataclass(frozen=True)
class EnrollmentFacts:
    """The dated columns of one enrollment that its history is derived from."""

    id: int
    user_id: int
    activity_id: int
    status: ProgressStatus
    enrolled_on: date | None
    dropped_on: date | None
    started_at: datetime | None
    completed_at: datetime | None
    progress_percentage: float
    progress_manual: bool
    override_at: datetime | None

    def start(self, today: date) -> date:
        """The series' first day: enrolling (or starting) — today for a place never taken."""
        first = self.enrolled_on or (self.started_at.date() if self.started_at else today)
        return min(first, today)


def enrollment_facts(s: Session, where: ColumnElement[bool]) -> list[EnrollmentFacts]:
    p = ActivityProgress
    rows = s.execute(
        select(p.id, p.user_id, p.activity_id, p.status, p.enrolled_on, p.dropped_on, p.started_at,
               p.completed_at, p.progress_percentage, p.progress_manual, p.override_at)
        .where(where).order_by(p.activity_id, p.user_id))
    return [EnrollmentFacts(*r) for r in rows]


Pair = tuple[int, int]  # (student, activity)
P = TypeVar("P", ProgressPoint, PointsPoint)


def completion_days(s: Session, facts: list[EnrollmentFacts]) -> dict[Pair, dict[int, date]]:
    """Per (student, activity): the day each milestone was completed, in one query."""
    acts = sorted({f.activity_id for f in facts})
    users = sorted({f.user_id for f in facts})
    if not acts:
        return {}
    q = (select(UserMilestone.user_id, Milestone.activity_id, UserMilestone.milestone_id,
                UserMilestone.completed_at)
         .join(Milestone, Milestone.id == UserMilestone.milestone_id)
         .where(Milestone.activity_id.in_(acts)))
    if len(users) < 500:  # an IN list of thousands costs more than the rows it saves
        q = q.where(UserMilestone.user_id.in_(users))
    out: dict[Pair, dict[int, date]] = defaultdict(dict)
    for user, activity, milestone, at in s.execute(q):
        out[(user, activity)][milestone] = at.date()
    return out


@dataclass(frozen=True)
class Series:
    """One enrollment's progress and points over time (steps: each value holds until the next)."""

    progress: tuple[ProgressPoint, ...]
    points: tuple[PointsPoint, ...]
    override_from: date | None

    def at(self, day: date) -> float:
        """The progress on ``day`` (0 before the series starts)."""
        value = 0.0
        for point in self.progress:
            if point.day > day:
                break
            value = point.percent
        return value


def derive_series(f: EnrollmentFacts, milestones: list[stats.MilestoneInfo], done: dict[int, date],
                  today: date) -> Series:
    """Progress from the enrollment's start to ``today``: a step on each day a milestone was
    completed (days before the start count from the start, none after today); from a teacher's
    override on, the stored progress."""
    start = f.start(today)

    def clamp(day: date) -> date:
        return min(max(day, start), today)

    when = {m: clamp(d) for m, d in done.items()}

    def on(day: date) -> list[MilestoneState]:
        return [MilestoneState(m.points, m.required, m.id in when and when[m.id] <= day) for m in milestones]

    override_from = None
    if f.progress_manual:
        override_from = clamp(f.override_at.date()) if f.override_at else start
    days = sorted({start, today, *when.values()})
    progress: list[ProgressPoint] = []
    points: list[PointsPoint] = []
    for day in days:
        states = on(day)
        percent = progress_percentage(states)
        if override_from is not None and day >= override_from:
            if not progress or progress[-1].day < override_from:
                _step(progress, ProgressPoint(override_from, f.progress_percentage))
            percent = f.progress_percentage
        _step(progress, ProgressPoint(day, percent))
        _step(points, PointsPoint(day, sum(st.points for st in states if st.done)))
    return Series(tuple(progress), tuple(points), override_from)


def _step(series: list[P], point: P) -> None:
    """Append a point unless it repeats the value before it (the last day is always kept)."""
    if series and series[-1].day == point.day:
        series[-1] = point
    elif len(series) >= 2 and _value(series[-1]) == _value(point) == _value(series[-2]):
        series[-1] = point  # a flat stretch: move its end instead of adding a point
    else:
        series.append(point)


def _value(point: ProgressPoint | PointsPoint) -> float:
    return point.percent if isinstance(point, ProgressPoint) else float(point.points)


def all_series(s: Session, facts: list[EnrollmentFacts], today: date) -> dict[int, Series]:
    """The series of every enrollment given (by enrollment id), from two bulk reads."""
    milestones = stats.milestones_of(s, {f.activity_id for f in facts})
    done = completion_days(s, facts)
    return {f.id: derive_series(f, milestones.get(f.activity_id, []), done.get((f.user_id, f.activity_id), {}),
                                today) for f in facts}


def expected_line(start: date | None, end: date | None, enrolled_on: date | None,
                  today: date) -> tuple[ProgressPoint, ...]:
    """The straight line the standing compares progress with (:func:`expected_progress`): from
    the later of the activity's start and enrolling (0%) to its end (100%), with today on it."""
    if start is None or end is None:
        return ()
    begin = max(start, enrolled_on) if enrolled_on else start
    days = sorted({min(begin, end), min(max(today, begin), end), end})
    return tuple(ProgressPoint(d, expected_progress(start, end, d, enrolled_on) or 0.0) for d in days)


def monthly_attendance(s: Session, student_id: int, activity_ids: Iterable[int],
                       now: datetime) -> dict[int, tuple[MonthAttendance, ...]]:
    """Per activity: the student's held sessions per month (from enrolling, before a drop) with
    the marks that count and the present ones, in one GROUP BY."""
    ids = list(activity_ids)
    if not ids:
        return {}
    month = month_start(ActivitySession.starts_at).label("month")
    counts = AttendanceStatus.counts_in_rate.is_(True)
    present = and_(counts, AttendanceStatus.counts_as_present.is_(True))
    q = (
        select(ActivityProgress.activity_id, month, func.count(ActivitySession.id),
               func.sum(case((counts, 1), else_=0)), func.sum(case((present, 1), else_=0)))
        .join(ActivitySession, stats.counts_window(now))
        .outerjoin(AttendanceRecord, and_(AttendanceRecord.session_id == ActivitySession.id,
                                          AttendanceRecord.student_id == ActivityProgress.user_id))
        .outerjoin(AttendanceStatus, AttendanceStatus.id == AttendanceRecord.status_id)
        .where(ActivityProgress.user_id == student_id, ActivityProgress.activity_id.in_(ids))
        .group_by(ActivityProgress.activity_id, month)
        .order_by(ActivityProgress.activity_id, month)
    )
    out: dict[int, list[MonthAttendance]] = defaultdict(list)
    for activity, first, held, counted, here in s.execute(q):
        counted, here = int(counted or 0), int(here or 0)
        out[activity].append(MonthAttendance(first, int(held), counted, here, attendance_rate(here, counted)))
    return {a: tuple(v) for a, v in out.items()}


def student_history(s: Session, actor: Actor, student_id: int, today: date, now: datetime) -> ProgressHistory:
    """The student's activities over time, as far as the policy lets the actor see their progress
    (``VIEW_PROGRESS``: a teacher only in the activities they lead); waitlisted places are left out."""
    p = ActivityProgress
    shown = visible(s, actor, Permission.VIEW_PROGRESS, student=p.user_id, activity=p.activity_id)
    facts = enrollment_facts(s, and_(p.user_id == student_id, p.status != ProgressStatus.WAITLISTED, shown))
    acts = {a.id: a for a in s.execute(
        select(Activity.id, Activity.name, Activity.start_date, Activity.end_date)
        .where(Activity.id.in_([f.activity_id for f in facts])))} if facts else {}
    milestones = stats.milestones_of(s, acts)
    series = all_series(s, facts, today)
    months = monthly_attendance(s, student_id, acts, now)
    enrollments = tuple(sorted((
        EnrollmentHistory(
            progress_id=f.id, activity_id=f.activity_id, activity=acts[f.activity_id].name,
            status=f.status.value, start=f.start(today), progress_percentage=f.progress_percentage,
            progress=series[f.id].progress,
            expected=expected_line(acts[f.activity_id].start_date, acts[f.activity_id].end_date,
                                   f.enrolled_on, today),
            attendance=months.get(f.activity_id, ()), points=series[f.id].points,
            points_total=sum(m.points for m in milestones.get(f.activity_id, [])),
            override_from=series[f.id].override_from)
        for f in facts), key=lambda e: e.activity.lower()))
    name = s.scalar(select(User.display_name).where(User.id == student_id)) or ""
    badges = visible(s, actor, Permission.VIEW_PROGRESS, student=BadgeAward.student_id, activity=Badge.activity_id)
    return ProgressHistory(student_id, name, today, enrollments, _badges(s, student_id, badges))


def _badges(s: Session, student_id: int, shown: ColumnElement[bool]) -> tuple[BadgeEarned, ...]:
    """The student's badges by date, filtered by the policy like their progress: a badge of an
    activity as that activity's progress; a school-wide one (no activity) for whoever may follow
    the student everywhere (not a teacher, who sees only their activities). A revoked badge is
    no longer the student's."""
    q = (select(BadgeAward.awarded_at, Badge.name, Badge.activity_id)
         .join(Badge, Badge.id == BadgeAward.badge_id)
         .where(BadgeAward.student_id == student_id, BadgeAward.revoked_at.is_(None), shown)
         .order_by(BadgeAward.awarded_at, Badge.name))
    return tuple(BadgeEarned(at.date(), name, activity) for at, name, activity in s.execute(q))

"""Bulk read queries behind progress rows, dashboards and analytics.

One query per figure for a whole set of enrollments, never one query per student.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from tracker.db.models import (
    ActivityProgress,
    ActivitySession,
    AttendanceRecord,
    AttendanceStatus,
    EnrollmentAttendance,
    Milestone,
    UserMilestone,
)
from tracker.domain.progress import MilestoneState, attendance_rate
from tracker.services import attendance_aggregates
from tracker.services.attendance_aggregates import ZERO, Counts

Pair = tuple[int, int]  # (student_id, activity_id)


@dataclass(frozen=True)
class AttendanceCount:
    present: int
    counted: int
    held: int  # held sessions since enrollment (whether marked or not)

    @property
    def rate(self) -> float | None:
        return attendance_rate(self.present, self.counted)


def counts_window(now: Any = None):  # type: ignore[no-untyped-def]
    """Sessions that count for an enrollment: held (started, not cancelled), on or after the
    enrollment date and before the drop date — the rule of :mod:`tracker.domain.attendance`
    (``is_held`` and ``in_enrollment``) as SQL. ``now``: a value or a bind parameter."""
    # a timestamp compared with a date compares with that day's midnight (SQLite: ISO strings)
    starts = ActivitySession.starts_at
    return and_(
        ActivitySession.activity_id == ActivityProgress.activity_id,
        ActivitySession.cancelled.is_(False),
        starts <= (datetime.now() if now is None else now),
        or_(ActivityProgress.enrolled_on.is_(None), starts >= ActivityProgress.enrolled_on),
        or_(ActivityProgress.dropped_on.is_(None), starts < ActivityProgress.dropped_on),
    )


def _enrollment_filter(by_activity: bool, by_student: bool) -> list[ColumnElement[bool]]:
    p = ActivityProgress
    cond: list[ColumnElement[bool]] = []
    if by_activity:
        cond.append(p.activity_id.in_(bindparam("activity_ids", expanding=True)))
    if by_student:
        cond.append(p.user_id.in_(bindparam("student_ids", expanding=True)))
    return cond


@lru_cache(maxsize=4)
def _marks_statement(by_activity: bool, by_student: bool) -> Any:
    """The enrollments with their maintained counts (built once per filter shape: recompute runs
    it for every mark, where building it cost more than running it)."""
    p, ea = ActivityProgress, EnrollmentAttendance
    return (select(p.id, p.user_id, p.activity_id, p.enrolled_on, p.dropped_on, ea.counted, ea.present)
            .outerjoin(ea, ea.progress_id == p.id)
            .where(*_enrollment_filter(by_activity, by_student)))


_HELD_STARTS = (
    select(ActivitySession.activity_id, ActivitySession.starts_at)
    .where(ActivitySession.activity_id.in_(bindparam("activity_ids", expanding=True)),
           ActivitySession.cancelled.is_(False), ActivitySession.starts_at <= bindparam("now", type_=DateTime))
)


def held_between(conn: Any, activity_ids: Iterable[int], now: datetime) -> Callable[[int, date | None, date | None], int]:
    """Held sessions (started by ``now``, not cancelled) of an activity in an enrollment period
    — on or after the enrollment date, before the drop date: the rule of :func:`counts_window` —
    as a function of (activity, enrolled on, dropped on). One read of the activities' held
    start times, then two binary searches per period: enrollments of an activity seldom share
    their dates, and counting the sessions of each period in SQL cost more than the read."""
    starts: dict[int, list[datetime]] = defaultdict(list)
    ids = sorted(set(activity_ids))
    if ids:
        for activity_id, at in conn.execute(_HELD_STARTS, {"activity_ids": ids, "now": now}):
            starts[activity_id].append(at)
        for times in starts.values():
            times.sort()

    found: dict[tuple[int, date | None, date | None], int] = {}

    def held(activity_id: int, enrolled_on: date | None, dropped_on: date | None) -> int:
        key = (activity_id, enrolled_on, dropped_on)
        n = found.get(key)
        if n is None:
            times = starts.get(activity_id, [])
            # a start time compared with a date compares with that day's midnight
            first = bisect_left(times, datetime.combine(enrolled_on, time.min)) if enrolled_on is not None else 0
            last = bisect_left(times, datetime.combine(dropped_on, time.min)) if dropped_on is not None else len(times)
            n = found[key] = max(0, last - first)
        return n

    return held


def attendance_counts(
    s: Session,
    *,
    activity_ids: Iterable[int] | None = None,
    student_ids: Iterable[int] | None = None,
    now: datetime | None = None,
    held: bool = True,
) -> dict[Pair, AttendanceCount]:
    """Present / counted / held session counts per (student, activity), for the enrollments with
    at least one held session. The marks come from the maintained counts
    (:mod:`tracker.services.attendance_aggregates`: one row per enrollment, less the few marks of
    sessions not started yet), the held sessions from the sessions table. ``held=False`` skips
    counting the sessions (left 0, every enrollment kept): for whoever needs only the rate."""
    now = now or datetime.now()
    by_activity, by_student = activity_ids is not None, student_ids is not None
    params: dict[str, Any] = {"now": now}
    if activity_ids is not None:
        params["activity_ids"] = activity_ids = list(activity_ids)
    if student_ids is not None:
        params["student_ids"] = student_ids = list(student_ids)
    s.flush()  # what is pending counts (Core rows from the connection: cheaper than the ORM's)
    conn = s.connection()
    rows = conn.execute(_marks_statement(by_activity, by_student), params).all()
    return {pair: AttendanceCount(*c) for pair, c in count_tuples(
        conn, rows, now=now, activity_ids=activity_ids, student_ids=student_ids, held=held).items()}


MarkedEnrollment = tuple[int, int, int, date | None, date | None, int | None, int | None]
"""(enrollment id, student, activity, enrolled on, dropped on, maintained counted, maintained
present): an enrollment with its row of the maintained counts (None without one)."""


def count_tuples(
    conn: Any,
    rows: Iterable[MarkedEnrollment],
    *,
    now: datetime,
    activity_ids: list[int] | None = None,
    student_ids: list[int] | None = None,
    held: bool = True,
) -> dict[Pair, tuple[int, int, int]]:
    """:func:`attendance_counts` of enrollments already read with their maintained counts, as
    plain (present, counted, held) tuples: a caller that reads the enrollments anyway joins the
    counts to its read instead of reading the enrollments twice, and for thousands of them (a
    dashboard) making an :class:`AttendanceCount` of each cost more than counting.
    ``activity_ids`` and ``student_ids``: the filter the rows were read with (None: none), which
    the marks of sessions not started yet are looked up with."""
    rows = list(rows)
    early: dict[int, Counts] = {}
    upcoming = attendance_aggregates.upcoming_marked(conn, now, activity_ids)
    if upcoming:
        p = ActivityProgress
        cond = and_(p.activity_id.in_(activity_ids) if activity_ids is not None else true(),
                    p.user_id.in_(student_ids) if student_ids is not None else true())
        early = {pid: c for (_, pid), c in attendance_aggregates.not_held_yet(conn, cond, upcoming).items()}
    held_in = held_between(conn, (r[2] for r in rows), now) if held and rows else None
    out: dict[Pair, tuple[int, int, int]] = {}
    for pid, user, activity, enrolled_on, dropped_on, counted, present in rows:
        sessions = held_in(activity, enrolled_on, dropped_on) if held_in is not None else 0
        if held_in is not None and not sessions:
            continue
        if early:
            gone = early.get(pid, ZERO)
            out[(user, activity)] = (int(present or 0) - gone.present, int(counted or 0) - gone.counted, sessions)
        else:
            out[(user, activity)] = (present or 0, counted or 0, sessions)
    return out


@dataclass(frozen=True)
class MilestoneInfo:
    id: int
    activity_id: int
    title: str
    points: int
    required: bool
    order_index: int
    due_date: date | None = None


_MILESTONES = (
    select(Milestone.id, Milestone.activity_id, Milestone.title, Milestone.points,
           Milestone.required, Milestone.order_index, Milestone.due_date)
    .where(Milestone.activity_id.in_(bindparam("activity_ids", expanding=True)))
    .order_by(Milestone.activity_id, Milestone.order_index, Milestone.id)
)


def milestones_of(s: Session, activity_ids: Iterable[int]) -> dict[int, list[MilestoneInfo]]:
    ids = list(activity_ids)
    out: dict[int, list[MilestoneInfo]] = defaultdict(list)
    if not ids:
        return out
    for m in s.execute(_MILESTONES, {"activity_ids": ids}):
        out[m.activity_id].append(MilestoneInfo(*m))
    return out


@lru_cache(maxsize=4)
def _done_statement(by_activity: bool, by_student: bool) -> Any:
    """Built once per filter shape, like the counts: every mark's recompute asks."""
    q = select(UserMilestone.user_id, UserMilestone.milestone_id).join(
        Milestone, Milestone.id == UserMilestone.milestone_id
    )
    if by_activity:
        q = q.where(Milestone.activity_id.in_(bindparam("activity_ids", expanding=True)))
    if by_student:
        q = q.where(UserMilestone.user_id.in_(bindparam("student_ids", expanding=True)))
    return q


def completed_milestones(
    s: Session,
    *,
    activity_ids: Iterable[int] | None = None,
    student_ids: Iterable[int] | None = None,
) -> dict[int, set[int]]:
    """Milestone ids done, per student (restricted to the given activities / students)."""
    params: dict[str, Any] = {}
    if activity_ids is not None:
        params["activity_ids"] = list(activity_ids)
    if student_ids is not None:
        params["student_ids"] = list(student_ids)
    done: dict[int, set[int]] = defaultdict(set)
    s.flush()  # what is pending counts (Core rows from the connection: cheaper than the ORM's)
    for u, m in s.connection().execute(_done_statement(activity_ids is not None, student_ids is not None), params).all():
        done[u].add(m)
    return done


def milestone_states(milestones: list[MilestoneInfo], done: set[int]) -> list[MilestoneState]:
    return [MilestoneState(m.points, m.required, m.id in done) for m in milestones]


TRAILING_LOOKBACK = 12  # absences in a row are counted over each activity's last N held sessions


def trailing_absences(
    s: Session,
    *,
    activity_ids: Iterable[int] | None = None,
    student_ids: Iterable[int] | None = None,
) -> dict[Pair, int]:
    """Per (student, activity): absences since the last present mark among the activity's last
    ``TRAILING_LOOKBACK`` held sessions — the rule of :func:`tracker.domain.attendance.row_figures`
    as SQL (Excused and unmarked sessions neither count nor break the run). Pairs with none are
    left out. Looking back a bounded number of sessions keeps the dashboard query small."""
    now = datetime.now()
    r, sess, st = AttendanceRecord, ActivitySession, AttendanceStatus
    held = [sess.cancelled.is_(False), sess.starts_at <= now]
    if activity_ids is not None:
        held.append(sess.activity_id.in_(list(activity_ids)))
    # each recent session's place counting back from the latest (1, 2, … TRAILING_LOOKBACK), in
    # the order of the attendance grid (start, then id)
    recent = (
        select(sess.id.label("id"), sess.activity_id.label("activity_id"), cast(func.row_number().over(
            partition_by=sess.activity_id, order_by=(sess.starts_at.desc(), sess.id.desc())), Integer).label("back"))
        .where(*held)
        .subquery()
    )
    # One pass over the recent marks: the absences as bits of their places, and the place of the
    # latest present mark; the absences before it (walking back) are the run.
    one = literal(1, BigInteger)
    absent_bits = func.sum(case((st.counts_as_present.is_(False), one.op("<<")(recent.c.back)), else_=0))
    before_present = one.op("<<")(func.coalesce(func.min(case((st.counts_as_present.is_(True), recent.c.back))),
                                                TRAILING_LOOKBACK + 1)) - 1
    run = cast(absent_bits, BigInteger).op("&")(cast(before_present, BigInteger))
    cond = [recent.c.back <= TRAILING_LOOKBACK, st.counts_in_rate.is_(True)]
    if student_ids is not None:
        cond.append(r.student_id.in_(list(student_ids)))
    q = (
        select(r.student_id, recent.c.activity_id, run)
        .join(recent, recent.c.id == r.session_id).join(st, st.id == r.status_id)
        .where(*cond)
        .group_by(r.student_id, recent.c.activity_id)
        .having(run != 0)
    )
    s.flush()  # what is pending counts (Core rows from the connection: cheaper than the ORM's)
    return {(u, a): int(bits).bit_count() for u, a, bits in s.connection().execute(q).all()}

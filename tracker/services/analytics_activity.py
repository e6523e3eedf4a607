"""One activity's analytics page: attendance by week, the spread of progress, the milestone
funnel, drop-outs, time to completion, standing over time, participation and skills.

Each figure is one aggregate query (GROUP BY, window functions) over the activity's rows; only
the standing over time takes a small pass per enrollment and week, since the standing is a rule
in Python (:func:`tracker.domain.standing.judge`). Definitions: ``docs/analytics.md``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select, true
from sqlalchemy.orm import Session

from tracker.db.models import (
    Activity,
    ActivityProgress,
    ActivitySession,
    AttendanceRecord,
    AttendanceStatus,
    Milestone,
    SessionAttendance,
    Skill,
    SkillAssessment,
    UserMilestone,
)
from tracker.domain.analytics_types import (
    NO_REASON,
    ActivityAnalytics,
    DropReason,
    FunnelStep,
    HistogramBin,
    RatingWeek,
    SkillShift,
    StandingWeek,
    WeekAttendance,
)
from tracker.domain.enums import ProgressStatus
from tracker.domain.progress import attendance_rate
from tracker.domain.standing import Standing, judge
from tracker.services import stats
from tracker.services.analytics_sql import (
    day_of,
    days_between,
    held_sessions,
    medians,
    plain_rows,
    week_start,
)
from tracker.services.progress_history import EnrollmentFacts, all_series, completion_days, enrollment_facts

PLACED = (ProgressStatus.ACTIVE, ProgressStatus.COMPLETED, ProgressStatus.DROPPED)
CURRENT = (ProgressStatus.ACTIVE, ProgressStatus.COMPLETED)


def with_details(s: Session, base: ActivityAnalytics, activity: Activity, *, today: date,
                 now: datetime) -> ActivityAnalytics:
    """``base`` (the dashboard's figures) with every figure of the analytics page filled in."""
    aid = activity.id
    in_activity = ActivityProgress.activity_id == aid
    return replace(
        base,
        weekly_attendance=weekly_attendance(s, ActivitySession.activity_id == aid, now),
        progress_histogram=progress_histogram(s, aid),
        milestone_funnel=milestone_funnel(s, aid),
        drop_reasons=tuple(drop_reasons(s, in_activity).get(aid, ())),
        median_days_to_completion=median_days_to_completion(s, in_activity).get(aid),
        standing_over_time=standing_over_time(s, activity, today=today, now=now),
        participation_trend=participation_trend(s, aid, now),
        skills_now_vs_start=skills_now_vs_start(s, aid),
    )


def weekly_attendance(s: Session, sessions: ColumnElement[bool], now: datetime,
                      marks: ColumnElement[bool] | None = None) -> tuple[WeekAttendance, ...]:
    """Per ISO week with held sessions: how many were held, the marks recorded on them, those
    that count and those present. ``sessions`` narrows the sessions, ``marks`` the records (a
    grade, say). The marks come from the sessions' maintained counts (one GROUP BY over the
    sessions), or, when ``marks`` narrows them, from the records themselves (a second one)."""
    week = week_start(ActivitySession.starts_at).label("week")
    found: dict[date, tuple[int, int, int, int]] = {}
    if marks is None:
        sa = SessionAttendance
        day = day_of(ActivitySession.starts_at).label("day")
        # per day, then the days' sums added up per week here: the week's Monday costs SQLite
        # more date arithmetic per session than the sort it saves
        for d, n, m, c, p in plain_rows(s, select(day, func.count(), func.sum(sa.marks), func.sum(sa.counted),
                                                  func.sum(sa.present))
                                        .select_from(ActivitySession).outerjoin(sa, sa.session_id == ActivitySession.id)
                                        .where(held_sessions(now), sessions).group_by(day)):
            monday = d - timedelta(days=d.weekday())
            held, recorded, counted, here = found.get(monday, (0, 0, 0, 0))
            found[monday] = (held + int(n), recorded + int(m or 0), counted + int(c or 0), here + int(p or 0))
    else:
        counts = AttendanceStatus.counts_in_rate.is_(True)
        present = and_(counts, AttendanceStatus.counts_as_present.is_(True))
        marked = {w: (int(n), int(c or 0), int(p or 0)) for w, n, c, p in plain_rows(s,
            select(week, func.count(), func.sum(case((counts, 1), else_=0)), func.sum(case((present, 1), else_=0)))
            .select_from(AttendanceRecord)
            .join(ActivitySession, ActivitySession.id == AttendanceRecord.session_id)
            .join(AttendanceStatus, AttendanceStatus.id == AttendanceRecord.status_id)
            .where(held_sessions(now), sessions, marks).group_by(week))}
        found = {w: (int(n), *marked.get(w, (0, 0, 0))) for w, n in plain_rows(s,
            select(week, func.count()).where(held_sessions(now), sessions).group_by(week))}
    return tuple(WeekAttendance(w, held, n, c, p, attendance_rate(p, c))
                 for w, (held, n, c, p) in sorted(found.items()))


def _bin() -> Any:
    """The histogram bin (0–9) of a progress percentage; 100 falls in the last bin."""
    pct = ActivityProgress.progress_percentage
    return case(*((pct < 10 * (k + 1), k) for k in range(9)), else_=9).label("bin")


def progress_histogram(s: Session, activity_id: int) -> tuple[HistogramBin, ...]:
    """Active and completed students in ten bins of progress (0–10 % … 90–100 %)."""
    b = _bin()
    completed = func.sum(case((ActivityProgress.status == ProgressStatus.COMPLETED, 1), else_=0))
    found = {k: (int(n), int(c or 0)) for k, n, c in s.execute(
        select(b, func.count(), completed)
        .where(ActivityProgress.activity_id == activity_id, ActivityProgress.status.in_(CURRENT))
        .group_by(b))}
    return tuple(HistogramBin(10 * k, 10 * (k + 1), *found.get(k, (0, 0))) for k in range(10))


def milestone_funnel(s: Session, activity_id: int) -> tuple[FunnelStep, ...]:
    """Each milestone in order: the placed students who reached it, and the active students
    whose first milestone not done (in the activity's order) it is."""
    p, um = ActivityProgress, UserMilestone
    ordered = stats.milestones_of(s, [activity_id]).get(activity_id, [])
    if not ordered:
        return ()
    reached = dict(s.execute(
        select(um.milestone_id, func.count())
        .join(Milestone, Milestone.id == um.milestone_id)
        .join(p, and_(p.user_id == um.user_id, p.activity_id == Milestone.activity_id))
        .where(Milestone.activity_id == activity_id, p.status.in_(PLACED))
        .group_by(um.milestone_id)).all())
    ranked = (select(Milestone.id.label("id"), func.row_number().over(
        order_by=(Milestone.order_index, Milestone.id)).label("rn"))
        .where(Milestone.activity_id == activity_id).subquery())
    first_undone = (
        select(p.user_id, func.min(ranked.c.rn).label("first"))
        .join(ranked, true())
        .outerjoin(um, and_(um.milestone_id == ranked.c.id, um.user_id == p.user_id))
        .where(p.activity_id == activity_id, p.status == ProgressStatus.ACTIVE, um.id.is_(None))
        .group_by(p.user_id).subquery())
    stalled: dict[int, int] = {k: int(n) for k, n in s.execute(
        select(first_undone.c.first, func.count()).group_by(first_undone.c.first))}
    return tuple(FunnelStep(m.id, m.title, m.required, int(reached.get(m.id, 0)), stalled.get(n, 0))
                 for n, m in enumerate(ordered, start=1))


def drop_reasons(s: Session, enrollments: ColumnElement[bool]) -> dict[int, list[DropReason]]:
    """Per activity: the recorded reasons of the students who dropped out, most frequent first
    (an empty reason is "No reason given")."""
    reason = func.coalesce(func.nullif(func.trim(ActivityProgress.drop_reason), ""), literal(NO_REASON)).label("r")
    out: dict[int, list[DropReason]] = defaultdict(list)
    for activity, text, n in plain_rows(s,
            select(ActivityProgress.activity_id, reason, func.count())
            .where(enrollments, ActivityProgress.status == ProgressStatus.DROPPED)
            .group_by(ActivityProgress.activity_id, reason)
            .order_by(ActivityProgress.activity_id, func.count().desc(), reason)):
        out[activity].append(DropReason(text, int(n)))
    return out


def days_to_complete() -> Any:
    """Whole days from enrolling (or starting) to completing, as an SQL expression."""
    p = ActivityProgress
    return days_between(p.completed_at, func.coalesce(p.enrolled_on, p.started_at))


def median_days_to_completion(s: Session, enrollments: ColumnElement[bool]) -> dict[Any, float]:
    """Per activity: the median number of days completed students took (window functions)."""
    p = ActivityProgress
    return medians(s, select(p.activity_id, days_to_complete()).where(
        enrollments, p.status == ProgressStatus.COMPLETED, p.completed_at.is_not(None)))


def participation_trend(s: Session, activity_id: int, now: datetime) -> tuple[RatingWeek, ...]:
    """Per ISO week: the mean of the participation ratings given in held sessions."""
    week = week_start(ActivitySession.starts_at).label("week")
    rating = AttendanceRecord.participation
    return tuple(RatingWeek(w, round(float(avg), 2), int(n)) for w, avg, n in s.execute(
        select(week, func.avg(rating), func.count(rating))
        .join(ActivitySession, ActivitySession.id == AttendanceRecord.session_id)
        .where(ActivitySession.activity_id == activity_id, held_sessions(now), rating.is_not(None))
        .group_by(week).order_by(week)))


def skills_now_vs_start(s: Session, activity_id: int) -> tuple[SkillShift, ...]:
    """Per skill assessed in the activity: the mean of each student's first level and of their
    latest level (assessments are ranked per student and skill by window functions)."""
    a = SkillAssessment
    key = (a.student_id, a.skill_id)
    ranked = select(
        a.skill_id.label("skill"), a.level.label("level"),
        func.row_number().over(partition_by=key, order_by=(a.assessed_at, a.id)).label("first"),
        func.row_number().over(partition_by=key, order_by=(a.assessed_at.desc(), a.id.desc())).label("last"),
    ).where(a.activity_id == activity_id).subquery()
    rows = s.execute(
        select(ranked.c.skill, Skill.name,
               func.sum(case((ranked.c.first == 1, 1), else_=0)),
               func.avg(case((ranked.c.first == 1, ranked.c.level))),
               func.avg(case((ranked.c.last == 1, ranked.c.level))))
        .join(Skill, Skill.id == ranked.c.skill)
        .group_by(ranked.c.skill, Skill.name).order_by(Skill.name))
    return tuple(SkillShift(k, name, int(n), round(float(first), 2), round(float(last), 2))
                 for k, name, n, first, last in rows)


# --------------------------------------------------------------------------- standing over time


def standing_over_time(s: Session, activity: Activity, *, today: date, now: datetime) -> tuple[StandingWeek, ...]:
    """The standing breakdown at the end of every week from the activity's start (or its first
    enrollment) to today, each enrollment judged by :func:`judge` from what was known then:
    progress from its dated facts, attendance counted up to that week, the required milestones
    overdue then. Approximations (``docs/analytics.md``): the enrollment's current period only
    (a re-enrollment's earlier period is not seen), no absences-in-a-row rule, today's
    milestones and completion rule."""
    p = ActivityProgress
    facts = [f for f in enrollment_facts(s, p.activity_id == activity.id) if f.status is not ProgressStatus.WAITLISTED]
    if not facts:
        return ()
    first = activity.start_date or min(f.start(today) for f in facts)
    last = min(today, activity.end_date) if activity.end_date and activity.end_date >= first else today
    if first > last:
        return ()
    series = all_series(s, facts, today)
    weekly = _weekly_counts(s, activity.id, now)
    milestones = stats.milestones_of(s, [activity.id]).get(activity.id, [])
    done = completion_days(s, facts)
    out = []
    monday = first - timedelta(days=first.weekday())
    while monday <= last:
        day = min(monday + timedelta(days=6), today)
        tally = {Standing.ON_TRACK: 0, Standing.BEHIND: 0, Standing.AT_RISK: 0, Standing.COMPLETED: 0}
        for f in facts:
            standing = _standing_on(f, day, activity, series[f.id].at(day), weekly.get(f.user_id, []),
                                    milestones, done.get((f.user_id, activity.id), {}))
            if standing in tally:
                tally[standing] += 1
        out.append(StandingWeek(monday, tally[Standing.ON_TRACK], tally[Standing.BEHIND],
                                tally[Standing.AT_RISK], tally[Standing.COMPLETED]))
        monday += timedelta(days=7)
    return tuple(out)


def _weekly_counts(s: Session, activity_id: int, now: datetime) -> dict[int, list[tuple[date, int, int]]]:
    """Per student: (week, present, counted) of their marks in held sessions of their enrollment
    period, by week (one GROUP BY)."""
    week = week_start(ActivitySession.starts_at).label("week")
    counts = AttendanceStatus.counts_in_rate.is_(True)
    present = and_(counts, AttendanceStatus.counts_as_present.is_(True))
    q = (select(ActivityProgress.user_id, week, func.sum(case((present, 1), else_=0)),
                func.sum(case((counts, 1), else_=0)))
         .join(ActivitySession, stats.counts_window(now))
         .join(AttendanceRecord, and_(AttendanceRecord.session_id == ActivitySession.id,
                                      AttendanceRecord.student_id == ActivityProgress.user_id))
         .join(AttendanceStatus, AttendanceStatus.id == AttendanceRecord.status_id)
         .where(ActivityProgress.activity_id == activity_id)
         .group_by(ActivityProgress.user_id, week).order_by(ActivityProgress.user_id, week))
    out: dict[int, list[tuple[date, int, int]]] = defaultdict(list)
    for user, w, here, counted in s.execute(q):
        out[user].append((w, int(here or 0), int(counted or 0)))
    return out


def _standing_on(f: EnrollmentFacts, day: date, activity: Activity, progress: float,
                 weeks: list[tuple[date, int, int]], milestones: list[stats.MilestoneInfo],
                 done: dict[int, date]) -> Standing:
    """The enrollment's standing on ``day`` from the facts dated up to then."""
    if f.enrolled_on is None or f.enrolled_on > day:
        return Standing.NONE
    if f.completed_at is not None and f.completed_at.date() <= day:
        return Standing.COMPLETED
    if f.dropped_on is not None and f.dropped_on <= day:
        return Standing.NONE
    if f.status is ProgressStatus.COMPLETED and f.completed_at is None:
        return Standing.COMPLETED
    monday = day - timedelta(days=day.weekday())
    here = sum(p for w, p, _ in weeks if w <= monday)
    counted = sum(c for w, _, c in weeks if w <= monday)
    overdue = [(m.title, m.due_date) for m in milestones if m.required and m.due_date is not None
               and m.due_date < day and not (m.id in done and done[m.id] <= day)]
    return judge(
        status="active", progress=progress, today=day, start=activity.start_date, end=activity.end_date,
        enrolled_on=f.enrolled_on, overdue=overdue, attendance_pct=attendance_rate(here, counted),
        counted_sessions=counted, min_attendance_pct=activity.min_attendance_pct,
        has_milestones=bool(milestones) or f.progress_manual,
    ).standing

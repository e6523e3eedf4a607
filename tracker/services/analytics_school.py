"""The school's analytics: participation by category, grade and activity, and which activities
work — completion, drop-out, retention, attendance, progress and time to completion per activity.

The activities are those the policy lets the actor see (``VIEW_ANALYTICS``: an administrator
every one, a teacher the ones they lead), narrowed by the filters; everything else is aggregated
in SQL over them, a few GROUP BYs in all. Definitions: ``docs/analytics.md``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import fsum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, distinct, func, or_, select, true
from sqlalchemy.orm import Session

from tracker.db.engine import Database
from tracker.db.models import (
    Activity,
    ActivityLead,
    ActivityProgress,
    ActivitySession,
    AttendanceRecord,
    AttendanceStatus,
    SessionAttendance,
    User,
)
from tracker.db.uow import alongside
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
from tracker.domain.enums import LeadRole, ProgressStatus
from tracker.domain.policy import Actor, Permission, Scope, can_ever, scopes
from tracker.domain.progress import attendance_rate
from tracker.errors import PermissionDenied
from tracker.services import stats
from tracker.services.analytics_activity import (
    CURRENT,
    PLACED,
    days_to_complete,
    drop_reasons,
    weekly_attendance,
)
from tracker.services.analytics_sql import day_of, medians_and_overall, plain_rows, rate
from tracker.services.attendance_aggregates import held_rate_groups
from tracker.services.scoping import current_role, scope_filter

NO_GRADE = "No grade"


def school_analytics(s: Session, actor: Actor, filters: SchoolFilters, *, now: datetime,
                     db: Database | None = None) -> SchoolAnalytics:
    """Every figure of the admin analytics page, within what the actor may see.

    With ``db`` (a database whose connections are separate: a file or a server), what is read
    beside the effectiveness table (participation and the weekly trend) is read on a second
    connection while this one reads the table (counts, rates, days to completion, drop-out
    reasons): independent GROUP BYs, which the database runs at the same time (the drivers let
    go of Python while a statement runs). Each connection reads what was committed when it
    began; a write committed between the two beginnings would show in one half only."""
    role = current_role(s, actor)
    if not can_ever(role, Permission.VIEW_ANALYTICS):
        raise PermissionDenied(f"A {role.value} may not see the school's analytics.")
    shown = scope_filter(actor.id, role, Permission.VIEW_ANALYTICS, activity=Activity.id)  # the role read above
    chosen = _activity_filters(filters)
    activities = select(Activity.id).where(shown, *chosen)
    # every activity there is (an administrator, no category or lead chosen): then no place is
    # tested against the list of them (a quarter of the time of each pass over the places)
    narrowed = None if Scope.ANY in scopes(role, Permission.VIEW_ANALYTICS) and not chosen else activities
    places = _places(filters, narrowed)
    sessions = and_(ActivitySession.activity_id.in_(activities) if narrowed is not None else true(),
                    *_session_range(filters))
    marks = None if filters.grade is None else AttendanceRecord.student_id.in_(_grade_students(filters.grade))

    def beside_the_table(r: Session) -> _Beside:
        return _Beside(_by_category(r, places), _by_grade(r, places), weekly_attendance(r, sessions, now, marks))

    started = alongside(db, beside_the_table)
    acts = {a.id: a for a in plain_rows(s,
        select(Activity.id, Activity.name, Activity.category).where(Activity.id.in_(activities)))}
    table = _table_figures(s, acts, places, filters, now,
                           # a few places of each activity: sought in the index, activity by activity
                           completed_places=_places(filters, activities, (ProgressStatus.COMPLETED,)),
                           dropped_places=_places(filters, activities, (ProgressStatus.DROPPED,)))
    beside = started.result() if started is not None else beside_the_table(s)
    effectiveness = _effectiveness(acts, table)
    reasons: Counter[str] = Counter()
    for row in effectiveness:
        reasons.update({r.reason: r.count for r in row.drop_reasons})
    unfiltered = filters == SchoolFilters()  # then the grades counted are every grade there is to offer
    return SchoolAnalytics(
        filters=filters,
        by_category=beside.by_category,
        by_grade=beside.by_grade,
        by_activity=tuple(ParticipationCount(r.activity, r.placed, r.students, r.activity_id)
                          for r in effectiveness),
        weekly_attendance=beside.weekly,
        effectiveness=effectiveness,
        comparison=tuple(ComparisonPoint(r.activity_id, r.activity, r.completion_rate, r.average_attendance_rate,
                                         r.placed) for r in effectiveness if r.placed),
        drop_reasons=tuple(DropReason(k, n) for k, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        median_days_to_completion=table.overall,
        choices=_choices(s, shown, tuple(c.key for c in beside.by_grade) if unfiltered else None),
    )


def _activity_filters(f: SchoolFilters) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if f.category is not None:
        out.append(Activity.category == f.category)
    if f.lead_id is not None:
        out.append(Activity.id.in_(select(ActivityLead.activity_id).where(ActivityLead.user_id == f.lead_id)))
    return out


def _grade_students(grade: str) -> Select[Any]:
    return select(User.id).where(func.coalesce(User.grade, NO_GRADE) == grade)


def _places(f: SchoolFilters, activities: Select[Any] | None,
            statuses: tuple[ProgressStatus, ...] = PLACED) -> ColumnElement[bool]:
    """The enrollments counted: places taken (active, completed, dropped; or only those of
    ``statuses``) in the activities shown (every one: None), by students of the grade, whose
    period overlaps the date range. (Naming just the statuses wanted lets the index seek them
    alone within each activity: a list of three narrowed afterwards read every place. Over every
    activity, where each place is read anyway, "not waitlisted" is one comparison where the list
    of three is a lookup per place.)"""
    p = ActivityProgress
    cond: list[ColumnElement[bool]] = []
    if activities is not None:
        cond += [p.activity_id.in_(activities), p.status.in_(statuses)]
    else:
        cond.append(p.status != ProgressStatus.WAITLISTED if set(statuses) == set(PLACED) else p.status.in_(statuses))
    if f.grade is not None:
        cond.append(p.user_id.in_(_grade_students(f.grade)))
    if f.end is not None:
        cond.append(or_(func.coalesce(p.enrolled_on, day_of(p.started_at)) <= f.end,
                        and_(p.enrolled_on.is_(None), p.started_at.is_(None))))
    if f.start is not None:
        cond.append(or_(p.dropped_on.is_(None), p.dropped_on >= f.start))
        cond.append(or_(p.completed_at.is_(None), p.completed_at >= datetime.combine(f.start, datetime.min.time())))
    return and_(*cond)


def _range_bounds(f: SchoolFilters) -> tuple[datetime | None, datetime | None]:
    """The date range as times: from the first day's midnight to the midnight after the last."""
    return (datetime.combine(f.start, datetime.min.time()) if f.start is not None else None,
            datetime.combine(f.end + timedelta(days=1), datetime.min.time()) if f.end is not None else None)


def _session_range(f: SchoolFilters) -> list[ColumnElement[bool]]:
    """Sessions that started within the date range (the end day included)."""
    first, after = _range_bounds(f)
    out: list[ColumnElement[bool]] = []
    if first is not None:
        out.append(ActivitySession.starts_at >= first)
    if after is not None:
        out.append(ActivitySession.starts_at < after)
    return out


def _by_category(s: Session, places: ColumnElement[bool]) -> tuple[ParticipationCount, ...]:
    """Places and distinct students per category."""
    key = Activity.category.label("key")
    return _counted(plain_rows(s,
        select(key, func.count(), func.count(distinct(ActivityProgress.user_id)))
        .select_from(ActivityProgress).join(Activity, Activity.id == ActivityProgress.activity_id)
        .where(places).group_by(key)))


def _by_grade(s: Session, places: ColumnElement[bool]) -> tuple[ParticipationCount, ...]:
    """Places and distinct students per grade: the places counted per student first, then the
    students per grade (a student has one grade: each is one row there, no DISTINCT needed —
    a fifth less time than a DISTINCT per grade over every place)."""
    p = ActivityProgress
    per_student = (select(p.user_id.label("student"), func.count().label("places"))
                   .where(places).group_by(p.user_id).subquery())
    key = func.coalesce(User.grade, NO_GRADE).label("key")
    return _counted(plain_rows(s,
        select(key, func.sum(per_student.c.places), func.count())
        .select_from(per_student).join(User, User.id == per_student.c.student)
        .group_by(key)))


def _counted(rows: Iterable[Any]) -> tuple[ParticipationCount, ...]:
    """(key, places, students) rows as counts, most places first."""
    return tuple(sorted((ParticipationCount(str(k), int(n), int(d)) for k, n, d in rows),
                        key=lambda c: (-c.places, c.key)))


@dataclass(frozen=True)
class _Beside:
    """What :func:`school_analytics` reads beside the effectiveness table (on a second
    connection when it can): participation and the weekly trend."""

    by_category: tuple[ParticipationCount, ...]
    by_grade: tuple[ParticipationCount, ...]
    weekly: tuple[WeekAttendance, ...]


@dataclass
class _Counts:
    """One activity's places by status, and the progress summed over its current ones."""

    active: int = 0
    completed: int = 0
    dropped: int = 0
    progress: float = 0.0  # of the current places (active and completed)
    current: int = 0

    def add(self, status: ProgressStatus, n: int, progress: float) -> None:
        """Count the ``n`` places of one status (``progress``: their progress summed)."""
        if status is ProgressStatus.ACTIVE:
            self.active = n
        elif status is ProgressStatus.COMPLETED:
            self.completed = n
        elif status is ProgressStatus.DROPPED:
            self.dropped = n
        else:  # waitlisted: not a place (the places read leave them out)
            return
        if status in CURRENT:
            self.progress += progress
            self.current += n


@dataclass(frozen=True)
class _TableFigures:
    """What the effectiveness table reads on the page's own connection."""

    counts: dict[int, _Counts]  # per activity
    attendance: dict[int, float]
    leads: dict[int, tuple[str, ...]]
    medians: dict[Any, float]  # days to completion per activity
    overall: float | None  # … and of every activity shown together
    reasons: dict[int, list[DropReason]]  # why students dropped out, per activity


def _table_figures(s: Session, acts: dict[int, Any], places: ColumnElement[bool], f: SchoolFilters,
                   now: datetime, *, completed_places: ColumnElement[bool],
                   dropped_places: ColumnElement[bool]) -> _TableFigures:
    """Counts by status, progress, attendance averages, leads, days to completion and drop-out
    reasons per activity shown (and days to completion overall)."""
    p = ActivityProgress
    # per activity and status (the index's order: no sums of CASEs, a third of the time)
    counts: dict[int, _Counts] = defaultdict(_Counts)
    for a, status, n, progress in plain_rows(s, select(p.activity_id, p.status, func.count(),
                                                       func.sum(p.progress_percentage))
                                             .where(places).group_by(p.activity_id, p.status)):
        counts[a].add(ProgressStatus(status), int(n), float(progress or 0))
    medians, overall = medians_and_overall(s, select(p.activity_id, days_to_complete()).where(
        completed_places, p.completed_at.is_not(None)))
    return _TableFigures(counts, _attendance_averages(s, places, f, list(acts), now), _leads(s, list(acts)),
                         medians, overall, drop_reasons(s, dropped_places))


def _effectiveness(acts: dict[int, Any], table: _TableFigures) -> tuple[ActivityEffectiveness, ...]:
    """One row per activity shown, by name: counts by status, rates, medians, attendance,
    progress and the drop-out reasons."""
    out = []
    for aid, a in sorted(acts.items(), key=lambda kv: (kv[1].name.lower(), kv[0])):
        c = table.counts.get(aid, _Counts())
        placed = c.active + c.completed + c.dropped
        out.append(ActivityEffectiveness(
            # one place per student and activity (a unique key): the students are the places
            activity_id=aid, activity=a.name, category=a.category, leads=table.leads.get(aid, ()),
            placed=placed, students=placed, active=c.active, completed=c.completed, dropped=c.dropped,
            completion_rate=rate(c.completed, placed), dropout_rate=rate(c.dropped, placed),
            retention_rate=rate(c.active + c.completed, placed),
            median_days_to_completion=table.medians.get(aid),
            average_attendance_rate=table.attendance.get(aid),
            average_progress=round(c.progress / c.current, 1) if c.current else None,
            drop_reasons=tuple(table.reasons.get(aid, ())),
        ))
    return tuple(out)


def _attendance_averages(s: Session, places: ColumnElement[bool], f: SchoolFilters, activity_ids: list[int],
                         now: datetime) -> dict[int, float]:
    """Per activity: the mean of its students' attendance rates (the rate of
    :mod:`tracker.domain.progress`, over held sessions of each enrollment period within the date
    range) — the average the activity's own analytics shows. When the range leaves no marked
    session out (no range, or the school year the page opens on), the counts are the
    enrollments' maintained ones (:mod:`~tracker.services.attendance_aggregates`), gathered by
    activity and (present, counted); otherwise one GROUP BY per enrollment over the records of
    the range. The mean is taken here (``fsum``: exact, whatever the order), rounded like every
    rate."""
    groups: Iterable[tuple[int, int, int, int]]
    if _range_holds_every_mark(s, f, activity_ids):
        groups = held_rate_groups(s.connection(), places, now)
    else:
        counts = AttendanceStatus.counts_in_rate.is_(True)
        present = and_(counts, AttendanceStatus.counts_as_present.is_(True))
        p = ActivityProgress
        groups = ((a, int(here or 0), int(counted or 0), 1) for a, here, counted in plain_rows(s,
            select(p.activity_id, func.sum(case((present, 1), else_=0)), func.sum(case((counts, 1), else_=0)))
            .join(ActivitySession, and_(stats.counts_window(now), *_session_range(f)))
            .join(AttendanceRecord, and_(AttendanceRecord.session_id == ActivitySession.id,
                                         AttendanceRecord.student_id == p.user_id))
            .join(AttendanceStatus, AttendanceStatus.id == AttendanceRecord.status_id)
            .where(places).group_by(p.id, p.activity_id)))
    rates: dict[int, list[float]] = defaultdict(list)
    for activity, here, counted, n in groups:
        value = attendance_rate(here, counted)
        if value is not None:
            rates[activity].extend([value] * n)
    return {a: round(fsum(v) / len(v), 1) for a, v in rates.items()}


def _range_holds_every_mark(s: Session, f: SchoolFilters, activity_ids: list[int]) -> bool:
    """Whether every session of these activities that holds marks (and is not cancelled) starts
    within the date range: then the range changes no enrollment's counts."""
    if f.start is None and f.end is None:
        return True
    sa = SessionAttendance
    first, last = plain_rows(s,
        select(func.min(ActivitySession.starts_at), func.max(ActivitySession.starts_at))
        .join(sa, sa.session_id == ActivitySession.id)
        .where(ActivitySession.activity_id.in_(activity_ids), ActivitySession.cancelled.is_(False),
               sa.marks > 0)).one()
    if first is None:
        return True
    since, before = _range_bounds(f)
    return (since is None or first >= since) and (before is None or last < before)


def _leads(s: Session, activity_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """The leads then co-leads of each activity, by name."""
    out: dict[int, list[str]] = defaultdict(list)
    if activity_ids:
        for activity, name in plain_rows(s,
                select(ActivityLead.activity_id, User.display_name)
                .join(User, User.id == ActivityLead.user_id)
                .where(ActivityLead.activity_id.in_(activity_ids))
                .order_by(ActivityLead.activity_id, ActivityLead.lead_role != LeadRole.LEAD, User.display_name)):
            out[activity].append(name)
    return {a: tuple(names) for a, names in out.items()}


def _choices(s: Session, shown: ColumnElement[bool], grades_known: tuple[str, ...] | None) -> FilterChoices:
    """What the filters offer: the categories, grades and lead teachers of the activities the
    actor may see, whatever the current filters are (``grades_known``: the grades already read,
    when nothing was filtered)."""
    mine = select(Activity.id).where(shown)
    categories = plain_rows(s, select(Activity.category).distinct().where(shown).order_by(Activity.category)).scalars()
    grades = grades_known if grades_known is not None else tuple(plain_rows(
        s, select(func.coalesce(User.grade, NO_GRADE)).distinct()
        .join(ActivityProgress, ActivityProgress.user_id == User.id)
        .where(ActivityProgress.activity_id.in_(mine), ActivityProgress.status.in_(PLACED))).scalars())
    leads = plain_rows(s,
        select(User.id, User.display_name).distinct()
        .join(ActivityLead, ActivityLead.user_id == User.id)
        .where(ActivityLead.activity_id.in_(mine)).order_by(User.display_name, User.id))
    return FilterChoices(tuple(categories), tuple(sorted(grades, key=_grade_order)),
                         tuple((int(i), str(n)) for i, n in leads))


def _grade_order(grade: str) -> tuple[int, int | str]:
    """Grades in school order: numbers numerically, then other names, "No grade" last."""
    if grade == NO_GRADE:
        return (2, "")
    return (0, int(grade)) if grade.isdigit() else (1, grade)


"""Figures per activity and the dashboards of each role: the entry point of analytics.

The dashboard's cards are built from progress rows (:func:`analytics_for`); the analytics page of
one activity adds the figures of :mod:`tracker.services.analytics_activity`, the school's page is
:mod:`tracker.services.analytics_school`, a student's progress over time
:mod:`tracker.services.progress_history`. The results are the frozen dataclasses of
:mod:`tracker.domain.analytics_types` (re-exported here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.db.models import Activity, ActivityProgress, ActivitySession, Milestone, User, UserMilestone
from tracker.db.uow import read_only
from tracker.domain.analytics_types import (
    ActivityAnalytics,
    MilestoneStat,
    ProgressHistory,
    SchoolAnalytics,
    SchoolFilters,
)
from tracker.domain.enums import ProgressStatus, Role
from tracker.domain.policy import Actor, Permission, can_ever, home_title
from tracker.domain.standing import Standing
from tracker.errors import NotFound
from tracker.services.activities import ActivitySummary, summaries
from tracker.services.analytics_activity import with_details
from tracker.services.analytics_school import school_analytics
from tracker.services.base import Service, require
from tracker.services.calendar import SessionInfo, upcoming_by_student
from tracker.services.milestones import DueMilestone, due_milestones
from tracker.services.progress_history import student_history
from tracker.services.progress_rows import ProgressRow, progress_rows
from tracker.services.scoping import current_role, scope_filter, visible


def analytics_for(rows: list[ProgressRow], activity: Activity,
                  milestones: list[MilestoneStat]) -> ActivityAnalytics:
    # one pass, the enum members in locals (a member read off its class costs a descriptor call):
    # a dashboard counts thousands of rows; the figures are summed in the order they always were
    active_s, completed_s, dropped_s, waitlisted_s = (
        ProgressStatus.ACTIVE, ProgressStatus.COMPLETED, ProgressStatus.DROPPED, ProgressStatus.WAITLISTED)
    at_risk_s, behind_s = Standing.AT_RISK, Standing.BEHIND
    dropped = waitlisted = at_risk = behind = 0
    rates: list[float] = []  # of the enrollments not waitlisted
    active_progress: list[float] = []
    completed_progress: list[float] = []
    for r in rows:
        status = r.status
        if status is waitlisted_s:
            waitlisted += 1
            continue
        if r.attendance_rate is not None:
            rates.append(r.attendance_rate)
        if status is active_s:
            active_progress.append(r.progress_percentage)
            if r.standing is at_risk_s:
                at_risk += 1
            elif r.standing is behind_s:
                behind += 1
        elif status is completed_s:
            completed_progress.append(r.progress_percentage)
        elif status is dropped_s:
            dropped += 1
    active, completed = len(active_progress), len(completed_progress)
    placed = len(rows) - waitlisted
    progress = active_progress + completed_progress
    return ActivityAnalytics(
        activity_id=activity.id,
        activity=activity.name,
        enrolled=placed,
        active=active,
        completed=completed,
        dropped=dropped,
        waitlisted=waitlisted,
        completion_rate=round(100.0 * completed / placed, 1) if placed else None,
        average_attendance_rate=round(sum(rates) / len(rates), 1) if rates else None,
        average_progress=round(sum(progress) / len(progress), 1) if progress else None,
        at_risk=at_risk,
        behind=behind,
        milestones=tuple(milestones),
    )


def is_at_risk(row: ProgressRow) -> bool:
    """The rule of :mod:`tracker.domain.standing` (attendance, absences in a row, far behind)."""
    return row.status is ProgressStatus.ACTIVE and row.standing is Standing.AT_RISK


@dataclass(frozen=True)
class ActivityCard:
    summary: ActivitySummary
    analytics: ActivityAnalytics


#: how far ahead the dashboards of students and parents look for sessions and milestones due
AHEAD_DAYS = 14


@dataclass(frozen=True)
class ChildCard:
    student_id: int
    name: str
    grade: str | None
    class_name: str | None
    rows: tuple[ProgressRow, ...]
    upcoming: tuple[SessionInfo, ...] = ()  # the child's next sessions (AHEAD_DAYS)
    due_soon: tuple[DueMilestone, ...] = ()  # the child's milestones due soon, not done yet


@dataclass
class Dashboard:
    """Everything a role's home page shows, gathered in one read."""

    role: Role
    title: str
    activities: list[ActivityCard] = field(default_factory=list)  # admin, teacher
    own: list[ProgressRow] = field(default_factory=list)  # student
    upcoming: list[SessionInfo] = field(default_factory=list)  # student: next sessions (AHEAD_DAYS)
    due_soon: list[DueMilestone] = field(default_factory=list)  # student: milestones due soon, not done
    children: list[ChildCard] = field(default_factory=list)  # parent
    at_risk: list[ProgressRow] = field(default_factory=list)  # admin, teacher: at risk, then behind
    totals: dict[str, float | int | None] = field(default_factory=dict)


class AnalyticsService(Service):
    def activity_analytics(self, actor: Actor, activity_id: int, *, now: datetime | None = None) -> ActivityAnalytics:
        """Every figure of one activity: the dashboard's, and the analytics page's charts."""
        now = now or datetime.now()
        with read_only(self.db) as s:
            a = s.get(Activity, activity_id)
            if a is None:
                raise NotFound(f"No activity with id {activity_id}.")
            require(s, actor, Permission.VIEW_ANALYTICS, activity_id=activity_id)
            rows = progress_rows(s, activity_ids=[activity_id])
            base = analytics_for(rows, a, _milestone_stats(s, [activity_id]).get(activity_id, []))
            return with_details(s, base, a, today=now.date(), now=now)

    def progress_history(self, actor: Actor, student_id: int, *, now: datetime | None = None) -> ProgressHistory:
        """A student's progress over time in each activity (with the expected line, attendance
        per month, points and badges), as far as the actor may follow the student: a parent
        their children, a student themself, a teacher in the activities they lead."""
        now = now or datetime.now()
        with read_only(self.db) as s:
            if s.get(User, student_id) is None:
                raise NotFound(f"No user with id {student_id}.")
            require(s, actor, Permission.VIEW_PROGRESS, student_id=student_id)
            return student_history(s, actor, student_id, now.date(), now)

    def school_analytics(self, actor: Actor, *, start: date | None = None, end: date | None = None,
                         category: str | None = None, grade: str | None = None, lead_id: int | None = None,
                         now: datetime | None = None) -> SchoolAnalytics:
        """The school's figures for the admin analytics page: every activity for an
        administrator, a teacher's own activities for a teacher; students and parents are refused."""
        filters = SchoolFilters(start, end, category or None, grade or None, lead_id)
        with read_only(self.db) as s:
            return school_analytics(s, actor, filters, now=now or datetime.now(), db=self.db)

    def dashboard(self, actor: Actor, *, now: datetime | None = None) -> Dashboard:
        """The home page: figures of the activities whose analytics the actor may see (admin:
        every one, a teacher: the ones they lead); for whoever sees no analytics, the progress of
        the students the policy lets them follow (a student: themself, a parent: their children),
        with what is next for each: sessions and milestones due in the next ``AHEAD_DAYS``.
        """
        with read_only(self.db) as s:
            role = current_role(s, actor)
            title = home_title(role)
            if can_ever(role, Permission.VIEW_ANALYTICS):
                shown = scope_filter(actor.id, role, Permission.VIEW_ANALYTICS, activity=Activity.id)
                cards, at_risk, totals = _staff_figures(s, summaries(s, shown, include_archived=False))
                return Dashboard(role, title, activities=cards, at_risk=at_risk, totals=totals)
            learners = list(s.scalars(
                select(User).where(visible(s, actor, Permission.VIEW_PROGRESS, student=User.id))
                .order_by(User.display_name)))
            rows = progress_rows(s, student_ids=[u.id for u in learners]) if learners else []
            sessions, due = _whats_next(s, actor, [u.id for u in learners], now or datetime.now())
            own = [r for r in rows if r.user_id == actor.id]
            own = [r for r in own if r.status is not ProgressStatus.WAITLISTED] + [
                r for r in own if r.status is ProgressStatus.WAITLISTED]
            children = [ChildCard(k.id, k.display_name, k.grade, k.class_name,
                                  tuple(r for r in rows if r.user_id == k.id),
                                  tuple(sessions.get(k.id, ())), tuple(d for d in due if d.student_id == k.id))
                        for k in learners if k.id != actor.id]
            follows_self = any(k.id == actor.id for k in learners)
            return Dashboard(role, title, own=own, children=children,
                             upcoming=sessions.get(actor.id, []) if follows_self else [],
                             due_soon=[d for d in due if d.student_id == actor.id],
                             totals=_student_totals(own) if follows_self else {})


def _whats_next(s: Session, actor: Actor, student_ids: list[int],
                now: datetime) -> tuple[dict[int, list[SessionInfo]], list[DueMilestone]]:
    """The students' sessions and milestones due in the next ``AHEAD_DAYS``, each scoped by the
    policy like every list: sessions of the activities the actor may see, milestones of the
    enrollments whose progress the actor may see."""
    if not student_ids:
        return {}, []
    sessions = upcoming_by_student(
        s, student_ids, now, now + timedelta(days=AHEAD_DAYS),
        visible(s, actor, Permission.VIEW_ACTIVITY, activity=ActivitySession.activity_id))
    due = due_milestones(
        s, visible(s, actor, Permission.VIEW_PROGRESS, student=ActivityProgress.user_id,
                   activity=ActivityProgress.activity_id), now.date(), AHEAD_DAYS)
    return sessions, due


def _staff_figures(
    s: Session, sums: list[ActivitySummary],
) -> tuple[list[ActivityCard], list[ProgressRow], dict[str, float | int | None]]:
    """Cards of the activities, their students at risk or behind (worst first), and the totals."""
    act_ids = [x.id for x in sums]
    rows = progress_rows(s, activity_ids=act_ids) if act_ids else []
    acts = {a.id: a for a in s.scalars(select(Activity).where(Activity.id.in_(act_ids)))}
    mstats = _milestone_stats(s, act_ids)
    by_act: dict[int, list[ProgressRow]] = {i: [] for i in act_ids}
    for r in rows:
        by_act[r.activity_id].append(r)
    cards = [ActivityCard(x, analytics_for(by_act[x.id], acts[x.id], mstats.get(x.id, [])))
             for x in sums]
    # one pass over the rows, the enum members in locals (see analytics_for)
    active_s, completed_s, waitlisted_s = ProgressStatus.ACTIVE, ProgressStatus.COMPLETED, ProgressStatus.WAITLISTED
    at_risk_s, behind_s = Standing.AT_RISK, Standing.BEHIND
    needing: list[ProgressRow] = []
    students: set[int] = set()
    placed = done = 0
    rates: list[float] = []
    for r in rows:
        status = r.status
        if status is waitlisted_s:
            continue
        placed += 1
        students.add(r.user_id)
        if r.attendance_rate is not None:
            rates.append(r.attendance_rate)
        if status is completed_s:
            done += 1
        elif status is active_s and (r.standing is at_risk_s or r.standing is behind_s):
            needing.append(r)
    at_risk = sorted(needing, key=lambda r: (r.standing.severity, r.attendance_rate or 0, r.student))
    risky = sum(1 for r in at_risk if r.standing is at_risk_s)
    totals: dict[str, float | int | None] = {
        "activities": len(cards),
        "students": len(students),
        "enrollments": placed,
        "completed": done,
        "completion_rate": round(100.0 * done / placed, 1) if placed else None,
        "average_attendance_rate": round(sum(rates) / len(rates), 1) if rates else None,
        "at_risk": risky,
        "behind": len(at_risk) - risky,
    }
    return cards, at_risk, totals


def _student_totals(rows: list[ProgressRow]) -> dict[str, float | int | None]:
    placed = [r for r in rows if r.status is not ProgressStatus.WAITLISTED]
    rates = [r.attendance_rate for r in placed if r.attendance_rate is not None]
    return {
        "activities": len(placed),
        "completed": sum(1 for r in placed if r.status is ProgressStatus.COMPLETED),
        "points": sum(r.points for r in placed),
        "average_attendance_rate": round(sum(rates) / len(rates), 1) if rates else None,
    }


def _milestone_stats(s: Session, activity_ids: list[int]) -> dict[int, list[MilestoneStat]]:
    if not activity_ids:
        return {}
    done = dict(s.execute(
        select(UserMilestone.milestone_id, func.count())
        .join(Milestone, Milestone.id == UserMilestone.milestone_id)
        .where(Milestone.activity_id.in_(activity_ids))
        .group_by(UserMilestone.milestone_id)).all())
    out: dict[int, list[MilestoneStat]] = {}
    for m in s.execute(select(Milestone.id, Milestone.activity_id, Milestone.title, Milestone.required,
                              Milestone.points)  # columns, not entities: the dashboard reads them all
                       .where(Milestone.activity_id.in_(activity_ids))
                       .order_by(Milestone.activity_id, Milestone.order_index, Milestone.id)):
        out.setdefault(m.activity_id, []).append(
            MilestoneStat(m.id, m.title, m.required, m.points, done.get(m.id, 0)))
    return out


__all__ = ["ActivityAnalytics", "ActivityCard", "AnalyticsService", "ChildCard", "Dashboard", "MilestoneStat",
           "analytics_for", "is_at_risk"]

"""Progress rows: a student's standing in an activity as every screen, export and the façade
show it, read in bulk (one query per figure for a whole set of enrollments)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from tracker.db.models import Activity, ActivityProgress, EnrollmentAttendance, User
from tracker.domain.completion_text import CompletionText, completion_text
from tracker.domain.enums import ProgressStatus
from tracker.domain.progress import (
    CompletionRule,
    MilestoneState,
    attendance_rate,
    check_completion,
    rate_that_counts,
)
from tracker.domain.standing import Standing, StandingCheck, attendance_that_counts, format_attendance, judge
from tracker.services import stats


@dataclass(frozen=True)
class ProgressRow:
    """A student's standing in one activity, as every screen and the façade show it."""

    id: int
    user_id: int
    student: str
    activity_id: int
    activity: str
    category: str
    status: ProgressStatus
    progress_percentage: float
    progress_manual: bool
    attendance_rate: float | None
    sessions_held: int
    milestones_done: int
    milestones_total: int
    points: int
    points_total: int
    started_at: datetime | None
    completed_at: datetime | None
    enrolled_on: date | None
    dropped_on: date | None
    drop_reason: str | None
    note: str | None
    missing: tuple[str, ...]
    version: int
    standing: Standing = Standing.NONE
    standing_reasons: tuple[str, ...] = ()
    expected_progress: float | None = None  # what the elapsed dates expect, percent
    trailing_absences: int = 0
    status_manual: bool = False
    override_note: str | None = None  # why a teacher set status / progress by hand
    override_by: str | None = None
    override_at: datetime | None = None
    signed_off_at: datetime | None = None
    rule: CompletionRule | None = None  # the activity's completion rule

    @property
    def standing_reason(self) -> str:
        return "; ".join(self.standing_reasons)

    @property
    def attendance_shown(self) -> str:
        """The attendance rate as screens show it: never on the wrong side of the minimum the
        standing's reasons compare it with (69.8 → "69.8%" when the minimum is 70%)."""
        return format_attendance(self.attendance_rate, self.rule.min_attendance_pct if self.rule else None)

    @property
    def overridden(self) -> bool:
        return self.progress_manual or self.status_manual

    @property
    def completion(self) -> CompletionText | None:
        """What a screen shows in place of the progress figure of a completed student ("Completed",
        and why, with the points earned); None unless completed."""
        if self.status is not ProgressStatus.COMPLETED:
            return None
        return completion_text(self.progress_percentage, self.rule, by_hand=self.status_manual)


@dataclass(frozen=True)
class _ActivityFacts:
    """What every enrollment of one activity shares, worked out once per activity rather than
    once per row: a dashboard reads thousands of rows of a few dozen activities."""

    activity: Any  # the activity's columns (a row of the select in :func:`progress_rows`)
    milestones: list[stats.MilestoneInfo]
    ids: frozenset[int]
    points: dict[int, int]
    points_total: int
    required: tuple[stats.MilestoneInfo, ...]
    dated: tuple[stats.MilestoneInfo, ...]  # required milestones with a due date, in order
    has_milestones: bool
    rule: CompletionRule
    required_ids: frozenset[int] = frozenset()
    states_by_done: dict[frozenset[int], tuple[MilestoneState, ...]] = field(default_factory=dict)
    overdue_by_done: dict[frozenset[int], tuple[tuple[str, date], ...]] = field(default_factory=dict)
    points_by_done: dict[frozenset[int], int] = field(default_factory=dict)

    @classmethod
    def of(cls, a: Any, milestones: list[stats.MilestoneInfo]) -> _ActivityFacts:
        required = tuple(m for m in milestones if m.required)
        return cls(a, milestones, frozenset(m.id for m in milestones), {m.id: m.points for m in milestones},
                   sum(m.points for m in milestones), required,
                   tuple(m for m in required if m.due_date is not None), bool(milestones),
                   CompletionRule(a.require_milestones, a.min_attendance_pct, a.requires_signoff),
                   frozenset(m.id for m in required))

    def required_states(self, done: frozenset[int]) -> tuple[MilestoneState, ...]:
        """The required milestones' states for a student who did ``done`` (all the completion
        rule reads), shared by every student who did the same ones."""
        key = done & self.required_ids
        states = self.states_by_done.get(key)
        if states is None:
            states = self.states_by_done[key] = tuple(MilestoneState(m.points, True, m.id in key)
                                                      for m in self.required)
        return states

    def overdue(self, done: frozenset[int], today: date) -> tuple[tuple[str, date], ...]:
        """(title, due date) of the required milestones not in ``done`` whose due date has passed
        (an optional milestone never puts a student behind); shared, like the states."""
        found = self.overdue_by_done.get(done)
        if found is None:
            found = self.overdue_by_done[done] = tuple(
                (m.title, m.due_date) for m in self.dated
                if m.due_date is not None and m.due_date < today and m.id not in done)
        return found

    def points_of(self, done: frozenset[int]) -> int:
        """The points of the milestones in ``done`` (shared by every student who did them)."""
        found = self.points_by_done.get(done)
        if found is None:
            found = self.points_by_done[done] = sum(self.points[i] for i in done)
        return found


def progress_rows(
    s: Session,
    *,
    activity_ids: list[int] | None = None,
    student_ids: list[int] | None = None,
    where: ColumnElement[bool] | None = None,
) -> list[ProgressRow]:
    """Progress rows for the given activities and/or students, in bulk; ``where`` narrows them
    further (what the policy lets an actor see, :func:`tracker.services.scoping.visible`).

    Plain column selects rather than ORM entities: this feeds the dashboards of thousands of
    enrollments, where building ORM objects cost more than the queries.
    """
    p, ea = ActivityProgress, EnrollmentAttendance
    q = (
        select(p.id, p.user_id, p.activity_id, p.status, p.progress_percentage, p.progress_manual,
               p.started_at, p.completed_at, p.enrolled_on, p.dropped_on, p.drop_reason, p.note,
               p.version, p.signed_off_at, p.status_manual, p.override_note, p.override_at,
               p.override_by, User.display_name, ea.counted, ea.present)
        .join(User, User.id == p.user_id)
        .join(Activity, Activity.id == p.activity_id)
        .outerjoin(ea, ea.progress_id == p.id)  # the maintained attendance counts, read with the rows
    )
    if activity_ids is not None:
        q = q.where(p.activity_id.in_(activity_ids))
    if student_ids is not None:
        q = q.where(p.user_id.in_(student_ids))
    if where is not None:
        q = q.where(where)
    q = q.order_by(Activity.name, User.display_name)
    # Core rows from the session's connection (flushed first, as the ORM's execute would): the
    # ORM's result processing cost more than the query for thousands of rows
    s.flush()
    conn = s.connection()
    rows = conn.execute(q).all()
    acts = {r.activity_id for r in rows}
    activities = {
        a.id: a for a in s.execute(
            select(Activity.id, Activity.name, Activity.category, Activity.require_milestones,
                   Activity.min_attendance_pct, Activity.requires_signoff, Activity.start_date,
                   Activity.end_date)
            .where(Activity.id.in_(acts))
        )
    } if acts else {}
    ms = stats.milestones_of(s, acts)
    # filter by activities only when the student set is large: an IN list of thousands is slower
    by_student = student_ids if student_ids is not None and len(student_ids) < 500 else None
    done = stats.completed_milestones(s, activity_ids=acts, student_ids=by_student) if rows else {}
    att = stats.count_tuples(conn, ((r[0], r[1], r[2], r[8], r[9], r[19], r[20]) for r in rows), now=datetime.now(),
                          activity_ids=list(acts), student_ids=by_student) if rows else {}
    streaks = stats.trailing_absences(s, activity_ids=acts, student_ids=by_student) if rows else {}
    by_ids = {r.override_by for r in rows if r.override_by is not None}
    names = {u: n for u, n in s.execute(select(User.id, User.display_name).where(User.id.in_(by_ids)))} if by_ids else {}
    return _built(rows, activities, ms, done, att, streaks, names, date.today())


def _built(rows: Sequence[Any], activities: dict[int, Any], ms: dict[int, list[stats.MilestoneInfo]],
           done: dict[int, set[int]], counts: dict[stats.Pair, tuple[int, int, int]],
           streaks: dict[stats.Pair, int], names: dict[int, str], today: date) -> list[ProgressRow]:
    """The rows of :func:`progress_rows` from what it read (no database here).

    A dashboard builds thousands of rows, so the loop is written for speed: what students share
    (their milestones done in an activity, their attendance as the rules see it, their standing)
    is worked out once per distinct case, and each row's fields are set from a dict display, a
    third of the cost of keyword arguments."""
    facts = {aid: _ActivityFacts.of(a, ms.get(aid, [])) for aid, a in activities.items()}
    out: list[ProgressRow] = []
    append = out.append
    new, set_fields = object.__new__, object.__setattr__
    nothing: frozenset[int] = frozenset()
    active, completed = ProgressStatus.ACTIVE, ProgressStatus.COMPLETED
    checked: dict[tuple[Any, ...], tuple[str, ...]] = {}
    judged: dict[tuple[Any, ...], StandingCheck] = {}
    # per (activity, milestones done): (required states, overdue, points, how many done)
    done_cases: dict[tuple[int, frozenset[int]], tuple[tuple[MilestoneState, ...], tuple[tuple[str, date], ...], int, int]] = {}
    # per (present, counted, absences in a row, minimum): (rate, low rate, run) as the standing sees them
    seen: dict[tuple[int, int, int, float | None], tuple[float | None, float | None, int]] = {}
    no_count = (0, 0, 0)
    # plain tuples: a Row's attributes cost more than the rest of the loop for thousands of rows
    for (pid, user_id, activity_id, status, progress, progress_manual, started_at, completed_at, enrolled_on,
         dropped_on, drop_reason, note, version, signed_off_at, status_manual, override_note, override_at,
         override_by, student, _counted, _present) in map(tuple, rows):
        f = facts[activity_id]
        a = f.activity
        pair = (user_id, activity_id)
        mine = done.get(user_id)
        done_here = f.ids & mine if mine else nothing
        case = done_cases.get((activity_id, done_here))
        if case is None:
            case = done_cases[(activity_id, done_here)] = (
                f.required_states(done_here), f.overdue(done_here, today), f.points_of(done_here), len(done_here))
        states, overdue_if_active, points, milestones_done = case
        present, counted, held = counts.get(pair, no_count)
        streak = streaks.get(pair, 0)
        minimum = a.min_attendance_pct
        attendance = seen.get((present, counted, streak, minimum))
        if attendance is None:
            rate = attendance_rate(present, counted)
            attendance = seen[(present, counted, streak, minimum)] = (
                rate, *attendance_that_counts(rate, counted, streak, minimum))
        rate, low_rate, run = attendance
        missing: tuple[str, ...] = ()
        if status is not completed:
            signed = signed_off_at is not None
            # students of an activity share few (milestones done, rate as the rule sees it) pairs:
            # each checked once
            seen_rate = rate_that_counts(f.rule, rate)
            check_key = (activity_id, id(states), seen_rate, signed)
            missing = checked.get(check_key)  # type: ignore[assignment]
            if missing is None:
                missing = checked[check_key] = check_completion(f.rule, states, seen_rate, signed).reasons
        manual = progress_manual or status_manual
        overdue = overdue_if_active if status is active else ()
        has_milestones = f.has_milestones or progress_manual
        # judged on the attendance that can change a standing: far fewer distinct cases
        judge_key = (activity_id, status, progress, enrolled_on, overdue, low_rate, run, has_milestones)
        verdict = judged.get(judge_key)
        if verdict is None:
            verdict = judged[judge_key] = judge(
                status=status.value, progress=progress, today=today, start=a.start_date,
                end=a.end_date, enrolled_on=enrolled_on, overdue=overdue,
                attendance_pct=low_rate, counted_sessions=counted, trailing_absences=run,
                min_attendance_pct=minimum, has_milestones=has_milestones,
            )
        row = new(ProgressRow)
        set_fields(row, "__dict__", {  # every field of ProgressRow (a test checks), without the frozen
            # dataclass's field-by-field object.__setattr__
            "id": pid,
            "user_id": user_id,
            "student": student,
            "activity_id": activity_id,
            "activity": a.name,
            "category": a.category,
            "status": status,
            "progress_percentage": progress,
            "progress_manual": progress_manual,
            "attendance_rate": rate,
            "sessions_held": held,
            "milestones_done": milestones_done,
            "milestones_total": len(f.milestones),
            "points": points,
            "points_total": f.points_total,
            "started_at": started_at,
            "completed_at": completed_at,
            "enrolled_on": enrolled_on,
            "dropped_on": dropped_on,
            "drop_reason": drop_reason,
            "note": note,
            "missing": missing,
            "version": version,
            "standing": verdict.standing,
            "standing_reasons": verdict.reasons,
            "expected_progress": verdict.expected,
            "trailing_absences": streak,
            "status_manual": status_manual,
            # shown while something is set by hand (ticking a milestone ends a progress override)
            "override_note": override_note if manual else None,
            "override_by": names.get(override_by) if manual and override_by is not None else None,
            "override_at": override_at if manual else None,
            "signed_off_at": signed_off_at,
            "rule": f.rule,
        })
        append(row)
    return out

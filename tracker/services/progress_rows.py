"""Progress rows: a student's standing in an activity as every screen, export and the façade
show it, read in bulk (one query per figure for a whole set of enrollments)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from tracker.db.models import Activity, ActivityProgress, User
from tracker.domain.completion_text import CompletionText, completion_text
from tracker.domain.enums import ProgressStatus
from tracker.domain.progress import CompletionRule, check_completion
from tracker.domain.standing import Standing, format_attendance, judge
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
    p = ActivityProgress
    q = (
        select(p.id, p.user_id, p.activity_id, p.status, p.progress_percentage, p.progress_manual,
               p.started_at, p.completed_at, p.enrolled_on, p.dropped_on, p.drop_reason, p.note,
               p.version, p.signed_off_at, p.status_manual, p.override_note, p.override_at,
               p.override_by, User.display_name)
        .join(User, User.id == p.user_id)
        .join(Activity, Activity.id == p.activity_id)
    )
    if activity_ids is not None:
        q = q.where(p.activity_id.in_(activity_ids))
    if student_ids is not None:
        q = q.where(p.user_id.in_(student_ids))
    if where is not None:
        q = q.where(where)
    q = q.order_by(Activity.name, User.display_name)
    rows = s.execute(q).all()
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
    att = stats.attendance_counts(s, activity_ids=acts, student_ids=by_student) if rows else {}
    streaks = stats.trailing_absences(s, activity_ids=acts, student_ids=by_student) if rows else {}
    by_ids = {r.override_by for r in rows if r.override_by is not None}
    names = {u: n for u, n in s.execute(select(User.id, User.display_name).where(User.id.in_(by_ids)))} if by_ids else {}
    today = date.today()
    out: list[ProgressRow] = []
    empty = stats.AttendanceCount(0, 0, 0)
    for r in rows:
        a = activities[r.activity_id]
        mlist = ms.get(a.id, [])
        mine = done.get(r.user_id, set())
        count = att.get((r.user_id, a.id), empty)
        states = stats.milestone_states(mlist, mine)
        status = r.status
        missing: tuple[str, ...] = ()
        rule = CompletionRule(a.require_milestones, a.min_attendance_pct, a.requires_signoff)
        if status is not ProgressStatus.COMPLETED:
            missing = check_completion(rule, states, count.rate, r.signed_off_at is not None).reasons
        streak = streaks.get((r.user_id, a.id), 0)
        manual = r.progress_manual or r.status_manual
        verdict = judge(
            status=status.value, progress=r.progress_percentage, today=today, start=a.start_date,
            end=a.end_date, enrolled_on=r.enrolled_on,
            overdue=stats.overdue_milestones(mlist, mine, today) if status is ProgressStatus.ACTIVE else (),
            attendance_pct=count.rate, counted_sessions=count.counted, trailing_absences=streak,
            min_attendance_pct=a.min_attendance_pct, has_milestones=bool(mlist) or r.progress_manual,
        )
        out.append(
            ProgressRow(
                id=r.id,
                user_id=r.user_id,
                student=r.display_name,
                activity_id=a.id,
                activity=a.name,
                category=a.category,
                status=status,
                progress_percentage=r.progress_percentage,
                progress_manual=r.progress_manual,
                attendance_rate=count.rate,
                sessions_held=count.held,
                milestones_done=sum(1 for st in states if st.done),
                milestones_total=len(mlist),
                points=sum(st.points for st in states if st.done),
                points_total=sum(m.points for m in mlist),
                started_at=r.started_at,
                completed_at=r.completed_at,
                enrolled_on=r.enrolled_on,
                dropped_on=r.dropped_on,
                drop_reason=r.drop_reason,
                note=r.note,
                missing=missing,
                version=r.version,
                standing=verdict.standing,
                standing_reasons=verdict.reasons,
                expected_progress=verdict.expected,
                trailing_absences=streak,
                status_manual=r.status_manual,
                # shown while something is set by hand (ticking a milestone ends a progress override)
                override_note=r.override_note if manual else None,
                override_by=names.get(r.override_by) if manual and r.override_by is not None else None,
                override_at=r.override_at if manual else None,
                signed_off_at=r.signed_off_at,
                rule=rule,
            )
        )
    return out

"""Deriving progress and completion from milestones, attendance and sign-off.

``recompute`` is the one place where a student's progress and completion are derived; it runs
inside the unit of work of the change that caused it (milestone and attendance events are
wired to them by ``tracker.services.bootstrap``), so completing — and reverting a completion — is atomic with that change.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import DateTime, and_, bindparam, select

from tracker.db.models import (
    Activity,
    ActivityProgress,
    EnrollmentAttendance,
    Milestone,
    ProgressStatusHistory,
    UserMilestone,
    utcnow,
)
from tracker.db.uow import UnitOfWork
from tracker.domain.changes import ChangeKind
from tracker.domain.enums import ProgressStatus
from tracker.domain.events import (
    ActivityCompleted,
    AttendanceChanged,
    CompletionReverted,
    MilestoneCompletionChanged,
    MilestoneSetChanged,
    MilestonesTicked,
)
from tracker.domain.policy import Actor
from tracker.domain.progress import (
    CompletionRule,
    MilestoneState,
    attendance_rate,
    check_completion,
    progress_percentage,
)
from tracker.services import stats
from tracker.services.attendance_aggregates import Counts, less_not_held, marked_ahead, recount_enrollment


def record_status(
    tx: UnitOfWork, actor: Actor | None, p: ActivityProgress, new: ProgressStatus, note: str | None
) -> None:
    """Change an enrollment's status, keeping history and the dates that go with it.

    Every change of an enrollment's period passes here (enrolling again, dropping, promoting: the
    caller sets the new dates just before), so its attendance counts are recounted for the period
    it now has; completing never moves the period."""
    old = p.status
    if old is new:
        return
    p.status = new
    now = utcnow()
    if new is ProgressStatus.COMPLETED:
        p.completed_at = now
    else:
        p.completed_at = None
    if new is ProgressStatus.ACTIVE:
        p.dropped_on = None
        p.drop_reason = None
        p.started_at = p.started_at or now
        p.waitlist_position = None
        p.enrolled_on = p.enrolled_on or date.today()
    if new is ProgressStatus.DROPPED:
        p.dropped_on = p.dropped_on or date.today()
    if new is not ProgressStatus.COMPLETED:
        recount_enrollment(tx.session.connection(), p.id, p.user_id, p.activity_id, p.enrolled_on, p.dropped_on)
    tx.session.add(
        ProgressStatusHistory(
            progress_id=p.id,
            from_status=old.value if old else None,
            to_status=new.value,
            changed_by=actor.id if actor else None,
            changed_at=now,
            note=note,
        )
    )


_P, _EA = ActivityProgress, EnrollmentAttendance
_ENROLLMENT = (  # built once: it runs for every attendance mark
    # the enrollment with its activity's rule and its maintained counts, once per milestone of the
    # activity in order (with whether the student has done it; one row with no milestone when
    # there is none): one statement where two were, a twentieth of a mark's time
    select(_P.id, _P.status, _P.progress_manual, _P.status_manual, _P.progress_percentage, _P.signed_off_at,
           Activity.require_milestones, Activity.min_attendance_pct, Activity.requires_signoff,
           _EA.counted, _EA.present,
           marked_ahead(_P.activity_id, bindparam("now", type_=DateTime)).label("marked_ahead"),
           Milestone.id.label("milestone_id"), Milestone.points, Milestone.required,
           UserMilestone.id.is_not(None).label("done"))
    .join(Activity, Activity.id == _P.activity_id)
    .outerjoin(_EA, _EA.progress_id == _P.id)
    .outerjoin(Milestone, Milestone.activity_id == _P.activity_id)
    .outerjoin(UserMilestone, and_(UserMilestone.milestone_id == Milestone.id, UserMilestone.user_id == _P.user_id))
    .where(_P.user_id == bindparam("student"), _P.activity_id == bindparam("activity"))
    .order_by(Milestone.order_index, Milestone.id)
)


def recompute(tx: UnitOfWork, student_id: int, activity_id: int) -> None:
    """Derive progress and completion for one enrollment from the current data.

    Runs for every attendance mark, so it reads plain columns and loads the ORM row only when
    something is to be written."""
    s = tx.session
    now = datetime.now()
    key = {"student": student_id, "activity": activity_id, "now": now}
    s.flush()  # what the change in hand left pending (a tick, say) is read below
    conn = s.connection()
    rows = conn.execute(_ENROLLMENT, key).all()
    if not rows:
        return
    cur = rows[0]
    states = [MilestoneState(r.points, r.required, bool(r.done)) for r in rows if r.milestone_id is not None]
    percentage = progress_percentage(states)
    marks = Counts(0, cur.counted or 0, cur.present or 0)  # the maintained counts, one row
    if cur.marked_ahead:
        marks = less_not_held(conn, cur.id, activity_id, marks, now)
    rule = CompletionRule(cur.require_milestones, cur.min_attendance_pct, cur.requires_signoff)
    check = check_completion(rule, states, attendance_rate(marks.present, marks.counted),
                             cur.signed_off_at is not None)
    complete = cur.status is ProgressStatus.ACTIVE and not cur.status_manual and check.complete
    revert = cur.status is ProgressStatus.COMPLETED and not cur.status_manual and not check.complete
    if (cur.progress_manual or percentage == cur.progress_percentage) and not complete and not revert:
        tx.changes.add(ChangeKind.PROGRESS, cur.id)
        tx.changes.add(ChangeKind.ENROLLMENT, cur.id)
        return
    p = s.get(ActivityProgress, cur.id)
    assert p is not None
    if not p.progress_manual:
        p.progress_percentage = percentage
    if complete:
        record_status(tx, None, p, ProgressStatus.COMPLETED, "Completion rules met")
        p.status_manual = False
        tx.audit(None, "complete", "activity_progress", p.id, {"status": "active"},
                 {"status": "completed"})
        s.flush()
        tx.emit(ActivityCompleted(student_id, activity_id, p.id))
    elif revert:
        record_status(tx, None, p, ProgressStatus.ACTIVE, "No longer meets: " + "; ".join(check.reasons))
        tx.audit(None, "revert_completion", "activity_progress", p.id, {"status": "completed"},
                 {"status": "active", "reasons": list(check.reasons)})
        s.flush()
        tx.emit(CompletionReverted(student_id, activity_id, p.id))
    tx.changes.add(ChangeKind.PROGRESS, p.id)
    tx.changes.add(ChangeKind.ENROLLMENT, p.id)


def recompute_many(tx: UnitOfWork, student_ids: list[int], activity_id: int) -> None:
    """``recompute`` for many enrollments of one activity (bulk ticks): the same rules, read with
    a few bulk selects; percentages written with one executemany UPDATE. An enrollment whose
    completion changes goes through ``recompute`` itself (status history, audit, events)."""
    if not student_ids:
        return
    s = tx.session
    p = ActivityProgress
    rows = s.execute(
        select(p.id, p.user_id, p.status, p.progress_manual, p.status_manual, p.progress_percentage,
               p.signed_off_at)
        .where(p.activity_id == activity_id, p.user_id.in_(student_ids))
    ).all()
    if not rows:
        return
    a = s.execute(
        select(Activity.require_milestones, Activity.min_attendance_pct, Activity.requires_signoff)
        .where(Activity.id == activity_id)
    ).one()
    rule = CompletionRule(a.require_milestones, a.min_attendance_pct, a.requires_signoff)
    mlist = stats.milestones_of(s, [activity_id]).get(activity_id, [])
    done = stats.completed_milestones(s, activity_ids=[activity_id], student_ids=student_ids)
    att = stats.attendance_counts(s, activity_ids=[activity_id], student_ids=student_ids, held=False)
    empty = stats.AttendanceCount(0, 0, 0)
    updates: list[dict[str, object]] = []
    slow: dict[int, tuple[float, bool, tuple[str, ...]]] = {}  # user -> (percentage, completes, reasons)
    for r in rows:
        states = stats.milestone_states(mlist, done.get(r.user_id, set()))
        percentage = progress_percentage(states)
        check = check_completion(rule, states, att.get((r.user_id, activity_id), empty).rate,
                                 r.signed_off_at is not None)
        complete = r.status is ProgressStatus.ACTIVE and not r.status_manual and check.complete
        revert = r.status is ProgressStatus.COMPLETED and not r.status_manual and not check.complete
        if complete or revert:
            slow[r.user_id] = (percentage, complete, tuple(check.reasons))
            continue
        if not r.progress_manual and percentage != r.progress_percentage:
            updates.append({"pid": r.id, "pct": percentage})
        tx.changes.add(ChangeKind.PROGRESS, r.id)
        tx.changes.add(ChangeKind.ENROLLMENT, r.id)
    if updates:
        table = ActivityProgress.__table__
        s.execute(
            table.update().where(table.c.id == bindparam("pid"))  # type: ignore[attr-defined]
            .values(progress_percentage=bindparam("pct"), version=table.c.version + 1),  # type: ignore[attr-defined]
            updates,
        )
    if not slow:
        return
    # completion changes: what recompute does for one, with one load and one flush for all
    events: list[ActivityCompleted | CompletionReverted] = []
    for o in s.scalars(select(ActivityProgress).where(
            ActivityProgress.activity_id == activity_id, ActivityProgress.user_id.in_(list(slow)))):
        percentage, complete, reasons = slow[o.user_id]
        if not o.progress_manual:
            o.progress_percentage = percentage
        if complete:
            record_status(tx, None, o, ProgressStatus.COMPLETED, "Completion rules met")
            o.status_manual = False
            tx.audit(None, "complete", "activity_progress", o.id, {"status": "active"}, {"status": "completed"})
            events.append(ActivityCompleted(o.user_id, activity_id, o.id))
        else:
            record_status(tx, None, o, ProgressStatus.ACTIVE, "No longer meets: " + "; ".join(reasons))
            tx.audit(None, "revert_completion", "activity_progress", o.id, {"status": "completed"},
                     {"status": "active", "reasons": list(reasons)})
            events.append(CompletionReverted(o.user_id, activity_id, o.id))
        tx.changes.add(ChangeKind.PROGRESS, o.id)
        tx.changes.add(ChangeKind.ENROLLMENT, o.id)
    s.flush()
    for event in events:
        tx.emit(event)


def recompute_activity(tx: UnitOfWork, activity_id: int) -> None:
    """Everyone's percentage and completion in the activity (after its milestones changed)."""
    q = select(ActivityProgress.user_id).where(ActivityProgress.activity_id == activity_id)
    recompute_many(tx, list(tx.session.scalars(q)), activity_id)


# ---------------------------------------------------------------- event handlers (see bootstrap)


def on_milestone_changed(tx: UnitOfWork, event: MilestoneCompletionChanged) -> None:
    recompute(tx, event.student_id, event.activity_id)


def on_milestones_ticked(tx: UnitOfWork, event: MilestonesTicked) -> None:
    recompute_many(tx, list(event.student_ids), event.activity_id)


def on_milestone_set_changed(tx: UnitOfWork, event: MilestoneSetChanged) -> None:
    recompute_activity(tx, event.activity_id)


def on_attendance_changed(tx: UnitOfWork, event: AttendanceChanged) -> None:
    recompute(tx, event.student_id, event.activity_id)

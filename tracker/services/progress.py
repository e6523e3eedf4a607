"""Enrollment status and progress: rows for dashboards and the façade, updates, recompute.

``recompute`` is the one place where a student's progress and completion are derived from
milestones, attendance and sign-off; it runs inside the unit of work of the change that
caused it (through the event dispatcher).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tracker.db.models import Activity, ActivityProgress, ProgressStatusHistory, User, utcnow
from tracker.db.uow import UnitOfWork, read_only, unit_of_work
from tracker.domain.enums import ProgressStatus, Role
from tracker.domain.events import (
    ActivityCompleted,
    AttendanceChanged,
    CompletionReverted,
    MilestoneCompletionChanged,
    dispatcher,
)
from tracker.domain.policy import Actor, Permission
from tracker.domain.progress import CompletionRule, check_completion, progress_percentage
from tracker.domain.standing import Standing, judge
from tracker.errors import NotFound, Problem, ValidationError
from tracker.services import stats
from tracker.services.base import Service, require


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

    @property
    def standing_reason(self) -> str:
        return "; ".join(self.standing_reasons)

    @property
    def overridden(self) -> bool:
        return self.progress_manual or self.status_manual


def progress_rows(
    s: Session,
    *,
    activity_ids: list[int] | None = None,
    student_ids: list[int] | None = None,
) -> list[ProgressRow]:
    """Progress rows for the given activities and/or students, in bulk.

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
        if status is not ProgressStatus.COMPLETED:
            rule = CompletionRule(a.require_milestones, a.min_attendance_pct, a.requires_signoff)
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
            )
        )
    return out


def record_status(
    tx: UnitOfWork, actor: Actor | None, p: ActivityProgress, new: ProgressStatus, note: str | None
) -> None:
    """Change an enrollment's status, keeping history and the dates that go with it."""
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


def recompute(tx: UnitOfWork, student_id: int, activity_id: int) -> None:
    """Derive progress and completion for one enrollment from the current data.

    Runs for every attendance mark, so it reads plain columns and loads the ORM row only when
    something is to be written."""
    s = tx.session
    cur = s.execute(
        select(ActivityProgress.id, ActivityProgress.status, ActivityProgress.progress_manual,
               ActivityProgress.status_manual, ActivityProgress.progress_percentage,
               ActivityProgress.signed_off_at)
        .where(ActivityProgress.user_id == student_id, ActivityProgress.activity_id == activity_id)
    ).first()
    if cur is None:
        return
    a = s.execute(
        select(Activity.require_milestones, Activity.min_attendance_pct, Activity.requires_signoff)
        .where(Activity.id == activity_id)
    ).one()
    mlist = stats.milestones_of(s, [activity_id]).get(activity_id, [])
    done = stats.completed_milestones(s, activity_ids=[activity_id], student_ids=[student_id])
    states = stats.milestone_states(mlist, done.get(student_id, set()))
    percentage = progress_percentage(states)
    count = stats.attendance_counts(s, activity_ids=[activity_id], student_ids=[student_id]).get(
        (student_id, activity_id), stats.AttendanceCount(0, 0, 0)
    )
    rule = CompletionRule(a.require_milestones, a.min_attendance_pct, a.requires_signoff)
    check = check_completion(rule, states, count.rate, cur.signed_off_at is not None)
    complete = cur.status is ProgressStatus.ACTIVE and not cur.status_manual and check.complete
    revert = cur.status is ProgressStatus.COMPLETED and not cur.status_manual and not check.complete
    if (cur.progress_manual or percentage == cur.progress_percentage) and not complete and not revert:
        tx.changes.add("progress", cur.id)
        tx.changes.add("enrollment", cur.id)
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
    tx.changes.add("progress", p.id)
    tx.changes.add("enrollment", p.id)


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
    att = stats.attendance_counts(s, activity_ids=[activity_id], student_ids=student_ids)
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
        tx.changes.add("progress", r.id)
        tx.changes.add("enrollment", r.id)
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
        tx.changes.add("progress", o.id)
        tx.changes.add("enrollment", o.id)
    s.flush()
    for event in events:
        tx.emit(event)


def _on_milestone(tx: UnitOfWork, event: MilestoneCompletionChanged) -> None:
    recompute(tx, event.student_id, event.activity_id)


def _on_attendance(tx: UnitOfWork, event: AttendanceChanged) -> None:
    recompute(tx, event.student_id, event.activity_id)


dispatcher.subscribe(MilestoneCompletionChanged, _on_milestone)
dispatcher.subscribe(AttendanceChanged, _on_attendance)


class ProgressService(Service):
    def get_user_progress(self, actor: Actor, user_id: int) -> list[ProgressRow]:
        """A student's rows the actor may see (a teacher sees only the activities they lead)."""
        with read_only(self.db) as s:
            user = s.get(User, user_id)
            if user is None:
                raise NotFound(f"No user with id {user_id}.")
            require(s, actor, Permission.VIEW_PROGRESS, student_id=user_id)
            rows = progress_rows(s, student_ids=[user_id])
            if actor.role is Role.TEACHER:
                from tracker.services.activities import led_activity_ids

                led = led_activity_ids(s, actor.id)
                rows = [r for r in rows if r.activity_id in led]
            return rows

    def activity_progress(self, actor: Actor, activity_id: int) -> list[ProgressRow]:
        with read_only(self.db) as s:
            if s.get(Activity, activity_id) is None:
                raise NotFound(f"No activity with id {activity_id}.")
            require(s, actor, Permission.VIEW_ANALYTICS, activity_id=activity_id)
            return progress_rows(s, activity_ids=[activity_id])

    def update_progress(
        self,
        actor: Actor,
        activity_id: int,
        user_id: int,
        *,
        status: ProgressStatus | str | None = None,
        progress_percentage: float | None = None,
        note: str | None = None,
        drop_reason: str | None = None,
    ) -> ProgressRow:
        """Set status and/or progress by hand (an override, audited). Enrolls when not enrolled."""
        new_status = _parse_status(status)
        _check_percentage(progress_percentage)
        with unit_of_work(self.db) as tx:
            _require_activity(tx.session, actor, activity_id)
            _set_by_hand(tx, actor, activity_id, user_id, new_status, progress_percentage, note, drop_reason)
            tx.session.flush()
            return progress_rows(tx.session, activity_ids=[activity_id], student_ids=[user_id])[0]

    def override_progress(
        self,
        actor: Actor,
        activity_id: int,
        user_id: int,
        *,
        note: str,
        progress_percentage: float | None = None,
        status: ProgressStatus | str | None = None,
    ) -> ProgressRow:
        """A teacher sets progress and/or status by hand, saying why (the note is required).

        The override stays until :meth:`clear_override` (ticking a milestone hands progress back
        to the formula); it is shown with who set it and when, and audited."""
        return self.override_progress_for(actor, activity_id, [user_id], note=note,
                                          progress_percentage=progress_percentage, status=status)[0]

    def override_progress_for(
        self,
        actor: Actor,
        activity_id: int,
        user_ids: Sequence[int],
        *,
        note: str,
        progress_percentage: float | None = None,
        status: ProgressStatus | str | None = None,
    ) -> list[ProgressRow]:
        """:meth:`override_progress` for several enrolled students in one unit of work: all of them
        or, when one is refused, none."""
        text = (note or "").strip()
        if not text:
            raise ValidationError.field("note", "Say why you set this by hand (a note is required).")
        if len(text) > 1000:
            raise ValidationError.field("note", f"The note is {len(text)} characters; keep it under 1000.")
        if progress_percentage is None and status is None:
            raise ValidationError.field("progress_percentage", "Give a progress, a status or both.")
        new_status = _parse_status(status)
        _check_percentage(progress_percentage)
        ids = list(dict.fromkeys(user_ids))
        with unit_of_work(self.db) as tx:
            s = tx.session
            _require_activity(s, actor, activity_id)
            found, names = _selection(s, activity_id, ids)
            missing = [names.get(u, f"user {u}") for u in ids if u not in found]
            if missing:
                raise ValidationError.field("user_ids", "Not enrolled in this activity: " + ", ".join(missing) + ".")
            for uid in ids:
                _set_by_hand(tx, actor, activity_id, uid, new_status, progress_percentage, text, None)
            s.flush()
            return progress_rows(s, activity_ids=[activity_id], student_ids=ids)

    def sign_off(self, actor: Actor, activity_id: int, user_id: int, *, signed: bool = True) -> ProgressRow:
        """The teacher's sign-off an activity may require for completion (``signed=False`` takes it
        back). Completion follows in the same transaction when the other rules are met."""
        return self.sign_off_for(actor, activity_id, [user_id], signed=signed)[0]

    def sign_off_for(self, actor: Actor, activity_id: int, user_ids: Sequence[int], *,
                     signed: bool = True) -> list[ProgressRow]:
        """:meth:`sign_off` for several students in one unit of work (all or none)."""
        ids = list(dict.fromkeys(user_ids))
        with unit_of_work(self.db) as tx:
            s = tx.session
            _require_activity(s, actor, activity_id)
            found, names = _selection(s, activity_id, ids)
            problems = []
            for uid in ids:
                p = found.get(uid)
                who = names.get(uid, f"user {uid}")
                if p is None:
                    problems.append(Problem(f"{who} is not enrolled in this activity.", field="user_ids"))
                elif signed and p.status not in (ProgressStatus.ACTIVE, ProgressStatus.COMPLETED):
                    problems.append(Problem(f"{who} is {p.status.value}: only an active student can be "
                                            "signed off.", field="status"))
                elif (p.signed_off_at is not None) == signed:
                    problems.append(Problem(f"{who} is already signed off." if signed
                                            else f"{who} was not signed off.", field="signed"))
            _refuse(problems, "Nobody was signed off." if signed else "No sign-off was taken back.")
            for uid in ids:
                p = found[uid]
                before = {"signed_off_at": p.signed_off_at.isoformat() if p.signed_off_at else None}
                p.signed_off_at = utcnow() if signed else None
                p.signed_off_by = actor.id if signed else None
                s.flush()
                tx.audit(actor, "sign_off" if signed else "undo_sign_off", "activity_progress", p.id, before,
                         {"signed_off_at": p.signed_off_at.isoformat() if p.signed_off_at else None})
                recompute(tx, uid, activity_id)
                tx.changes.add("progress", p.id)
                tx.changes.add("enrollment", p.id)
            s.flush()
            return progress_rows(s, activity_ids=[activity_id], student_ids=ids)

    def clear_override(self, actor: Actor, activity_id: int, user_id: int) -> ProgressRow:
        """Go back to what the rules compute: progress from milestones, completion from the rules
        (which may complete the student, or revert a completion set by hand)."""
        return self.clear_override_for(actor, activity_id, [user_id])[0]

    def clear_override_for(self, actor: Actor, activity_id: int, user_ids: Sequence[int]) -> list[ProgressRow]:
        """:meth:`clear_override` for several students in one unit of work (all or none)."""
        ids = list(dict.fromkeys(user_ids))
        with unit_of_work(self.db) as tx:
            s = tx.session
            _require_activity(s, actor, activity_id)
            found, names = _selection(s, activity_id, ids)
            problems = [Problem(f"{names.get(u, f'user {u}')} is not enrolled in this activity."
                                if u not in found else
                                f"Nothing was set by hand for {names.get(u, f'user {u}')}.", field="user_ids")
                        for u in ids if u not in found or not (found[u].progress_manual or found[u].status_manual)]
            _refuse(problems, "Nothing was changed.")
            for uid in ids:
                p = found[uid]
                before = {"status": p.status.value, "progress_percentage": p.progress_percentage,
                          "override_note": p.override_note}
                p.progress_manual = False
                p.status_manual = False
                p.override_note = None
                p.override_by = None
                p.override_at = None
                s.flush()
                recompute(tx, uid, activity_id)
                s.flush()
                s.refresh(p)
                tx.audit(actor, "clear_override", "activity_progress", p.id, before,
                         {"status": p.status.value, "progress_percentage": p.progress_percentage})
                tx.changes.add("progress", p.id)
                tx.changes.add("enrollment", p.id)
            return progress_rows(s, activity_ids=[activity_id], student_ids=ids)


def _selection(s: Session, activity_id: int, ids: list[int]) -> tuple[dict[int, ActivityProgress], dict[int, str]]:
    """The enrollments of the chosen students in the activity (missing ones left out) and the
    names of all of them, for messages."""
    if not ids:
        raise ValidationError.field("user_ids", "Choose at least one student.")
    found = {p.user_id: p for p in s.scalars(select(ActivityProgress).where(
        ActivityProgress.activity_id == activity_id, ActivityProgress.user_id.in_(ids)))}
    names = {u: n for u, n in s.execute(select(User.id, User.display_name).where(User.id.in_(ids)))}
    return found, names


def _refuse(problems: list[Problem], summary: str) -> None:
    """Refuse the whole selection when any student is refused, naming each one."""
    if problems:
        raise ValidationError(problems[0].message if len(problems) == 1 else summary, problems)


def _check_percentage(value: float | None) -> None:
    if value is None:
        return
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError.field("progress_percentage", f"{value!r} is not a number.") from None
    if not 0 <= number <= 100:
        raise ValidationError.field("progress_percentage", f"Progress must be between 0 and 100, not {number:g}.")


def _require_activity(s: Session, actor: Actor, activity_id: int) -> None:
    if s.get(Activity, activity_id) is None:
        raise NotFound(f"No activity with id {activity_id}.")
    require(s, actor, Permission.UPDATE_PROGRESS, activity_id=activity_id)


def _set_by_hand(tx: UnitOfWork, actor: Actor, activity_id: int, user_id: int, new_status: ProgressStatus | None,
                 progress_percentage: float | None, note: str | None, drop_reason: str | None) -> None:
    """One student's hand-set status / progress (enrolls when not enrolled), audited."""
    s = tx.session
    student = s.get(User, user_id)
    if student is None:
        raise NotFound(f"No user with id {user_id}.")
    if student.role is not Role.STUDENT:
        raise ValidationError.field("user_id", f"{student.display_name} is not a student.")
    p = s.scalar(select(ActivityProgress).where(
        ActivityProgress.user_id == user_id, ActivityProgress.activity_id == activity_id))
    if p is None:
        p = ActivityProgress(
            user_id=user_id, activity_id=activity_id, status=ProgressStatus.ACTIVE,
            progress_percentage=0.0, started_at=utcnow(), enrolled_on=date.today(),
        )
        s.add(p)
        s.flush()
        s.add(ProgressStatusHistory(progress_id=p.id, from_status=None, to_status="active",
                                    changed_by=actor.id, note=note or "Enrolled"))
        tx.audit(actor, "enroll", "activity_progress", p.id, None,
                 {"user_id": user_id, "activity_id": activity_id})
    before = {"status": p.status.value, "progress_percentage": p.progress_percentage, "note": p.note}
    if new_status is ProgressStatus.DROPPED and not (drop_reason or note):
        raise ValidationError.field("note", "Give a reason for dropping the student.")
    if progress_percentage is not None:
        p.progress_percentage = round(float(progress_percentage), 1)
        p.progress_manual = True
    if note is not None:
        p.note = note.strip() or None
    if progress_percentage is not None or new_status is not None:
        p.override_note = (note or "").strip() or None
        p.override_by = actor.id
        p.override_at = utcnow()
    if new_status is not None and new_status is not p.status:
        if new_status is ProgressStatus.DROPPED:
            p.drop_reason = (drop_reason or note or "").strip()
        # completed by hand, or taken back from completed by hand: the rules leave it alone
        p.status_manual = new_status is ProgressStatus.COMPLETED or (
            new_status is ProgressStatus.ACTIVE and p.status is ProgressStatus.COMPLETED)
        record_status(tx, actor, p, new_status, note)
    s.flush()
    tx.audit(actor, "update_progress", "activity_progress", p.id, before,
             {"status": p.status.value, "progress_percentage": p.progress_percentage,
              "note": p.note, "manual": True})
    if new_status is ProgressStatus.COMPLETED and before["status"] != "completed":
        tx.emit(ActivityCompleted(user_id, activity_id, p.id))
    tx.changes.add("progress", p.id)
    tx.changes.add("enrollment", p.id)


def _parse_status(status: ProgressStatus | str | None) -> ProgressStatus | None:
    if status is None or isinstance(status, ProgressStatus):
        return status
    try:
        return ProgressStatus(str(status).strip().lower())
    except ValueError:
        allowed = ", ".join(s.value for s in ProgressStatus)
        raise ValidationError.field("status", f"Unknown status {status!r}; use one of {allowed}.") from None

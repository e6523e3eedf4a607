"""Enrollment status and progress by hand: the façade's rows, overrides with a note, sign-off.

Rows come from :mod:`tracker.services.progress_rows`; derived progress and completion from
:mod:`tracker.services.recompute` (which this module imports, so its event handlers are live
whenever the services are).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db.models import Activity, ActivityProgress, ProgressStatusHistory, User, utcnow
from tracker.db.uow import UnitOfWork, read_only, unit_of_work
from tracker.domain.changes import ChangeKind
from tracker.domain.enums import ProgressStatus, Role
from tracker.domain.events import ActivityCompleted, CompletionReverted, ProgressOverridden
from tracker.domain.policy import Actor, Permission
from tracker.errors import NotFound, Problem, ValidationError
from tracker.services.base import Service, require
from tracker.services.progress_rows import ProgressRow, progress_rows
from tracker.services.recompute import recompute, record_status
from tracker.services.scoping import visible


class ProgressService(Service):
    def get_user_progress(self, actor: Actor, user_id: int) -> list[ProgressRow]:
        """A student's rows the actor may see (a teacher sees only the activities they lead)."""
        with read_only(self.db) as s:
            user = s.get(User, user_id)
            if user is None:
                raise NotFound(f"No user with id {user_id}.")
            require(s, actor, Permission.VIEW_PROGRESS, student_id=user_id)
            shown = visible(s, actor, Permission.VIEW_PROGRESS, student=ActivityProgress.user_id,
                            activity=ActivityProgress.activity_id)
            return progress_rows(s, student_ids=[user_id], where=shown)

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
                tx.emit(ProgressOverridden(uid, activity_id, actor.id, progress_percentage,
                                           new_status.value if new_status else None, text))
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
                tx.changes.add(ChangeKind.PROGRESS, p.id)
                tx.changes.add(ChangeKind.ENROLLMENT, p.id)
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
                tx.changes.add(ChangeKind.PROGRESS, p.id)
                tx.changes.add(ChangeKind.ENROLLMENT, p.id)
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
    elif before["status"] == "completed" and p.status is not ProgressStatus.COMPLETED:
        tx.emit(CompletionReverted(user_id, activity_id, p.id))
    tx.changes.add(ChangeKind.PROGRESS, p.id)
    tx.changes.add(ChangeKind.ENROLLMENT, p.id)


def _parse_status(status: ProgressStatus | str | None) -> ProgressStatus | None:
    if status is None or isinstance(status, ProgressStatus):
        return status
    try:
        return ProgressStatus(str(status).strip().lower())
    except ValueError:
        allowed = ", ".join(s.value for s in ProgressStatus)
        raise ValidationError.field("status", f"Unknown status {status!r}; use one of {allowed}.") from None

"""Enrollment: rosters, enrolling with capacity and a waitlist, dropping, re-enrolling, completion by hand.

The enrollment *is* the ``activity_progress`` row. Rules kept here (and nowhere else):

* A place is taken by an *active* or *completed* enrollment (the "enrolled" figure of the
  activities list). When an activity has a capacity and no place is free, a new or re-enrolled
  student goes to the waitlist with the next position (1, 2, 3… in the order they asked).
* Dropping needs a reason and a date (today or earlier, not before the enrollment date). When a
  dropped student held a place and someone waits, the place is *offered* to the first in line: the
  leads get a notification and the result names the student; a teacher then promotes them
  (``promote_from_waitlist``). Nothing moves without a person deciding.
* Re-enrolling a dropped student starts a new enrollment period from the re-enrollment date:
  sessions while they were away never count against them (history keeps the earlier periods).
* Every change appends to ``progress_status_history`` (who, when, note) and to the audit log.

Teachers enroll into the activities they lead (``Permission.ENROLL`` in scope LED_ACTIVITY). To
enroll a student who is not yet in any of their activities they must find them first, so
``search_students`` lets anyone allowed to enroll into the given activity search every active
student by name, number or class; it returns only what the enroll dialog needs (name, grade,
class, number, and the student's status in that activity), never contact data or progress.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tracker.db.models import (
    Activity,
    ActivityProgress,
    ProgressStatusHistory,
    User,
    utcnow,
)
from tracker.db.uow import UnitOfWork, read_only, unit_of_work
from tracker.domain.changes import ChangeKind
from tracker.domain.enums import ProgressStatus, Role
from tracker.domain.events import ActivityCompleted
from tracker.domain.policy import Actor, Permission
from tracker.domain.standing import Standing
from tracker.errors import NotFound, Problem, ValidationError
from tracker.services import notification_rules
from tracker.services.base import Service, require
from tracker.services.progress_rows import progress_rows
from tracker.services.recompute import record_status

PLACE_TAKING = (ProgressStatus.ACTIVE, ProgressStatus.COMPLETED)


@dataclass(frozen=True)
class RosterRow:
    """One student on an activity's roster."""

    progress_id: int
    student_id: int
    name: str
    grade: str | None
    class_name: str | None
    student_number: str | None
    status: ProgressStatus
    enrolled_on: date | None
    dropped_on: date | None
    drop_reason: str | None
    attendance_rate: float | None
    sessions_held: int
    progress_percentage: float
    waitlist_position: int | None
    status_manual: bool
    note: str | None
    missing: tuple[str, ...]
    version: int
    standing: Standing = Standing.NONE
    standing_reasons: tuple[str, ...] = ()
    progress_manual: bool = False
    override_note: str | None = None
    override_by: str | None = None
    override_at: datetime | None = None
    signed_off_at: datetime | None = None  # the teacher sign-off an activity may require

    @property
    def overridden(self) -> bool:
        return self.progress_manual or self.status_manual


@dataclass(frozen=True)
class StudentMatch:
    """A student found by the enroll dialog's search."""

    id: int
    name: str
    grade: str | None
    class_name: str | None
    student_number: str | None
    status: ProgressStatus | None  # in the activity searched for; None: not enrolled


@dataclass(frozen=True)
class EnrollOutcome:
    """What happened to one student asked to be enrolled."""

    student_id: int
    name: str
    outcome: str  # "enrolled", "waitlisted", "re-enrolled", "already"
    status: ProgressStatus
    waitlist_position: int | None = None


@dataclass(frozen=True)
class PlaceOffer:
    """A freed place offered to the first student on the waitlist."""

    activity_id: int
    student_id: int
    name: str
    waitlist_position: int


@dataclass(frozen=True)
class DropResult:
    student_id: int
    status: ProgressStatus
    offer: PlaceOffer | None


@dataclass(frozen=True)
class StatusChange:
    from_status: str | None
    to_status: str
    changed_by: str | None
    changed_at: datetime
    note: str | None


@dataclass(frozen=True)
class Places:
    capacity: int | None
    taken: int
    waitlisted: int

    @property
    def free(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.taken)


# --------------------------------------------------------------------------- helpers


def _activity(s: Session, activity_id: int, *, lock: bool = False) -> Activity:
    """The activity; ``lock`` holds its row until commit (PostgreSQL ``FOR UPDATE``) so that two
    workstations filling the last place one after the other see each other's enrollment.
    SQLite needs no lock: it has one writer at a time."""
    a = s.get(Activity, activity_id, with_for_update=lock or None)
    if a is None:
        raise NotFound(f"No activity with id {activity_id}.")
    return a


def places(s: Session, activity_id: int) -> Places:
    capacity = s.scalar(select(Activity.capacity).where(Activity.id == activity_id))
    counts = dict(
        s.execute(  # type: ignore[arg-type]
            select(ActivityProgress.status, func.count())
            .where(ActivityProgress.activity_id == activity_id)
            .group_by(ActivityProgress.status)
        ).all()
    )
    taken = sum(counts.get(st, 0) for st in PLACE_TAKING)
    return Places(capacity, taken, counts.get(ProgressStatus.WAITLISTED, 0))


def _enrollment(s: Session, activity_id: int, student_id: int) -> ActivityProgress:
    p = s.scalar(
        select(ActivityProgress).where(
            ActivityProgress.activity_id == activity_id, ActivityProgress.user_id == student_id
        )
    )
    if p is None:
        raise NotFound("This student is not on the activity's roster.")
    return p


def _waitlist(s: Session, activity_id: int) -> list[ActivityProgress]:
    return list(
        s.scalars(
            select(ActivityProgress)
            .where(
                ActivityProgress.activity_id == activity_id,
                ActivityProgress.status == ProgressStatus.WAITLISTED,
            )
            .order_by(ActivityProgress.waitlist_position.nulls_last(), ActivityProgress.id)
        )
    )


def _renumber(s: Session, activity_id: int) -> None:
    """Close the gaps: positions stay 1, 2, 3… in the order students joined the waitlist."""
    for i, p in enumerate(_waitlist(s, activity_id), start=1):
        if p.waitlist_position != i:
            p.waitlist_position = i


def _next_position(s: Session, activity_id: int) -> int:
    top = s.scalar(
        select(func.max(ActivityProgress.waitlist_position)).where(
            ActivityProgress.activity_id == activity_id,
            ActivityProgress.status == ProgressStatus.WAITLISTED,
        )
    )
    return int(top or 0) + 1


def _offer_next(tx: UnitOfWork, activity: Activity, student_name: str | None = None) -> PlaceOffer | None:
    """If a place is free and someone waits, tell the leads who is next in line."""
    s = tx.session
    s.flush()
    free = places(s, activity.id).free
    if free is not None and free <= 0:
        return None
    line = _waitlist(s, activity.id)
    if not line:
        return None
    first = line[0]
    name = s.scalar(select(User.display_name).where(User.id == first.user_id)) or ""
    notification_rules.offer_place(tx, first.user_id, activity.id)  # the student, parents and leads
    return PlaceOffer(activity.id, first.user_id, name, first.waitlist_position or 1)


def _students(s: Session, ids: Iterable[int]) -> dict[int, User]:
    wanted = list(dict.fromkeys(ids))
    users = {u.id: u for u in s.scalars(select(User).where(User.id.in_(wanted)))} if wanted else {}
    problems = []
    for i in wanted:
        u = users.get(i)
        if u is None:
            problems.append(Problem(f"No user with id {i}.", field="students"))
        elif u.role is not Role.STUDENT:
            problems.append(Problem(f"{u.display_name} is not a student.", field="students"))
        elif not u.active:
            problems.append(Problem(f"{u.display_name}'s account is disabled.", field="students"))
    if problems:
        raise ValidationError("Nobody was enrolled.", problems)
    return users


def _check_day(value: date | None, what: str, field: str, *, not_before: date | None = None) -> date:
    day = value or date.today()
    if isinstance(day, datetime):
        day = day.date()
    if day > date.today():
        raise ValidationError.field(field, f"The {what} cannot be in the future.")
    if not_before is not None and day < not_before:
        raise ValidationError.field(
            field, f"The {what} cannot be before the enrollment date ({not_before.isoformat()}).")
    return day


class EnrollmentService(Service):
    # ------------------------------------------------------------------ reads
    def roster(self, actor: Actor, activity_id: int) -> list[RosterRow]:
        """Everyone on the roster (all statuses), with attendance and progress, in a few queries."""
        with read_only(self.db) as s:
            _activity(s, activity_id)
            require(s, actor, Permission.ENROLL, activity_id=activity_id)
            return roster_rows(s, activity_id)

    def places(self, actor: Actor, activity_id: int) -> Places:
        with read_only(self.db) as s:
            _activity(s, activity_id)
            require(s, actor, Permission.ENROLL, activity_id=activity_id)
            return places(s, activity_id)

    def search_students(
        self, actor: Actor, activity_id: int, text: str = "", limit: int = 50
    ) -> list[StudentMatch]:
        """Active students whose name, student number or class matches every word of ``text``."""
        with read_only(self.db) as s:
            _activity(s, activity_id)
            require(s, actor, Permission.ENROLL, activity_id=activity_id)
            q = select(User.id, User.display_name, User.grade, User.class_name, User.student_number,
                       ActivityProgress.status).outerjoin(
                ActivityProgress,
                (ActivityProgress.user_id == User.id) & (ActivityProgress.activity_id == activity_id),
            ).where(User.role == Role.STUDENT, User.active.is_(True))
            for word in (text or "").lower().split()[:6]:
                like = f"%{word}%"
                q = q.where(or_(
                    func.lower(User.display_name).like(like),
                    func.lower(func.coalesce(User.student_number, "")).like(like),
                    func.lower(func.coalesce(User.class_name, "")).like(like),
                ))
            q = q.order_by(func.lower(User.display_name), User.id).limit(max(1, min(int(limit), 500)))
            return [StudentMatch(*r) for r in s.execute(q)]

    def status_history(self, actor: Actor, activity_id: int, student_id: int) -> list[StatusChange]:
        with read_only(self.db) as s:
            _activity(s, activity_id)
            require(s, actor, Permission.ENROLL, activity_id=activity_id)
            p = _enrollment(s, activity_id, student_id)
            by = User.display_name
            rows = s.execute(
                select(ProgressStatusHistory.from_status, ProgressStatusHistory.to_status, by,
                       ProgressStatusHistory.changed_at, ProgressStatusHistory.note)
                .outerjoin(User, User.id == ProgressStatusHistory.changed_by)
                .where(ProgressStatusHistory.progress_id == p.id)
                .order_by(ProgressStatusHistory.changed_at, ProgressStatusHistory.id)
            )
            return [StatusChange(*r) for r in rows]

    def next_waitlisted(self, actor: Actor, activity_id: int) -> StudentMatch | None:
        """The first student in line, if any."""
        with read_only(self.db) as s:
            _activity(s, activity_id)
            require(s, actor, Permission.ENROLL, activity_id=activity_id)
            line = _waitlist(s, activity_id)
            if not line:
                return None
            u = s.get(User, line[0].user_id)
            assert u is not None
            return StudentMatch(u.id, u.display_name, u.grade, u.class_name, u.student_number,
                                ProgressStatus.WAITLISTED)

    # ------------------------------------------------------------------ writes
    def enroll(
        self, actor: Actor, activity_id: int, student_ids: Iterable[int], enrolled_on: date | None = None
    ) -> list[EnrollOutcome]:
        """Enroll students in order; past capacity they join the waitlist. Dropped ones re-enroll."""
        ids = list(dict.fromkeys(student_ids))
        with unit_of_work(self.db) as tx:
            s = tx.session
            activity = _activity(s, activity_id, lock=True)
            require(s, actor, Permission.ENROLL, activity_id=activity_id)
            if not ids:
                raise ValidationError.field("students", "Choose at least one student to enroll.")
            day = enrolled_on or date.today()
            if isinstance(day, datetime):
                day = day.date()
            users = _students(s, ids)
            existing = {
                p.user_id: p for p in s.scalars(
                    select(ActivityProgress).where(
                        ActivityProgress.activity_id == activity_id, ActivityProgress.user_id.in_(ids)
                    )
                )
            }
            out = []
            for sid in ids:
                u = users[sid]
                p = existing.get(sid)
                if p is not None and p.status is not ProgressStatus.DROPPED:
                    out.append(EnrollOutcome(sid, u.display_name, "already", p.status, p.waitlist_position))
                    continue
                out.append(self._place(tx, actor, activity, u, p, day))
            return out

    def _place(self, tx: UnitOfWork, actor: Actor, activity: Activity, u: User,
               p: ActivityProgress | None, day: date) -> EnrollOutcome:
        s = tx.session
        s.flush()
        free = places(s, activity.id).free
        target = ProgressStatus.ACTIVE if free is None or free > 0 else ProgressStatus.WAITLISTED
        again = p is not None
        if p is None:
            p = ActivityProgress(user_id=u.id, activity_id=activity.id, status=target,
                                 progress_percentage=0.0, enrolled_on=day)
            if target is ProgressStatus.ACTIVE:
                p.started_at = utcnow()
            s.add(p)
            s.flush()
            s.add(ProgressStatusHistory(progress_id=p.id, from_status=None, to_status=target.value,
                                        changed_by=actor.id, changed_at=utcnow(),
                                        note="Enrolled" if target is ProgressStatus.ACTIVE
                                        else "Joined the waitlist (activity full)"))
        else:
            p.enrolled_on = day  # a new period: sessions while away never count
            p.dropped_on = None
            p.drop_reason = None
            p.status_manual = False
            record_status(tx, actor, p, target, "Re-enrolled" if target is ProgressStatus.ACTIVE
                          else "Re-enrolled: joined the waitlist (activity full)")
        if target is ProgressStatus.WAITLISTED:
            p.waitlist_position = _next_position(s, activity.id)
        else:
            p.waitlist_position = None
        s.flush()
        tx.audit(actor, "re-enroll" if again else "enroll", "activity_progress", p.id, None,
                 {"user_id": u.id, "activity_id": activity.id, "status": target.value,
                  "enrolled_on": day, "waitlist_position": p.waitlist_position})
        tx.changes.add(ChangeKind.ENROLLMENT, p.id)
        tx.changes.add(ChangeKind.PROGRESS, p.id)
        tx.changes.add(ChangeKind.ACTIVITY, activity.id)
        outcome = ("re-enrolled" if again else "enrolled") if target is ProgressStatus.ACTIVE else "waitlisted"
        return EnrollOutcome(u.id, u.display_name, outcome, target, p.waitlist_position)

    def reenroll(self, actor: Actor, activity_id: int, student_id: int,
                 enrolled_on: date | None = None) -> EnrollOutcome:
        """Bring a dropped student back (to the waitlist when the activity is full)."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            activity = _activity(s, activity_id, lock=True)
            require(s, actor, Permission.ENROLL, activity_id=activity_id)
            p = _enrollment(s, activity_id, student_id)
            if p.status is not ProgressStatus.DROPPED:
                raise ValidationError.field("status", f"Only a dropped student can be re-enrolled "
                                                      f"(this one is {p.status.value}).")
            u = _students(s, [student_id])[student_id]
            return self._place(tx, actor, activity, u, p, enrolled_on or date.today())

    def drop(self, actor: Actor, activity_id: int, student_id: int, reason: str,
             on_date: date | None = None) -> DropResult:
        """Drop a student (reason required; the date is today or earlier, not before enrollment)."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            activity = _activity(s, activity_id, lock=True)
            require(s, actor, Permission.ENROLL, activity_id=activity_id)
            p = _enrollment(s, activity_id, student_id)
            reason = (reason or "").strip()
            problems = []
            if not reason:
                problems.append(Problem("Give a reason for dropping the student.", field="reason"))
            if on_date is None:
                problems.append(Problem("Give the date the student left.", field="date"))
            if problems:
                raise ValidationError("The student was not dropped.", problems)
            if p.status is ProgressStatus.DROPPED:
                raise ValidationError.field("status", "This student has already been dropped.")
            earliest = p.enrolled_on if p.status is not ProgressStatus.WAITLISTED else None
            day = _check_day(on_date, "drop date", "date", not_before=earliest)
            held_place = p.status in PLACE_TAKING
            before = {"status": p.status.value, "waitlist_position": p.waitlist_position}
            p.dropped_on = day
            p.drop_reason = reason[:500]
            p.waitlist_position = None
            p.status_manual = False
            record_status(tx, actor, p, ProgressStatus.DROPPED, reason)
            s.flush()
            _renumber(s, activity_id)
            tx.audit(actor, "drop", "activity_progress", p.id, before,
                     {"status": "dropped", "dropped_on": day, "reason": reason})
            offer = _offer_next(tx, activity) if held_place else None
            tx.changes.add(ChangeKind.ENROLLMENT, p.id)
            tx.changes.add(ChangeKind.PROGRESS, p.id)
            tx.changes.add(ChangeKind.ACTIVITY, activity_id)
            return DropResult(student_id, ProgressStatus.DROPPED, offer)

    def promote_from_waitlist(self, actor: Actor, activity_id: int, student_id: int) -> EnrollOutcome:
        """Give a free place to a waitlisted student (normally the one the place was offered to)."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            activity = _activity(s, activity_id, lock=True)
            require(s, actor, Permission.ENROLL, activity_id=activity_id)
            p = _enrollment(s, activity_id, student_id)
            if p.status is not ProgressStatus.WAITLISTED:
                raise ValidationError.field("status", "This student is not on the waitlist.")
            free = places(s, activity_id).free
            if free is not None and free <= 0:
                raise ValidationError.field(
                    "capacity", f"{activity.name} is full ({activity.capacity} places); "
                                "drop someone or raise the capacity first.")
            before = {"status": "waitlisted", "waitlist_position": p.waitlist_position}
            p.enrolled_on = date.today()  # the place starts now: earlier sessions never count
            record_status(tx, actor, p, ProgressStatus.ACTIVE, "Promoted from the waitlist")
            s.flush()
            _renumber(s, activity_id)
            tx.audit(actor, "promote", "activity_progress", p.id, before,
                     {"status": "active", "enrolled_on": p.enrolled_on})
            tx.changes.add(ChangeKind.ENROLLMENT, p.id)
            tx.changes.add(ChangeKind.PROGRESS, p.id)
            tx.changes.add(ChangeKind.ACTIVITY, activity_id)
            name = s.scalar(select(User.display_name).where(User.id == student_id)) or ""
            return EnrollOutcome(student_id, name, "enrolled", ProgressStatus.ACTIVE)

    def set_completed_by_hand(self, actor: Actor, activity_id: int, student_id: int, note: str) -> RosterRow:
        """A teacher marks an active student completed (the note says why); completion rules
        will not revert it."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            _activity(s, activity_id)
            require(s, actor, Permission.UPDATE_PROGRESS, activity_id=activity_id)
            p = _enrollment(s, activity_id, student_id)
            note = (note or "").strip()
            if not note:
                raise ValidationError.field("note", "Say why the student is completed (a note is required).")
            if p.status is not ProgressStatus.ACTIVE:
                raise ValidationError.field(
                    "status", f"Only an active student can be marked completed (this one is {p.status.value}).")
            record_status(tx, actor, p, ProgressStatus.COMPLETED, note)
            p.status_manual = True
            p.note = note
            p.override_note, p.override_by, p.override_at = note, actor.id, utcnow()
            s.flush()
            tx.audit(actor, "complete_by_hand", "activity_progress", p.id, {"status": "active"},
                     {"status": "completed", "note": note, "manual": True})
            tx.emit(ActivityCompleted(student_id, activity_id, p.id))
            tx.changes.add(ChangeKind.ENROLLMENT, p.id)
            tx.changes.add(ChangeKind.PROGRESS, p.id)
            tx.changes.add(ChangeKind.ACTIVITY, activity_id)
            s.flush()
            return next(r for r in roster_rows(s, activity_id) if r.student_id == student_id)


def roster_rows(s: Session, activity_id: int) -> list[RosterRow]:
    """Roster rows from progress rows plus one query for the profile columns."""
    rows = progress_rows(s, activity_ids=[activity_id])
    extra = {
        r.user_id: r for r in s.execute(
            select(ActivityProgress.user_id, User.grade, User.class_name, User.student_number,
                   ActivityProgress.waitlist_position, ActivityProgress.status_manual)
            .join(User, User.id == ActivityProgress.user_id)
            .where(ActivityProgress.activity_id == activity_id)
        )
    }
    out = []
    for r in rows:
        e = extra[r.user_id]
        out.append(RosterRow(
            progress_id=r.id, student_id=r.user_id, name=r.student, grade=e.grade,
            class_name=e.class_name, student_number=e.student_number, status=r.status,
            enrolled_on=r.enrolled_on, dropped_on=r.dropped_on, drop_reason=r.drop_reason,
            attendance_rate=r.attendance_rate, sessions_held=r.sessions_held,
            progress_percentage=r.progress_percentage, waitlist_position=e.waitlist_position,
            status_manual=e.status_manual, note=r.note, missing=r.missing, version=r.version,
            standing=r.standing, standing_reasons=r.standing_reasons, progress_manual=r.progress_manual,
            override_note=r.override_note, override_by=r.override_by, override_at=r.override_at,
            signed_off_at=r.signed_off_at,
        ))
    return out

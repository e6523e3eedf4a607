"""Milestones of an activity and students' completions of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, delete, exists, func, insert, select
from sqlalchemy.orm import Session

from tracker.db.models import Activity, ActivityProgress, Milestone, User, UserMilestone, utcnow
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.changes import ChangeKind
from tracker.domain.enums import ProgressStatus
from tracker.domain.events import MilestoneCompletionChanged, MilestoneSetChanged, MilestonesTicked
from tracker.domain.policy import Actor, Permission
from tracker.domain.text import check_name
from tracker.errors import ConflictError, NotFound, Problem, ValidationError
from tracker.services.base import Service, require
from tracker.services.scoping import visible


def whole_number(value: object) -> int:
    """An int, or a float/str that is one ("3", 3.0); 1.5 or True raise ValueError, not truncate."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(value)
    return int(value)  # type: ignore[call-overload]


@dataclass(frozen=True)
class MilestoneRow:
    id: int
    activity_id: int
    title: str
    description: str
    order_index: int
    points: int
    required: bool
    due_date: date | None
    completed: int  # how many students
    version: int


@dataclass(frozen=True)
class Completion:
    id: int
    milestone_id: int
    user_id: int
    activity_id: int
    completed_at: datetime
    notes: str
    progress_percentage: float
    status: ProgressStatus


@dataclass(frozen=True)
class ChecklistStudent:
    id: int
    name: str


@dataclass(frozen=True)
class Checklist:
    """Students × milestones of one activity, read in one go (the checklist view's data).

    ``done`` maps (student id, milestone id) to (completed_at, notes); absent means not done."""

    activity_id: int
    milestones: tuple[MilestoneRow, ...]
    students: tuple[ChecklistStudent, ...]
    done: dict[tuple[int, int], tuple[datetime, str]]


@dataclass(frozen=True)
class DueMilestone:
    """A milestone a student has not done yet and is due soon (the dashboards' "Due soon")."""

    student_id: int
    activity_id: int
    activity: str
    milestone_id: int
    title: str
    due_date: date
    required: bool
    points: int


#: the longest note / evidence text kept with a completion
MAX_NOTES = 2000


def due_milestones(s: Session, where: ColumnElement[bool], today: date, days: int) -> list[DueMilestone]:
    """Milestones due from ``today`` to ``days`` ahead that the students of their active
    enrollments have not done yet, soonest first. ``where`` says whose enrollments: what the
    policy lets the reader see (``visible(..., student=ActivityProgress.user_id,
    activity=ActivityProgress.activity_id)``)."""
    place = ActivityProgress
    done = exists().where(UserMilestone.milestone_id == Milestone.id, UserMilestone.user_id == place.user_id)
    rows = s.execute(
        select(place.user_id, Activity.id, Activity.name, Milestone.id, Milestone.title,
               Milestone.due_date, Milestone.required, Milestone.points)
        .join(Milestone, Milestone.activity_id == place.activity_id)
        .join(Activity, Activity.id == place.activity_id)
        .where(where, place.status == ProgressStatus.ACTIVE, Activity.archived.is_(False),
               Milestone.due_date >= today, Milestone.due_date <= today + timedelta(days=days), ~done)
        .order_by(Milestone.due_date, Activity.name, Milestone.order_index, Milestone.id))
    return [DueMilestone(student, activity_id, activity, milestone_id, title, due, required, points)
            for student, activity_id, activity, milestone_id, title, due, required, points in rows
            if due is not None]


def _clean_notes(notes: object, field: str = "notes") -> str:
    """The note as stored (surrounding blanks dropped); not text or too long: ValidationError."""
    if notes is None:
        return ""
    if not isinstance(notes, str):
        raise ValidationError.field(field, f"{notes!r} is not a note (text expected).")
    text = notes.strip()
    if len(text) > MAX_NOTES:
        raise ValidationError.field(
            field, f"The note is {len(text)} characters long; at most {MAX_NOTES} are kept.")
    return text


def _field_problems(title: object, points: object, problems: list[Problem]) -> tuple[str, int]:
    """The title and points as stored, adding what is wrong with them to ``problems``."""
    text = str(title or "").strip()
    if not text:
        problems.append(Problem("A milestone needs a title.", field="title"))
    elif len(text) > 200:
        problems.append(Problem("The title is longer than 200 characters.", field="title"))
    check_name(text, "milestone title", "title", problems)
    number = 0
    try:
        number = whole_number(points)
        if number < 0:
            problems.append(Problem("Points cannot be negative.", field="points"))
    except (TypeError, ValueError):
        problems.append(Problem(f"{points!r} is not a whole number of points.", field="points"))
    return text, number


def _check_fields(title: object, points: object, verb: str) -> tuple[str, int]:
    problems: list[Problem] = []
    text, number = _field_problems(title, points, problems)
    if problems:
        raise ValidationError(f"The milestone was not {verb}.", problems)
    return text, number


def _get_milestone(s: Session, milestone_id: int) -> Milestone:
    m = s.get(Milestone, milestone_id)
    if m is None:
        raise NotFound(f"No milestone with id {milestone_id}.")
    return m


def _row(m: Milestone, completed: int) -> MilestoneRow:
    return MilestoneRow(m.id, m.activity_id, m.title, m.description, m.order_index, m.points,
                        m.required, m.due_date, completed, m.version)



class MilestoneService(Service):
    def list_milestones(self, actor: Actor, activity_id: int) -> list[MilestoneRow]:
        with read_only(self.db) as s:
            if s.get(Activity, activity_id) is None:
                raise NotFound(f"No activity with id {activity_id}.")
            require(s, actor, Permission.VIEW_ACTIVITY, activity_id=activity_id)
            done = dict(
                s.execute(  # type: ignore[arg-type]
                    select(UserMilestone.milestone_id, func.count())
                    .join(Milestone, Milestone.id == UserMilestone.milestone_id)
                    .where(Milestone.activity_id == activity_id)
                    .group_by(UserMilestone.milestone_id)
                ).all()
            )
            return [
                MilestoneRow(m.id, m.activity_id, m.title, m.description, m.order_index, m.points,
                             m.required, m.due_date, done.get(m.id, 0), m.version)
                for m in s.scalars(
                    select(Milestone).where(Milestone.activity_id == activity_id)
                    .order_by(Milestone.order_index, Milestone.id)
                )
            ]

    def create_milestone(
        self,
        actor: Actor,
        activity_id: int,
        *,
        title: str,
        description: str = "",
        points: int = 0,
        order_index: int | None = None,
        required: bool = True,
        due_date: date | None = None,
    ) -> MilestoneRow:
        with unit_of_work(self.db) as tx:
            s = tx.session
            if s.get(Activity, activity_id) is None:
                raise NotFound(f"No activity with id {activity_id}.")
            require(s, actor, Permission.MANAGE_MILESTONES, activity_id=activity_id)
            problems: list[Problem] = []
            title, points = _field_problems(title, points, problems)
            if order_index is not None:
                try:
                    order_index = whole_number(order_index)
                    if order_index < 0:
                        problems.append(Problem("The position cannot be negative.", field="order_index"))
                except (TypeError, ValueError):
                    problems.append(Problem(f"{order_index!r} is not a position.", field="order_index"))
            if problems:
                raise ValidationError("The milestone was not created.", problems)
            if order_index is None:
                top = s.scalar(select(func.max(Milestone.order_index)).where(Milestone.activity_id == activity_id))
                order_index = 0 if top is None else top + 1
            m = Milestone(activity_id=activity_id, title=title, description=description or "",
                          points=points, order_index=order_index, required=bool(required),
                          due_date=due_date)
            s.add(m)
            s.flush()
            tx.audit(actor, "create", "milestone", m.id, None,
                     {"title": title, "points": points, "required": bool(required)})
            tx.changes.add(ChangeKind.MILESTONE, m.id)
            # a new milestone changes everyone's percentage in this activity
            tx.emit(MilestoneSetChanged(activity_id))
            return MilestoneRow(m.id, activity_id, m.title, m.description, m.order_index, m.points,
                                m.required, m.due_date, 0, m.version)

    def complete_milestone(
        self, actor: Actor, milestone_id: int, user_id: int, *, notes: str = ""
    ) -> Completion:
        """Tick a milestone for a student; progress and completion are recomputed in the same
        transaction. Ticking again only updates the notes."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            m = s.get(Milestone, milestone_id)
            if m is None:
                raise NotFound(f"No milestone with id {milestone_id}.")
            require(s, actor, Permission.COMPLETE_MILESTONE, activity_id=m.activity_id)
            notes = _clean_notes(notes)
            student = s.get(User, user_id)
            if student is None:
                raise NotFound(f"No user with id {user_id}.")
            p = s.scalar(select(ActivityProgress).where(
                ActivityProgress.user_id == user_id, ActivityProgress.activity_id == m.activity_id))
            if p is None or p.status in (ProgressStatus.WAITLISTED,):
                raise ValidationError.field(
                    "user_id", f"{student.display_name} is not enrolled in this activity.")
            if p.status is ProgressStatus.DROPPED:
                raise ValidationError.field(
                    "user_id", f"{student.display_name} has dropped this activity; re-enroll them first.")
            um = s.scalar(select(UserMilestone).where(
                UserMilestone.user_id == user_id, UserMilestone.milestone_id == milestone_id))
            if um is None:
                um = UserMilestone(user_id=user_id, milestone_id=milestone_id, completed_at=utcnow(),
                                   notes=notes or "", completed_by=actor.id)
                s.add(um)
                s.flush()
                tx.audit(actor, "complete", "milestone", milestone_id, None,
                         {"user_id": user_id, "notes": notes or ""})
            elif notes and notes != um.notes:
                before = {"user_id": user_id, "notes": um.notes}
                um.notes = notes
                tx.audit(actor, "update_notes", "milestone", milestone_id, before,
                         {"user_id": user_id, "notes": notes})
            p.progress_manual = False  # completing a milestone recomputes progress
            tx.emit(MilestoneCompletionChanged(user_id, m.activity_id, milestone_id, True))
            tx.changes.add(ChangeKind.MILESTONE, milestone_id)
            s.flush()
            return Completion(um.id, milestone_id, user_id, m.activity_id, um.completed_at,
                              um.notes, p.progress_percentage, p.status)

    def set_completion_notes(
        self, actor: Actor, activity_id: int, user_id: int, notes: Mapping[int, str]
    ) -> list[Completion]:
        """Replace the notes / evidence of a student's completed milestones of one activity
        (milestone id -> text; an empty text clears the note), all in one transaction or none:
        a milestone of another activity, one the student has not completed, a student who is not
        enrolled or a note over ``MAX_NOTES`` characters changes nothing. Progress is not
        affected. Returns the completions whose notes changed."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            if s.get(Activity, activity_id) is None:
                raise NotFound(f"No activity with id {activity_id}.")
            require(s, actor, Permission.COMPLETE_MILESTONE, activity_id=activity_id)
            student = s.get(User, user_id)
            if student is None:
                raise NotFound(f"No user with id {user_id}.")
            p = s.scalar(select(ActivityProgress).where(
                ActivityProgress.user_id == user_id, ActivityProgress.activity_id == activity_id))
            if p is None or p.status not in (ProgressStatus.ACTIVE, ProgressStatus.COMPLETED):
                raise ValidationError.field("user_id", f"{student.display_name} is not enrolled in this activity.")
            wanted: dict[int, str] = {}
            for mid, text in dict(notes).items():
                try:
                    wanted[whole_number(mid)] = _clean_notes(text, f"notes[{mid}]")
                except (TypeError, ValueError):
                    raise ValidationError.field("notes", f"{mid!r} is not a milestone id.") from None
            titles = dict(s.execute(select(Milestone.id, Milestone.title).where(  # type: ignore[arg-type]
                Milestone.activity_id == activity_id, Milestone.id.in_(list(wanted)))).all())
            unknown = sorted(set(wanted) - set(titles))
            if unknown:
                raise NotFound(f"No milestone with id {unknown[0]} in this activity.")
            done = {um.milestone_id: um for um in s.scalars(select(UserMilestone).where(
                UserMilestone.user_id == user_id, UserMilestone.milestone_id.in_(list(wanted))))}
            problems = [Problem(f"{student.display_name} has not completed “{titles[mid]}”: tick it first.",
                                field=f"notes[{mid}]") for mid in sorted(set(wanted) - set(done))]
            if problems:
                raise ValidationError("The notes were not saved.", problems)
            changed: list[UserMilestone] = []
            for mid, text in wanted.items():
                um = done[mid]
                if um.notes == text:
                    continue
                tx.audit(actor, "update_notes", "milestone", mid, {"user_id": user_id, "notes": um.notes},
                         {"user_id": user_id, "notes": text})
                um.notes = text
                changed.append(um)
                tx.changes.add(ChangeKind.MILESTONE, mid)
            s.flush()
            return [Completion(um.id, um.milestone_id, user_id, activity_id, um.completed_at, um.notes,
                               p.progress_percentage, p.status) for um in changed]

    def uncomplete_milestone(self, actor: Actor, milestone_id: int, user_id: int) -> None:
        with unit_of_work(self.db) as tx:
            s = tx.session
            m = s.get(Milestone, milestone_id)
            if m is None:
                raise NotFound(f"No milestone with id {milestone_id}.")
            require(s, actor, Permission.COMPLETE_MILESTONE, activity_id=m.activity_id)
            um = s.scalar(select(UserMilestone).where(
                UserMilestone.user_id == user_id, UserMilestone.milestone_id == milestone_id))
            if um is None:
                return
            tx.audit(actor, "uncomplete", "milestone", milestone_id,
                     {"user_id": user_id, "completed_at": um.completed_at, "notes": um.notes}, None)
            s.delete(um)
            s.flush()
            p = s.scalar(select(ActivityProgress).where(
                ActivityProgress.user_id == user_id, ActivityProgress.activity_id == m.activity_id))
            if p is not None:
                p.progress_manual = False
            tx.emit(MilestoneCompletionChanged(user_id, m.activity_id, milestone_id, False))
            tx.changes.add(ChangeKind.MILESTONE, milestone_id)

    def update_milestone(
        self,
        actor: Actor,
        milestone_id: int,
        *,
        title: str,
        description: str = "",
        points: int = 0,
        required: bool = True,
        due_date: date | None = None,
        expected_version: int | None = None,
    ) -> MilestoneRow:
        with unit_of_work(self.db) as tx:
            s = tx.session
            m = _get_milestone(s, milestone_id)
            require(s, actor, Permission.MANAGE_MILESTONES, activity_id=m.activity_id)
            if expected_version is not None and m.version != expected_version:
                raise ConflictError(f"“{m.title}” was changed by someone else; reload and try again.")
            title, points = _check_fields(title, points, "saved")
            before = {"title": m.title, "description": m.description, "points": m.points,
                      "required": m.required, "due_date": m.due_date}
            after = {"title": title, "description": description or "", "points": points,
                     "required": bool(required), "due_date": due_date}
            if before == after:
                return _row(m, self._count(s, m.id))
            m.title, m.description, m.points = title, description or "", points
            m.required, m.due_date = bool(required), due_date
            s.flush()
            tx.audit(actor, "update", "milestone", m.id, before, after)
            tx.changes.add(ChangeKind.MILESTONE, m.id)
            if before["points"] != points or before["required"] != bool(required):
                tx.emit(MilestoneSetChanged(m.activity_id))
            return _row(m, self._count(s, m.id))

    @staticmethod
    def _count(s: Session, milestone_id: int) -> int:
        return s.scalar(select(func.count()).select_from(UserMilestone)
                        .where(UserMilestone.milestone_id == milestone_id)) or 0

    def delete_milestone(self, actor: Actor, milestone_id: int, *, confirm: bool = False) -> None:
        """Delete a milestone; if students completed it, only with ``confirm`` (their ticks go too,
        kept in the audit log)."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            m = _get_milestone(s, milestone_id)
            require(s, actor, Permission.MANAGE_MILESTONES, activity_id=m.activity_id)
            done = s.execute(
                select(UserMilestone.user_id, UserMilestone.completed_at, UserMilestone.notes)
                .where(UserMilestone.milestone_id == milestone_id)
            ).all()
            if done and not confirm:
                who = "1 student has" if len(done) == 1 else f"{len(done)} students have"
                raise ValidationError.field(
                    "confirm", f"{who} completed “{m.title}”; deleting it removes their ticks. Confirm to delete.")
            activity_id = m.activity_id
            tx.audit(actor, "delete", "milestone", m.id,
                     {"title": m.title, "points": m.points, "required": m.required,
                      "completed_by": [{"user_id": u, "completed_at": at, "notes": n} for u, at, n in done]},
                     None)
            s.execute(delete(UserMilestone).where(UserMilestone.milestone_id == milestone_id))
            s.delete(m)
            s.flush()
            tx.changes.add(ChangeKind.MILESTONE, milestone_id)
            tx.emit(MilestoneSetChanged(activity_id))

    def reorder_milestones(self, actor: Actor, activity_id: int, ordered_ids: list[int]) -> None:
        """Put the activity's milestones in this order (every one of them, each once)."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            if s.get(Activity, activity_id) is None:
                raise NotFound(f"No activity with id {activity_id}.")
            require(s, actor, Permission.MANAGE_MILESTONES, activity_id=activity_id)
            ms = {m.id: m for m in s.scalars(select(Milestone).where(Milestone.activity_id == activity_id))}
            ids = list(ordered_ids)
            if len(ids) != len(set(ids)) or set(ids) != set(ms):
                raise ValidationError.field(
                    "ordered_ids", "The new order must list every milestone of the activity exactly once.")
            before = [m.id for m in sorted(ms.values(), key=lambda m: (m.order_index, m.id))]
            if before == ids and all(ms[i].order_index == n for n, i in enumerate(ids)):
                return
            for n, i in enumerate(ids):
                if ms[i].order_index != n:
                    ms[i].order_index = n
                    tx.changes.add(ChangeKind.MILESTONE, i)
            s.flush()
            tx.audit(actor, "reorder", "activity_milestones", activity_id, {"order": before}, {"order": ids})

    def copy_milestones(self, actor: Actor, from_activity_id: int, to_activity_id: int) -> list[MilestoneRow]:
        """Append copies of another activity's milestones (a template) to this activity."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            if s.get(Activity, to_activity_id) is None:
                raise NotFound(f"No activity with id {to_activity_id}.")
            require(s, actor, Permission.MANAGE_MILESTONES, activity_id=to_activity_id)
            if s.get(Activity, from_activity_id) is None:
                raise NotFound(f"No activity with id {from_activity_id}.")
            require(s, actor, Permission.VIEW_ACTIVITY, activity_id=from_activity_id)
            if from_activity_id == to_activity_id:
                raise ValidationError.field("from_activity_id", "Pick another activity to copy from.")
            top = s.scalar(select(func.max(Milestone.order_index)).where(Milestone.activity_id == to_activity_id))
            start = 0 if top is None else top + 1
            made: list[Milestone] = []
            for n, src in enumerate(s.scalars(select(Milestone).where(Milestone.activity_id == from_activity_id)
                                              .order_by(Milestone.order_index, Milestone.id))):
                m = Milestone(activity_id=to_activity_id, title=src.title, description=src.description,
                              points=src.points, order_index=start + n, required=src.required,
                              due_date=src.due_date)
                s.add(m)
                made.append(m)
            if not made:
                return []
            s.flush()
            tx.audit(actor, "copy", "activity_milestones", to_activity_id, None,
                     {"from_activity_id": from_activity_id, "milestone_ids": [m.id for m in made]})
            for m in made:
                tx.changes.add(ChangeKind.MILESTONE, m.id)
            tx.emit(MilestoneSetChanged(to_activity_id))
            return [_row(m, 0) for m in made]

    def complete_for_students(
        self, actor: Actor, milestone_id: int, student_ids: list[int], *, notes: str = ""
    ) -> int:
        """Tick a milestone for a selection of students at once, in one transaction, with progress
        and completion recomputed for each. Already ticked ones are left as they are. Returns how
        many were newly ticked."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            m = _get_milestone(s, milestone_id)
            require(s, actor, Permission.COMPLETE_MILESTONE, activity_id=m.activity_id)
            wanted = set(student_ids)
            enrolled = set(s.scalars(select(ActivityProgress.user_id).where(
                ActivityProgress.activity_id == m.activity_id,
                ActivityProgress.status.in_([ProgressStatus.ACTIVE, ProgressStatus.COMPLETED]))))
            outside = wanted - enrolled
            if outside:
                raise ValidationError.field(
                    "student_ids", f"{len(outside)} of the selected students are not enrolled in this activity.")
            already = set(s.scalars(select(UserMilestone.user_id).where(UserMilestone.milestone_id == milestone_id)))
            new = sorted(wanted - already)
            if not new:
                return 0
            now = utcnow()
            s.execute(insert(UserMilestone), [
                {"user_id": u, "milestone_id": milestone_id, "completed_at": now, "notes": notes or "",
                 "completed_by": actor.id, "version": 1} for u in new])
            s.execute(ActivityProgress.__table__.update()  # type: ignore[attr-defined]
                      .where(ActivityProgress.activity_id == m.activity_id, ActivityProgress.user_id.in_(new),
                             ActivityProgress.progress_manual.is_(True))
                      .values(progress_manual=False, version=ActivityProgress.version + 1))
            tx.audit(actor, "complete", "milestone", milestone_id, None,
                     {"user_ids": new, "notes": notes or ""})
            tx.emit(MilestonesTicked(m.activity_id, milestone_id, tuple(new), True))
            tx.changes.add(ChangeKind.MILESTONE, milestone_id)
            return len(new)

    def uncomplete_for_students(self, actor: Actor, milestone_id: int, student_ids: list[int]) -> int:
        """Untick a milestone for a selection of students (what was removed stays in the audit log)."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            m = _get_milestone(s, milestone_id)
            require(s, actor, Permission.COMPLETE_MILESTONE, activity_id=m.activity_id)
            ids = list(set(student_ids))
            gone = s.execute(
                select(UserMilestone.user_id, UserMilestone.completed_at, UserMilestone.notes)
                .where(UserMilestone.milestone_id == milestone_id, UserMilestone.user_id.in_(ids))
            ).all()
            if not gone:
                return 0
            users = sorted(u for u, _, _ in gone)
            tx.audit(actor, "uncomplete", "milestone", milestone_id,
                     {"completions": [{"user_id": u, "completed_at": at, "notes": n} for u, at, n in gone]},
                     None)
            s.execute(delete(UserMilestone).where(UserMilestone.milestone_id == milestone_id,
                                                  UserMilestone.user_id.in_(users)))
            s.execute(ActivityProgress.__table__.update()  # type: ignore[attr-defined]
                      .where(ActivityProgress.activity_id == m.activity_id, ActivityProgress.user_id.in_(users),
                             ActivityProgress.progress_manual.is_(True))
                      .values(progress_manual=False, version=ActivityProgress.version + 1))
            tx.emit(MilestonesTicked(m.activity_id, milestone_id, tuple(users), False))
            tx.changes.add(ChangeKind.MILESTONE, milestone_id)
            return len(users)

    def checklist(self, actor: Actor, activity_id: int) -> Checklist:
        """The activity's milestones (in order), its enrolled students and who has done what.

        Students and completions are those whose progress the policy lets the actor see: a
        student only their own row, a parent only their children's; classmates' completions and
        notes are not theirs to read (the per-milestone counts stay)."""
        with read_only(self.db) as s:
            if s.get(Activity, activity_id) is None:
                raise NotFound(f"No activity with id {activity_id}.")
            require(s, actor, Permission.VIEW_ACTIVITY, activity_id=activity_id)
            ms = s.execute(
                select(Milestone.id, Milestone.activity_id, Milestone.title, Milestone.description,
                       Milestone.order_index, Milestone.points, Milestone.required, Milestone.due_date,
                       Milestone.version)
                .where(Milestone.activity_id == activity_id).order_by(Milestone.order_index, Milestone.id)
            ).all()
            students = s.execute(
                select(User.id, User.display_name)
                .join(ActivityProgress, ActivityProgress.user_id == User.id)
                .where(ActivityProgress.activity_id == activity_id,
                       ActivityProgress.status.in_([ProgressStatus.ACTIVE, ProgressStatus.COMPLETED]),
                       visible(s, actor, Permission.VIEW_PROGRESS, student=User.id,
                               activity=ActivityProgress.activity_id))
                .order_by(User.display_name, User.id)
            ).all()
            shown = visible(s, actor, Permission.VIEW_PROGRESS, student=UserMilestone.user_id,
                            activity=Milestone.activity_id)
            done: dict[tuple[int, int], tuple[datetime, str]] = {}
            counts: dict[int, int] = {}
            for u, mid, at, n, theirs in s.execute(
                select(UserMilestone.user_id, UserMilestone.milestone_id, UserMilestone.completed_at,
                       UserMilestone.notes, shown)
                .join(Milestone, Milestone.id == UserMilestone.milestone_id)
                .where(Milestone.activity_id == activity_id)
            ):
                counts[mid] = counts.get(mid, 0) + 1
                if theirs:
                    done[(u, mid)] = (at, n)
            return Checklist(
                activity_id,
                tuple(MilestoneRow(r.id, r.activity_id, r.title, r.description, r.order_index, r.points,
                                   r.required, r.due_date, counts.get(r.id, 0), r.version) for r in ms),
                tuple(ChecklistStudent(r.id, r.display_name) for r in students),
                done,
            )

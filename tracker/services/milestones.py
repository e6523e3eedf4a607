"""Milestones of an activity and students' completions of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from tracker.db.models import Activity, ActivityProgress, Milestone, User, UserMilestone, utcnow
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.enums import ProgressStatus
from tracker.domain.events import MilestoneCompletionChanged
from tracker.domain.policy import Actor, Permission
from tracker.errors import NotFound, Problem, ValidationError
from tracker.services.base import Service, require


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
            title = (title or "").strip()
            if not title:
                problems.append(Problem("A milestone needs a title.", field="title"))
            elif len(title) > 200:
                problems.append(Problem("The title is longer than 200 characters.", field="title"))
            try:
                points = whole_number(points)
                if points < 0:
                    problems.append(Problem("Points cannot be negative.", field="points"))
            except (TypeError, ValueError):
                problems.append(Problem(f"{points!r} is not a whole number of points.", field="points"))
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
            tx.changes.add("milestone", m.id)
            # a new milestone changes everyone's percentage in this activity
            for uid in s.scalars(select(ActivityProgress.user_id).where(ActivityProgress.activity_id == activity_id)):
                from tracker.services.progress import recompute

                recompute(tx, uid, activity_id)
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
                before = {"notes": um.notes}
                um.notes = notes
                tx.audit(actor, "update_notes", "milestone", milestone_id, before, {"notes": notes})
            p.progress_manual = False  # completing a milestone recomputes progress
            tx.emit(MilestoneCompletionChanged(user_id, m.activity_id, milestone_id, True))
            tx.changes.add("milestone", milestone_id)
            s.flush()
            return Completion(um.id, milestone_id, user_id, m.activity_id, um.completed_at,
                              um.notes, p.progress_percentage, p.status)

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
            tx.changes.add("milestone", milestone_id)

"""Activities: what each actor may see, and (for admins) create and edit."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from tracker.db.models import (
    Activity,
    ActivityLead,
    ActivityProgress,
    ActivitySession,
    Milestone,
    User,
)
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.changes import ChangeKind
from tracker.domain.enums import LeadRole, ProgressStatus, Role
from tracker.domain.policy import Actor, Permission
from tracker.domain.text import check_name
from tracker.errors import NotFound, Problem, ValidationError
from tracker.services.base import Service, require
from tracker.services.scoping import visible


@dataclass(frozen=True)
class ActivitySummary:
    id: int
    name: str
    category: str
    description: str
    location: str
    start_date: date | None
    end_date: date | None
    capacity: int | None
    archived: bool
    leads: tuple[str, ...]
    lead_ids: tuple[int, ...]
    enrolled: int  # active + completed
    active: int
    completed: int
    dropped: int
    waitlisted: int
    milestones: int
    next_session: datetime | None
    min_attendance_pct: float | None
    requires_signoff: bool
    require_milestones: bool
    version: int
    co_lead_ids: tuple[int, ...] = ()  # the subset of lead_ids who co-lead
    certificate_on_completion: bool = True  # a certificate is issued when a student completes


@dataclass
class ActivityInput:
    name: str
    category: str = "Club"
    description: str = ""
    location: str = ""
    start_date: date | None = None
    end_date: date | None = None
    capacity: int | None = None
    lead_ids: list[int] = field(default_factory=list)
    co_lead_ids: list[int] = field(default_factory=list)
    min_attendance_pct: float | None = None
    requires_signoff: bool = False
    require_milestones: bool = True
    certificate_on_completion: bool = True


def summaries(s: Session, which: ColumnElement[bool], *, include_archived: bool = True) -> list[ActivitySummary]:
    """Summaries of the activities ``which`` selects (``Activity.id == x``, or what the policy
    lets an actor see), by name."""
    q = select(Activity).where(which)
    if not include_archived:
        q = q.where(Activity.archived.is_(False))
    acts = list(s.scalars(q.order_by(func.lower(Activity.name))))
    act_ids = [a.id for a in acts]
    counts: dict[int, dict[ProgressStatus, int]] = defaultdict(dict)
    leads: dict[int, list[tuple[int, str]]] = defaultdict(list)
    co_leads: dict[int, list[int]] = defaultdict(list)
    ms: dict[int, int] = {}
    nxt: dict[int, datetime] = {}
    if act_ids:
        for act_id, st, n in s.execute(
            select(ActivityProgress.activity_id, ActivityProgress.status, func.count())
            .where(ActivityProgress.activity_id.in_(act_ids))
            .group_by(ActivityProgress.activity_id, ActivityProgress.status)
        ):
            counts[act_id][st] = n
        for act_id, uid, name, lead_role in s.execute(
            select(ActivityLead.activity_id, User.id, User.display_name, ActivityLead.lead_role)
            .join(User, User.id == ActivityLead.user_id)
            .where(ActivityLead.activity_id.in_(act_ids))
            .order_by(ActivityLead.lead_role.desc(), User.display_name)  # leads before co-leads
        ):
            leads[act_id].append((uid, name))
            if lead_role is LeadRole.CO_LEAD:
                co_leads[act_id].append(uid)
        ms = dict(
            s.execute(  # type: ignore[arg-type]
                select(Milestone.activity_id, func.count())
                .where(Milestone.activity_id.in_(act_ids))
                .group_by(Milestone.activity_id)
            ).all()
        )
        nxt = dict(
            s.execute(  # type: ignore[arg-type]
                select(ActivitySession.activity_id, func.min(ActivitySession.starts_at))
                .where(
                    ActivitySession.activity_id.in_(act_ids),
                    ActivitySession.cancelled.is_(False),
                    ActivitySession.starts_at >= datetime.now(),
                )
                .group_by(ActivitySession.activity_id)
            ).all()
        )
    out = []
    for a in acts:
        c = counts.get(a.id, {})
        active = c.get(ProgressStatus.ACTIVE, 0)
        completed = c.get(ProgressStatus.COMPLETED, 0)
        out.append(
            ActivitySummary(
                id=a.id, name=a.name, category=a.category, description=a.description,
                location=a.location, start_date=a.start_date, end_date=a.end_date,
                capacity=a.capacity, archived=a.archived,
                leads=tuple(n for _, n in leads.get(a.id, [])),
                lead_ids=tuple(i for i, _ in leads.get(a.id, [])),
                enrolled=active + completed, active=active, completed=completed,
                dropped=c.get(ProgressStatus.DROPPED, 0),
                waitlisted=c.get(ProgressStatus.WAITLISTED, 0),
                milestones=ms.get(a.id, 0), next_session=nxt.get(a.id),
                min_attendance_pct=a.min_attendance_pct, requires_signoff=a.requires_signoff,
                require_milestones=a.require_milestones, version=a.version,
                co_lead_ids=tuple(co_leads.get(a.id, [])),
                certificate_on_completion=a.certificate_on_completion,
            )
        )
    return out


class ActivityService(Service):
    def list_activities(self, actor: Actor, *, include_archived: bool = True) -> list[ActivitySummary]:
        with read_only(self.db) as s:
            return summaries(s, visible(s, actor, Permission.VIEW_ACTIVITY, activity=Activity.id),
                             include_archived=include_archived)

    def get_activity(self, actor: Actor, activity_id: int) -> ActivitySummary:
        with read_only(self.db) as s:
            if s.get(Activity, activity_id) is None:
                raise NotFound(f"No activity with id {activity_id}.")
            require(s, actor, Permission.VIEW_ACTIVITY, activity_id=activity_id)
            return summaries(s, Activity.id == activity_id)[0]

    def create_activity(self, actor: Actor, data: ActivityInput) -> ActivitySummary:
        with unit_of_work(self.db) as tx:
            require(tx.session, actor, Permission.MANAGE_ACTIVITY)
            _validate(tx.session, data)
            a = Activity()
            _apply(a, data)
            tx.session.add(a)
            tx.session.flush()
            _set_leads(tx.session, a.id, data)
            tx.audit(actor, "create", "activity", a.id, None, {"name": a.name})
            tx.changes.add(ChangeKind.ACTIVITY, a.id)
            tx.session.flush()
            return summaries(tx.session, Activity.id == a.id)[0]

    def update_activity(
        self, actor: Actor, activity_id: int, data: ActivityInput, *, expected_version: int | None = None
    ) -> ActivitySummary:
        with unit_of_work(self.db) as tx:
            a = tx.session.get(Activity, activity_id)
            if a is None:
                raise NotFound(f"No activity with id {activity_id}.")
            require(tx.session, actor, Permission.MANAGE_ACTIVITY, activity_id=activity_id)
            if expected_version is not None and a.version != expected_version:
                from tracker.errors import ConflictError

                raise ConflictError(f"{a.name} was changed by someone else; reload and try again.")
            _validate(tx.session, data)
            before = {"name": a.name, "capacity": a.capacity, "location": a.location,
                      "certificate_on_completion": a.certificate_on_completion}
            _apply(a, data)
            _set_leads(tx.session, a.id, data)
            tx.audit(actor, "update", "activity", a.id, before, {"name": a.name, "capacity": a.capacity,
                                                               "location": a.location,
                                                               "certificate_on_completion": a.certificate_on_completion})
            tx.changes.add(ChangeKind.ACTIVITY, a.id)
            tx.session.flush()
            return summaries(tx.session, Activity.id == a.id)[0]

    def set_archived(self, actor: Actor, activity_id: int, archived: bool) -> None:
        with unit_of_work(self.db) as tx:
            a = tx.session.get(Activity, activity_id)
            if a is None:
                raise NotFound(f"No activity with id {activity_id}.")
            require(tx.session, actor, Permission.MANAGE_ACTIVITY, activity_id=activity_id)
            a.archived = archived
            tx.audit(actor, "archive" if archived else "unarchive", "activity", a.id)
            tx.changes.add(ChangeKind.ACTIVITY, a.id)


def _validate(s: Session, data: ActivityInput) -> None:
    problems: list[Problem] = []
    if not (data.name or "").strip():
        problems.append(Problem("An activity needs a name.", field="name"))
    check_name(data.name, "activity name", "name", problems)
    check_name(data.category, "category", "category", problems)
    check_name(data.location, "location", "location", problems)
    if data.capacity is not None and data.capacity < 0:
        problems.append(Problem("Capacity cannot be negative.", field="capacity"))
    if data.start_date and data.end_date and data.end_date < data.start_date:
        problems.append(Problem("The term ends before it starts.", field="end date"))
    if data.min_attendance_pct is not None and not 0 <= data.min_attendance_pct <= 100:
        problems.append(Problem("Minimum attendance is a percentage from 0 to 100.",
                                field="minimum attendance"))
    staff = set(data.lead_ids) | set(data.co_lead_ids)
    if staff:
        roles = dict(s.execute(select(User.id, User.role).where(User.id.in_(staff))).all())
        for uid in staff:
            if uid not in roles:
                problems.append(Problem(f"No user with id {uid}.", field="leads"))
            elif roles[uid] not in (Role.TEACHER, Role.ADMIN):
                problems.append(Problem(f"User {uid} is not a teacher.", field="leads"))
    if problems:
        raise ValidationError("The activity was not saved.", problems)


def _apply(a: Activity, d: ActivityInput) -> None:
    a.name = d.name.strip()
    a.category = (d.category or "Club").strip() or "Club"
    a.description = d.description or ""
    a.location = (d.location or "").strip()
    a.start_date = d.start_date
    a.end_date = d.end_date
    a.capacity = d.capacity
    a.min_attendance_pct = d.min_attendance_pct
    a.requires_signoff = d.requires_signoff
    a.require_milestones = d.require_milestones
    a.certificate_on_completion = d.certificate_on_completion


def _set_leads(s: Session, activity_id: int, d: ActivityInput) -> None:
    wanted = {uid: LeadRole.LEAD for uid in d.lead_ids}
    for uid in d.co_lead_ids:
        wanted.setdefault(uid, LeadRole.CO_LEAD)
    existing = {link.user_id: link for link in s.scalars(
        select(ActivityLead).where(ActivityLead.activity_id == activity_id))}
    for uid, link in existing.items():
        if uid not in wanted:
            s.delete(link)
        else:
            link.lead_role = wanted[uid]
    for uid, role in wanted.items():
        if uid not in existing:
            s.add(ActivityLead(activity_id=activity_id, user_id=uid, lead_role=role))

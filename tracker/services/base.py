"""What every service shares: the injected database and the one authorization helper."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from tracker.db.engine import Database
from tracker.db.models import ActivityLead, ActivityProgress, GuardianLink, User
from tracker.domain.enums import ProgressStatus
from tracker.domain.policy import Actor, Permission, Scope, allows, can_ever
from tracker.errors import PermissionDenied

_DENIED = {
    Permission.VIEW_USERS: "see this person",
    Permission.MANAGE_USERS: "manage accounts",
    Permission.LINK_GUARDIANS: "link parents to students",
    Permission.VIEW_ACTIVITY: "see this activity",
    Permission.MANAGE_ACTIVITY: "manage this activity",
    Permission.ENROLL: "enroll students in this activity",
    Permission.MANAGE_SCHEDULE: "change the schedule of this activity",
    Permission.VIEW_PROGRESS: "see this student's progress",
    Permission.UPDATE_PROGRESS: "update progress in this activity",
    Permission.MANAGE_MILESTONES: "manage milestones of this activity",
    Permission.COMPLETE_MILESTONE: "tick off milestones in this activity",
    Permission.TAKE_ATTENDANCE: "take attendance in this activity",
    Permission.ASSESS_SKILLS: "assess skills in this activity",
    Permission.ISSUE_CERTIFICATES: "issue certificates for this activity",
    Permission.VIEW_ANALYTICS: "see analytics of this activity",
    Permission.MANAGE_SETTINGS: "change the school settings",
    Permission.VIEW_AUDIT: "read the audit log",
}


def relations(
    session: Session,
    actor: Actor,
    *,
    activity_id: int | None = None,
    student_id: int | None = None,
) -> set[Scope]:
    """How the actor relates to the activity and/or student concerned."""
    found: set[Scope] = set()
    if student_id is not None:
        if student_id == actor.id:
            found.add(Scope.SELF)
        elif session.scalar(
            select(
                exists().where(
                    GuardianLink.guardian_id == actor.id, GuardianLink.student_id == student_id
                )
            )
        ):
            found.add(Scope.CHILD)
        if session.scalar(
            select(
                exists().where(
                    ActivityLead.user_id == actor.id,
                    ActivityProgress.activity_id == ActivityLead.activity_id,
                    ActivityProgress.user_id == student_id,
                )
            )
        ):
            found.add(Scope.LED_STUDENT)
    if activity_id is not None:
        if session.scalar(
            select(
                exists().where(
                    ActivityLead.user_id == actor.id, ActivityLead.activity_id == activity_id
                )
            )
        ):
            found.add(Scope.LED_ACTIVITY)
        children = select(GuardianLink.student_id).where(GuardianLink.guardian_id == actor.id)
        if session.scalar(
            select(
                exists().where(
                    ActivityProgress.activity_id == activity_id,
                    ActivityProgress.status != ProgressStatus.WAITLISTED,
                    (ActivityProgress.user_id == actor.id)
                    | ActivityProgress.user_id.in_(children),
                )
            )
        ):
            found.add(Scope.OWN_ACTIVITY)
    return found


def require_active(session: Session, actor: Actor) -> None:
    """Any signed-in, still active account (reads whose results the policy then filters)."""
    if not session.scalar(select(User.active).where(User.id == actor.id)):
        raise PermissionDenied("Your account is disabled or no longer exists.")


def require(
    session: Session,
    actor: Actor,
    permission: Permission,
    *,
    activity_id: int | None = None,
    student_id: int | None = None,
) -> None:
    """Raise PermissionDenied unless the policy grants the permission here.

    Also refuses a deactivated account, so a signed-in session ends its rights when an admin
    disables it.
    """
    require_active(session, actor)
    if not can_ever(actor.role, permission):
        raise PermissionDenied(f"A {actor.role.value} may not {_DENIED[permission]}.")
    if actor.role.value == "admin":
        return
    rel = relations(session, actor, activity_id=activity_id, student_id=student_id)
    if not allows(actor.role, permission, rel):
        raise PermissionDenied(f"You may not {_DENIED[permission]}.")


class Service:
    """Base class: services are given the database; every public method takes the actor first."""

    def __init__(self, db: Database) -> None:
        self.db = db

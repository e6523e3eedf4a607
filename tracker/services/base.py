"""What every service shares: the injected database and the one authorization check."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db.engine import Database
from tracker.db.models import Activity
from tracker.domain.policy import Actor, Permission, Scope, scopes
from tracker.errors import NotFound, PermissionDenied
from tracker.services.scoping import concerning, current_role, scope_filter

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
    Permission.MANAGE_BADGES: "manage the badges of this activity",
    Permission.AWARD_BADGES: "award or revoke this badge",
    Permission.MANAGE_LEADERBOARD: "change this leaderboard",
    Permission.LEADERBOARD_OPT_OUT: "change this student's leaderboard choice",
    Permission.EDIT_PORTFOLIO: "change this student's portfolio (only the student chooses what it features)",
    Permission.RECEIVE_NOTIFICATIONS: "read or change someone else's notifications",
    Permission.MANAGE_SETTINGS: "change the school settings",
    Permission.VIEW_AUDIT: "read the audit log",
}


def require_active(session: Session, actor: Actor) -> None:
    """Any signed-in, still active account (reads whose results the policy then filters)."""
    current_role(session, actor)


def require(
    session: Session,
    actor: Actor,
    permission: Permission,
    *,
    activity_id: int | None = None,
    student_id: int | None = None,
) -> None:
    """Raise PermissionDenied unless the policy grants the permission here.

    The role and the active flag are the ones the database holds now (a disabled account, or
    a demoted one, loses its rights at once), and the relation to the activity / student
    concerned is judged by the same SQL filters that scope the lists
    (:mod:`tracker.services.scoping`), so a record a list leaves out is refused here too.
    """
    role = current_role(session, actor)
    granted = scopes(role, permission)
    if not granted:
        raise PermissionDenied(f"A {role.value} may not {_DENIED[permission]}.")
    if Scope.ANY in granted:
        return
    here = scope_filter(actor.id, role, permission, student=concerning(student_id),
                        activity=concerning(activity_id))
    if not session.scalar(select(here)):
        raise PermissionDenied(f"You may not {_DENIED[permission]}.")


def permits(session: Session, actor: Actor, permission: Permission, *, activity_id: int | None = None,
            student_id: int | None = None) -> bool:
    """``require`` as a yes or no: for a result that shows more to whoever holds a permission
    (a leaderboard's switch to its leads, a portfolio's edit buttons to its student)."""
    try:
        require(session, actor, permission, activity_id=activity_id, student_id=student_id)
    except PermissionDenied:
        return False
    return True


class Service:
    """Base class: services are given the database; every public method takes the actor first."""

    def __init__(self, db: Database) -> None:
        self.db = db


def activity_or_404(session: Session, activity_id: int) -> Activity:
    """The activity, or NotFound saying which id."""
    activity = session.get(Activity, activity_id)
    if activity is None:
        raise NotFound(f"No activity with id {activity_id}.")
    return activity

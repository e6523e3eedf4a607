"""The access policy: one table of role × permission → scopes.

A *scope* says how the acting user relates to the thing acted on:

* ``ANY``: no relation needed (admin).
* ``LED_ACTIVITY``: the actor leads or co-leads the activity concerned.
* ``LED_STUDENT``: the student concerned is enrolled in an activity the actor leads (in the
  activity concerned, when there is one: leading a student in chess shows nothing of drama).
* ``SELF``: the record is the actor's own.
* ``CHILD``: the student concerned is linked to the actor as a guardian.
* ``OWN_ACTIVITY``: the actor (or a linked child) is enrolled in the activity concerned.

Each scope is also one SQL filter (:mod:`tracker.services.scoping`): services check a record with
``require`` and filter every list with ``visible``, both from this table and both with the role
the database holds now. The UI asks :func:`can_ever` to hide what is denied; services are the
ones that enforce.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from tracker.domain.enums import Role


@dataclass(frozen=True)
class Actor:
    """Who is acting: the signed-in user, as plain data.

    A handle, not a credential: ``role`` is what the user was at sign-in, for showing (and for
    the UI to hide what the role can never do). Services read the current role and the active
    flag from the database on every check."""

    id: int
    username: str
    display_name: str
    role: Role


class Scope(str, enum.Enum):
    ANY = "any"
    LED_ACTIVITY = "led_activity"
    LED_STUDENT = "led_student"
    SELF = "self"
    CHILD = "child"
    OWN_ACTIVITY = "own_activity"


class Permission(str, enum.Enum):
    # people
    VIEW_USERS = "view_users"
    MANAGE_USERS = "manage_users"  # create, edit, deactivate, reset passwords
    LINK_GUARDIANS = "link_guardians"
    # activities
    VIEW_ACTIVITY = "view_activity"
    MANAGE_ACTIVITY = "manage_activity"  # create / edit / archive
    ENROLL = "enroll"
    MANAGE_SCHEDULE = "manage_schedule"  # weekly patterns, single-session exceptions, .ics import
    # progress
    VIEW_PROGRESS = "view_progress"
    UPDATE_PROGRESS = "update_progress"
    MANAGE_MILESTONES = "manage_milestones"
    COMPLETE_MILESTONE = "complete_milestone"
    TAKE_ATTENDANCE = "take_attendance"
    ASSESS_SKILLS = "assess_skills"
    ISSUE_CERTIFICATES = "issue_certificates"
    VIEW_ANALYTICS = "view_analytics"
    # achievements
    MANAGE_BADGES = "manage_badges"  # badge definitions: an activity's (its leads), school-wide (admins)
    AWARD_BADGES = "award_badges"  # award by hand and revoke
    MANAGE_LEADERBOARD = "manage_leaderboard"  # an activity's board on/off and privacy (school board: admins)
    LEADERBOARD_OPT_OUT = "leaderboard_opt_out"  # keep a student off every board
    EDIT_PORTFOLIO = "edit_portfolio"  # features and reflections: the student's own choice, nobody else's
    RECEIVE_NOTIFICATIONS = "receive_notifications"  # one's own inbox and preferences (everyone's: only their own)
    # system
    MANAGE_SETTINGS = "manage_settings"
    VIEW_AUDIT = "view_audit"


_ALL = frozenset({Scope.ANY})
_LED = frozenset({Scope.LED_ACTIVITY})
_SELF = frozenset({Scope.SELF})

POLICY: dict[Role, dict[Permission, frozenset[Scope]]] = {
    # a portfolio's features and reflections are the student's own voice: not even an admin's
    # … and an inbox is its owner's alone: an admin reads and marks only their own
    Role.ADMIN: {p: _ALL for p in Permission if p not in (Permission.EDIT_PORTFOLIO, Permission.RECEIVE_NOTIFICATIONS)}
    | {Permission.RECEIVE_NOTIFICATIONS: _SELF},
    Role.TEACHER: {
        Permission.VIEW_USERS: frozenset({Scope.SELF, Scope.LED_STUDENT}),
        Permission.VIEW_ACTIVITY: _LED,
        Permission.ENROLL: _LED,
        Permission.MANAGE_SCHEDULE: _LED,
        Permission.VIEW_PROGRESS: frozenset({Scope.LED_ACTIVITY, Scope.LED_STUDENT}),
        Permission.UPDATE_PROGRESS: _LED,
        Permission.MANAGE_MILESTONES: _LED,
        Permission.COMPLETE_MILESTONE: _LED,
        Permission.TAKE_ATTENDANCE: _LED,
        Permission.ASSESS_SKILLS: _LED,
        Permission.ISSUE_CERTIFICATES: _LED,
        Permission.VIEW_ANALYTICS: _LED,
        Permission.MANAGE_BADGES: _LED,
        Permission.AWARD_BADGES: _LED,
        Permission.MANAGE_LEADERBOARD: _LED,
        Permission.RECEIVE_NOTIFICATIONS: _SELF,
    },
    Role.STUDENT: {
        Permission.VIEW_USERS: frozenset({Scope.SELF}),
        Permission.VIEW_ACTIVITY: frozenset({Scope.OWN_ACTIVITY}),
        Permission.VIEW_PROGRESS: frozenset({Scope.SELF}),
        Permission.LEADERBOARD_OPT_OUT: frozenset({Scope.SELF}),
        Permission.EDIT_PORTFOLIO: frozenset({Scope.SELF}),
        Permission.RECEIVE_NOTIFICATIONS: _SELF,
    },
    Role.PARENT: {
        Permission.VIEW_USERS: frozenset({Scope.SELF, Scope.CHILD}),
        Permission.VIEW_ACTIVITY: frozenset({Scope.OWN_ACTIVITY}),
        Permission.VIEW_PROGRESS: frozenset({Scope.CHILD}),
        Permission.LEADERBOARD_OPT_OUT: frozenset({Scope.CHILD}),
        Permission.RECEIVE_NOTIFICATIONS: _SELF,
    },
}


def scopes(role: Role, permission: Permission) -> frozenset[Scope]:
    return POLICY.get(role, {}).get(permission, frozenset())


def allows(role: Role, permission: Permission, relations: set[Scope] | frozenset[Scope]) -> bool:
    """True when the role holds the permission in one of the scopes that apply."""
    granted = scopes(role, permission)
    return Scope.ANY in granted or bool(granted & set(relations))


def can_ever(role: Role, permission: Permission) -> bool:
    """Whether the role holds the permission in some scope (for showing or hiding UI)."""
    return bool(scopes(role, permission))


def home_title(role: Role) -> str:
    """The heading of a role's home page, read from what the table grants it: the whole school,
    the activities one leads, one's own progress or one's children's."""
    analytics = scopes(role, Permission.VIEW_ANALYTICS)
    progress = scopes(role, Permission.VIEW_PROGRESS)
    if Scope.ANY in analytics:
        return "School overview"
    if analytics:
        return "My activities"
    if Scope.SELF in progress:
        return "My progress"
    if Scope.CHILD in progress:
        return "My children"
    return "Dashboard"

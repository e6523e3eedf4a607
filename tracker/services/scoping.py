"""Which rows the access policy lets an actor see, as SQL: one filter per scope, one ``visible``.

The table in :mod:`tracker.domain.policy` says in which scopes a role holds a permission. Here
each scope is one boolean clause over the columns that say whom a row concerns (``student``: the
student, or the person, the row is about) and which activity it belongs to (``activity``).
:func:`visible` ORs the clauses of the scopes the actor's role is granted, so every list and
search is filtered by the very table that :func:`tracker.services.base.require` checks a single
record against (it evaluates the same clauses on the ids concerned).

The role is read from the database on every check, never taken from the :class:`Actor`: an
actor is a handle, not a credential. An administrator demoted while signed in loses the rights
at once, and an Actor built by hand with someone else's role gains nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    SQLColumnExpression,
    and_,
    bindparam,
    exists,
    false,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session, aliased

from tracker.db.models import ActivityLead, ActivityProgress, GuardianLink, User
from tracker.domain.enums import ProgressStatus, Role
from tracker.domain.policy import Actor, Permission, Scope, can_ever, scopes
from tracker.errors import PermissionDenied

IdColumn = SQLColumnExpression[int | None]  # a mapped attribute, a column or a literal id
# (actor id, student column, activity column) -> the clause, or None when the scope does not apply
# to the columns given (it then grants nothing).
ScopeFilter = Callable[[int, IdColumn | None, IdColumn | None], ColumnElement[bool] | None]

# The subqueries below select from aliases: a statement over the same table (progress rows over
# activity_progress, activity summaries over activity_leads…) would otherwise correlate them.


def _led_activities(actor_id: int) -> Select[int]:
    lead = aliased(ActivityLead)
    return select(lead.activity_id).where(lead.user_id == actor_id)


def _children(actor_id: int) -> Select[int]:
    link = aliased(GuardianLink)
    return select(link.student_id).where(link.guardian_id == actor_id)


def any_row(actor_id: int, student: IdColumn | None, activity: IdColumn | None) -> ColumnElement[bool]:
    """``ANY``: every row."""
    return true()


def own_record(actor_id: int, student: IdColumn | None, activity: IdColumn | None) -> ColumnElement[bool] | None:
    """``SELF``: the row is about the actor."""
    return None if student is None else student == actor_id


def linked_child(actor_id: int, student: IdColumn | None, activity: IdColumn | None) -> ColumnElement[bool] | None:
    """``CHILD``: the row is about a student linked to the actor as a guardian."""
    return None if student is None else student.in_(_children(actor_id))


def led_activity(actor_id: int, student: IdColumn | None, activity: IdColumn | None) -> ColumnElement[bool] | None:
    """``LED_ACTIVITY``: the row belongs to an activity the actor leads or co-leads."""
    return None if activity is None else activity.in_(_led_activities(actor_id))


def led_student(actor_id: int, student: IdColumn | None, activity: IdColumn | None) -> ColumnElement[bool] | None:
    """``LED_STUDENT``: the student has a place (any status) in an activity the actor leads.

    When the row also names an activity, it must be that one: leading a student in chess gives
    no sight of what the student does in drama."""
    if student is None:
        return None
    place = aliased(ActivityProgress)
    where = [place.user_id == student, place.activity_id.in_(_led_activities(actor_id))]
    if activity is not None:
        where.append(place.activity_id == activity)
    return exists().where(*where)


def own_activity(actor_id: int, student: IdColumn | None, activity: IdColumn | None) -> ColumnElement[bool] | None:
    """``OWN_ACTIVITY``: the row belongs to an activity the actor, or a linked child, is enrolled
    in (a place on the waitlist is not a place)."""
    if activity is None:
        return None
    place = aliased(ActivityProgress)
    return activity.in_(select(place.activity_id).where(
        place.status != ProgressStatus.WAITLISTED,
        or_(place.user_id == actor_id, place.user_id.in_(_children(actor_id)))))


SCOPE_FILTERS: dict[Scope, ScopeFilter] = {
    Scope.ANY: any_row,
    Scope.SELF: own_record,
    Scope.CHILD: linked_child,
    Scope.LED_ACTIVITY: led_activity,
    Scope.LED_STUDENT: led_student,
    Scope.OWN_ACTIVITY: own_activity,
}


#: every policy check runs it: built once, run on the session's connection (a quarter of the cost
#: of building and running it through the ORM each time; ``attendance_mark_p95``)
_ROLE_NOW = select(User.role, User.active).where(User.id == bindparam("actor_id"))


class _Known(NamedTuple):
    role: Role | None
    active: bool | None


def role_columns() -> tuple[Any, Any]:
    """The role and active flag of the actor named by the ``actor_id`` parameter, as two columns
    a transaction's first statement can carry (see :func:`remember_role`)."""
    return (select(User.role).where(User.id == bindparam("actor_id")).scalar_subquery().label("actor_role"),
            select(User.active).where(User.id == bindparam("actor_id")).scalar_subquery().label("actor_active"))


def remember_role(session: Session, actor: Actor, row: Any) -> None:
    """Keep the role read by a statement with :func:`role_columns` for the next
    :func:`current_role` of this actor in this transaction (it is used once, then read again)."""
    session.info[("role_now", actor.id)] = _Known(row.actor_role, row.actor_active)


def current_role(session: Session, actor: Actor) -> Role:
    """The actor's role as the database has it now (one query, or none when the transaction's
    statement just read it: :func:`remember_role`); refuses a disabled or deleted account, so that
    signing in is no lasting right."""
    row: Any = session.info.pop(("role_now", actor.id), None)
    if row is None:
        session.flush()  # as the ORM's autoflush would: a change pending in this session is seen
        row = session.connection().execute(_ROLE_NOW, {"actor_id": actor.id}).first()
    if row is None or not row.active:
        raise PermissionDenied("Your account is disabled or no longer exists.")
    role: Role = row.role
    return role


def scope_filter(
    actor_id: int,
    role: Role,
    permission: Permission,
    *,
    student: IdColumn | None = None,
    activity: IdColumn | None = None,
) -> ColumnElement[bool]:
    """The OR of the clauses of the scopes the table grants ``role`` for ``permission``: ``true()``
    for ANY, ``false()`` when nothing is granted (or nothing granted applies to these columns)."""
    granted = scopes(role, permission)
    if Scope.ANY in granted:
        return true()
    clauses = [clause for scope in Scope if scope in granted
               if (clause := SCOPE_FILTERS[scope](actor_id, student, activity)) is not None]
    return or_(false(), *clauses)


def visible(
    session: Session | None,
    actor: Actor,
    permission: Permission,
    *,
    student: IdColumn | None = None,
    activity: IdColumn | None = None,
) -> ColumnElement[bool]:
    """The rows the policy lets the actor see under ``permission``, as a WHERE clause.

    With a session the role is read now (one query; a disabled account is refused). Without one
    the clause reads the role itself, inside the statement it filters: for a statement built
    before a session is at hand; a disabled account then simply sees nothing."""
    if session is not None:
        role = current_role(session, actor)
        return scope_filter(actor.id, role, permission, student=student, activity=activity)
    user = aliased(User)
    role_now = select(user.role).where(user.id == actor.id, user.active.is_(True)).scalar_subquery()
    return or_(false(), *(
        and_(role_now == role, scope_filter(actor.id, role, permission, student=student, activity=activity))
        for role in Role if can_ever(role, permission)))


def concerning(value: int | None) -> IdColumn | None:
    """An id as a one-row "column", to test a single record with the same clauses."""
    return None if value is None else literal(value, Integer)

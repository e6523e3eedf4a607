"""People: accounts of every role, student profiles and guardian links."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tracker.db.models import ActivityLead, GuardianLink, User, utcnow
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.changes import ChangeKind
from tracker.domain.enums import Role
from tracker.domain.policy import Actor, Permission
from tracker.domain.text import check_name
from tracker.errors import NotFound, ValidationError
from tracker.services.auth import check_password_rules, hash_password
from tracker.services.base import Service, require
from tracker.services.scoping import visible

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,79}$")


def validate_username(username: str) -> str:
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise ValidationError.field(
            "username",
            "A username is 2–80 characters: letters, digits, dot, dash, underscore or @, "
            "starting with a letter or digit.",
        )
    return username


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    can_sign_in: bool
    locked: bool
    first_name: str | None = None
    last_name: str | None = None
    preferred_name: str | None = None
    grade: str | None = None
    class_name: str | None = None
    student_number: str | None = None
    email: str | None = None
    last_login_at: datetime | None = None
    children: tuple[int, ...] = ()
    guardians: tuple[int, ...] = ()
    activities: tuple[int, ...] = ()
    version: int = 1


@dataclass
class UserInput:
    """What a person fills in when creating or editing an account."""

    username: str
    display_name: str
    role: Role
    password: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    preferred_name: str | None = None
    grade: str | None = None
    class_name: str | None = None
    student_number: str | None = None
    email: str | None = None
    active: bool = True
    extra: dict[str, str] = field(default_factory=dict)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _user_info(
    user: User,
    children: dict[int, list[int]],
    guardians: dict[int, list[int]],
    led: dict[int, list[int]],
) -> UserInfo:
    now = utcnow()
    return UserInfo(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        active=user.active,
        can_sign_in=bool(user.password_hash) and user.active,
        locked=bool(user.locked_until and user.locked_until > now),
        first_name=user.first_name,
        last_name=user.last_name,
        preferred_name=user.preferred_name,
        grade=user.grade,
        class_name=user.class_name,
        student_number=user.student_number,
        email=user.email,
        last_login_at=user.last_login_at,
        children=tuple(sorted(set(children.get(user.id, ())))),  # a link can come from two chunks
        guardians=tuple(sorted(set(guardians.get(user.id, ())))),
        activities=tuple(sorted(led.get(user.id, ()))),
        version=user.version,
    )


class PeopleService(Service):
    def find_users(
        self,
        actor: Actor,
        role: Role | str | None = None,
        name: str | None = None,
        *,
        include_inactive: bool = True,
        limit: int | None = None,
    ) -> list[UserInfo]:
        """People the actor may see, optionally by role and a name/username/number fragment."""
        try:
            role_value = Role(role) if role is not None else None
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            raise ValidationError.field("role", f"Unknown role {role!r}; use one of {allowed}.") from None
        with read_only(self.db) as s:
            q = select(User).where(visible(s, actor, Permission.VIEW_USERS, student=User.id))
            if role_value is not None:
                q = q.where(User.role == role_value)
            if name:
                like = f"%{name.strip().lower()}%"
                q = q.where(
                    or_(
                        func.lower(User.display_name).like(like),
                        func.lower(User.username).like(like),
                        func.lower(func.coalesce(User.student_number, "")).like(like),
                        func.lower(func.coalesce(User.class_name, "")).like(like),
                    )
                )
            if not include_inactive:
                q = q.where(User.active.is_(True))
            q = q.order_by(User.role, func.lower(User.display_name), User.id)
            if limit:
                q = q.limit(limit)
            users = list(s.scalars(q))
            return self._infos(s, users)

    def get_user(self, actor: Actor, user_id: int) -> UserInfo:
        with read_only(self.db) as s:
            user = s.get(User, user_id)
            if user is None:
                raise NotFound(f"No user with id {user_id}.")
            require(s, actor, Permission.VIEW_USERS, student_id=user_id)
            return self._infos(s, [user])[0]

    def _infos(self, s: Session, users: list[User]) -> list[UserInfo]:
        ids = [u.id for u in users]
        children: dict[int, list[int]] = defaultdict(list)
        guardians: dict[int, list[int]] = defaultdict(list)
        led: dict[int, list[int]] = defaultdict(list)
        if ids:
            for chunk in _chunks(ids, 900):
                for g, st in s.execute(
                    select(GuardianLink.guardian_id, GuardianLink.student_id).where(
                        or_(GuardianLink.guardian_id.in_(chunk), GuardianLink.student_id.in_(chunk))
                    )
                ):
                    children[g].append(st)
                    guardians[st].append(g)
                for u, a in s.execute(
                    select(ActivityLead.user_id, ActivityLead.activity_id).where(
                        ActivityLead.user_id.in_(chunk)
                    )
                ):
                    led[u].append(a)
        return [_user_info(u, children, guardians, led) for u in users]

    # ------------------------------------------------------------------ writes (admin)

    def create_user(self, actor: Actor, data: UserInput) -> UserInfo:
        with unit_of_work(self.db) as tx:
            require(tx.session, actor, Permission.MANAGE_USERS)
            username = validate_username(data.username)
            problems = self._validate(tx.session, data, username, None)
            if problems:
                raise ValidationError("The account was not created.", problems)
            user = User(username=username, role=Role(data.role))
            self._apply(user, data)
            if data.password:
                check_password_rules(data.password)
                user.password_hash = hash_password(data.password)
            tx.session.add(user)
            tx.session.flush()
            tx.audit(actor, "create", "user", user.id, None, _snapshot(user))
            tx.changes.add(ChangeKind.USER, user.id)
            return self._infos(tx.session, [user])[0]

    def update_user(
        self, actor: Actor, user_id: int, data: UserInput, *, expected_version: int | None = None
    ) -> UserInfo:
        with unit_of_work(self.db) as tx:
            require(tx.session, actor, Permission.MANAGE_USERS)
            user = tx.session.get(User, user_id)
            if user is None:
                raise NotFound(f"No user with id {user_id}.")
            if expected_version is not None and user.version != expected_version:
                raise _conflict(user.display_name)
            username = validate_username(data.username)
            problems = self._validate(tx.session, data, username, user_id)
            if problems:
                raise ValidationError("The account was not saved.", problems)
            if user.id == actor.id and (Role(data.role) is not Role.ADMIN or not data.active):
                raise ValidationError.field(
                    "role", "You cannot remove your own administrator rights or disable yourself."
                )
            before = _snapshot(user)
            user.username = username
            user.role = Role(data.role)
            self._apply(user, data)
            if data.password:
                check_password_rules(data.password)
                user.password_hash = hash_password(data.password)
            tx.session.flush()
            tx.audit(actor, "update", "user", user.id, before, _snapshot(user))
            tx.changes.add(ChangeKind.USER, user.id)
            return self._infos(tx.session, [user])[0]

    def set_active(self, actor: Actor, user_id: int, active: bool) -> UserInfo:
        with unit_of_work(self.db) as tx:
            require(tx.session, actor, Permission.MANAGE_USERS)
            user = tx.session.get(User, user_id)
            if user is None:
                raise NotFound(f"No user with id {user_id}.")
            if user.id == actor.id and not active:
                raise ValidationError("You cannot disable your own account.")
            before = {"active": user.active}
            user.active = active
            if user.role is Role.STUDENT and before["active"] != active:  # the day a student left
                user.left_on = None if active else date.today()
            tx.audit(actor, "activate" if active else "deactivate", "user", user.id, before,
                     {"active": active})
            tx.changes.add(ChangeKind.USER, user.id)
            return self._infos(tx.session, [user])[0]

    def link_guardian(
        self, actor: Actor, guardian_id: int, student_id: int, relationship: str = "guardian"
    ) -> None:
        with unit_of_work(self.db) as tx:
            require(tx.session, actor, Permission.LINK_GUARDIANS)
            guardian = tx.session.get(User, guardian_id)
            student = tx.session.get(User, student_id)
            if guardian is None:
                raise NotFound(f"No user with id {guardian_id}.")
            if student is None:
                raise NotFound(f"No user with id {student_id}.")
            if guardian.role is not Role.PARENT:
                raise ValidationError.field(
                    "guardian", f"{guardian.display_name} is not a parent/guardian account."
                )
            if student.role is not Role.STUDENT:
                raise ValidationError.field("student", f"{student.display_name} is not a student.")
            exists = tx.session.scalar(
                select(GuardianLink).where(
                    GuardianLink.guardian_id == guardian_id, GuardianLink.student_id == student_id
                )
            )
            if exists:
                return
            link = GuardianLink(
                guardian_id=guardian_id,
                student_id=student_id,
                relationship=(relationship or "guardian").strip()[:40] or "guardian",
            )
            tx.session.add(link)
            tx.session.flush()
            tx.audit(actor, "link", "guardian_link", link.id, None,
                     {"guardian_id": guardian_id, "student_id": student_id})
            tx.changes.add(ChangeKind.USER, guardian_id, student_id)

    def unlink_guardian(self, actor: Actor, guardian_id: int, student_id: int) -> None:
        with unit_of_work(self.db) as tx:
            require(tx.session, actor, Permission.LINK_GUARDIANS)
            link = tx.session.scalar(
                select(GuardianLink).where(
                    GuardianLink.guardian_id == guardian_id, GuardianLink.student_id == student_id
                )
            )
            if link is None:
                raise NotFound("These two accounts are not linked.")
            tx.audit(actor, "unlink", "guardian_link", link.id,
                     {"guardian_id": guardian_id, "student_id": student_id}, None)
            tx.session.delete(link)
            tx.changes.add(ChangeKind.USER, guardian_id, student_id)

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _validate(
        s: Session, data: UserInput, username: str, user_id: int | None
    ) -> list:  # type: ignore[type-arg]
        from tracker.errors import Problem

        problems: list[Problem] = []
        if not (data.display_name or "").strip():
            problems.append(Problem("A display name is required.", field="display name"))
        for label, value in (("display name", data.display_name), ("first name", data.first_name),
                             ("last name", data.last_name), ("preferred name", data.preferred_name),
                             ("grade", data.grade), ("class", data.class_name),
                             ("student number", data.student_number)):
            check_name(value, label, label, problems)
        try:
            Role(data.role)
        except ValueError:
            problems.append(Problem(f"Unknown role {data.role!r}.", field="role"))
        taken = s.scalar(
            select(User.id).where(func.lower(User.username) == username.lower(), User.id != (user_id or -1))
        )
        if taken:
            problems.append(Problem(f"The username {username!r} is taken.", field="username"))
        number = _clean(data.student_number)
        if number:
            other = s.scalar(
                select(User.id).where(User.student_number == number, User.id != (user_id or -1))
            )
            if other:
                problems.append(
                    Problem(f"Student number {number} belongs to someone else.", field="student number")
                )
        email = _clean(data.email)
        if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
            problems.append(Problem(f"{email!r} is not an email address.", field="email"))
        if data.password:
            try:
                check_password_rules(data.password)
            except ValidationError as exc:
                problems.extend(exc.problems)
        return problems

    @staticmethod
    def _apply(user: User, data: UserInput) -> None:
        user.display_name = data.display_name.strip()
        user.first_name = _clean(data.first_name)
        user.last_name = _clean(data.last_name)
        user.preferred_name = _clean(data.preferred_name)
        user.grade = _clean(data.grade)
        user.class_name = _clean(data.class_name)
        user.student_number = _clean(data.student_number)
        user.email = _clean(data.email)
        user.active = data.active


def _snapshot(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "active": user.active,
        "grade": user.grade,
        "class_name": user.class_name,
        "student_number": user.student_number,
        "email": user.email,
    }


def _conflict(what: str) -> Exception:
    from tracker.errors import ConflictError

    return ConflictError(
        f"{what} was changed by someone else since you opened it. Nothing was overwritten; "
        "reload and try again."
    )


def _chunks(items: list[int], size: int) -> list[list[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]

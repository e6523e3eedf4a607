"""Sign-in, passwords, lockout and the first administrator."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Table, func, select, update

from tracker.db.models import User, utcnow
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.changes import ChangeKind
from tracker.domain.enums import Role
from tracker.domain.policy import Actor, Permission
from tracker.errors import AuthError, NotFound, ValidationError
from tracker.services.base import Service, require

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=5)
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    if not password_hash or not isinstance(password, str):
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password_rules(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError.field(
            field, f"The password must be at least {MIN_PASSWORD_LENGTH} characters long."
        )
    if password.strip() != password:
        raise ValidationError.field(field, "The password must not start or end with a space.")


def actor_of(user: User) -> Actor:
    return Actor(id=user.id, username=user.username, display_name=user.display_name, role=user.role)


class AuthService(Service):
    def login(self, username: str, password: str) -> Actor:
        """Check the password; five failures in a row lock the account for five minutes."""
        username = (username or "").strip()
        with unit_of_work(self.db) as tx:
            user = tx.session.scalar(
                select(User).where(func.lower(User.username) == username.lower())
            )
            now = utcnow()
            if user is None:
                raise AuthError("Wrong username or password.")
            if user.locked_until and user.locked_until > now:
                minutes = max(1, round((user.locked_until - now).total_seconds() / 60))
                raise AuthError(
                    f"This account is locked after {MAX_FAILED_LOGINS} wrong passwords. "
                    f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
                )
            if not user.active:
                raise AuthError("This account is disabled. Ask an administrator.")
            if not user.password_hash:
                raise AuthError("This account has no password and cannot sign in.")
            # Sign-in bookkeeping goes through Core UPDATEs: it is not an edit of the account, so
            # it must not bump the row version (an admin's open form would then conflict) nor fail
            # when two workstations sign in at once; the counter is incremented atomically.
            users = cast(Table, User.__table__)
            this_user = users.c.id == user.id
            if not password_matches(user.password_hash, password):
                failed = tx.session.execute(
                    update(users)
                    .where(this_user)
                    .values(failed_logins=users.c.failed_logins + 1)
                    .returning(users.c.failed_logins)
                ).scalar_one()
                locked = failed >= MAX_FAILED_LOGINS
                if locked:
                    tx.session.execute(
                        update(users).where(this_user).values(failed_logins=0, locked_until=now + LOCKOUT)
                    )
                    tx.audit(None, "lock", "user", user.id, None, {"reason": "failed logins"})
                left = MAX_FAILED_LOGINS - failed
                # commit the counter before reporting the failure
                tx.session.commit()
                if locked:
                    raise AuthError(
                        f"Wrong password. After {MAX_FAILED_LOGINS} wrong passwords this account "
                        f"is locked for {int(LOCKOUT.total_seconds() // 60)} minutes."
                    )
                raise AuthError(
                    "Wrong username or password."
                    + (
                        f" {left} {'try' if left == 1 else 'tries'} left before the account is locked."
                        if left <= 2
                        else ""
                    )
                )
            values: dict[str, object] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
            if _hasher.check_needs_rehash(user.password_hash):
                values["password_hash"] = hash_password(password)
            tx.session.execute(update(users).where(this_user).values(**values))
            return actor_of(user)

    def verify_password(self, actor: Actor, password: str) -> Actor:
        """Unlock an idle-locked window: the same checks and lockout as signing in."""
        return self.login(actor.username, password)

    def change_password(self, actor: Actor, old_password: str, new_password: str) -> None:
        check_password_rules(new_password, "new password")
        with unit_of_work(self.db) as tx:
            user = tx.session.get(User, actor.id)
            if user is None or not user.active:
                raise NotFound("Your account no longer exists.")
            if not password_matches(user.password_hash, old_password):
                raise ValidationError.field("current password", "The current password is wrong.")
            user.password_hash = hash_password(new_password)
            tx.audit(actor, "change_password", "user", user.id)
            tx.changes.add(ChangeKind.USER, user.id)

    def reset_password(self, actor: Actor, user_id: int, new_password: str | None) -> None:
        """An admin sets a new password (None: the account can no longer sign in)."""
        with unit_of_work(self.db) as tx:
            require(tx.session, actor, Permission.MANAGE_USERS)
            if new_password is not None:
                check_password_rules(new_password)
            user = tx.session.get(User, user_id)
            if user is None:
                raise NotFound(f"No user with id {user_id}.")
            user.password_hash = hash_password(new_password) if new_password else None
            user.failed_logins = 0
            user.locked_until = None
            tx.audit(actor, "reset_password", "user", user.id)
            tx.changes.add(ChangeKind.USER, user.id)

    def unlock(self, actor: Actor, user_id: int) -> None:
        with unit_of_work(self.db) as tx:
            require(tx.session, actor, Permission.MANAGE_USERS)
            user = tx.session.get(User, user_id)
            if user is None:
                raise NotFound(f"No user with id {user_id}.")
            user.failed_logins = 0
            user.locked_until = None
            tx.audit(actor, "unlock", "user", user.id)
            tx.changes.add(ChangeKind.USER, user.id)

    def has_admin(self) -> bool:
        with read_only(self.db) as s:
            return bool(
                s.scalar(
                    select(func.count(User.id)).where(
                        User.role == Role.ADMIN, User.active.is_(True), User.password_hash.is_not(None)
                    )
                )
            )

    def create_first_admin(self, username: str, password: str, display_name: str = "") -> Actor:
        """Only while no administrator can sign in: the first start of a new school."""
        from tracker.services.people import validate_username

        username = validate_username(username)
        check_password_rules(password)
        with unit_of_work(self.db) as tx:
            existing = tx.session.scalar(
                select(func.count(User.id)).where(
                    User.role == Role.ADMIN, User.active.is_(True), User.password_hash.is_not(None)
                )
            )
            if existing:
                raise ValidationError("An administrator already exists; sign in as them instead.")
            if tx.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
                raise ValidationError.field("username", f"The username {username!r} is taken.")
            user = User(
                username=username,
                display_name=display_name.strip() or username,
                role=Role.ADMIN,
                password_hash=hash_password(password),
            )
            tx.session.add(user)
            tx.session.flush()
            tx.audit(None, "create", "user", user.id, None, {"username": username, "role": "admin"})
            tx.changes.add(ChangeKind.USER, user.id)
            return actor_of(user)

"""Sign-in, passwords, lockout and the first administrator."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Table, func, or_, select, update

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


WRONG = "Wrong username or password."


def _dummy_hash() -> str:
    """A hash made with the current hasher's parameters, checked when the username is unknown so
    that an unknown name takes as long to refuse as a wrong password (no account enumeration)."""
    made = _DUMMY.get(id(_hasher))
    if made is None:
        made = _DUMMY[id(_hasher)] = _hasher.hash("no account has this password")
    return made


_DUMMY: dict[int, str] = {}


class AuthService(Service):
    def login(self, username: str, password: str) -> Actor:
        """Check the password; five failures in a row lock the account for five minutes.

        Neither the time taken nor the message tells whether the username exists, until the
        account is actually locked. Each check first *reserves* an attempt with one atomic UPDATE
        (refused once locked or over the limit), so processes guessing in parallel get no more
        checks than the limit; the password itself is checked outside any transaction, so
        argon2's quarter second never holds the database's write lock.

        Sign-in bookkeeping goes through Core UPDATEs: it is not an edit of the account, so it
        must not bump the row version (an admin's open form would then conflict)."""
        username = (username or "").strip()
        users = cast(Table, User.__table__)
        with read_only(self.db) as s:
            user = s.execute(select(User.id, User.username, User.display_name, User.role, User.password_hash,
                                    User.active, User.locked_until)
                             .where(func.lower(User.username) == username.lower())).first()
        if user is None:
            password_matches(_dummy_hash(), password)
            raise AuthError(WRONG)
        this_user = users.c.id == user.id
        now = utcnow()
        until: datetime | None = None
        if self.db.read_only:  # nothing can be counted in a file that cannot be written
            locked = user.locked_until is not None and user.locked_until > now
            attempt, until = (None, user.locked_until) if locked else (1, None)
        else:
            with unit_of_work(self.db) as tx:
                attempt = tx.session.execute(
                    update(users)
                    .where(this_user, or_(users.c.locked_until.is_(None), users.c.locked_until <= now),
                           users.c.failed_logins < MAX_FAILED_LOGINS)
                    .values(failed_logins=users.c.failed_logins + 1, locked_until=None)
                    .returning(users.c.failed_logins)
                ).scalar()
                if attempt is None:  # locked, or as many checks running as the limit allows
                    until = tx.session.scalar(select(users.c.locked_until).where(this_user))
                    if until is None or until <= now:
                        until = now + LOCKOUT
                        tx.session.execute(update(users).where(this_user).values(failed_logins=0, locked_until=until))
                        tx.audit(None, "lock", "user", user.id, None, {"reason": "failed logins"})
        if attempt is None:
            assert until is not None
            minutes = max(1, round((until - now).total_seconds() / 60))
            raise AuthError(
                f"This account is locked after {MAX_FAILED_LOGINS} wrong passwords. "
                f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
            )
        stored = user.password_hash or _dummy_hash()
        if not password_matches(stored, password) or not user.password_hash:
            if attempt < MAX_FAILED_LOGINS or self.db.read_only:
                raise AuthError(WRONG)  # the reserved attempt stays counted
            with unit_of_work(self.db) as tx:
                tx.session.execute(update(users).where(this_user)
                                   .values(failed_logins=0, locked_until=now + LOCKOUT))
                tx.audit(None, "lock", "user", user.id, None, {"reason": "failed logins"})
            raise AuthError(
                f"Wrong password. After {MAX_FAILED_LOGINS} wrong passwords this account "
                f"is locked for {int(LOCKOUT.total_seconds() // 60)} minutes."
            )
        if not user.active:
            raise AuthError("This account is disabled. Ask an administrator.")
        if self.db.read_only:
            return Actor(id=user.id, username=user.username, display_name=user.display_name, role=user.role)
        values: dict[str, object] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
        if _hasher.check_needs_rehash(user.password_hash):
            values["password_hash"] = hash_password(password)
        with unit_of_work(self.db) as tx:
            tx.session.execute(update(users).where(this_user).values(**values))
            signed_in = tx.session.get(User, user.id)
            assert signed_in is not None
            return actor_of(signed_in)

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

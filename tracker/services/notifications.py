"""The inbox: one's own notifications, read and marked; one's preferences; old ones pruned.

Everyone reads and marks their own inbox only — an administrator too (``RECEIVE_NOTIFICATIONS``
is granted in the ``SELF`` scope to every role): marking someone else's notice is refused, never
silently skipped. The rules that raise notifications are in
:mod:`tracker.services.notification_rules`; the words in :mod:`tracker.domain.notification_text`.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import Session, aliased

from tracker.db.models import Activity, Notification, NotificationPreference, Setting, User, utcnow
from tracker.db.uow import UnitOfWork, read_only, unit_of_work
from tracker.domain.changes import ChangeKind
from tracker.domain.notification_text import KINDS
from tracker.domain.policy import Actor, Permission
from tracker.errors import NotFound, PermissionDenied, ValidationError
from tracker.services.base import Service, require
from tracker.services.scoping import visible

__all__ = ["KINDS", "KindChoice", "NotificationInfo", "NotificationService", "Preferences"]

KEEP_SETTING, KEEP_DEFAULT = "notifications_keep_days", 180
DEFAULTS = "*"  # the preference row holding a person's defaults and their digest choice


@dataclass(frozen=True)
class NotificationInfo:
    id: int
    kind: str
    title: str
    body: str
    student_id: int | None  # None: a grouped notice about several students (``count``)
    student_name: str | None
    activity_id: int | None
    activity_name: str | None
    created_at: datetime
    read: bool
    count: int
    link: str | None


@dataclass(frozen=True)
class KindChoice:
    inbox: bool = True
    desktop: bool = True
    email: bool = False


@dataclass(frozen=True)
class Preferences:
    kinds: dict[str, KindChoice]
    digest: bool  # e-mail once a day instead of one message per notice
    email_address: str | None
    email_possible: bool  # the school set up e-mail and the person has an address


def _require_own(s: Session, actor: Actor) -> None:
    require(s, actor, Permission.RECEIVE_NOTIFICATIONS, student_id=actor.id)


def _email_configured(s: Session) -> bool:
    """Whether the school set up e-mail (the optional outbox says; without it, no)."""
    try:
        module = importlib.import_module("tracker.services.email_outbox")
    except ImportError:
        return False
    load = getattr(module, "load_smtp", None)
    return bool(getattr(load(s), "configured", False)) if callable(load) else False


class NotificationService(Service):
    def inbox(self, actor: Actor, *, unread_only: bool = False, kind: str | None = None,
              activity_id: int | None = None, limit: int = 500) -> list[NotificationInfo]:
        """The actor's notifications, newest first."""
        n, student = Notification, aliased(User)
        with read_only(self.db) as s:
            q = (select(n.id, n.kind, n.title, n.body, n.student_id, student.display_name, n.activity_id,
                        Activity.name, n.created_at, n.read_at, n.count, n.link)
                 .outerjoin(student, student.id == n.student_id).outerjoin(Activity, Activity.id == n.activity_id)
                 .where(n.user_id == actor.id,
                        visible(s, actor, Permission.RECEIVE_NOTIFICATIONS, student=n.user_id)))
            if unread_only:
                q = q.where(n.read_at.is_(None))
            if kind is not None:
                q = q.where(n.kind == kind)
            if activity_id is not None:
                q = q.where(n.activity_id == activity_id)
            rows = s.execute(q.order_by(n.created_at.desc(), n.id.desc()).limit(limit)).all()
        return [NotificationInfo(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9] is not None,
                                 r[10], r[11]) for r in rows]

    def unread_count(self, actor: Actor) -> int:
        n = Notification
        with read_only(self.db) as s:
            return int(s.scalar(select(func.count()).select_from(n).where(
                n.user_id == actor.id, n.read_at.is_(None),
                visible(s, actor, Permission.RECEIVE_NOTIFICATIONS, student=n.user_id))) or 0)

    def mark_read(self, actor: Actor, ids: Iterable[int], *, read: bool = True) -> int:
        """Mark the actor's own notifications read (or unread again); how many changed. An id
        that does not exist is NotFound, someone else's PermissionDenied: nothing is changed then."""
        wanted = list(dict.fromkeys(int(i) for i in ids))
        n = Notification
        with unit_of_work(self.db) as tx:
            s = tx.session
            _require_own(s, actor)
            owners = {i: u for i, u in s.execute(select(n.id, n.user_id).where(n.id.in_(wanted)))} if wanted else {}
            missing = [i for i in wanted if i not in owners]
            if missing:
                raise NotFound(f"No notification with id {missing[0]}.")
            if any(owner != actor.id for owner in owners.values()):
                raise PermissionDenied("You may only mark your own notifications.")
            return _mark(tx, actor, n.id.in_(wanted), read=read)

    def mark_all_read(self, actor: Actor) -> int:
        with unit_of_work(self.db) as tx:
            _require_own(tx.session, actor)
            return _mark(tx, actor, Notification.read_at.is_(None), read=True)

    # ------------------------------------------------------------------ preferences

    def preferences(self, actor: Actor) -> Preferences:
        with read_only(self.db) as s:
            _require_own(s, actor)
            return self._preferences(s, actor)

    def _preferences(self, s: Session, actor: Actor) -> Preferences:
        pref = NotificationPreference
        rows = {k: (i, d, e, g) for k, i, d, e, g in s.execute(
            select(pref.kind, pref.inbox, pref.desktop, pref.email, pref.digest).where(pref.user_id == actor.id))}
        base = rows.get(DEFAULTS)
        default = KindChoice(*base[:3]) if base else KindChoice()
        kinds = {k: KindChoice(*rows[k][:3]) if k in rows else default for k in KINDS}
        address = s.scalar(select(User.email).where(User.id == actor.id)) or None
        return Preferences(kinds, bool(base[3]) if base else False, address,
                           address is not None and _email_configured(s))

    def save_preferences(self, actor: Actor, prefs: Preferences) -> Preferences:
        """Store every kind's choice (and the digest flag on the defaults row)."""
        unknown = sorted(set(prefs.kinds) - set(KINDS))
        if unknown:
            raise ValidationError.field("kinds", "Unknown kind of notification: " + ", ".join(unknown) + ".")
        with unit_of_work(self.db) as tx:
            s = tx.session
            _require_own(s, actor)
            pref = NotificationPreference
            stored = {p.kind: p for p in s.scalars(select(pref).where(pref.user_id == actor.id))}
            before = self._preferences(s, actor)
            wanted = {**{k: (c, False) for k, c in prefs.kinds.items()},
                      DEFAULTS: (stored_default(stored), prefs.digest)}
            for kind, (choice, digest) in wanted.items():
                row = stored.get(kind) or pref(user_id=actor.id, kind=kind)
                row.inbox, row.desktop, row.email, row.digest = choice.inbox, choice.desktop, choice.email, digest
                s.add(row)
            tx.audit(actor, "update", "notification_preferences", actor.id,
                     {"digest": before.digest}, {"digest": prefs.digest,
                                                 "kinds": {k: vars(c) for k, c in prefs.kinds.items()}})
            tx.changes.add(ChangeKind.NOTIFICATION, actor.id)
            s.flush()
            return self._preferences(s, actor)

    # ------------------------------------------------------------------ upkeep

    def prune(self, now: datetime | None = None) -> int:
        """Delete notifications older than the school's ``notifications_keep_days`` (180 by
        default): upkeep, not anyone's action, so no actor. Returns how many went."""
        with unit_of_work(self.db) as tx:
            stored = tx.session.scalar(select(Setting.value).where(Setting.key == KEEP_SETTING))
            days = _keep_days(stored)
            cutoff = (now or utcnow()) - timedelta(days=days)
            done = tx.session.execute(delete(Notification).where(Notification.created_at < cutoff))
            count = int(getattr(done, "rowcount", 0) or 0)
            if count:
                tx.changes.add(ChangeKind.NOTIFICATION)
            return count


def _mark(tx: UnitOfWork, actor: Actor, which: ColumnElement[bool], *, read: bool) -> int:
    """Set or clear ``read_at`` on the actor's notifications matching ``which``; how many changed."""
    n = Notification
    state = n.read_at.is_(None) if read else n.read_at.is_not(None)
    done = tx.session.execute(update(n).where(n.user_id == actor.id, which, state)
                              .values(read_at=utcnow() if read else None, version=n.version + 1))
    count = int(getattr(done, "rowcount", 0) or 0)
    if count:
        tx.changes.add(ChangeKind.NOTIFICATION, actor.id)
    return count


def stored_default(stored: dict[str, NotificationPreference]) -> KindChoice:
    row = stored.get(DEFAULTS)
    return KindChoice(row.inbox, row.desktop, row.email) if row else KindChoice()


def _keep_days(value: str | None) -> int:
    try:
        days = int(json.loads(value)) if value else KEEP_DEFAULT
    except (TypeError, ValueError):
        return KEEP_DEFAULT
    return max(1, days)

"""What the inbox page, the tray and the preferences dialog say about notifications, said once.

The kinds' labels are the service's (``tracker.services.notifications.KINDS``: wording a parent
understands); this module only adds how a notification is named in one line.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tracker.domain.changes import ChangeKind, Changes
from tracker.domain.policy import Actor
from tracker.services.notifications import KINDS, NotificationInfo


def concerns(changes: Changes, actor: Actor | None) -> bool:
    """Whether a published change may have touched the actor's notifications: the service
    records the recipients' user ids (none recorded: anyone's)."""
    if actor is None or not changes.touches(ChangeKind.NOTIFICATION):
        return False
    recipients = changes.of(ChangeKind.NOTIFICATION)
    return not recipients or actor.id in recipients


def kind_label(kind: str) -> str:
    """The kind as a person reads it ("Milestone completed"); an unknown kind readably."""
    return KINDS.get(kind) or kind.replace("_", " ").capitalize()


def about(n: NotificationInfo) -> str:
    """Whom and what it is about: "Sam Student · Chess Club" (empty when neither)."""
    return " · ".join(filter(None, (n.student_name, n.activity_name)))


def headline(n: NotificationInfo) -> str:
    """The title, with how many it groups: "3 milestones completed" is the service's wording,
    "(×3)" is added only when the title does not say it."""
    if n.count > 1 and str(n.count) not in n.title:
        return f"{n.title} (×{n.count})"
    return n.title


def local_time(stored: datetime) -> datetime:
    """When it was raised, on this computer's clock (the database keeps naive UTC)."""
    return stored.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)

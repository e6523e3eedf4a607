"""What a write changed, so that views refresh only what is affected (Anki's OpChanges).

Services record what they touch on the unit of work (``tx.changes.add(ChangeKind.USER, id)``);
the unit of work hands what it collected to whoever ran the write (``tracker.services.outcome``),
and the GUI publishes exactly that. Kinds are an Enum, so a misspelt kind fails at once instead of
silently refreshing nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class ChangeKind(enum.StrEnum):
    USER = "user"
    GUARDIAN_LINK = "guardian_link"
    ACTIVITY = "activity"
    ENROLLMENT = "enrollment"
    PROGRESS = "progress"
    MILESTONE = "milestone"
    SESSION = "session"
    ATTENDANCE = "attendance"
    SKILL = "skill"
    BADGE = "badge"
    CERTIFICATE = "certificate"
    PORTFOLIO = "portfolio"  # a student's features and reflections (ids: the student's)
    NOTIFICATION = "notification"
    SETTING = "setting"
    JOB = "job"  # after-commit work queued, done or still pending


def _kind(kind: object) -> ChangeKind:
    if not isinstance(kind, ChangeKind):
        raise TypeError(f"a change kind must be a ChangeKind, not {kind!r}")
    return kind


@dataclass
class Changes:
    """Kinds of record that changed, with their ids (an empty set: "some of this kind")."""

    ids: dict[ChangeKind, set[int]] = field(default_factory=dict)

    def add(self, kind: ChangeKind, *ids: int | None) -> None:
        self.ids.setdefault(_kind(kind), set()).update(i for i in ids if i is not None)

    def merge(self, other: Changes) -> None:
        for kind, ids in other.ids.items():
            self.add(kind, *ids)

    def touches(self, *kinds: ChangeKind) -> bool:
        return any(_kind(k) in self.ids for k in kinds)

    def of(self, kind: ChangeKind) -> frozenset[int]:
        """The ids of one kind that changed (empty when none, or when only the kind is known)."""
        return frozenset(self.ids.get(_kind(kind), ()))

    def __bool__(self) -> bool:
        return bool(self.ids)

    @property
    def kinds(self) -> frozenset[ChangeKind]:
        return frozenset(self.ids)

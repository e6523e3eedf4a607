"""What a write changed, so that views refresh only what is affected (Anki's OpChanges)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Changes:
    """Kinds of record that changed, with their ids.

    Kinds: "user", "guardian_link", "activity", "enrollment", "progress", "milestone",
    "session", "attendance", "skill", "badge", "certificate", "notification", "setting".
    """

    ids: dict[str, set[int]] = field(default_factory=dict)

    def add(self, kind: str, *ids: int) -> None:
        self.ids.setdefault(kind, set()).update(i for i in ids if i is not None)

    def merge(self, other: "Changes") -> None:
        for kind, ids in other.ids.items():
            self.add(kind, *ids)

    def touches(self, *kinds: str) -> bool:
        return any(k in self.ids for k in kinds)

    def __bool__(self) -> bool:
        return bool(self.ids)

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self.ids)

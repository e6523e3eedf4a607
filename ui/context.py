"""The application context: built once by ui.app and injected into every window and view."""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.domain.policy import Actor, Permission, can_ever
from tracker.services import Services
from ui.events import EventBus
from ui.tasks import TaskRunner


@dataclass
class AppContext:
    services: Services
    events: EventBus
    tasks: TaskRunner
    actor: Actor | None = None
    db_description: str = ""
    extras: dict[str, object] = field(default_factory=dict)

    def can(self, permission: Permission) -> bool:
        """Whether the current user holds the permission in some scope (to show or hide UI)."""
        return self.actor is not None and can_ever(self.actor.role, permission)

    @property
    def user(self) -> Actor:
        assert self.actor is not None, "nobody is signed in"
        return self.actor

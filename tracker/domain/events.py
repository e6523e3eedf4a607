"""Domain events and a small synchronous dispatcher.

Side effects that follow from a change (progress recomputed, completion reached, notification
raised) are handlers of these events. They run inside the same unit of work as the change that
raised them, so they are never forgotten and never half-done.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Event:
    """Base class for domain events."""


@dataclass(frozen=True)
class MilestoneCompletionChanged(Event):
    student_id: int
    activity_id: int
    milestone_id: int
    completed: bool


@dataclass(frozen=True)
class AttendanceChanged(Event):
    student_id: int
    activity_id: int


@dataclass(frozen=True)
class ActivityCompleted(Event):
    """A student met an activity's completion rules (certificates and badges hang on this)."""

    student_id: int
    activity_id: int
    progress_id: int


@dataclass(frozen=True)
class CompletionReverted(Event):
    student_id: int
    activity_id: int
    progress_id: int


Handler = Callable[[Any, Any], None]  # (unit_of_work, event) -> None


class Dispatcher:
    def __init__(self) -> None:
        self._handlers: dict[type[Event], list[Handler]] = defaultdict(list)

    def subscribe(self, kind: type[Event], handler: Handler) -> None:
        if handler not in self._handlers[kind]:
            self._handlers[kind].append(handler)

    def handlers_for(self, event: Event) -> list[Handler]:
        return list(self._handlers.get(type(event), ()))


dispatcher = Dispatcher()

"""A write's result together with what its units of work changed.

    outcome = perform(lambda: services.people.create_user(actor, data))
    outcome.result      # what the service returned
    outcome.changes     # the Changes its committed unit(s) of work collected
    outcome.failed_jobs # after-commit work that failed: committed, kept pending, retried later

The GUI's write operation (``ui/ops.py``) runs every write through ``perform`` on the writer
thread and publishes exactly ``outcome.changes``; nothing builds a change set by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from tracker.db.messagebus import JobFailure
from tracker.db.uow import collecting
from tracker.domain.changes import Changes

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    result: T
    changes: Changes = field(default_factory=Changes)
    failed_jobs: tuple[JobFailure, ...] = ()


def perform(write: Callable[[], T]) -> Outcome[T]:
    """Run a write (one or more service calls) and return its result with the changes committed.

    When it fails after an earlier unit of work in it committed, the error carries what was
    committed as ``committed`` (an Outcome with no result), so the caller can still publish it."""
    with collecting() as collected:
        try:
            result = write()
        except BaseException as exc:
            if collected.changes:
                exc.committed = Outcome(None, collected.changes, tuple(collected.failed_jobs))  # type: ignore[attr-defined]
            raise
    return Outcome(result, collected.changes, tuple(collected.failed_jobs))

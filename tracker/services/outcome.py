"""A write's result together with what its units of work changed.

    outcome = perform(lambda: services.people.create_user(actor, data))
    outcome.result      # what the service returned
    outcome.changes     # the Changes its committed unit(s) of work collected
    outcome.failed_jobs # after-commit work that failed: committed, kept pending, retried later
    outcome.notices     # what the user should decide next (a reverted completion's certificate)

The GUI's write operation (``ui/ops.py``) runs every write through ``perform`` on the writer
thread and publishes exactly ``outcome.changes``; nothing builds a change set by hand.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from tracker.db.messagebus import JobFailure
from tracker.db.uow import collecting
from tracker.domain.changes import Changes
from tracker.domain.notices import Notice
from tracker.errors import DatabaseBusy

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    result: T
    changes: Changes = field(default_factory=Changes)
    failed_jobs: tuple[JobFailure, ...] = ()
    notices: tuple[Notice, ...] = ()  # for the user to decide next (tracker.domain.notices)


def perform(write: Callable[[], T], *, busy_retries: int = 0, pause: float = 0.5) -> Outcome[T]:
    """Run a write (one or more service calls) and return its result with the changes committed.

    When it fails after an earlier unit of work in it committed, the error carries what was
    committed as ``committed`` (an Outcome with no result), so the caller can still publish it.

    ``busy_retries``: for a write that is safe to run again (it sets values, like a mark or a
    tick), try again that many times, ``pause`` seconds apart, while another writer holds the
    database; a busy write committed nothing."""
    for _ in range(busy_retries):
        try:
            return _perform(write)
        except DatabaseBusy as exc:
            if getattr(exc, "committed", None) is not None:
                raise
            time.sleep(pause)
    return _perform(write)


def _perform(write: Callable[[], T]) -> Outcome[T]:
    with collecting() as collected:
        try:
            result = write()
        except BaseException as exc:
            if collected.changes:
                exc.committed = Outcome(None, collected.changes, tuple(collected.failed_jobs))  # type: ignore[attr-defined]
            raise
    return Outcome(result, collected.changes, tuple(collected.failed_jobs), tuple(collected.notices))

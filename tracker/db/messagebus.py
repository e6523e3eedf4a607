"""The message bus: which handlers run for which domain event, and which after-commit jobs exist.

Nothing subscribes at import time. ``tracker.services.bootstrap.bootstrap(db)`` builds one bus from
two explicit tables and gives it to the database; the unit of work asks it:

* ``handle(tx, event)``: every handler of the event runs at once, inside the transaction that
  raised it (all or nothing with the change);
* ``tx.after_commit(kind, **payload)`` stores a :class:`~tracker.db.models.PendingJob` row in that
  same transaction; after the commit the job's handler runs (``run_job``). Done, the row is
  deleted; failed, it stays with its error and attempt count and ``retry_pending`` runs it again
  (at the next start, or when the user asks). A rolled-back change leaves no job behind.

Job handlers get the database and the payload (a JSON object) and must be idempotent: a job can
run again after a crash between its work and the deletion of its row. Files they write are
written atomically (temporary file + rename).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update

from tracker.db.models import PendingJob, utcnow
from tracker.domain.events import Event

if TYPE_CHECKING:
    from tracker.db.engine import Database
    from tracker.db.uow import UnitOfWork

log = logging.getLogger(__name__)

EventHandler = Callable[["UnitOfWork", Any], None]  # (unit of work, event) -> None
JobHandler = Callable[["Database", dict[str, Any]], None]  # (database, payload) -> None

MAX_EVENTS = 10_000  # per unit of work: a cascade that goes on longer is a bug


@dataclass(frozen=True)
class JobFailure:
    """An after-commit job that did not finish (it stays pending and is retried)."""

    job_id: int
    kind: str
    error: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.error}"


@dataclass(frozen=True)
class RetryReport:
    done: int
    failed: tuple[JobFailure, ...]


class MessageBus:
    """Explicit wiring of event handlers and after-commit job handlers."""

    def __init__(
        self,
        handlers: Mapping[type[Event], Sequence[EventHandler]] | None = None,
        jobs: Mapping[str, JobHandler] | None = None,
    ) -> None:
        self.handlers = {kind: tuple(hs) for kind, hs in (handlers or {}).items()}
        self.jobs = dict(jobs or {})

    def handle(self, tx: UnitOfWork, event: Event) -> None:
        for handler in self.handlers.get(type(event), ()):
            handler(tx, event)

    def check_job(self, kind: str) -> None:
        if kind not in self.jobs:
            raise LookupError(f"no after-commit job {kind!r} is wired in the bootstrap")

    def run_job(self, db: Database, job_id: int) -> JobFailure | None:
        """Run one stored job now; delete it when done, record the failure when not."""
        with db.session_factory() as s:
            row = s.execute(select(PendingJob.kind, PendingJob.payload).where(PendingJob.id == job_id)).first()
        if row is None:
            return None  # done meanwhile (another workstation, or an earlier retry)
        kind, payload = row
        handler = self.jobs.get(kind)
        try:
            if handler is None:
                raise LookupError(f"this version of the program has no job {kind!r}")
            handler(db, json.loads(payload))
        except Exception as exc:  # noqa: BLE001 - kept, reported and retried, never lost
            message = _plain(exc)
            log.warning("after-commit job %s (%s) failed: %s", job_id, kind, message, exc_info=True)
            with db.session_factory() as s, s.begin():
                s.execute(update(PendingJob).where(PendingJob.id == job_id).values(
                    attempts=PendingJob.attempts + 1, last_error=message, last_tried_at=utcnow(),
                    version=PendingJob.version + 1))
            return JobFailure(job_id, kind, message)
        with db.session_factory() as s, s.begin():
            s.execute(delete(PendingJob).where(PendingJob.id == job_id))
        return None

    def retry_pending(self, db: Database) -> RetryReport:
        """Run every pending job once more, oldest first."""
        with db.session_factory() as s:
            ids = list(s.scalars(select(PendingJob.id).order_by(PendingJob.id)))
        failed = [f for f in (self.run_job(db, i) for i in ids) if f is not None]
        return RetryReport(len(ids) - len(failed), tuple(failed))


def _plain(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return text.splitlines()[0][:300]

"""After-commit work that is still pending: how much, what went wrong, and "try again now".

Any signed-in, active account may see and retry it: it is the school's work left over from
committed changes (a certificate file to write, a message to deliver), not anyone's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from tracker.db.messagebus import RetryReport
from tracker.db.models import PendingJob
from tracker.db.uow import bus_of, read_only, record_changes
from tracker.domain.changes import ChangeKind, Changes
from tracker.domain.policy import Actor
from tracker.services.base import Service, require_active


@dataclass(frozen=True)
class PendingJobInfo:
    id: int
    kind: str
    attempts: int
    last_error: str | None
    queued_at: datetime
    last_tried_at: datetime | None


class JobService(Service):
    def pending(self, actor: Actor) -> list[PendingJobInfo]:
        """The jobs not done yet, oldest first."""
        with read_only(self.db) as s:
            require_active(s, actor)
            rows = s.execute(select(PendingJob.id, PendingJob.kind, PendingJob.attempts, PendingJob.last_error,
                                    PendingJob.created_at, PendingJob.last_tried_at).order_by(PendingJob.id))
            return [PendingJobInfo(*r) for r in rows]

    def retry(self, actor: Actor) -> RetryReport:
        """Run every pending job once more (at start and when the user asks)."""
        with read_only(self.db) as s:
            require_active(s, actor)
        report = bus_of(self.db).retry_pending(self.db)
        changes = Changes()
        changes.add(ChangeKind.JOB)
        record_changes(changes)
        return report

"""The unit of work: the only place a Session is opened, committed, rolled back and closed.

    with unit_of_work(db) as tx:
        tx.session.add(...)
        tx.audit(actor, "update", "activity", activity.id, before, after)
        tx.emit(SomethingHappened(...))
    # committed here, all or nothing

Stale versions become :class:`ConflictError`; integrity errors become :class:`ValidationError`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tracker.db.models import AuditEntry
from tracker.domain.changes import Changes
from tracker.domain.events import Event, dispatcher
from tracker.errors import ConflictError, ValidationError

if TYPE_CHECKING:
    from tracker.db.engine import Database
    from tracker.domain.policy import Actor


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    return value


@dataclass
class UnitOfWork:
    session: Session
    changes: Changes = field(default_factory=Changes)
    _events_seen: int = 0

    def audit(
        self,
        actor: "Actor | None",
        action: str,
        entity: str,
        entity_id: int | None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.session.add(
            AuditEntry(
                actor_id=actor.id if actor else None,
                action=action,
                entity=entity,
                entity_id=entity_id,
                before=json.dumps(_jsonable(before), sort_keys=True) if before is not None else None,
                after=json.dumps(_jsonable(after), sort_keys=True) if after is not None else None,
            )
        )

    def emit(self, event: Event) -> None:
        """Run the event's handlers now, inside this transaction."""
        self._events_seen += 1
        if self._events_seen > 10_000:
            raise RuntimeError("event cascade does not terminate")
        for handler in dispatcher.handlers_for(event):
            handler(self, event)


@contextmanager
def unit_of_work(db: "Database") -> Iterator[UnitOfWork]:
    session = db.session_factory()
    tx = UnitOfWork(session)
    try:
        yield tx
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise ConflictError(
            "Someone else changed this record while you were editing it. "
            "Nothing was overwritten; reload and try again."
        ) from exc
    except IntegrityError as exc:
        session.rollback()
        raise ValidationError(
            f"The change conflicts with existing data and was not saved ({_constraint(exc)})."
        ) from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _constraint(exc: IntegrityError) -> str:
    text = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    return text[:200]


@contextmanager
def read_only(db: "Database") -> Iterator[Session]:
    """A short session for reads; never commits."""
    session = db.session_factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()

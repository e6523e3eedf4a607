"""The unit of work: the only place a Session is opened, committed, rolled back and closed.

    with unit_of_work(db) as tx:
        tx.session.add(...)
        tx.audit(actor, "update", "activity", activity.id, before, after)
        tx.emit(SomethingHappened(...))          # its handlers run now, in this transaction
        tx.after_commit("write_file", path=...)  # stored now, run once the commit succeeded
    # committed here, all or nothing; then the after-commit jobs run

Stale versions become :class:`ConflictError`; integrity errors become :class:`ValidationError`.

What a committed unit of work changed (``tx.changes``) and which of its after-commit jobs failed
are handed to the :func:`collecting` block around it, if any: that is how a write's caller gets
"the result together with the changes" (``tracker.services.outcome.perform``) without every
service returning a wrapper.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tracker.db.engine import WRITE
from tracker.db.messagebus import MAX_EVENTS, JobFailure, MessageBus
from tracker.db.models import AuditEntry, PendingJob
from tracker.domain.changes import ChangeKind, Changes
from tracker.domain.events import Event
from tracker.domain.notices import Notice
from tracker.errors import (
    ConflictError,
    DatabaseBusy,
    DatabaseError,
    NotAvailableOffline,
    ServerUnreachable,
    ValidationError,
)

if TYPE_CHECKING:
    from tracker.db.engine import Database
    from tracker.domain.policy import Actor


@dataclass
class Collected:
    """What the committed units of work inside one :func:`collecting` block did."""

    changes: Changes = field(default_factory=Changes)
    failed_jobs: list[JobFailure] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


_collector: ContextVar[Collected | None] = ContextVar("uow_collector", default=None)

#: work that must commit with the next units of work of this thread (:func:`joining`)
_joined: ContextVar[tuple[Callable[["UnitOfWork"], None], ...]] = ContextVar("uow_joined", default=())


@contextmanager
def joining(hook: Callable[["UnitOfWork"], None]) -> Iterator[None]:
    """Run ``hook(tx)`` inside every unit of work begun in the block on this thread, just before
    it commits: what has to be stored with a change or not at all (the offline queue's entry for
    a mark made offline, the key of a change applied from a workstation's queue). A unit of work
    that rolls back takes the hook's writes with it."""
    token = _joined.set(_joined.get() + (hook,))
    try:
        yield
    finally:
        _joined.reset(token)


def _nothing(tx: "UnitOfWork") -> None:
    pass


def local_only() -> AbstractContextManager[None]:
    """Writes in the block concern this workstation only and are allowed on an offline replica
    (signing in there counts failed attempts); they are never sent to the school database."""
    return joining(_nothing)


@contextmanager
def collecting() -> Iterator[Collected]:
    """Collect the changes (and failed after-commit jobs) of every unit of work committed inside
    the block on this thread; rolled-back ones add nothing."""
    collected = Collected()
    token = _collector.set(collected)
    try:
        yield collected
    finally:
        _collector.reset(token)


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
    bus: MessageBus
    changes: Changes = field(default_factory=Changes)
    notices: list[Notice] = field(default_factory=list)
    _events_seen: int = 0
    _jobs: list[PendingJob] = field(default_factory=list)
    _before_commit: dict[str, Callable[[UnitOfWork], None]] = field(default_factory=dict)

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
        if self._events_seen > MAX_EVENTS:
            raise RuntimeError("event cascade does not terminate")
        self.bus.handle(self, event)

    def before_commit(self, key: str, hook: Callable[[UnitOfWork], None]) -> None:
        """Run ``hook(tx)`` once, just before this unit of work commits (inside the transaction).

        For handlers that gather what a whole change did before acting on it (one grouped
        notification for a class marked at once): registering the same key again is a no-op.
        Hooks run in the order registered; one may emit events and register further hooks."""
        self._before_commit.setdefault(key, hook)

    def _run_before_commit(self) -> None:
        while self._before_commit:
            key = next(iter(self._before_commit))
            self._before_commit.pop(key)(self)

    def notice(self, notice: Notice) -> None:
        """Something for the person who made the change to decide, told once this commits."""
        self.notices.append(notice)

    def after_commit(self, kind: str, **payload: Any) -> None:
        """Queue work on the outside world for after the commit. It is stored in this transaction
        (so it is lost only if the change is), run once the commit succeeded, and kept for a
        retry when it fails."""
        self.bus.check_job(kind)
        job = PendingJob(kind=kind, payload=json.dumps(_jsonable(payload), sort_keys=True), attempts=0)
        self.session.add(job)
        self._jobs.append(job)
        self.changes.add(ChangeKind.JOB)


def record_changes(changes: Changes) -> None:
    """Hand changes made outside a unit of work (after-commit jobs retried) to the collector."""
    collected = _collector.get()
    if collected is not None:
        collected.changes.merge(changes)


def bus_of(db: "Database") -> MessageBus:
    if db.bus is None:
        raise RuntimeError("the database has no message bus: call tracker.services.bootstrap.bootstrap(db)")
    return db.bus


@contextmanager
def unit_of_work(db: "Database") -> Iterator[UnitOfWork]:
    bus = bus_of(db)
    if db.read_only:
        raise DatabaseError(READ_ONLY)
    joined = _joined.get()
    if db.offline_reason is not None and not joined:
        raise NotAvailableOffline(db.offline_reason)
    session = db.session_factory()
    tx = UnitOfWork(session, bus)
    for number, hook in enumerate(joined):
        tx.before_commit(f"joined:{number}", hook)
    try:
        session.connection(execution_options={WRITE: True})  # SQLite: BEGIN IMMEDIATE
        yield tx
        tx._run_before_commit()
        session.flush()
        job_ids = [job.id for job in tx._jobs]
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
    except DBAPIError as exc:
        session.rollback()
        raise plain_database_error(exc, saving=True) from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    failed = [f for f in (bus.run_job(db, i) for i in job_ids) if f is not None]
    collected = _collector.get()
    if collected is not None:
        collected.changes.merge(tx.changes)
        collected.failed_jobs.extend(failed)
        collected.notices.extend(tx.notices)


def _driver_message(exc: DBAPIError) -> str:
    """The driver's own first line: never SQLAlchemy's text, which carries the SQL and its
    parameters (students' names and e-mails in a bulk import)."""
    text = str(exc.orig).strip() if exc.orig is not None else type(exc).__name__
    return (text.splitlines() or [type(exc).__name__])[0][:200]


def _constraint(exc: IntegrityError) -> str:
    return _driver_message(exc)


READ_ONLY = ("The database is read-only: changes cannot be saved. Ask IT to give you write access "
             "to the database file and its folder.")


def plain_database_error(exc: DBAPIError, *, saving: bool) -> DatabaseError:
    """What a person is told when the database itself fails (busy, full, read-only, damaged)."""
    reason = _driver_message(exc)
    low = reason.lower()
    nothing = " Nothing was saved." if saving else ""
    if "locked" in low or "busy" in low or "could not obtain lock" in low or "deadlock" in low:
        return DatabaseBusy("The database is busy with another change; try again in a moment." + nothing)
    if "disk is full" in low or "no space left" in low or "disk full" in low:
        return DatabaseError("The disk is full, so the change could not be saved. Free some space and "
                             "try again." if saving else "The disk is full. Free some space and try again.")
    if "readonly" in low or "read-only" in low:
        return DatabaseError(READ_ONLY)
    if "malformed" in low or "not a database" in low or "corrupt" in low:
        return DatabaseError("The database file is damaged (" + reason + "). Restore it from a backup "
                             "(Settings ▸ Database) or ask IT for help.")
    if ("connection" in low or "server closed" in low or "terminating" in low or "could not connect" in low
            or "timeout expired" in low or "network is unreachable" in low):
        return ServerUnreachable("The connection to the database server was lost (" + reason + ")."
                             + nothing + " Check the network and try again.")
    return DatabaseError(f"The database reported a problem ({reason}).{nothing}")


@contextmanager
def read_only(db: "Database") -> Iterator[Session]:
    """A short session for reads; never commits."""
    session = db.session_factory()
    try:
        yield session
    except DBAPIError as exc:
        raise plain_database_error(exc, saving=False) from exc
    finally:
        session.rollback()
        session.close()


T = TypeVar("T")

#: the threads of :func:`alongside` (reads only: a few at a time is plenty)
_ALONGSIDE = ThreadPoolExecutor(max_workers=2, thread_name_prefix="read-alongside")


def alongside(db: Database | None, work: Callable[[Session], T]) -> Future[T] | None:
    """``work`` started now in another thread, on a read-only session and a connection of its
    own: a read that the database can run while this thread reads something else (the drivers
    let go of Python while a statement runs). ``result()`` gives what it returned or raises what
    it raised. None — the caller runs ``work`` itself — without ``db``, or when the database is
    an in-memory SQLite one (it lives in one connection: another would be a new, empty one)."""
    if db is None or (db.engine.url.get_backend_name() == "sqlite"
                      and db.engine.url.database in (None, "", ":memory:")):
        return None

    def run() -> T:
        with read_only(db) as session:
            return work(session)

    return _ALONGSIDE.submit(run)

"""The services of a workstation on a shared school database: online while the server answers,
on the replica (with the queue) while it does not.

:class:`RoutedServices` is a :class:`~tracker.services.Services`: ``services.attendance.apply(…)``
goes to the server; when the server cannot be reached (``ServerUnreachable``, at start or in the
middle of a session) the same call goes to the replica, where marks and ticks are queued and the
work that needs the whole school is refused with a reason (``NotAvailableOffline``). The GUI asks
:meth:`RoutedServices.try_online` now and then, and on "Sync now": when the server answers, the
queue is sent and the services go back to it. Listeners hear every switch (on the thread that
made it: the GUI marshals).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tracker.db.engine import Database
from tracker.db.uow import local_only
from tracker.domain.policy import Actor
from tracker.errors import DatabaseError, NotAvailableOffline, ServerUnreachable
from tracker.offline import replica as replicas
from tracker.offline.queue import OfflineServices, waiting
from tracker.offline.sync import DecisionRow, SyncReport, decide, decisions, push, reachable
from tracker.services import Services

log = logging.getLogger(__name__)

#: capabilities that need the whole school: refused offline, with a reason
SCHOOL_ONLY = {
    "imports": "Importing rosters",
    "privacy": "Privacy requests",
    "audit": "The audit log",
    "backups": "Backups",
    "email": "E-mail",
    "letters": "Letters to parents",
    "exports": "Exports",
    "leaderboards": "Leaderboards",
}
#: single operations that need the whole school
SCHOOL_ONLY_CALLS = {("analytics", "school_analytics"): "Analytics across activities",
                     ("analytics", "effectiveness"): "Analytics across activities"}

Listener = Callable[[], None]


def offline_refusal(what: str) -> NotAvailableOffline:
    return NotAvailableOffline(f"{what} needs the school database, which cannot be reached now. "
                               "It will work again when the connection is back.")


class _Capability:
    def __init__(self, router: RoutedServices, name: str) -> None:
        self._router = router
        self._name = name

    def __getattr__(self, method: str) -> Any:
        # whatever is open now says whether it is a method; nothing is opened here (this may run on
        # the GUI thread, which must not touch a database)
        router = self._router
        now = router._offline if router._offline is not None else router._server
        if now is not None:
            value = getattr(getattr(now, self._name), method)
            if not callable(value):
                return value

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._router.call(self._name, method, args, kwargs)
        return call


class RoutedServices(Services):
    """See the module's text. ``server`` is None when the program started offline."""

    def __init__(self, target: str, server: Services | None, *, replica_path: Path | None = None) -> None:
        # deliberately no Services.__init__: every capability is looked up on the current services
        self.target = target
        self.replica_path = replica_path or replicas.replica_path(target)
        self._server = server
        self._offline: OfflineServices | None = None
        self._lock = threading.RLock()
        self._listeners: list[Listener] = []
        self.actor: Actor | None = None
        self.offline_since_start = server is None
        self._probe: Database | None = None  # started offline: an engine to ask the server with

    # ------------------------------------------------------------------ state

    @property
    def online(self) -> bool:
        return self._offline is None and self._server is not None

    @property
    def db(self) -> Database:  # type: ignore[override]
        return self.current().db

    @property
    def server(self) -> Services | None:
        return self._server

    @property
    def replica(self) -> OfflineServices | None:
        return self._offline

    def current(self) -> Services:
        with self._lock:
            if self._offline is None and self._server is not None:
                return self._server
            return self._offline_services()

    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _tell(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:  # noqa: BLE001 - a listener's failure never stops the switch
                log.warning("an offline listener failed", exc_info=True)

    def has_replica(self) -> bool:
        return self.replica_path.is_file()

    def waiting(self) -> int:
        """Changes kept on this computer, not yet sent."""
        if self._offline is not None:
            return waiting(self._offline.db)
        if not self.has_replica():
            return 0
        summary = replicas.replica_summary(self.replica_path)
        return summary.waiting

    def _offline_services(self) -> OfflineServices:
        if self._offline is None:
            try:
                db = replicas.open_replica(self.replica_path, server=self.target,
                                           user_id=self.actor.id if self.actor else None)
            except replicas.ReplicaUnusable as exc:
                raise ServerUnreachable(f"The school database cannot be reached, and {str(exc)[0].lower()}"
                                        f"{str(exc)[1:]}") from exc
            self._offline = OfflineServices(db)
        return self._offline

    def go_offline(self) -> None:
        """Work on the replica from now on (the server stopped answering)."""
        with self._lock:
            if self._offline is not None:
                return
            self._offline_services()
        log.warning("the school database cannot be reached: working offline")
        self._tell()

    # ------------------------------------------------------------------ calls

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return _Capability(self, name)

    def call(self, capability: str, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        server = self._server
        if self._offline is None and server is not None:
            try:
                return getattr(getattr(server, capability), method)(*args, **kwargs)
            except ServerUnreachable:
                if not self.has_replica():
                    raise
                self.go_offline()
        offline = self.current()
        if not isinstance(offline, OfflineServices):  # back online meanwhile
            return getattr(getattr(offline, capability), method)(*args, **kwargs)
        if capability in SCHOOL_ONLY:
            raise offline_refusal(SCHOOL_ONLY[capability])
        if (capability, method) in SCHOOL_ONLY_CALLS:
            raise offline_refusal(SCHOOL_ONLY_CALLS[(capability, method)])
        if capability == "auth":
            with local_only():
                return getattr(offline.auth, method)(*args, **kwargs)
        return getattr(getattr(offline, capability), method)(*args, **kwargs)

    # ------------------------------------------------------------------ back online

    def server_answers(self) -> bool:
        """Whether the school database answers now: one short query, safe on any thread (the
        probe runs it on a reader thread, so that marks made offline never wait behind it)."""
        if self._server is not None:
            return reachable(self._server.db)
        with self._lock:
            if self._probe is None:
                self._probe = Database.connect(self.target)  # an engine only: connects on use
        return reachable(self._probe)

    def try_online(self, *, progress: Callable[[int, int, str], None] | None = None,
                   cancelled: Callable[[], bool] | None = None) -> SyncReport | None:
        """If the server answers: send the waiting changes and work online again. Returns the
        report (None: the server still does not answer)."""
        server = self._server
        if server is None:
            try:
                from tracker.services.bootstrap import open_database

                db, _ = open_database(self.target)
            except DatabaseError:
                return None
            server = Services(db)
        elif not reachable(server.db):
            return None
        report = SyncReport()
        if self.has_replica() and self.actor is not None:
            replica_db = self._offline.db if self._offline is not None else None
            opened_here = replica_db is None
            if replica_db is None:
                try:
                    replica_db = replicas.open_replica(self.replica_path, server=self.target, user_id=self.actor.id)
                except replicas.ReplicaUnusable:
                    replica_db = None
            if replica_db is not None:
                try:
                    report = push(server, replica_db, self.actor, progress=progress, cancelled=cancelled)
                finally:
                    if opened_here:
                        replica_db.dispose()
        if report.stopped and report.left:
            if self._server is None:
                server.db.dispose()
            return report
        switched = False
        with self._lock:
            if self._server is None:
                self._server = server
            if self._offline is not None:
                self._offline.db.dispose()
                self._offline = None
                switched = True
        if switched or self.offline_since_start:
            self.offline_since_start = False
            self._tell()
        return report

    def refresh_replica(self, *, activity_ids: list[int] | None = None, everything: bool = False,
                        progress: Callable[[int, int, str], None] | None = None) -> replicas.ReplicaSummary:
        """Bring the replica up to date (online, with nothing waiting to be sent): for the activities
        it already holds, or the ones given ("Take activities offline")."""
        if self.actor is None or self._server is None or self._offline is not None:
            raise offline_refusal("Preparing this computer for offline work")
        if self.has_replica():
            summary = replicas.replica_summary(self.replica_path)
            if summary.waiting:
                raise NotAvailableOffline(f"{summary.waiting} change(s) made offline have not been sent yet: "
                                          "use Sync now first.")
            if activity_ids is None and not everything and summary.user_id == self.actor.id:
                activity_ids = list(summary.activity_ids) if not summary.everything else None
                everything = summary.everything
        return replicas.build_replica(self._server.db, self.actor, path=self.replica_path,
                                      activity_ids=activity_ids, everything=everything, progress=progress)

    # ------------------------------------------------------------------ the replica, for screens

    def replica_summary(self) -> replicas.ReplicaSummary | None:
        """What this computer holds for offline work (None: nothing yet)."""
        if not self.has_replica():
            return None
        try:
            return replicas.replica_summary(self.replica_path)
        except (replicas.ReplicaUnusable, DatabaseError):
            return None

    def _with_replica(self, use: Callable[[Database], Any]) -> Any:
        if self._offline is not None:
            return use(self._offline.db)
        db = replicas.open_replica(self.replica_path, server=self.target)
        try:
            return use(db)
        finally:
            db.dispose()

    def decisions(self) -> list[DecisionRow]:
        """The changes made offline that wait for the signed-in user's decision."""
        if self.actor is None or not self.has_replica():
            return []
        actor = self.actor
        return self._with_replica(lambda db: decisions(db, actor)) or []

    def decide(self, decision_id: int, *, use_mine: bool) -> str:
        """Keep theirs / use mine (needs the school database)."""
        if self.actor is None or self._server is None or self._offline is not None:
            raise offline_refusal("Deciding between two values")
        server, actor = self._server, self.actor
        return str(self._with_replica(lambda db: decide(server, db, actor, decision_id, use_mine=use_mine)))

    def wipe_replica(self, *, force: bool = False) -> bool:
        """Delete this computer's offline copy (signing out of a shared workstation); refused while
        changes wait to be sent or decided unless ``force``."""
        if self._offline is not None:
            return False
        return replicas.wipe_replica(self.replica_path, force=force)

    def dispose(self) -> None:
        if self._probe is not None:
            self._probe.dispose()
        if self._offline is not None:
            self._offline.db.dispose()
            self._offline = None
        if self._server is not None:
            self._server.db.dispose()

"""The background sender: one thread per open database that sends the outbox while the program runs.

After-commit jobs run on the thread that committed (the GUI's writer thread), so the
``send_email`` job must not talk to a mail server: it only wakes this thread, which sends what is
due and then sleeps until the next message is due (a back-off, a digest hour) or until woken
again — at most ``MAX_SLEEP``, so that messages queued by another workstation go too. It is a
daemon thread; when the program exits, the current message is given a few seconds to finish and
anything not sent stays queued (the outbox's steps make an interruption safe).
"""

from __future__ import annotations

import atexit
import logging
import threading
from datetime import timedelta
from typing import Any

from tracker.db.engine import Database
from tracker.db.models import utcnow
from tracker.services.email_send import next_due, send_due

log = logging.getLogger(__name__)

MAX_SLEEP = timedelta(minutes=15)
MIN_SLEEP = timedelta(seconds=1)


class BackgroundSender:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="email-sender", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def nudge(self) -> None:
        """Send what is due now (returns at once)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping = True
        self._wake.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping:
            try:
                report = send_due(self.db)
                due = next_due(self.db)
            except Exception:  # noqa: BLE001 - the database may be busy or gone: try again later
                log.warning("the e-mail sender's pass failed", exc_info=True)
                due = None
            else:
                if report.not_configured:
                    return  # e-mail is off: no thread waits for nothing; the next nudge starts one
            wait = MAX_SLEEP if due is None else min(max(due - utcnow(), MIN_SLEEP), MAX_SLEEP)
            self._wake.wait(wait.total_seconds())
            self._wake.clear()


_senders: dict[int, BackgroundSender] = {}
_lock = threading.Lock()


def sender_for(db: Database) -> BackgroundSender:
    """The database's sender, started on first use."""
    with _lock:
        sender = _senders.get(id(db))
        if sender is None or sender.db is not db or not sender.running:
            sender = _senders[id(db)] = BackgroundSender(db)
            sender.start()
        return sender


def stop_sender(db: Database, timeout: float = 5.0) -> None:
    with _lock:
        sender = _senders.pop(id(db), None)
    if sender is not None and sender.db is db:
        sender.stop(timeout)


def stop_all(timeout: float = 5.0) -> None:
    with _lock:
        senders = list(_senders.values())
        _senders.clear()
    for sender in senders:
        sender.stop(timeout)


atexit.register(stop_all)


def send_email_job(db: Database, payload: dict[str, Any]) -> None:
    """The after-commit job ``send_email``: wake the sender; never waits for the network."""
    sender_for(db).nudge()

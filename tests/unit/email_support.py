"""A local SMTP server on loopback (aiosmtpd) that counts what it received by Message-ID, and
helpers to set the school's e-mail up and put notifications in the outbox."""

from __future__ import annotations

import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session

from tracker.db.engine import Database
from tracker.db.models import Notification, NotificationPreference, User
from tracker.db.uow import unit_of_work
from tracker.domain.policy import Actor
from tracker.services import Services
from tracker.services.email_outbox import queue
from tracker.services.email_settings import SmtpSettings


@dataclass
class Mailbox:
    """What the server took: the messages, and how often each Message-ID arrived."""

    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:  # noqa: N802
        with self.lock:
            self.messages.append(message_from_bytes(envelope.original_content or b"", policy=policy.default))
        return "250 OK"

    @property
    def ids(self) -> Counter[str]:
        with self.lock:
            return Counter(str(m["Message-ID"]) for m in self.messages)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, mailbox: Mailbox, **options: Any) -> Controller:
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    return controller


def set_up_email(services: Services, admin: Actor, port: int, *, security: str = "none",
                 username: str = "", password: str | None = None) -> None:
    services.email.save_smtp_settings(admin, SmtpSettings(
        host="127.0.0.1", port=port, security=security, username=username,
        from_address="office@school.test"), password)


def want_email(db: Database, user_id: int, *, address: str, digest: bool = False) -> None:
    with unit_of_work(db) as tx:
        tx.session.get_one(User, user_id).email = address
        tx.session.add(NotificationPreference(user_id=user_id, kind="*", inbox=True, desktop=True,
                                              email=True, digest=digest))


def notify(db: Database, user_id: int, title: str, kind: str = "milestone_completed") -> bool:
    """A notification created the way the rules create them: queued in the same transaction."""
    with unit_of_work(db) as tx:
        n = Notification(user_id=user_id, kind=kind, title=title, body=f"{title}: well done.")
        tx.session.add(n)
        tx.session.flush()
        return queue(tx, n, tx.session.get_one(User, user_id))

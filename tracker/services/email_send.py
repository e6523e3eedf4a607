"""The outbox's sender: every due message goes out once, in the order queued.

Each message goes through committed steps, so a process killed at any point loses nothing and
never sends twice by itself:

1. **claimed** — status ``sending``, ``attempts`` + 1, ``next_attempt_at`` = now + ``LEASE`` (in its
   own short transaction, before the server is contacted). Another workstation's sender leaves a
   claimed message alone until its lease has run out.
2. the connection, ``MAIL FROM``, ``RCPT TO`` and the whole text after ``DATA`` — all of which an
   SMTP server throws away when the connection breaks before the final ``.``;
3. **handed over** — ``sent_at`` set (committed) *before* the final ``.`` is written;
4. **sent** — ``status = 'sent'`` once the server answered 250.

A message found ``sending`` after its lease (its process died) is claimed again when it was never
handed over (step 2: the server cannot have it). One that *was* handed over but never confirmed
is in the one window no SMTP client can close (the server may or may not have taken it): it is
set aside as ``failed`` with a plain explanation and sent again only when a person says so
(``resend``); its Message-ID stays the same, so a receiving system that de-duplicates by
Message-ID drops the copy.

On failure a message goes back to ``queued`` with a back-off of 1, 2, 4… minutes (at most an
hour) and its error in plain words; a permanent refusal by the server (5xx) makes it ``failed``.

Daily digests: queued as ``digest`` rows due at the digest hour; when due, one transaction turns a
recipient's rows into one ordinary message (its own Message-ID) listing them all.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
import textwrap
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, delete, func, or_, select, update

from tracker.db.engine import Database
from tracker.db.models import OutboxMessage, utcnow
from tracker.services.email_settings import PasswordUnavailable, SmtpSettings, load_smtp, read_password

QUEUED, DIGEST, SENDING, SENT, FAILED = "queued", "digest", "sending", "sent", "failed"
LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=1)
TIMEOUT_SECONDS = 20.0
FOOTER = ("\n\n-- \nSent by Activity Tracker. To choose which messages come by e-mail (or none), sign in "
          "and open Notification preferences.\n")
UNCONFIRMED = ("The program stopped just as the server was taking this message, so it may have been "
               "delivered. It is not sent again by itself (no duplicates): resend it if it did not arrive.")

#: (step name) -> None; tests use it to stop the process between steps ("claimed", "handed_over", "accepted")
StepHook = Callable[[str], None]


@dataclass(frozen=True)
class SendReport:
    """What one pass of the sender did."""

    sent: int = 0
    failed: int = 0  # tried and not sent (queued again for later, or failed for good)
    waiting: int = 0  # still queued and not due yet (or the sender is not set up)
    errors: tuple[str, ...] = field(default=())
    not_configured: bool = False

    @property
    def ok(self) -> bool:
        return self.failed == 0 and not self.not_configured

    def line(self) -> str:
        if self.not_configured:
            return f"E-mail is not set up (no SMTP server): {self.waiting} message(s) wait in the outbox."
        text = f"{self.sent} sent, {self.failed} not sent, {self.waiting} waiting for later."
        return text + (f" Last error: {self.errors[-1]}" if self.errors else "")


def message_id_for(from_address: str) -> str:
    """A Message-ID fixed when a message is queued: a retry is the same message."""
    domain = from_address.rpartition("@")[2].strip() or "activity-tracker.invalid"
    return f"<{uuid.uuid4().hex}@{domain}>"


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8… minutes after the 1st, 2nd, 3rd… failed attempt, never more than an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def build_message(settings: SmtpSettings, *, to: str, subject: str, body: str, message_id: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.from_address
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["Date"] = format_datetime(datetime.now().astimezone())
    msg["Auto-Submitted"] = "auto-generated"  # no vacation replies to the school's sender
    msg.set_content(body)
    return msg


def tls_context() -> ssl.SSLContext:
    """The certificate checks for STARTTLS and SSL (the system's trusted authorities)."""
    return ssl.create_default_context()


def connect(settings: SmtpSettings, password: str | None, *, timeout: float = TIMEOUT_SECONDS) -> smtplib.SMTP:
    """An SMTP session, encrypted as configured and logged in when there is a user name."""
    conn: smtplib.SMTP
    if settings.security == "ssl":
        conn = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=tls_context())
    else:
        conn = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    try:
        conn.ehlo()
        if settings.security == "starttls":
            conn.starttls(context=tls_context())
            conn.ehlo()
        if settings.username:
            conn.login(settings.username, password or "")
    except BaseException:
        _close(conn)
        raise
    return conn


def transmit(conn: smtplib.SMTP, msg: EmailMessage, *, before_final_dot: Callable[[], None]) -> None:
    """``sendmail`` split at the one point that matters: ``before_final_dot`` runs after the whole
    text was written and before the "." that makes the server take it."""
    sender, to = str(msg["From"]), str(msg["To"])
    code, reply = conn.mail(sender)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = conn.rcpt(to)
    if code not in (250, 251):
        raise smtplib.SMTPRecipientsRefused({to: (code, reply)})
    code, reply = conn.docmd("DATA")
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    data = re.sub(rb"(?m)^\.", b"..", msg.as_bytes(policy=msg.policy.clone(linesep="\r\n")))
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    conn.send(data)
    before_final_dot()
    conn.send(b".\r\n")
    code, reply = conn.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)


def plain_error(exc: BaseException, settings: SmtpSettings) -> str:
    """What went wrong, in words a school secretary can act on, naming the server."""
    where = settings.describe()
    if isinstance(exc, PasswordUnavailable):
        return f"Cannot log in to {where}: {exc}."
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"{where} refused the user name or password ({_reply(exc)})."
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"{where} refused the address {', '.join(exc.recipients)} ({_reply(exc)})."
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{where} refused the message ({_reply(exc)})."
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"{where} does not offer {'STARTTLS' if settings.security == 'starttls' else 'this'} ({exc})."
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return f"The secure connection to {where} failed ({exc.__class__.__name__}: {exc}); check the security setting."
    if isinstance(exc, socket.gaierror):
        return f"The server name {settings.host} is not known (no network, or a typing mistake)."
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"{where} did not answer in time (no network?)."
    if isinstance(exc, ConnectionRefusedError):
        return f"{where} refused the connection (wrong port, or the server is down)."
    if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
        return f"The connection to {where} failed ({exc.strerror if isinstance(exc, OSError) and exc.strerror else exc})."
    return f"Sending through {where} failed ({type(exc).__name__}: {exc})."


def _reply(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, raw_reply = next(iter(exc.recipients.values()))
        raw: bytes | str = raw_reply
    elif isinstance(exc, smtplib.SMTPResponseException):
        code, raw = exc.smtp_code, exc.smtp_error
    else:
        return str(exc)
    words = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return f"{code} {words}".strip()[:200]


def _permanent(exc: BaseException) -> bool:
    """A 5xx refusal of this message or address: trying again later would get the same answer.
    (A refused login is not: the administrator may fix the password.)"""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return (isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500
            and not isinstance(exc, smtplib.SMTPAuthenticationError))


def _close(conn: smtplib.SMTP | None) -> None:
    if conn is None:
        return
    try:
        conn.quit()
    except Exception:  # noqa: BLE001 - a broken connection is closed either way
        conn.close()


# --------------------------------------------------------------------------- the steps, each committed


def _claim(db: Database, message_id: int, now: datetime) -> OutboxMessage | None:
    """Step 1: take a due message (or one whose sender died before handing it over)."""
    due = or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now)
    claimable = or_(OutboxMessage.status == QUEUED,
                    and_(OutboxMessage.status == SENDING, OutboxMessage.sent_at.is_(None)))
    with db.session_factory() as s, s.begin():
        taken = rowcount(s.execute(update(OutboxMessage).where(OutboxMessage.id == message_id, claimable, due).values(
            status=SENDING, attempts=OutboxMessage.attempts + 1, next_attempt_at=now + LEASE,
            version=OutboxMessage.version + 1)))
        return s.get(OutboxMessage, message_id) if taken else None


def _set(db: Database, message_id: int, **values: object) -> None:
    with db.session_factory() as s, s.begin():
        s.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(
            version=OutboxMessage.version + 1, **values))


def _handing_over(db: Database, message_id: int, step: StepHook) -> Callable[[], None]:
    """Step 3, run just before the final ".": from here on the server may have the message."""
    def handed_over() -> None:
        _set(db, message_id, sent_at=utcnow())
        step("handed_over")
    return handed_over


def rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def _set_aside_unconfirmed(db: Database, now: datetime) -> None:
    """Messages handed over by a sender that died before the server's answer: not resent."""
    with db.session_factory() as s, s.begin():
        s.execute(update(OutboxMessage).where(
            OutboxMessage.status == SENDING, OutboxMessage.sent_at.is_not(None),
            OutboxMessage.next_attempt_at <= now).values(
            status=FAILED, last_error=UNCONFIRMED, version=OutboxMessage.version + 1))


def assemble_digests(db: Database, now: datetime) -> int:
    """Turn each recipient's due digest rows into one message; returns how many were made."""
    made = 0
    with db.session_factory() as s, s.begin():
        rows = list(s.scalars(select(OutboxMessage).where(
            OutboxMessage.status == DIGEST, OutboxMessage.next_attempt_at <= now).order_by(OutboxMessage.id)))
        by_recipient: dict[tuple[int | None, str], list[OutboxMessage]] = {}
        for row in rows:
            by_recipient.setdefault((row.user_id, row.to_address), []).append(row)
        from_address = load_smtp(s).from_address
        for (user_id, address), items in by_recipient.items():
            count = len(items)
            lines = [f"• {item.subject}\n" + textwrap.indent(item.body.removesuffix(FOOTER).strip(), "  ")
                     for item in items]
            body = (f"Your daily summary from Activity Tracker: {count} update{'s' if count != 1 else ''}.\n\n"
                    + "\n\n".join(lines) + FOOTER)
            s.add(OutboxMessage(user_id=user_id, to_address=address, digest=True, status=QUEUED,
                                subject=f"Activity Tracker: {count} update{'s' if count != 1 else ''} today",
                                body=body, message_id=message_id_for(from_address), attempts=0,
                                next_attempt_at=now))
            s.execute(delete(OutboxMessage).where(OutboxMessage.id.in_([item.id for item in items])))
            made += 1
    return made


def _due_ids(db: Database, now: datetime) -> list[int]:
    due = or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now)
    with db.session_factory() as s:
        return list(s.scalars(select(OutboxMessage.id).where(
            or_(OutboxMessage.status == QUEUED, and_(OutboxMessage.status == SENDING, OutboxMessage.sent_at.is_(None))),
            due).order_by(OutboxMessage.id)))


def next_due(db: Database) -> datetime | None:
    """When the sender next has something to do (queued, digest or a lease to run out)."""
    with db.session_factory() as s:
        return s.scalar(select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status.in_((QUEUED, DIGEST, SENDING))))


def _waiting(db: Database) -> int:
    with db.session_factory() as s:
        return int(s.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.status.in_((QUEUED, DIGEST, SENDING)))) or 0)


def send_due(db: Database, now: datetime | None = None, *, on_step: StepHook | None = None) -> SendReport:
    """One pass: send what is due now over one connection; see the module's docstring."""
    now = now or utcnow()
    step = on_step or (lambda _name: None)
    with db.session_factory() as s:
        settings = load_smtp(s)
    if not settings.configured:
        return SendReport(waiting=_waiting(db), not_configured=True)
    _set_aside_unconfirmed(db, now)
    assemble_digests(db, now)
    sent = failed = 0
    errors: list[str] = []
    conn: smtplib.SMTP | None = None
    try:
        for message_id in _due_ids(db, now):
            claimed = _claim(db, message_id, now)
            if claimed is None:
                continue  # another sender took it meanwhile
            step("claimed")
            msg = build_message(settings, to=claimed.to_address, subject=claimed.subject,
                                body=claimed.body, message_id=claimed.message_id)
            try:
                if conn is None:
                    with db.session_factory() as s:
                        password = read_password(db, s, settings)
                    conn = connect(settings, password)
                transmit(conn, msg, before_final_dot=_handing_over(db, message_id, step))
            except Exception as exc:  # noqa: BLE001 - said in the outbox and retried, never lost
                failed += 1
                error = plain_error(exc, settings)
                errors.append(error)
                if _permanent(exc):
                    _set(db, message_id, status=FAILED, last_error=error[:500], sent_at=None)
                    continue
                retry_at = now + backoff(claimed.attempts)
                _set(db, message_id, status=QUEUED, last_error=error[:500], sent_at=None, next_attempt_at=retry_at)
                _close(conn)
                conn = None
                _postpone_rest(db, now, retry_at)  # the server is unreachable: no use trying each now
                break
            step("accepted")
            _set(db, message_id, status=SENT, sent_at=utcnow(), last_error=None, next_attempt_at=None)
            sent += 1
    finally:
        _close(conn)
    return SendReport(sent=sent, failed=failed, waiting=_waiting(db), errors=tuple(errors))


def _postpone_rest(db: Database, now: datetime, retry_at: datetime) -> None:
    """After a connection failure, the other due messages wait as long as the one that failed
    (their attempt counts unchanged: they were not tried)."""
    due = or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now)
    with db.session_factory() as s, s.begin():
        s.execute(update(OutboxMessage).where(OutboxMessage.status == QUEUED, due).values(
            next_attempt_at=retry_at, version=OutboxMessage.version + 1))

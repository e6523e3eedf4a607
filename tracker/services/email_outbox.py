"""Optional e-mail: the outbox a notification is queued in, the SMTP settings, "Send test e-mail".

``queue(tx, notification, recipient)`` is called for every notification as it is created (in the
same transaction): when the school has an SMTP server and the recipient wants e-mail for that
kind and has an address, an :class:`OutboxMessage` with a fixed Message-ID is written and the
after-commit job ``send_email`` is queued (once per transaction). That job only wakes the
background sender (:mod:`tracker.services.email_background`), so a write never waits for the
network; the sender itself is :mod:`tracker.services.email_send`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select, update

from tracker.db.models import Notification, NotificationPreference, OutboxMessage, Setting, User, utcnow
from tracker.db.uow import UnitOfWork, read_only, unit_of_work
from tracker.domain.changes import ChangeKind
from tracker.domain.policy import Actor, Permission
from tracker.errors import Problem, TrackerError, ValidationError
from tracker.services.base import Service, require
from tracker.services.email_send import (
    DIGEST,
    FAILED,
    FOOTER,
    QUEUED,
    SENT,
    SendReport,
    build_message,
    connect,
    message_id_for,
    plain_error,
    rowcount,
    send_due,
    transmit,
)
from tracker.services.email_settings import (
    DEFAULT_PORTS,
    KEYRING_NOTE,
    SECURITY_CHOICES,
    SMTP_SETTING,
    STORE_KEYRING,
    STORE_NOTE,
    PasswordUnavailable,
    SmtpSettings,
    keyring_available,
    load_smtp,
    password_store,
    read_password,
    store_password,
)

SEND_JOB = "send_email"
DIGEST_HOUR = 16  # local time: the daily digest goes after school
_JOB_QUEUED = "email_send_job_queued"  # in Session.info: one job per transaction, not per notification

__all__ = ["DEFAULT_PORTS", "SECURITY_CHOICES", "SEND_JOB", "EmailService", "OutboxInfo", "SendReport",
           "SmtpSettings", "SmtpSettingsInfo", "queue"]


def _email_choice(tx: UnitOfWork, user_id: int, kind: str) -> tuple[bool, bool]:
    """(by e-mail?, as a daily digest?) for this person and kind: their choice for the kind, else
    their defaults ("*"), else no e-mail. The digest flag is always the defaults' one."""
    rows = {p.kind: p for p in tx.session.scalars(select(NotificationPreference).where(
        NotificationPreference.user_id == user_id, NotificationPreference.kind.in_((kind, "*"))))}
    chosen = rows.get(kind) or rows.get("*")
    defaults = rows.get("*")
    return (bool(chosen and chosen.email), bool(defaults and defaults.digest))


def next_digest_time(now_utc: datetime) -> datetime:
    """The next digest hour (local time), as naive UTC like every stored timestamp."""
    local_now = datetime.now().astimezone()
    offset = local_now.utcoffset() or timedelta(0)
    local = now_utc + offset
    at = datetime.combine(local.date(), time(DIGEST_HOUR))
    if at <= local:
        at += timedelta(days=1)
    return at - offset


def queue(tx: UnitOfWork, notification: Notification, recipient: User) -> bool:
    """Put the notification in the outbox when e-mail is set up and wanted; True when queued."""
    address = (recipient.email or "").strip()
    if "@" not in address or not recipient.active:
        return False
    settings = load_smtp(tx.session)
    if not settings.configured:
        return False
    wanted, digest = _email_choice(tx, recipient.id, notification.kind)
    if not wanted:
        return False
    if notification.id is None:
        tx.session.flush()
    now = utcnow()
    tx.session.add(OutboxMessage(
        notification_id=notification.id, user_id=recipient.id, to_address=address,
        subject=notification.title[:250], body=(notification.body or notification.title) + FOOTER,
        message_id=message_id_for(settings.from_address), status=DIGEST if digest else QUEUED,
        attempts=0, next_attempt_at=next_digest_time(now) if digest else now, digest=digest))
    if not tx.session.info.get(_JOB_QUEUED):
        tx.session.info[_JOB_QUEUED] = True
        tx.after_commit(SEND_JOB)
    return True


@dataclass(frozen=True)
class SmtpSettingsInfo:
    """The settings as the settings window shows them: never the password itself."""

    settings: SmtpSettings
    password_set: bool
    password_store: str  # "keyring", "database" or ""
    store_note: str  # where a password entered now would be kept, and what that protects against


@dataclass(frozen=True)
class OutboxInfo:
    id: int
    status: str  # queued, digest (waiting for the daily digest), sending, sent, failed
    to_address: str
    subject: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    sent_at: datetime | None
    digest: bool
    created_at: datetime


class EmailService(Service):
    def smtp_settings(self, actor: Actor) -> SmtpSettingsInfo:
        with read_only(self.db) as s:
            require(s, actor, Permission.MANAGE_SETTINGS)
            store = password_store(s)
            return SmtpSettingsInfo(load_smtp(s), bool(store), store,
                                    KEYRING_NOTE if keyring_available() else STORE_NOTE)

    def save_smtp_settings(self, actor: Actor, settings: SmtpSettings, password: str | None) -> SmtpSettingsInfo:
        """Save the server; ``password`` None keeps the stored one, "" removes it. An empty host
        turns e-mail off (nothing more is queued; what is queued waits)."""
        with read_only(self.db) as s:
            require(s, actor, Permission.MANAGE_SETTINGS)
        cleaned = _checked(settings)
        with unit_of_work(self.db) as tx:
            require(tx.session, actor, Permission.MANAGE_SETTINGS)
            before = load_smtp(tx.session)
            row = tx.session.scalar(select(Setting).where(Setting.key == SMTP_SETTING))
            value = json.dumps({k: getattr(cleaned, k) for k in SmtpSettings.__dataclass_fields__})
            if row is None:
                tx.session.add(Setting(key=SMTP_SETTING, value=value))
            else:
                row.value = value
            moved = (before.host, before.port, before.username) != (cleaned.host, cleaned.port, cleaned.username)
            after: dict[str, object] = dict(vars(cleaned))
            if password is not None or (moved and password_store(tx.session) == STORE_KEYRING):
                kept = None
                if password is None:  # the keyring entry is named after the server: carry it over
                    try:
                        kept = read_password(self.db, tx.session, before)
                    except PasswordUnavailable:
                        kept = None
                store_password(self.db, tx.session, cleaned, password if password is not None else kept)
                after["password"] = "changed" if password else "removed" if password == "" else "kept"
            tx.audit(actor, "update", "setting", None, {SMTP_SETTING: vars(before)}, {SMTP_SETTING: after})
            tx.changes.add(ChangeKind.SETTING, 0)
        return self.smtp_settings(actor)

    def send_test(self, actor: Actor, to: str) -> str:
        """Send one message now, straight to the server (not through the outbox), and say how it
        went; a failure is a :class:`TrackerError` naming the server and what it said."""
        with read_only(self.db) as s:
            require(s, actor, Permission.MANAGE_SETTINGS)
            settings = load_smtp(s)
        to = to.strip()
        if not settings.configured:
            raise ValidationError("Set the SMTP server and the sender address first.",
                                  [Problem("Set the SMTP server and the sender address first.", field="host")])
        if "@" not in to:
            raise ValidationError("Enter the address to send the test to.",
                                  [Problem("Enter the address to send the test to.", field="to")])
        msg = build_message(settings, to=to, subject="Activity Tracker: test e-mail",
                            body="This is a test from Activity Tracker: e-mail notifications can reach "
                                 f"this address through {settings.describe()}." + FOOTER,
                            message_id=message_id_for(settings.from_address))
        try:
            with read_only(self.db) as s:
                password = read_password(self.db, s, settings)
            conn = connect(settings, password)
            try:
                transmit(conn, msg, before_final_dot=lambda: None)
            finally:
                conn.close()
        except TrackerError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure is said plainly, naming the server
            raise TrackerError(f"The test e-mail was not sent. {plain_error(exc, settings)}") from None
        return f"A test e-mail was sent to {to} through {settings.describe()}."

    def outbox(self, actor: Actor, *, limit: int = 500) -> list[OutboxInfo]:
        """The outbox, newest first (administrators: it holds everyone's addresses)."""
        with read_only(self.db) as s:
            require(s, actor, Permission.MANAGE_SETTINGS)
            rows = s.execute(select(
                OutboxMessage.id, OutboxMessage.status, OutboxMessage.to_address, OutboxMessage.subject,
                OutboxMessage.attempts, OutboxMessage.next_attempt_at, OutboxMessage.last_error,
                OutboxMessage.sent_at, OutboxMessage.digest, OutboxMessage.created_at,
            ).order_by(OutboxMessage.id.desc()).limit(limit))
            return [OutboxInfo(**r._asdict()) for r in rows]

    def resend(self, actor: Actor, ids: list[int]) -> int:
        """Queue failed or sent messages again (same Message-ID): one set aside as "may have gone",
        or one that was sent but did not arrive. They go with the next pass of a sender
        (``send_due``, or ``start_background``); a message queued or being sent is left alone."""
        with unit_of_work(self.db) as tx:
            require(tx.session, actor, Permission.MANAGE_SETTINGS)
            count = rowcount(tx.session.execute(update(OutboxMessage).where(
                OutboxMessage.id.in_(ids), OutboxMessage.status.in_((FAILED, SENT))).values(
                status=QUEUED, sent_at=None, next_attempt_at=utcnow(), version=OutboxMessage.version + 1)))
            if count:
                tx.audit(actor, "resend", "email_outbox", None, None, {"ids": sorted(ids)})
        return int(count)

    def start_background(self) -> None:
        """Start (or wake) the background sender: the program calls it once signed in, so that
        what is still queued from earlier goes out without waiting for a new notification."""
        from tracker.services.email_background import sender_for

        sender_for(self.db).nudge()

    def send_due(self, now: datetime | None = None) -> SendReport:
        """Send what is due now (the background sender, ``outbox --send``)."""
        return send_due(self.db, now)


def _checked(settings: SmtpSettings) -> SmtpSettings:
    host = settings.host.strip()
    cleaned = SmtpSettings(host=host, port=int(settings.port), security=settings.security,
                           username=settings.username.strip(), from_address=settings.from_address.strip())
    if not host:
        return SmtpSettings(port=cleaned.port, security=cleaned.security)  # e-mail off
    problems: list[Problem] = []
    if any(c.isspace() for c in host) or "/" in host:
        problems.append(Problem("The server is a host name such as smtp.school.org.", field="host"))
    if not 1 <= cleaned.port <= 65535:
        problems.append(Problem("The port is a number from 1 to 65535 (587 for STARTTLS, 465 for SSL).",
                                field="port"))
    if cleaned.security not in SECURITY_CHOICES:
        problems.append(Problem("Choose STARTTLS, SSL/TLS or none.", field="security"))
    local, _, domain = cleaned.from_address.partition("@")
    if not local or "." not in domain or any(c.isspace() for c in cleaned.from_address):
        problems.append(Problem("The sender address must be an e-mail address, e.g. office@school.org.",
                                field="from address"))
    if problems:
        raise ValidationError("The e-mail settings were not saved.", problems)
    return cleaned

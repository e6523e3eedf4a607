"""Optional e-mail: queued with the notification, sent once after the commit by a sender that
waits for the network with back-off, survives being killed mid-send, digests, test mail, CLI."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tracker.cli import main as cli_main
from tracker.db.engine import Database
from tracker.db.models import OutboxMessage, utcnow
from tracker.errors import PermissionDenied, TrackerError, ValidationError
from tracker.services import Services, email_background, email_send
from tracker.services.bootstrap import AFTER_COMMIT_JOBS, bootstrap
from tracker.services.email_outbox import SEND_JOB, next_digest_time
from tracker.services.email_send import FAILED, LEASE, QUEUED, SENT, UNCONFIRMED, backoff, send_due
from tracker.services.email_settings import STORE_DATABASE, SmtpSettings

from ..conftest import School
from .email_support import Mailbox, free_port, notify, set_up_email, start_server, want_email

PARENT_ADDRESS = "pat.parent@home.test"


@pytest.fixture
def quiet_db(db: Database) -> Database:
    """The real wiring, except that committing does not wake a background sender: each test
    sends explicitly, so what it counts is what it did."""
    bootstrap(db, jobs={**AFTER_COMMIT_JOBS, SEND_JOB: lambda _db, _payload: None})
    return db


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def server(mailbox: Mailbox) -> Iterator[int]:
    port = free_port()
    controller = start_server(port, mailbox)
    yield port
    controller.stop()


def _outbox(db: Database) -> list[OutboxMessage]:
    with db.session_factory() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_notification_for_a_parent_who_opted_in_is_sent_once(quiet_db: Database, school: School, server: int,
                                                             mailbox: Mailbox) -> None:
    set_up_email(school.services, school.admin, server)
    want_email(quiet_db, school.parent.id, address=PARENT_ADDRESS)
    assert notify(quiet_db, school.parent.id, "Sam completed “Opening principles”")

    report = send_due(quiet_db)
    again = send_due(quiet_db)

    assert (report.sent, report.failed, again.sent) == (1, 0, 0)
    [message] = mailbox.messages
    assert message["To"] == PARENT_ADDRESS and message["From"] == "office@school.test"
    assert message["Subject"] == "Sam completed “Opening principles”"
    assert "well done" in message.get_payload(decode=True).decode()
    [row] = _outbox(quiet_db)
    assert row.status == SENT and message["Message-ID"] == row.message_id


def test_nothing_is_queued_without_a_server_an_address_or_the_wish(quiet_db: Database, school: School) -> None:
    assert not notify(quiet_db, school.parent.id, "no server yet")
    set_up_email(school.services, school.admin, 2525)
    assert not notify(quiet_db, school.parent.id, "no e-mail wanted, no address")
    want_email(quiet_db, school.parent.id, address="not an address")
    assert not notify(quiet_db, school.parent.id, "address unusable")
    assert _outbox(quiet_db) == []


def test_server_down_then_up_backs_off_and_sends_once(quiet_db: Database, school: School, mailbox: Mailbox) -> None:
    port = free_port()  # nothing listens here yet
    set_up_email(school.services, school.admin, port)
    want_email(quiet_db, school.parent.id, address=PARENT_ADDRESS)
    notify(quiet_db, school.parent.id, "first")
    notify(quiet_db, school.parent.id, "second")
    start = utcnow()

    down = send_due(quiet_db, start)
    rows = _outbox(quiet_db)
    assert (down.sent, down.failed) == (0, 1)
    assert "refused the connection" in (rows[0].last_error or "") and f"127.0.0.1:{port}" in rows[0].last_error
    assert [r.status for r in rows] == [QUEUED, QUEUED]
    assert [r.attempts for r in rows] == [1, 0]  # the second was not tried: it waits as long
    assert all(r.next_attempt_at == start + dt.timedelta(minutes=1) for r in rows)
    assert send_due(quiet_db, start + dt.timedelta(seconds=30)).failed == 0  # not due yet: not tried

    again = send_due(quiet_db, start + dt.timedelta(minutes=1))
    assert _outbox(quiet_db)[0].next_attempt_at == start + dt.timedelta(minutes=1) + dt.timedelta(minutes=2)
    assert again.failed == 1

    controller = start_server(port, mailbox)
    try:
        up = send_due(quiet_db, start + dt.timedelta(minutes=4))
    finally:
        controller.stop()
    assert up.sent == 2 and up.ok
    assert sorted(mailbox.ids.values()) == [1, 1]
    assert [r.status for r in _outbox(quiet_db)] == [SENT, SENT]


def test_back_off_doubles_from_one_minute_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() / 60 for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_a_permanent_refusal_fails_the_message_without_retrying(quiet_db: Database, school: School) -> None:
    class Refuse(Mailbox):
        async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]  # noqa: N802
            return "550 no such mailbox"

    port = free_port()
    controller = start_server(port, Refuse())
    try:
        set_up_email(school.services, school.admin, port)
        want_email(quiet_db, school.parent.id, address=PARENT_ADDRESS)
        notify(quiet_db, school.parent.id, "hello")
        report = send_due(quiet_db)
    finally:
        controller.stop()
    [row] = _outbox(quiet_db)
    assert report.failed == 1 and row.status == FAILED
    assert f"refused the address {PARENT_ADDRESS}" in (row.last_error or "") and "550" in row.last_error


KILLER = textwrap.dedent("""
    import os, signal, sys
    from tracker.services.bootstrap import AFTER_COMMIT_JOBS, bootstrap, open_database
    from tracker.services.email_send import send_due

    db, _ = open_database(sys.argv[1])
    def step(name):
        if name == sys.argv[2]:
            os.kill(os.getpid(), signal.SIGKILL)
    send_due(db, on_step=step)
    sys.exit(3)  # not killed: the test is wrong
""")


@pytest.mark.parametrize("killed_at", ["claimed", "handed_over", "accepted"])
def test_killing_the_process_while_sending_loses_no_message_and_sends_none_twice(
        quiet_db: Database, school: School, db_path: Path, server: int, mailbox: Mailbox, killed_at: str) -> None:
    set_up_email(school.services, school.admin, server)
    want_email(quiet_db, school.parent.id, address=PARENT_ADDRESS)
    for title in ("one", "two", "three"):
        notify(quiet_db, school.parent.id, title)
    queued_ids = {r.message_id for r in _outbox(quiet_db)}

    root = Path(__file__).resolve().parents[2]
    killed = subprocess.run([sys.executable, "-c", KILLER, str(db_path), killed_at], cwd=root,
                            env={**os.environ, "PYTHONPATH": str(root)}, timeout=120)
    assert killed.returncode == -9
    time.sleep(0.2)  # the server notices the dropped connection

    # the program starts again later (after the dead sender's lease) and sends what is due
    report = send_due(quiet_db, utcnow() + LEASE + dt.timedelta(seconds=1))
    rows = _outbox(quiet_db)
    first = rows[0]
    if killed_at == "claimed":  # never reached the server: simply sent now
        assert report.sent == 3 and [r.status for r in rows] == [SENT] * 3
    else:  # handed over, unconfirmed: set aside for a person, never resent by itself
        assert report.sent == 2 and first.status == FAILED and first.last_error == UNCONFIRMED
        assert [r.status for r in rows[1:]] == [SENT, SENT]
        delivered = mailbox.ids.get(first.message_id, 0)
        assert delivered == (1 if killed_at == "accepted" else 0)  # before the final ".": not taken
        if not delivered:  # the person checks, and resends: it goes once, same Message-ID
            assert school.services.email.resend(school.admin, [first.id]) == 1
            assert send_due(quiet_db).sent == 1
    assert set(mailbox.ids) == queued_ids and set(mailbox.ids.values()) == {1}


def test_daily_digest_is_one_message_per_recipient(quiet_db: Database, school: School, server: int,
                                                   mailbox: Mailbox) -> None:
    set_up_email(school.services, school.admin, server)
    want_email(quiet_db, school.parent.id, address=PARENT_ADDRESS, digest=True)
    want_email(quiet_db, school.student.id, address="sam@school.test")
    for title in ("Sam earned “Opening master”", "Sam completed Chess Club", "Certificate ready"):
        notify(quiet_db, school.parent.id, title)
    notify(quiet_db, school.student.id, "You completed Chess Club")
    now = utcnow()

    assert send_due(quiet_db, now).sent == 1  # the student's, at once; the parent's wait for the digest
    digest_at = next_digest_time(now)
    assert now < digest_at <= now + dt.timedelta(days=1)
    assert send_due(quiet_db, digest_at).sent == 1
    assert send_due(quiet_db, digest_at + dt.timedelta(days=1)).sent == 0

    digest = [m for m in mailbox.messages if m["To"] == PARENT_ADDRESS]
    assert len(digest) == 1 and digest[0]["Subject"] == "Activity Tracker: 3 updates today"
    text = digest[0].get_payload(decode=True).decode()
    assert "Sam earned “Opening master”" in text and "Certificate ready" in text and "You completed" not in text


def test_committing_wakes_the_background_sender_without_waiting_for_the_network(
        db: Database, school: School, server: int, mailbox: Mailbox) -> None:
    set_up_email(school.services, school.admin, server)
    want_email(db, school.parent.id, address=PARENT_ADDRESS)
    try:
        notify(db, school.parent.id, "sent in the background")
        deadline = time.monotonic() + 10
        while not mailbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        email_background.stop_sender(db)
    assert [m["Subject"] for m in mailbox.messages] == ["sent in the background"]


def test_the_send_job_returns_at_once_when_the_server_hangs(db: Database) -> None:
    started = time.monotonic()
    try:
        email_background.send_email_job(db, {})
    finally:
        email_background.stop_sender(db, timeout=1)
    assert time.monotonic() - started < 0.5


def test_smtp_settings_are_for_administrators_and_checked(services: Services, school: School) -> None:
    with pytest.raises(PermissionDenied):
        services.email.smtp_settings(school.teacher)
    with pytest.raises(PermissionDenied):
        services.email.save_smtp_settings(school.teacher, SmtpSettings(host="smtp.x.org"), None)
    with pytest.raises(ValidationError) as refused:
        services.email.save_smtp_settings(school.admin, SmtpSettings(
            host="smtp school", port=70000, security="tls", from_address="office"), None)
    fields = {p.field for p in refused.value.problems}
    assert fields == {"host", "port", "security", "from address"}


def test_password_without_a_keyring_is_encrypted_in_the_database(services: Services, school: School,
                                                                   db_path: Path) -> None:
    info = services.email.save_smtp_settings(school.admin, SmtpSettings(
        host="smtp.school.test", port=587, security="starttls", username="office",
        from_address="office@school.test"), "s3cret-pass")
    assert info.password_set and info.password_store == STORE_DATABASE
    assert "backup" in info.store_note and "can still recover it" in info.store_note
    assert b"s3cret-pass" not in db_path.read_bytes()
    assert (db_path.parent / (db_path.name + ".mailkey")).is_file()
    kept = services.email.save_smtp_settings(school.admin, SmtpSettings(
        host="smtp.school.test", port=2525, security="starttls", username="office",
        from_address="office@school.test"), None)
    assert kept.password_set  # None keeps it
    gone = services.email.save_smtp_settings(school.admin, kept.settings, "")
    assert not gone.password_set


def test_send_test_names_the_server_when_it_fails(services: Services, school: School) -> None:
    port = free_port()
    set_up_email(services, school.admin, port)
    with pytest.raises(TrackerError, match=rf"127\.0\.0\.1:{port}.*refused the connection"):
        services.email.send_test(school.admin, "me@school.test")
    with pytest.raises(PermissionDenied):
        services.email.send_test(school.teacher, "me@school.test")


def test_send_test_over_starttls_with_login(services: Services, school: School, mailbox: Mailbox,
                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aiosmtpd.smtp import AuthResult

    server_tls, client_tls = _tls_pair(tmp_path)
    monkeypatch.setattr(email_send, "tls_context", lambda: client_tls)
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        logins.append((auth_data.login, auth_data.password))
        ok = auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself

    port = free_port()
    controller = start_server(port, mailbox, tls_context=server_tls, require_starttls=True,
                              authenticator=authenticator, auth_require_tls=True)
    try:
        set_up_email(services, school.admin, port, security="starttls", username="office", password="s3cret")
        said = services.email.send_test(school.admin, "me@school.test")
        set_up_email(services, school.admin, port, security="starttls", username="office", password="wrong")
        with pytest.raises(TrackerError, match="refused the user name or password"):
            services.email.send_test(school.admin, "me@school.test")
    finally:
        controller.stop()
    assert "sent to me@school.test" in said and "STARTTLS" in said
    assert [m["Subject"] for m in mailbox.messages] == ["Activity Tracker: test e-mail"]
    assert logins[0] == (b"office", b"s3cret")


def _tls_pair(folder: Path):  # type: ignore[no-untyped-def]
    """A self-signed certificate for 127.0.0.1: the server's context, and a client trusting it."""
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return server, client


def test_cli_outbox_lists_and_sends(quiet_db: Database, school: School, db_path: Path, mailbox: Mailbox,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    set_up_email(school.services, school.admin, port)
    want_email(quiet_db, school.parent.id, address=PARENT_ADDRESS)
    notify(quiet_db, school.parent.id, "Sam completed Chess Club")
    quiet_db.dispose()

    assert cli_main(["outbox", "--db", str(db_path)]) == 0
    listed = capsys.readouterr().out
    assert "queued\tpat.parent@home.test\tSam completed Chess Club\t0 tries" in listed

    assert cli_main(["outbox", "--db", str(db_path), "--send"]) == 1  # server down
    out = capsys.readouterr().out
    assert "0 sent, 1 not sent" in out and "refused the connection" in out and "1 tries" in out

    controller = start_server(port, mailbox)
    try:
        with quiet_db.session_factory() as s, s.begin():  # the back-off has passed
            s.execute(OutboxMessage.__table__.update().values(next_attempt_at=utcnow()))
        assert cli_main(["outbox", "--db", str(db_path), "--send"]) == 0
    finally:
        controller.stop()
    out = capsys.readouterr().out
    assert "1 sent, 0 not sent, 0 waiting" in out and "\tsent\t" in out
    assert len(mailbox.messages) == 1

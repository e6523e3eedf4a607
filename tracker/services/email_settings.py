"""The school's SMTP server settings and where its password is kept.

The server, port, security, user name and sender address are a settings row (JSON, key ``smtp``).
The password is never stored in plain text:

* **OS keyring** (the optional ``keyring`` package with a usable backend: Windows Credential
  Manager, macOS Keychain, Secret Service): kept on the computer where it was entered. Other
  workstations sharing the database cannot read it, so they leave the messages queued and say so.
* **Encrypted in the database** otherwise (Fernet, from ``cryptography``). The key has to be
  readable by every workstation that sends, so it sits beside an SQLite database file
  (``NAME.db.mailkey``) or, for a server database, in the database itself. This keeps the password
  out of a backup copied on its own (or out of a glance at the settings table); it does not protect
  it from someone who has the database, its key file and this program. ``STORE_NOTE`` says so in
  the settings window.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db.engine import Database
from tracker.db.models import Setting

log = logging.getLogger(__name__)

SMTP_SETTING = "smtp"
PASSWORD_SETTING = "smtp_password"  # {"store": "keyring"} or {"store": "database", "token": "…"}
KEY_SETTING = "smtp_password_key"  # the Fernet key, for a server database only
KEYRING_SERVICE = "Activity Tracker SMTP"

SECURITY_CHOICES = ("starttls", "ssl", "none")
SECURITY_LABELS = {"starttls": "STARTTLS", "ssl": "SSL/TLS", "none": "None (unencrypted)"}
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}

STORE_KEYRING = "keyring"
STORE_DATABASE = "database"
STORE_NOTE = ("No keyring is available on this computer, so the password is stored encrypted in the "
              "database, with its key where every workstation can read it (beside the database file). "
              "This keeps it out of a backup copied on its own; anyone with the database, its key file "
              "and this program can still recover it. Use an account that can only send mail.")
KEYRING_NOTE = ("The password is kept in this computer's keyring. Other computers sharing the database "
                "cannot read it: they leave e-mail queued until it is sent from here (or the password is "
                "entered there too).")


@dataclass(frozen=True)
class SmtpSettings:
    """Where e-mail goes out. Empty ``host``: e-mail is off (nothing is queued)."""

    host: str = ""
    port: int = 587
    security: str = "starttls"  # one of SECURITY_CHOICES
    username: str = ""
    from_address: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.host and self.from_address)

    def describe(self) -> str:
        """"smtp.school.org:587 (STARTTLS)": how errors and the settings window name the server."""
        return f"{self.host}:{self.port} ({SECURITY_LABELS.get(self.security, self.security)})"


def load_smtp(session: Session) -> SmtpSettings:
    raw = session.scalar(select(Setting.value).where(Setting.key == SMTP_SETTING))
    if not raw:
        return SmtpSettings()
    stored: dict[str, Any] = json.loads(raw)
    fields = SmtpSettings.__dataclass_fields__
    return SmtpSettings(**{k: v for k, v in stored.items() if k in fields})


def _keyring() -> Any | None:
    """The keyring module when installed with a backend that can really store (not the
    "fail" or "null" backends of a headless machine); else None."""
    try:
        import keyring  # type: ignore[import-not-found,unused-ignore]
        from keyring.backends import fail  # type: ignore[import-not-found,unused-ignore]
    except Exception:  # noqa: BLE001 - optional: any import problem means "no keyring"
        return None
    try:
        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) <= 0:
            return None
    except Exception:  # noqa: BLE001
        return None
    return keyring


def keyring_available() -> bool:
    return _keyring() is not None


def _keyring_user(settings: SmtpSettings) -> str:
    return f"{settings.username or '-'}@{settings.host}:{settings.port}"


def _key_file(db: Database) -> Path | None:
    """The key file beside an SQLite database file; None for a server database (or in memory)."""
    url = db.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    database = url.database.removeprefix("file:").split("?", 1)[0]
    return Path(database).with_name(Path(database).name + ".mailkey")


def _fernet_key(db: Database, session: Session, *, create: bool) -> bytes | None:
    from cryptography.fernet import Fernet

    path = _key_file(db)
    if path is not None:
        if path.is_file():
            return path.read_bytes().strip()
        if not create:
            return None
        key = Fernet.generate_key()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key
    stored = session.scalar(select(Setting.value).where(Setting.key == KEY_SETTING))
    if stored:
        return str(json.loads(stored)).encode("ascii")
    if not create:
        return None
    key = Fernet.generate_key()
    session.add(Setting(key=KEY_SETTING, value=json.dumps(key.decode("ascii"))))
    return key


def store_password(db: Database, session: Session, settings: SmtpSettings, password: str | None) -> str:
    """Keep ``password`` (None or "": none) and return the stored-where marker written to the
    settings row (in ``session``: committed with the settings)."""
    if not password:
        marker: dict[str, str] = {}
    elif (keyring := _keyring()) is not None:
        keyring.set_password(KEYRING_SERVICE, _keyring_user(settings), password)
        marker = {"store": STORE_KEYRING}
    else:
        from cryptography.fernet import Fernet

        key = _fernet_key(db, session, create=True)
        assert key is not None
        marker = {"store": STORE_DATABASE, "token": Fernet(key).encrypt(password.encode("utf-8")).decode("ascii")}
    row = session.scalar(select(Setting).where(Setting.key == PASSWORD_SETTING))
    value = json.dumps(marker)
    if row is None:
        session.add(Setting(key=PASSWORD_SETTING, value=value))
    else:
        row.value = value
    return marker.get("store", "")


def password_store(session: Session) -> str:
    """"keyring", "database" or "" (no password set)."""
    raw = session.scalar(select(Setting.value).where(Setting.key == PASSWORD_SETTING))
    return str(json.loads(raw).get("store", "")) if raw else ""


class PasswordUnavailable(Exception):
    """A password was set but cannot be read here (another computer's keyring, a lost key file)."""


def read_password(db: Database, session: Session, settings: SmtpSettings) -> str | None:
    """The password to log in with, None when none is set."""
    raw = session.scalar(select(Setting.value).where(Setting.key == PASSWORD_SETTING))
    marker: dict[str, str] = json.loads(raw) if raw else {}
    store = marker.get("store")
    if not store:
        return None
    if store == STORE_KEYRING:
        keyring = _keyring()
        secret = keyring.get_password(KEYRING_SERVICE, _keyring_user(settings)) if keyring else None
        if secret is None:
            raise PasswordUnavailable("the SMTP password is kept in the keyring of the computer where it "
                                      "was entered; send from there, or enter it again in Settings ▸ E-mail")
        return str(secret)
    from cryptography.fernet import Fernet, InvalidToken

    key = _fernet_key(db, session, create=False)
    if key is None:
        raise PasswordUnavailable(f"the key file of the SMTP password is missing ({_key_file(db)}); "
                                  "enter the password again in Settings ▸ E-mail")
    try:
        return Fernet(key).decrypt(marker["token"].encode("ascii")).decode("utf-8")
    except (InvalidToken, KeyError, ValueError):
        raise PasswordUnavailable("the stored SMTP password cannot be decrypted with this key file; "
                                  "enter it again in Settings ▸ E-mail") from None

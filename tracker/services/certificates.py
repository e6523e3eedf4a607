"""Certificates: the registry, the school's signing key, and offline verification.

Every certificate is a row (serial, short code, student, activity, template, status) carrying a
compact JWS signed with the school's Ed25519 key (kept in the database, so every workstation of a
shared school database signs with the same key). Files are written after the commit: into the
school's certificate folder by the ``write_certificate`` job (retried while it fails), or into an
``out_dir`` the caller names (the CLI and the façade). Verification needs only the database's
public keys: no server.
"""

from __future__ import annotations

import enum
import json
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session

from tracker.db.engine import Database
from tracker.db.models import (
    Activity,
    ActivityProgress,
    ActivitySession,
    AttendanceRecord,
    AttendanceStatus,
    Certificate,
    Setting,
    SigningKey,
    Skill,
    SkillAssessment,
    User,
    utcnow,
)
from tracker.db.uow import UnitOfWork, read_only, unit_of_work
from tracker.domain import credentials
from tracker.domain.changes import ChangeKind
from tracker.domain.enums import ProgressStatus, Role
from tracker.domain.events import ActivityCompleted, CompletionReverted
from tracker.domain.notices import CertificateStillValid
from tracker.domain.policy import Actor, Permission, scopes
from tracker.errors import NotFound, PermissionDenied, Problem, ValidationError
from tracker.paths import default_data_dir
from tracker.reports import certificate_templates as designs
from tracker.reports.certificate_templates import TemplateSpec
from tracker.services.base import Service, require
from tracker.services.scoping import current_role, visible

WRITE_JOB = "write_certificate"
FOLDER_SETTING = "certificate_folder"
TEMPLATES_SETTING = "certificate_templates"  # the admin's edited and new designs, by name
DEFAULT_TEMPLATE = designs.DEFAULT_TEMPLATE
#: no 0/O, 1/I/L, U: a code read aloud or typed from paper is not misread
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
#: what a transcript's token is (``"type": "transcript"``): signed like a certificate, in no register
TRANSCRIPT = "Co-curricular record"


class CertificateStatus(enum.StrEnum):
    VALID = "VALID"
    REVOKED = "REVOKED"
    SUPERSEDED = "SUPERSEDED"
    UNKNOWN = "UNKNOWN"
    INVALID = "INVALID"


@dataclass(frozen=True)
class CertificateInfo:
    id: int
    serial: str
    code: str
    student_id: int
    student: str
    activity_id: int
    activity: str
    template: str
    issued_at: datetime
    issued_by: int | None
    status: CertificateStatus
    reason: str | None
    path: str | None


@dataclass(frozen=True)
class Verification:
    status: CertificateStatus
    serial: str | None = None
    student: str | None = None
    activity: str | None = None
    completed_on: str | None = None
    issued_at: str | None = None
    reason: str | None = None

    def line(self) -> str:
        """One line for the CLI: the status first, then what the certificate says."""
        if self.activity == TRANSCRIPT and self.serial is None and self.student:
            return f"{self.status.value} | {TRANSCRIPT} of {self.student}, issued {self.issued_at}"
        parts = [self.status.value]
        for label, value in (("serial", self.serial), ("student", self.student), ("activity", self.activity),
                             ("completed", self.completed_on), ("issued", self.issued_at),
                             ("reason", self.reason)):
            if value:
                parts.append(f"{label}: {value}")
        return " | ".join(parts)


@dataclass(frozen=True)
class PublicKey:
    did: str
    pem: bytes


@dataclass(frozen=True)
class AwaitingCertificates:
    """An activity someone may issue certificates for: how many students completed it, and how
    many of those hold no valid certificate yet (``to_issue``)."""

    activity_id: int
    activity: str
    archived: bool
    completed: int
    to_issue: int


# --------------------------------------------------------------------------- the service


class CertificateService(Service):
    def issue(self, actor: Actor, activity_id: int, student_ids: list[int] | None = None, *,
              template: str | None = None, out_dir: str | os.PathLike[str] | None = None,
              force: bool = False, progress: Callable[[int, int], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> list[CertificateInfo]:
        """Certificates for the activity's completed students (or the ones named). A student who
        has not completed is refused, unless an admin forces it. A student who already holds a
        valid certificate keeps it (its file is written again): a new serial is ``reissue``.

        With ``out_dir`` the PDFs are written there (on all cores, with ``progress(done, total)``
        and ``cancelled()`` for a wizard) before this returns; without, into the school's
        certificate folder by after-commit jobs."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            _activity(s, activity_id)
            require(s, actor, Permission.ISSUE_CERTIFICATES, activity_id=activity_id)
            completed = set(s.scalars(select(ActivityProgress.user_id).where(
                ActivityProgress.activity_id == activity_id,
                ActivityProgress.status == ProgressStatus.COMPLETED)))
            wanted = sorted(completed) if student_ids is None else list(dict.fromkeys(student_ids))
            missing = [i for i in wanted if i not in completed]
            if missing and not (force and current_role(s, actor) is Role.ADMIN):
                names: dict[int, str] = {i: n for i, n in s.execute(select(User.id, User.display_name).where(User.id.in_(missing)))}
                raise ValidationError("Certificates are only for students who completed the activity "
                                      "(an administrator may force one).", [
                    Problem(f"{names.get(i, f'Student {i}')} has not completed it.", field="student")
                    for i in missing])
            spec = template_named(s, template)
            _check_printable(s, wanted, spec)
            certs = [_valid_for(s, i, activity_id) or issue_in(tx, actor, i, activity_id, template=spec.name)
                     for i in wanted]
            s.flush()
            ids = [c.id for c in certs]
            if out_dir is None:
                for c in certs:
                    if c.file_path is None or not Path(c.file_path).is_file():
                        tx.after_commit(WRITE_JOB, certificate_id=c.id)
        if out_dir is not None:
            write_certificate_files(self.db, ids, Path(out_dir), progress=progress, cancelled=cancelled)
        return self._infos(ids)

    def reissue(self, actor: Actor, serial: str, *, reason: str, template: str | None = None,
                out_dir: str | os.PathLike[str] | None = None) -> CertificateInfo:
        """A new serial (after a name correction or a template change); the old one is superseded."""
        reason = _reason(reason, "reissue")
        with unit_of_work(self.db) as tx:
            s = tx.session
            old = _by_serial(s, serial)
            require(s, actor, Permission.ISSUE_CERTIFICATES, activity_id=old.activity_id)
            if _status(old) is not CertificateStatus.VALID:
                raise ValidationError(f"Certificate {serial} is {_status(old).value.lower()}; only a valid "
                                      "certificate can be reissued.")
            spec = template_named(s, template or old.template)
            _check_printable(s, [old.student_id], spec)
            new = issue_in(tx, actor, old.student_id, old.activity_id, template=spec.name)
            s.flush()
            old.superseded_by_id = new.id
            old.supersede_reason = reason
            tx.audit(actor, "supersede", "certificate", old.id, {"status": "valid"},
                     {"status": "superseded", "by": new.serial, "reason": reason})
            tx.changes.add(ChangeKind.CERTIFICATE, old.id)
            new_id = new.id
            if out_dir is None:
                tx.after_commit(WRITE_JOB, certificate_id=new_id)
        if out_dir is not None:
            write_certificate_files(self.db, [new_id], Path(out_dir))
        return self._infos([new_id])[0]

    def revoke(self, actor: Actor, serial: str, *, reason: str) -> CertificateInfo:
        reason = _reason(reason, "revoke")
        with unit_of_work(self.db) as tx:
            s = tx.session
            cert = _by_serial(s, serial)
            require(s, actor, Permission.ISSUE_CERTIFICATES, activity_id=cert.activity_id)
            if cert.revoked:
                raise ValidationError(f"Certificate {serial} is already revoked.")
            before = _status(cert).value.lower()
            cert.revoked, cert.revoked_at, cert.revoke_reason = True, utcnow(), reason
            tx.audit(actor, "revoke", "certificate", cert.id, {"status": before},
                     {"status": "revoked", "reason": reason})
            tx.changes.add(ChangeKind.CERTIFICATE, cert.id)
            cid = cert.id
        return self._infos([cid])[0]

    def list_for_activity(self, actor: Actor, activity_id: int) -> list[CertificateInfo]:
        """Every certificate of the activity, newest first (the activity's Certificates tab)."""
        with read_only(self.db) as s:
            _activity(s, activity_id)
            require(s, actor, Permission.ISSUE_CERTIFICATES, activity_id=activity_id)
            ids = list(s.scalars(select(Certificate.id).where(Certificate.activity_id == activity_id)
                                 .order_by(Certificate.id.desc())))
        return self._infos(ids)

    def list_for_student(self, actor: Actor, student_id: int) -> list[CertificateInfo]:
        """A student's certificates: theirs, their parents', and their teachers' to read."""
        with read_only(self.db) as s:
            require(s, actor, Permission.VIEW_PROGRESS, student_id=student_id)
            ids = list(s.scalars(select(Certificate.id).where(Certificate.student_id == student_id)
                                 .order_by(Certificate.id.desc())))
        return self._infos(ids)

    def templates(self, actor: Actor) -> list[TemplateSpec]:
        """The designs to choose from: the built-in ones (as the admin edited them) and the
        admin's own, built-in first. Anyone who may issue certificates somewhere reads them."""
        with read_only(self.db) as s:
            if not scopes(current_role(s, actor), Permission.ISSUE_CERTIFICATES):
                raise PermissionDenied("You may not issue certificates.")
            return list(all_templates(s).values())

    def save_template(self, actor: Actor, spec: TemplateSpec, *, replaces: str | None = None) -> TemplateSpec:
        """Store an edited or new design (an administrator's). ``replaces`` renames a design of
        the admin's own; a built-in design keeps its name. Certificates already issued keep their
        template's name and print with the design as it now is when they are written again."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            require(s, actor, Permission.MANAGE_SETTINGS)
            designs.check(spec)
            stored = _stored_templates(s)
            before = stored.get(replaces or spec.name)  # read first: a rename drops the old name below
            if replaces and replaces != spec.name:
                if replaces in designs.BUILT_IN:
                    raise ValidationError.field("name", f"The built-in design {replaces!r} keeps its name; "
                                                        "save a copy under a new name instead.")
                if spec.name in designs.BUILT_IN or spec.name in stored:
                    raise ValidationError.field("name", f"There is already a template called {spec.name!r}.")
                stored.pop(replaces, None)
            elif replaces is None and spec.name in stored and spec.name not in designs.BUILT_IN:
                raise ValidationError.field("name", f"There is already a template called {spec.name!r}.")
            from tracker.reports.certificate_pdf import unprintable_characters

            texts = " ".join([spec.title, spec.presented_to, spec.wording, spec.skills_label,
                              *(f"{sig.name} {sig.title}" for sig in spec.signatures)])
            if bad := unprintable_characters(texts, spec):
                raise ValidationError.field("wording", f"The certificate font cannot draw {' '.join(bad)}.")
            stored[spec.name] = designs.to_json(spec)
            _store_templates(s, stored)
            tx.audit(actor, "update" if before or spec.name in designs.BUILT_IN else "create",
                     "certificate_template", 0, {"name": replaces or spec.name} if before else None,
                     {"name": spec.name, "design": spec.design, "paper": spec.paper,
                      "orientation": spec.orientation})
            tx.changes.add(ChangeKind.SETTING, 0)
        return spec

    def delete_template(self, actor: Actor, name: str) -> None:
        """Delete one of the admin's designs, or put a built-in one back as shipped."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            require(s, actor, Permission.MANAGE_SETTINGS)
            stored = _stored_templates(s)
            if name not in stored:
                if name in designs.BUILT_IN:
                    return  # already as shipped
                raise NotFound(f"There is no certificate template called {name!r}.")
            del stored[name]
            _store_templates(s, stored)
            tx.audit(actor, "reset" if name in designs.BUILT_IN else "delete", "certificate_template", 0,
                     {"name": name}, None)
            tx.changes.add(ChangeKind.SETTING, 0)

    def preview_data(self, actor: Actor, activity_id: int, student_id: int | None = None) -> dict[str, Any]:
        """What a certificate for this student (or a made-up one) would print, for the wizard's
        live preview: the keyword arguments of ``CertificateData``, with a sample serial."""
        with read_only(self.db) as s:
            activity = _activity(s, activity_id)
            require(s, actor, Permission.ISSUE_CERTIFICATES, activity_id=activity_id)
            settings = _school_settings(s)
            student = s.get(User, student_id) if student_id is not None else None
            completed = _completed_on(s, student_id, activity_id) if student_id is not None else None
            return {"student": student.display_name if student else "Student Name", "activity": activity.name,
                    "completed_on": completed or date.today(),
                    "hours": _hours(s, student_id, activity_id) if student_id is not None else 0.0,
                    "skills": _skills(s, student_id, activity_id) if student_id is not None else (),
                    "school": settings.get("school_name") or "Our School", "serial": f"{date.today().year}-000000",
                    "code": "PREVIEW", "token": "preview", "issued_on": date.today(),
                    "logo_path": settings.get("logo_path") or None}

    def rotate_key(self, actor: Actor) -> PublicKey:
        """A new signing key; the old one is retired but kept, so its certificates still verify."""
        with unit_of_work(self.db) as tx:
            require(tx.session, actor, Permission.MANAGE_SETTINGS)
            for old in tx.session.scalars(select(SigningKey).where(SigningKey.active.is_(True))):
                old.active, old.retired_at = False, utcnow()
            key = _new_key(tx.session)
            tx.audit(actor, "rotate", "signing_key", key.id, None, {"did": key.did})
            tx.changes.add(ChangeKind.SETTING, 0)
            result = PublicKey(key.did, credentials.public_pem(key.public_raw))
        return result

    def public_key(self) -> PublicKey:
        """The school's current public key (created on first use): anyone may have it."""
        with read_only(self.db) as s:
            key = _active_key(s)
            if key is not None:
                return PublicKey(key.did, credentials.public_pem(key.public_raw))
        with unit_of_work(self.db) as tx:
            key = _active_key(tx.session) or _new_key(tx.session)
            tx.audit(None, "create", "signing_key", key.id, None, {"did": key.did})
            return PublicKey(key.did, credentials.public_pem(key.public_raw))

    def verify(self, text: str) -> Verification:
        """The QR text (the JWS), the short code, or a certificate PDF's path: checked against the
        database's keys, offline. Needs no account: anyone holding a certificate may check it."""
        text = text.strip()
        if not text:
            return Verification(CertificateStatus.INVALID, reason="Nothing to verify.")
        if not credentials.looks_like_token(text) and (text.lower().endswith(".pdf") or Path(text).is_file()):
            if not Path(text).is_file():
                return Verification(CertificateStatus.INVALID, reason=f"There is no file {text}.")
            token = _token_of_pdf(Path(text))
            if token is None:
                return Verification(CertificateStatus.INVALID, reason="The file carries no verification token.")
            text = token
        with read_only(self.db) as s:
            if credentials.looks_like_token(text):
                return _verify_token(s, text)
            code = re.sub(r"[\s-]", "", text).upper()
            cert = s.scalar(select(Certificate).where(Certificate.verification_code == code))
            if cert is None:
                cert = s.scalar(select(Certificate).where(Certificate.serial == text))
            if cert is None or cert.token is None:
                return Verification(CertificateStatus.UNKNOWN, reason=f"No certificate has the code {text}.")
            return _verify_token(s, cert.token)

    def _infos(self, ids: list[int]) -> list[CertificateInfo]:
        if not ids:
            return []
        with read_only(self.db) as s:
            rows = s.execute(select(Certificate, User.display_name, Activity.name)
                             .join(User, User.id == Certificate.student_id)
                             .join(Activity, Activity.id == Certificate.activity_id)
                             .where(Certificate.id.in_(ids)))
            by_id = {c.id: _info(c, student, activity) for c, student, activity in rows}
        return [by_id[i] for i in ids]

    def awaiting(self, actor: Actor) -> list[AwaitingCertificates]:
        """Every activity the actor may issue certificates for (archived ones too, flagged), with
        its completed students and how many of them still lack a valid certificate; the most
        waiting first. The dashboard's "Certificates to issue" and the certificate wizard's first
        page read it. One query, scoped by the policy like every list: a student or a parent
        gets an empty list."""
        has_valid = exists().where(Certificate.student_id == ActivityProgress.user_id,
                                   Certificate.activity_id == ActivityProgress.activity_id,
                                   Certificate.revoked.is_(False), Certificate.superseded_by_id.is_(None))
        completed = func.count(ActivityProgress.id)
        to_issue = func.count(case((~has_valid, ActivityProgress.id)))
        with read_only(self.db) as s:
            rows = s.execute(
                select(Activity.id, Activity.name, Activity.archived, completed, to_issue)
                .select_from(Activity)
                .outerjoin(ActivityProgress, and_(ActivityProgress.activity_id == Activity.id,
                                                  ActivityProgress.status == ProgressStatus.COMPLETED))
                .where(visible(s, actor, Permission.ISSUE_CERTIFICATES, activity=Activity.id))
                .group_by(Activity.id, Activity.name, Activity.archived)
                .order_by(to_issue.desc(), Activity.name, Activity.id))
            return [AwaitingCertificates(aid, name, bool(archived), done, waiting)
                    for aid, name, archived, done, waiting in rows]


# --------------------------------------------------------------------------- in a transaction


def issue_in(tx: UnitOfWork, actor: Actor | None, student_id: int, activity_id: int, *,
             template: str | None = None) -> Certificate:
    """Create, sign and audit one certificate row in the caller's transaction (no file yet)."""
    s = tx.session
    student = s.get(User, student_id)
    activity = s.get(Activity, activity_id)
    if student is None or activity is None:
        raise NotFound("No such student or activity.")
    key = _active_key(s, lock=True) or _new_key(s)
    now = utcnow()
    serial = _next_serial(s, now.year)  # unique: the key's row lock orders concurrent issuers
    code = _new_code(s)
    completed_on = _completed_on(s, student_id, activity_id) or now.date()
    payload = {"iss": key.did, "jti": serial, "sub": f"urn:uuid:{student.uid}", "name": student.display_name,
               "activity": activity.name, "completed_on": completed_on.isoformat(), "code": code,
               "iat": int(now.replace(tzinfo=UTC).timestamp())}
    cert = Certificate(serial=serial, verification_code=code, student_id=student_id, activity_id=activity_id,
                       template=template or DEFAULT_TEMPLATE, issued_at=now,
                       issued_by=actor.id if actor else None,
                       token=credentials.sign(key.private_pem.encode("ascii"), key.did, payload))
    s.add(cert)
    s.flush()
    tx.audit(actor, "issue", "certificate", cert.id, None,
             {"serial": serial, "student_id": student_id, "activity_id": activity_id, "template": cert.template})
    tx.changes.add(ChangeKind.CERTIFICATE, cert.id)
    return cert


def on_activity_completed(tx: UnitOfWork, event: ActivityCompleted) -> None:
    """Issue on completion (when the activity says so), in the completion's own transaction; the
    file follows after the commit. A student who completes again keeps the certificate they have."""
    s = tx.session
    if not s.scalar(select(Activity.certificate_on_completion).where(Activity.id == event.activity_id)):
        return
    if _valid_for(s, event.student_id, event.activity_id) is not None:
        return
    cert = issue_in(tx, None, event.student_id, event.activity_id)
    tx.after_commit(WRITE_JOB, certificate_id=cert.id)


def on_completion_reverted(tx: UnitOfWork, event: CompletionReverted) -> None:
    """Reverting a completion never deletes a certificate: the user is offered to revoke it."""
    s = tx.session
    cert = _valid_for(s, event.student_id, event.activity_id)
    if cert is None:
        return
    student = s.scalar(select(User.display_name).where(User.id == event.student_id)) or ""
    activity = s.scalar(select(Activity.name).where(Activity.id == event.activity_id)) or ""
    tx.notice(CertificateStillValid(cert.serial, student, activity))


# --------------------------------------------------------------------------- files


def write_certificate_job(db: Database, payload: dict[str, Any]) -> None:
    """The after-commit job: render into the school's certificate folder (idempotent)."""
    write_certificate_files(db, [int(payload["certificate_id"])], certificate_folder(db))


def certificate_folder(db: Database) -> Path:
    """The ``certificate_folder`` setting, or a folder beside the database file."""
    with read_only(db) as s:
        stored = s.scalar(select(Setting.value).where(Setting.key == FOLDER_SETTING))
    if stored and json.loads(stored):
        return Path(json.loads(stored)).expanduser()
    url = db.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database.removeprefix("file:")).resolve()
        return path.with_name(f"{path.stem}-certificates")
    return default_data_dir() / "certificates"


def write_certificate_files(db: Database, certificate_ids: list[int], folder: Path, *,
                            progress: Callable[[int, int], None] | None = None,
                            cancelled: Callable[[], bool] | None = None) -> list[Path]:
    """Render certificates atomically into the folder (created when missing) on all cores, and
    record where each is. Raises OSError when the folder cannot be written. After a cancel, the
    ones written are recorded and returned."""
    from tracker.reports.certificate_pdf import CertificateData, render_many

    with read_only(db) as s:
        certs = list(s.scalars(select(Certificate).where(Certificate.id.in_(certificate_ids))))
        specs = all_templates(s)
        jobs = []
        for cert in sorted(certs, key=lambda c: certificate_ids.index(c.id)):
            data = CertificateData(**_pdf_data(s, cert))
            out = folder / file_name(data.activity, data.student, data.serial)
            # a design deleted since prints as the default one: the certificate stays valid
            jobs.append((cert.id, data, specs.get(cert.template) or specs[DEFAULT_TEMPLATE], out))
    if len(jobs) != len(set(certificate_ids)):
        raise NotFound("A certificate to write no longer exists.")
    folder.mkdir(parents=True, exist_ok=True)
    done = render_many([(data, template, out) for _, data, template, out in jobs], progress=progress,
                       cancelled=cancelled)
    written = jobs[:done] if done < len(jobs) else jobs
    with db.session_factory() as s, s.begin():
        for cid, _, _, out in written:
            row = s.get(Certificate, cid)
            if row is not None and row.file_path != str(out):
                row.file_path = str(out)
    return [out for *_, out in written]


def file_name(activity: str, student: str, serial: str) -> str:
    """``Activity - Student - serial.pdf`` with characters no file system takes replaced."""
    def clean(text: str) -> str:
        return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", text).strip(" .") or "-"
    return f"{clean(activity)} - {clean(student)} - {clean(serial)}.pdf"


def _pdf_data(s: Session, cert: Certificate) -> dict[str, Any]:
    student = s.get(User, cert.student_id)
    activity = s.get(Activity, cert.activity_id)
    assert student is not None and activity is not None
    settings = _school_settings(s)
    payload = credentials.unverified(cert.token)[1] if cert.token else {}
    completed = payload.get("completed_on") or cert.issued_at.date().isoformat()
    return {"student": student.display_name, "activity": activity.name,
            "completed_on": date.fromisoformat(completed), "hours": _hours(s, cert.student_id, cert.activity_id),
            "skills": _skills(s, cert.student_id, cert.activity_id),
            "school": settings.get("school_name") or "Our School", "serial": cert.serial,
            "code": cert.verification_code, "token": cert.token or "", "issued_on": cert.issued_at.date(),
            "logo_path": settings.get("logo_path") or None}


def all_templates(s: Session) -> dict[str, TemplateSpec]:
    """Every design by name: the built-in ones (or the admin's edit of them), then the admin's."""
    found = dict(designs.TEMPLATES)
    for name, data in _stored_templates(s).items():
        found[name] = designs.from_json(data)
    return found


def template_named(s: Session, name: str | None) -> TemplateSpec:
    found = all_templates(s)
    spec = found.get(name or DEFAULT_TEMPLATE)
    if spec is None:
        raise ValidationError.field("template", f"There is no certificate template called {name!r}; "
                                                f"choose one of {', '.join(found)}.")
    return spec


def _stored_templates(s: Session) -> dict[str, dict[str, Any]]:
    raw = s.scalar(select(Setting.value).where(Setting.key == TEMPLATES_SETTING))
    stored = json.loads(raw) if raw else {}
    return stored if isinstance(stored, dict) else {}


def _store_templates(s: Session, stored: dict[str, dict[str, Any]]) -> None:
    row = s.scalar(select(Setting).where(Setting.key == TEMPLATES_SETTING))
    value = json.dumps(stored)
    if row is None:
        s.add(Setting(key=TEMPLATES_SETTING, value=value))
    else:
        row.value = value


def _school_settings(s: Session) -> dict[str, Any]:
    return {k: json.loads(v) for k, v in s.execute(
        select(Setting.key, Setting.value).where(Setting.key.in_(("school_name", "logo_path"))))}


def _check_printable(s: Session, student_ids: list[int], template: TemplateSpec) -> None:
    """A name the certificate font cannot draw is refused before anything is issued, never
    printed as empty boxes."""
    from tracker.reports.certificate_pdf import unprintable_characters

    names = s.execute(select(User.display_name).where(User.id.in_(student_ids))).scalars()
    problems = [Problem(f"{name}: the certificate font cannot print {missing!r}.", field="student")
                for name in names if (missing := unprintable_characters(name, template))]
    if problems:
        raise ValidationError("Some names cannot be printed with the certificate font; nothing was issued.",
                              problems)


def _token_of_pdf(path: Path) -> str | None:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        info = PdfReader(path).metadata
    except (OSError, PdfReadError, ValueError):
        return None
    token = info.get("/VerificationToken") if info else None
    return str(token) if token else None


# --------------------------------------------------------------------------- helpers


def _verify_token(s: Session, token: str) -> Verification:
    try:
        header, claimed = credentials.unverified(token)
        did = str(header.get("kid") or claimed.get("iss") or "").split("#")[0]
        key = s.scalar(select(SigningKey).where(SigningKey.did == did))
        if key is None:
            return Verification(CertificateStatus.INVALID, reason="Not signed with this school's key.")
        payload = credentials.verify(token, key.public_raw)
    except credentials.TokenError as exc:
        return Verification(CertificateStatus.INVALID, reason=f"The token is not genuine ({exc}).")
    if payload.get("type") == "transcript":  # the signature is the whole check: records are not registered
        return Verification(CertificateStatus.VALID, student=payload.get("name"), activity=TRANSCRIPT,
                            issued_at=payload.get("issued_on"))
    serial = str(payload.get("jti", ""))
    cert = s.scalar(select(Certificate).where(Certificate.serial == serial))
    if cert is None:
        return Verification(CertificateStatus.UNKNOWN, serial=serial or None,
                            reason="This school's register has no certificate with this serial.")
    if cert.token != token.strip():
        return Verification(CertificateStatus.INVALID, serial=serial,
                            reason="The token differs from the one in the register.")
    status = _status(cert)
    reason = cert.revoke_reason if status is CertificateStatus.REVOKED else (
        cert.supersede_reason if status is CertificateStatus.SUPERSEDED else None)
    return Verification(status, serial=serial, student=payload.get("name"), activity=payload.get("activity"),
                        completed_on=payload.get("completed_on"), issued_at=cert.issued_at.isoformat(), reason=reason)


def _activity(s: Session, activity_id: int) -> Activity:
    activity = s.get(Activity, activity_id)
    if activity is None:
        raise NotFound(f"Activity {activity_id} does not exist.")
    return activity


def _by_serial(s: Session, serial: str) -> Certificate:
    cert = s.scalar(select(Certificate).where(Certificate.serial == serial.strip()))
    if cert is None:
        raise NotFound(f"No certificate has the serial {serial}.")
    return cert


def _reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError.field("reason", f"Say why you {what} the certificate.")
    return reason[:500]


def _valid_for(s: Session, student_id: int, activity_id: int) -> Certificate | None:
    return s.scalar(select(Certificate).where(
        Certificate.student_id == student_id, Certificate.activity_id == activity_id,
        Certificate.revoked.is_(False), Certificate.superseded_by_id.is_(None)).order_by(Certificate.id.desc()))


def _status(cert: Certificate) -> CertificateStatus:
    if cert.revoked:
        return CertificateStatus.REVOKED
    if cert.superseded_by_id is not None:
        return CertificateStatus.SUPERSEDED
    return CertificateStatus.VALID


def _info(c: Certificate, student: str, activity: str) -> CertificateInfo:
    status = _status(c)
    reason = c.revoke_reason if status is CertificateStatus.REVOKED else c.supersede_reason
    return CertificateInfo(c.id, c.serial, c.verification_code, c.student_id, student, c.activity_id, activity,
                           c.template, c.issued_at, c.issued_by, status,
                           reason if status is not CertificateStatus.VALID else None, c.file_path)


def _active_key(s: Session, *, lock: bool = False) -> SigningKey | None:
    """The key that signs now. ``lock`` holds its row until the commit (PostgreSQL; SQLite's
    write lock already serialises writers), so two workstations issuing at the same moment
    number their certificates one after the other."""
    query = select(SigningKey).where(SigningKey.active.is_(True)).order_by(SigningKey.id.desc())
    return s.scalar(query.with_for_update() if lock else query)


def _new_key(s: Session) -> SigningKey:
    pair = credentials.new_key()
    key = SigningKey(private_pem=pair.private_pem.decode("ascii"), public_raw=pair.public_raw, did=pair.did,
                     active=True)
    s.add(key)
    s.flush()
    return key


def _next_serial(s: Session, year: int) -> str:
    """``YYYY-NNNNNN``, counting within the year (the write lock makes it unique)."""
    prefix = f"{year}-"
    last = s.scalar(select(func.max(Certificate.serial)).where(Certificate.serial.like(f"{prefix}%")))
    number = int(last.removeprefix(prefix)) + 1 if last and last.removeprefix(prefix).isdigit() else 1
    return f"{prefix}{number:06d}"


def _new_code(s: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if s.scalar(select(Certificate.id).where(Certificate.verification_code == code)) is None:
            return code


def _completed_on(s: Session, student_id: int, activity_id: int) -> date | None:
    at = s.scalar(select(ActivityProgress.completed_at).where(
        ActivityProgress.user_id == student_id, ActivityProgress.activity_id == activity_id))
    return at.date() if at else None


def _hours(s: Session, student_id: int, activity_id: int) -> float:
    """Hours attended: the length of the sessions the student was marked present at."""
    rows = s.execute(select(ActivitySession.starts_at, ActivitySession.ends_at)
                     .join(AttendanceRecord, AttendanceRecord.session_id == ActivitySession.id)
                     .join(AttendanceStatus, AttendanceStatus.id == AttendanceRecord.status_id)
                     .where(ActivitySession.activity_id == activity_id, AttendanceRecord.student_id == student_id,
                            AttendanceStatus.counts_as_present.is_(True), ActivitySession.cancelled.is_(False)))
    return round(sum(max((end - start).total_seconds(), 0) for start, end in rows) / 3600, 1)


def _skills(s: Session, student_id: int, activity_id: int) -> tuple[str, ...]:
    return tuple(s.scalars(select(Skill.name).join(SkillAssessment, SkillAssessment.skill_id == Skill.id)
                           .where(SkillAssessment.student_id == student_id,
                                  SkillAssessment.activity_id == activity_id).distinct().order_by(Skill.name)))

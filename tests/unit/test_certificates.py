"""Certificates (issue 11): the registry, the signing key, the JWS, offline verification, the
files written after the commit (and retried), the CLI and the façade."""

from __future__ import annotations

import json
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from pypdf import PdfReader
from sqlalchemy import select

from tracker import cli
from tracker.api import TrackerAPI
from tracker.db.models import Activity, AuditEntry, Certificate, Setting, SigningKey
from tracker.db.uow import read_only
from tracker.domain import credentials
from tracker.domain.notices import CertificateStillValid
from tracker.errors import NotFound, ValidationError
from tracker.services.activities import ActivityInput
from tracker.services.certificates import (
    CODE_ALPHABET,
    FOLDER_SETTING,
    CertificateStatus,
    certificate_folder,
    file_name,
)
from tracker.services.outcome import perform

from ..conftest import School

VALID, REVOKED, SUPERSEDED = CertificateStatus.VALID, CertificateStatus.REVOKED, CertificateStatus.SUPERSEDED
UNKNOWN, INVALID = CertificateStatus.UNKNOWN, CertificateStatus.INVALID


def complete(school: School, student_id: int | None = None) -> None:
    """Sam (by default) completes chess: the completion issues the certificate."""
    school.services.enrollment.set_completed_by_hand(
        school.admin, school.chess, student_id or school.student.id, "finished the course")


def token_of(school: School, serial: str) -> str:
    with read_only(school.services.db) as s:
        token = s.scalar(select(Certificate.token).where(Certificate.serial == serial))
    assert token
    return token


def set_folder(school: School, folder: Path) -> None:
    with school.services.db.session_factory() as s, s.begin():
        row = s.scalar(select(Setting).where(Setting.key == FOLDER_SETTING))
        if row is None:
            s.add(Setting(key=FOLDER_SETTING, value=json.dumps(str(folder))))
        else:
            row.value = json.dumps(str(folder))


# --------------------------------------------------------------------------- did:key and JWS


def test_base58_matches_known_vectors() -> None:
    assert credentials.b58encode(b"Hello World!") == "2NEpo7TZRRrLZSi2U"
    assert credentials.b58encode(b"\0\0\x01") == "112"
    assert credentials.b58decode("2NEpo7TZRRrLZSi2U") == b"Hello World!"
    assert credentials.b58decode("112") == b"\0\0\x01"


def test_did_key_is_multibase_base58btc_of_the_multicodec_ed25519_key() -> None:
    # did:key spec test vector (Ed25519): raw key and its did:key
    raw = bytes.fromhex("2e6fcce36701dc791488e0d0b1745cc1e33a4c1c9fcc41c63bd343dbbe0970e6")
    assert credentials.did_key(raw) == "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    pair = credentials.new_key()
    assert pair.did.startswith("did:key:z6Mk") and credentials.public_raw_of_did(pair.did) == pair.public_raw


def test_the_token_verifies_with_an_independent_jose_library(school: School) -> None:
    complete(school)
    cert = school.services.certificates.list_for_student(school.parent, school.student.id)[0]
    token = token_of(school, cert.serial)
    key = school.services.certificates.public_key()
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": f"{key.did}#{key.did.removeprefix('did:key:')}"}
    claims = jwt.decode(token, load_pem_public_key(key.pem), algorithms=["EdDSA"])  # type: ignore[arg-type]
    assert claims["iss"] == key.did and claims["jti"] == cert.serial
    assert claims["name"] == "Sam Student" and claims["activity"] == "Chess Club"
    assert claims["completed_on"] and isinstance(claims["iat"], int) and claims["code"] == cert.code
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, load_pem_public_key(credentials.public_pem(credentials.new_key().public_raw)),  # type: ignore[arg-type]
                   algorithms=["EdDSA"])


# --------------------------------------------------------------------------- registry


def test_completion_issues_a_certificate_and_writes_its_pdf_after_the_commit(school: School) -> None:
    complete(school)
    [cert] = school.services.certificates.list_for_activity(school.teacher, school.chess)
    assert cert.status is VALID and cert.student == "Sam Student" and cert.template == "classic"
    assert cert.serial.startswith(f"{cert.issued_at.year}-") and len(cert.serial) == 11
    assert 8 <= len(cert.code) <= 10 and set(cert.code) <= set(CODE_ALPHABET)
    assert cert.path is not None
    path = Path(cert.path)
    assert path.parent == certificate_folder(school.services.db)
    assert path.name == f"Chess Club - Sam Student - {cert.serial}.pdf" and path.is_file()
    pdf = PdfReader(path)
    assert pdf.metadata is not None and pdf.metadata["/VerificationToken"] == token_of(school, cert.serial)
    text = pdf.pages[0].extract_text()
    assert "Sam Student" in text and "Chess Club" in text and cert.serial in text
    assert school.services.certificates.verify(str(path)).status is VALID
    assert school.services.jobs.pending(school.admin) == []


def test_the_default_folder_is_beside_the_database(school: School, db_path: Path) -> None:
    assert certificate_folder(school.services.db) == db_path.resolve().with_name("school-certificates")


def test_completing_again_keeps_the_certificate_and_reverting_does_not_delete_it(school: School) -> None:
    complete(school)
    s = school.services
    s.progress.override_progress(school.admin, school.chess, school.student.id, status="active", note="oops")
    s.progress.clear_override(school.admin, school.chess, school.student.id)
    complete(school)
    certs = s.certificates.list_for_student(school.student, school.student.id)
    assert [c.status for c in certs] == [VALID]


def test_no_certificate_when_the_activity_says_so(school: School) -> None:
    with school.services.db.session_factory() as s, s.begin():
        activity = s.get(Activity, school.chess)
        assert activity is not None
        activity.certificate_on_completion = False
    complete(school)
    assert school.services.certificates.list_for_activity(school.admin, school.chess) == []


def test_the_activity_switch_is_saved_audited_and_obeyed(school: School) -> None:
    s = school.services
    current = s.activities.get_activity(school.admin, school.chess)
    assert current.certificate_on_completion
    data = ActivityInput(name=current.name, category=current.category, lead_ids=list(current.lead_ids),
                         certificate_on_completion=False)
    s.activities.update_activity(school.admin, school.chess, data)
    assert not s.activities.get_activity(school.admin, school.chess).certificate_on_completion
    with read_only(s.db) as db:
        after = db.scalars(select(AuditEntry.after).where(AuditEntry.entity == "activity")
                           .order_by(AuditEntry.id.desc())).first()
    assert json.loads(after or "{}")["certificate_on_completion"] is False
    complete(school)
    assert s.certificates.list_for_activity(school.admin, school.chess) == []


def test_reverting_a_completion_offers_to_revoke_the_certificate(school: School) -> None:
    complete(school)
    [cert] = school.services.certificates.list_for_activity(school.admin, school.chess)
    outcome = perform(lambda: school.services.progress.override_progress(
        school.admin, school.chess, school.student.id, status="active", note="marked by mistake"))
    assert outcome.notices == (CertificateStillValid(cert.serial, "Sam Student", "Chess Club"),)
    # the certificate stands until someone revokes it
    assert school.services.certificates.verify(cert.code).status is VALID
    # a change that reverts nothing raises no notice
    again = perform(lambda: school.services.progress.override_progress(
        school.admin, school.chess, school.student.id, status="active", note="still active"))
    assert again.notices == ()


def test_issue_writes_into_out_dir_and_reuses_a_valid_certificate(school: School, tmp_path: Path) -> None:
    complete(school)
    [before] = school.services.certificates.list_for_activity(school.admin, school.chess)
    [issued] = school.services.certificates.issue(school.teacher, school.chess, out_dir=tmp_path / "out")
    assert issued.serial == before.serial
    assert issued.path == str(tmp_path / "out" / file_name("Chess Club", "Sam Student", issued.serial))
    assert Path(issued.path).is_file()


def test_issue_to_a_folder_reports_progress_and_stops_when_cancelled(school: School, tmp_path: Path) -> None:
    complete(school)
    complete(school, school.other_student.id)
    seen: list[tuple[int, int]] = []
    issued = school.services.certificates.issue(school.teacher, school.chess, out_dir=tmp_path / "a",
                                                progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 2), (2, 2)] and all(c.path and Path(c.path).is_file() for c in issued)
    school.services.certificates.issue(school.teacher, school.chess, out_dir=tmp_path / "b",
                                       cancelled=lambda: True)
    assert not list((tmp_path / "b").glob("*.pdf"))


def test_a_student_who_has_not_completed_is_refused_unless_an_admin_forces_it(school: School) -> None:
    certs = school.services.certificates
    with pytest.raises(ValidationError) as exc:
        certs.issue(school.teacher, school.chess, [school.other_student.id])
    assert "Olga Other has not completed it." in str(exc.value)
    with pytest.raises(ValidationError):
        certs.issue(school.teacher, school.chess, [school.other_student.id], force=True)
    [forced] = certs.issue(school.admin, school.chess, [school.other_student.id], force=True)
    assert forced.status is VALID and forced.student == "Olga Other"
    assert certs.issue(school.admin, school.drama) == []  # nobody completed drama


def test_a_name_the_font_cannot_draw_is_refused_before_anything_is_issued(school: School) -> None:
    from tracker.services.people import UserInput

    s = school.services
    info = s.people.get_user(school.admin, school.other_student.id)
    s.people.update_user(school.admin, info.id, UserInput("olga", "Olga \U0001F600 Other", info.role, grade="8",
                                                          class_name="8A", student_number="S002"))
    with pytest.raises(ValidationError) as exc:
        s.certificates.issue(school.admin, school.chess, [school.other_student.id], force=True)
    assert "cannot print" in str(exc.value)
    assert s.certificates.list_for_activity(school.admin, school.chess) == []


def test_reissue_gives_a_new_serial_and_supersedes_the_old_one(school: School) -> None:
    complete(school)
    certs = school.services.certificates
    [old] = certs.list_for_activity(school.admin, school.chess)
    with pytest.raises(ValidationError):
        certs.reissue(school.teacher, old.serial, reason=" ")
    new = certs.reissue(school.teacher, old.serial, reason="Name corrected", template="modern")
    assert new.serial != old.serial and new.code != old.code and new.template == "modern"
    listed = {c.serial: c for c in certs.list_for_activity(school.admin, school.chess)}
    assert listed[old.serial].status is SUPERSEDED and listed[old.serial].reason == "Name corrected"
    assert listed[new.serial].status is VALID
    result = certs.verify(old.code)
    assert (result.status, result.reason) == (SUPERSEDED, "Name corrected")
    assert certs.verify(token_of(school, new.serial)).status is VALID
    with pytest.raises(ValidationError):
        certs.reissue(school.admin, old.serial, reason="again")
    with read_only(school.services.db) as s:
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "certificate")))
    assert {"issue", "supersede"} <= actions


def test_revoke_needs_a_reason_and_verifies_as_revoked(school: School) -> None:
    complete(school)
    certs = school.services.certificates
    [cert] = certs.list_for_activity(school.admin, school.chess)
    with pytest.raises(ValidationError):
        certs.revoke(school.teacher, cert.serial, reason="")
    with pytest.raises(NotFound):
        certs.revoke(school.teacher, "1999-000001", reason="typo")
    revoked = certs.revoke(school.teacher, cert.serial, reason="Issued by mistake")
    assert (revoked.status, revoked.reason) == (REVOKED, "Issued by mistake")
    result = certs.verify(cert.code.lower())
    assert (result.status, result.serial, result.reason) == (REVOKED, cert.serial, "Issued by mistake")
    assert result.student == "Sam Student" and result.activity == "Chess Club"
    with pytest.raises(ValidationError):
        certs.revoke(school.admin, cert.serial, reason="twice")
    with read_only(school.services.db) as s:
        assert s.scalar(select(AuditEntry.id).where(AuditEntry.action == "revoke",
                                                    AuditEntry.entity == "certificate")) is not None


def test_rotation_keeps_old_certificates_verifiable(school: School) -> None:
    certs = school.services.certificates
    complete(school)
    [old] = certs.list_for_activity(school.admin, school.chess)
    first = certs.public_key()
    second = certs.rotate_key(school.admin)
    assert second.did != first.did and certs.public_key().did == second.did
    assert certs.verify(token_of(school, old.serial)).status is VALID
    complete(school, school.other_student.id)
    new = next(c for c in certs.list_for_activity(school.admin, school.chess) if c.student == "Olga Other")
    assert jwt.get_unverified_header(token_of(school, new.serial))["kid"].startswith(second.did)
    assert certs.verify(new.code).status is VALID
    with read_only(school.services.db) as s:
        keys = {k.did: (k.active, k.retired_at is not None) for k in s.scalars(select(SigningKey))}
    assert keys == {first.did: (False, True), second.did: (True, False)}


def test_tampered_foreign_and_unknown_tokens(school: School, tmp_path: Path) -> None:
    complete(school)
    certs = school.services.certificates
    [cert] = certs.list_for_activity(school.admin, school.chess)
    token = token_of(school, cert.serial)
    head, body, sig = token.split(".")
    claims = json.loads(credentials._unb64(body))
    claims["name"] = "Mallory"
    forged = f"{head}.{credentials._b64(json.dumps(claims).encode())}.{sig}"
    assert certs.verify(forged).status is INVALID
    assert certs.verify(f"{head}.{body}.{sig[:-4]}AAAA").status is INVALID
    stranger = credentials.new_key()
    assert certs.verify(credentials.sign(stranger.private_pem, stranger.did, claims)).status is INVALID
    with read_only(school.services.db) as s:
        key = s.scalars(select(SigningKey)).one()
        ours = credentials.sign(key.private_pem.encode(), key.did, {**claims, "jti": "2099-999999"})
    assert certs.verify(ours).status is UNKNOWN
    assert certs.verify("ZZZZZZZZZZ").status is UNKNOWN
    assert certs.verify("not.a.token").status is INVALID
    blank = tmp_path / "blank.pdf"
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.write(blank)
    assert certs.verify(str(blank)).status is INVALID
    assert certs.verify(str(tmp_path / "missing.pdf")).reason == f"There is no file {tmp_path / 'missing.pdf'}."


def test_a_file_that_cannot_be_written_stays_pending_and_is_retried(school: School, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    set_folder(school, blocker / "certificates")
    complete(school)  # the completion stands
    s = school.services
    assert s.progress.get_user_progress(school.student, school.student.id)[0].status.value == "completed"
    [cert] = s.certificates.list_for_activity(school.admin, school.chess)
    assert cert.path is None
    [job] = s.jobs.pending(school.admin)
    assert job.kind == "write_certificate" and job.last_error
    set_folder(school, tmp_path / "fixed")
    report = s.jobs.retry(school.admin)
    assert (report.done, report.failed) == (1, ())
    [cert] = s.certificates.list_for_activity(school.admin, school.chess)
    assert cert.path is not None and Path(cert.path).parent == tmp_path / "fixed" and Path(cert.path).is_file()


# --------------------------------------------------------------------------- CLI and façade


def test_cli_certificates_revoke_verify_and_public_key(school: School, db_path: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    complete(school)
    db = ["--db", str(db_path)]
    out = tmp_path / "printed"
    assert cli.main(["certificates", *db, "--activity", str(school.chess), "--out", str(out)]) == 0
    [line] = capsys.readouterr().out.splitlines()
    serial, code, path = line.split(" ", 2)
    assert Path(path).is_file() and Path(path).parent == out
    assert cli.main(["verify", *db, path]) == 0
    assert capsys.readouterr().out.startswith(f"VALID | serial: {serial} | student: Sam Student")
    assert cli.main(["certificates", *db, "--activity", str(school.chess), "--student",
                     str(school.other_student.id)]) == 1
    assert "Olga Other has not completed it." in capsys.readouterr().err
    assert cli.main(["revoke-certificate", *db, serial, "--reason", "Issued by mistake"]) == 0
    assert capsys.readouterr().out.startswith(f"Revoked {serial}")
    assert cli.main(["verify", *db, code]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("REVOKED") and "Issued by mistake" in lines[0]
    assert cli.main(["verify", *db, "NOPE234567"]) == 1
    assert capsys.readouterr().out.startswith("UNKNOWN")
    assert cli.main(["verify", *db, "a.b.c"]) == 1
    assert capsys.readouterr().out.startswith("INVALID")
    pem = tmp_path / "school.pem"
    assert cli.main(["public-key", *db, "--out", str(pem)]) == 0
    did = capsys.readouterr().out.strip()
    assert did == school.services.certificates.public_key().did and did.startswith("did:key:z6Mk")
    assert load_pem_public_key(pem.read_bytes())
    assert pem.read_text().startswith("-----BEGIN PUBLIC KEY-----")


def test_facade_issues_verifies_and_revokes(school: School, tmp_path: Path) -> None:
    complete(school)
    api = TrackerAPI(school.services)
    [issued] = api.issue_certificates(school.teacher, school.chess, out_dir=tmp_path)
    assert set(issued) == {"serial", "code", "student_id", "path"} and issued["student_id"] == school.student.id
    checked = api.verify_certificate(issued["code"])
    assert checked["status"] == "VALID" and checked["student"] == "Sam Student"
    assert set(checked) == {"status", "serial", "student", "activity", "completed_on", "issued_at", "reason"}
    revoked = api.revoke_certificate(school.teacher, issued["serial"], reason="Wrong activity")
    assert revoked["status"] == "REVOKED" and revoked["reason"] == "Wrong activity"
    assert api.verify_certificate(issued["path"])["status"] == "REVOKED"
    json.dumps([issued, checked, revoked])


def test_the_upgrade_to_certificates_keeps_every_row(school: School, db_path: Path) -> None:
    """The migration adds columns in place: a table copy of ``activities`` on SQLite would
    cascade-delete the enrollments and attendance that point at it."""
    from alembic import command
    from sqlalchemy import text

    from tracker.db.migrate import alembic_config
    from tracker.services.bootstrap import open_database

    school.services.db.dispose()
    db, _ = open_database(db_path)
    counts = "SELECT (SELECT count(*) FROM activity_progress), (SELECT count(*) FROM activities)"
    try:
        with db.engine.begin() as conn:
            before = conn.execute(text(counts)).one()
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0003")
            assert conn.execute(text(counts)).one() == before
    finally:
        db.dispose()
    db, result = open_database(db_path)  # upgrades back to the head
    try:
        assert result is not None and result.from_revision == "0003"
        with db.engine.connect() as conn:
            assert conn.execute(text(counts)).one() == before and before[0] == 3
            assert conn.scalar(text("SELECT min(certificate_on_completion) FROM activities")) == 1
    finally:
        db.dispose()


def test_a_pdf_whose_path_has_three_dotted_parts_is_read_as_a_file_not_a_token(school: School,
                                                                                 tmp_path: Path) -> None:
    """"/tmp/at-wheel.x1/certificates/Chess - Sam - 2026-000001.pdf" splits into three parts at its
    dots, like a compact JWS; it is still the file to verify (found by the wheel's smoke test)."""
    complete(school)
    [cert] = school.services.certificates.list_for_activity(school.teacher, school.chess)
    assert cert.path is not None
    folder = tmp_path / "at-wheel.x1" / "certificates"
    folder.mkdir(parents=True)
    copy = folder / "Chess Club - Sam Student - 2026-000001.pdf"
    copy.write_bytes(Path(cert.path).read_bytes())
    assert len(str(copy).split(".")) == 3
    assert school.services.certificates.verify(str(copy)).status is VALID

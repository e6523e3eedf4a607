"""The co-curricular record (issue 13): the featured items printed and read back with pdftotext,
the token checked by an independent JOSE library and by ``verify``, the CLI."""

from __future__ import annotations

import io
import subprocess
from datetime import date
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from pypdf import PdfReader

from tracker import cli
from tracker.domain import credentials
from tracker.domain.portfolio import featured_only
from tracker.errors import PermissionDenied
from tracker.reports.transcript_pdf import EVERYTHING_NOTE, content_digest, transcript_data
from tracker.services.certificates import CertificateStatus

from ..conftest import School
from .achievement_support import award, milestone_done


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    return " ".join(run("pdftotext", str(path), "-").split())


def token_of(pdf: bytes) -> str:
    info = PdfReader(io.BytesIO(pdf)).metadata
    assert info is not None
    return str(info["/VerificationToken"])


@pytest.fixture
def featured(school: School) -> School:
    """Olga (renamed Đặng Thị Olga) features chess and one of two milestones there, and a drama
    badge; she writes a reflection on chess."""
    s, olga = school.services, school.other_student
    from tracker.services.people import UserInput

    s.people.update_user(school.admin, olga.id, UserInput("olga", "Đặng Thị Olga", olga.role, grade="8",
                                                          class_name="8A", student_number="S002"))
    s.milestones.create_milestone(school.admin, school.chess, title="Keeps chess open")
    shown = milestone_done(school, school.chess, olga.id, "Opening principles", 10)
    milestone_done(school, school.chess, olga.id, "Hidden endgame study", 5)
    drama_badge = award(s, olga.id, 7, school.drama, name="Stage debut")
    award(s, olga.id, 3, school.drama, name="Secret helper")
    s.portfolios.set_featured(olga, olga.id, "activity", school.chess, True)
    s.portfolios.set_featured(olga, olga.id, "milestone", shown, True)
    s.portfolios.set_featured(olga, olga.id, "badge", drama_badge, True)
    s.portfolios.save_reflection(olga, olga.id, school.chess, "Chess taught me patience & planning.")
    return school


def test_the_record_prints_the_featured_items_and_leaves_the_others_out(featured: School, tmp_path: Path) -> None:
    school = featured
    pdf = school.services.portfolios.transcript_pdf(school.other_student, school.other_student.id)
    text = text_of(pdf, tmp_path)
    for shown in ("Co-curricular record", "Đặng Thị Olga", "Grade 8", "Chess Club", "Opening principles",
                  "Drama", "Stage debut", "Chess taught me patience & planning.", "Our School", "Verification"):
        assert shown in text, shown
    for hidden in ("Hidden endgame study", "Secret helper", EVERYTHING_NOTE[:30]):
        assert hidden not in text, hidden


def test_with_nothing_featured_the_record_lists_everything_and_says_so(featured: School, tmp_path: Path) -> None:
    school = featured
    pdf = school.services.portfolios.transcript_pdf(school.admin, school.student.id)  # Sam features nothing
    text = text_of(pdf, tmp_path)
    assert EVERYTHING_NOTE in text and "Sam Student" in text and "Chess Club" in text


def test_a_leads_record_lists_only_their_activities(featured: School, tmp_path: Path) -> None:
    school = featured
    text = text_of(school.services.portfolios.transcript_pdf(school.teacher, school.other_student.id), tmp_path)
    assert "Chess Club" in text and "Drama" not in text and "Stage debut" not in text
    with pytest.raises(PermissionDenied):
        school.services.portfolios.transcript_pdf(school.parent, school.other_student.id)


def test_the_token_verifies_with_an_independent_jose_library_and_vouches_for_the_content(featured: School) -> None:
    school = featured
    s, olga = school.services, school.other_student
    pdf = s.portfolios.transcript_pdf(olga, olga.id)
    token = token_of(pdf)
    key = s.certificates.public_key()
    claims = jwt.decode(token, load_pem_public_key(key.pem), algorithms=["EdDSA"])  # type: ignore[arg-type]
    assert claims["type"] == "transcript" and claims["iss"] == key.did
    assert claims["name"] == "Đặng Thị Olga" and claims["school"] == "Our School"
    assert claims["issued_on"] == date.today().isoformat() and isinstance(claims["iat"], int)
    listed = featured_only(s.portfolios.portfolio(olga, olga.id))
    data = transcript_data(listed, school="Our School", issued_on=date.today(), everything=False)
    assert claims["sha256"] == content_digest(data)
    assert claims["sha256"] in " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, load_pem_public_key(credentials.public_pem(credentials.new_key().public_raw)),  # type: ignore[arg-type]
                   algorithms=["EdDSA"])


def test_verify_says_valid_for_the_record_and_invalid_after_one_changed_byte(featured: School,
                                                                            tmp_path: Path) -> None:
    school = featured
    s, olga = school.services, school.other_student
    pdf = s.portfolios.transcript_pdf(olga, olga.id)
    token = token_of(pdf)
    result = s.certificates.verify(token)
    assert result.status is CertificateStatus.VALID
    assert result.line() == f"VALID | Co-curricular record of Đặng Thị Olga, issued {date.today().isoformat()}"
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    assert s.certificates.verify(str(path)).status is CertificateStatus.VALID
    head, body, signature = token.split(".")
    changed = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    assert s.certificates.verify(f"{head}.{changed}.{signature}").status is CertificateStatus.INVALID
    # a character inside the signature (the last one carries padding bits a decoder may ignore)
    forged = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    assert s.certificates.verify(f"{head}.{body}.{forged}").status is CertificateStatus.INVALID


def test_the_qr_code_carries_the_token(featured: School, tmp_path: Path) -> None:
    school = featured
    pdf = school.services.portfolios.transcript_pdf(school.other_student, school.other_student.id)
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    run("pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page"))
    [png] = tmp_path.glob("page*.png")
    assert run("zbarimg", "-q", "--raw", str(png)).strip() == token_of(pdf)


def test_cli_transcript_writes_a_pdf_that_verifies(featured: School, db_path: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    school = featured
    out = tmp_path / "olga.pdf"
    db = ["--db", str(db_path)]
    assert cli.main(["transcript", *db, "--student", str(school.other_student.id), "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"Wrote {out}"
    assert out.read_bytes().startswith(b"%PDF")
    assert cli.main(["verify", *db, str(out)]) == 0
    assert capsys.readouterr().out.startswith("VALID | Co-curricular record of Đặng Thị Olga")
    assert cli.main(["transcript", *db, "--student", str(school.teacher.id), "--out", str(tmp_path / "no.pdf")]) == 1
    assert "No student with id" in capsys.readouterr().err and not (tmp_path / "no.pdf").exists()

"""Certificate templates (issue 11): an administrator edits the built-in designs and makes new
ones; each change is checked, stored in the database and audited; the certificates written
afterwards print with it, and one whose design was deleted prints with the default design."""

from __future__ import annotations

import io
import json
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from tracker.db.models import AuditEntry
from tracker.db.uow import read_only
from tracker.errors import NotFound, PermissionDenied, ValidationError
from tracker.reports.certificate_templates import (
    MAX_IMAGE_BYTES,
    TEMPLATES,
    Signature,
    TemplateSpec,
    check,
    from_json,
    to_json,
)
from tracker.services.certificates import write_certificate_files

from ..conftest import School

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64  # the magic is what check() reads; the drawing skips a bad body
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 64


def names(school: School) -> list[str]:
    return [t.name for t in school.services.certificates.templates(school.admin)]


def template(school: School, name: str) -> TemplateSpec:
    return next(t for t in school.services.certificates.templates(school.admin) if t.name == name)


def audit_rows(school: School) -> list[tuple[str, dict | None, dict | None]]:
    with read_only(school.services.db) as s:
        rows = s.execute(select(AuditEntry.action, AuditEntry.before, AuditEntry.after)
                         .where(AuditEntry.entity == "certificate_template").order_by(AuditEntry.id))
        return [(action, json.loads(b) if b else None, json.loads(a) if a else None) for action, b, a in rows]


def problems(spec: TemplateSpec) -> dict[str, str]:
    """check()'s messages by field."""
    with pytest.raises(ValidationError) as err:
        check(spec)
    return {p.field or "": p.message for p in err.value.problems}


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def completed_certificate(school: School, template_name: str | None, out: Path) -> Path:
    """Sam completes chess (which issues his certificate with the default design); with a
    template named, it is reissued with that one. The file is written into ``out``."""
    certs = school.services.certificates
    school.services.enrollment.set_completed_by_hand(school.admin, school.chess, school.student.id, "done")
    (cert,) = certs.issue(school.admin, school.chess, [school.student.id], out_dir=out)
    if template_name is not None:
        cert = certs.reissue(school.admin, cert.serial, reason="New design", template=template_name, out_dir=out)
    assert cert.path is not None
    return Path(cert.path)


# --------------------------------------------------------------------------- the service
def test_the_built_in_designs_come_first_then_the_schools_own(school: School):
    assert names(school) == ["classic", "modern", "minimal"]
    school.services.certificates.save_template(school.admin, TemplateSpec(name="Sports day", design="modern"))
    assert names(school) == ["classic", "modern", "minimal", "Sports day"]


def test_editing_a_built_in_design_is_stored_and_audited(school: School):
    edited = replace(TEMPLATES["classic"], title="Certificate of Excellence", primary="#117733")
    school.services.certificates.save_template(school.admin, edited)
    assert template(school, "classic") == edited and names(school)[0] == "classic"
    assert audit_rows(school) == [("update", None, {"name": "classic", "design": "classic", "paper": "A4",
                                                    "orientation": "landscape"})]


def test_a_new_design_is_created_and_a_second_with_its_name_refused(school: School):
    certs = school.services.certificates
    certs.save_template(school.admin, TemplateSpec(name="Sports day", paper="Letter", orientation="portrait"))
    assert audit_rows(school)[0][0] == "create"
    with pytest.raises(ValidationError) as err:
        certs.save_template(school.admin, TemplateSpec(name="Sports day"))
    assert err.value.problems[0].field == "name" and "already" in err.value.message


def test_renaming_a_design_replaces_it_and_the_audit_names_both(school: School):
    certs = school.services.certificates
    certs.save_template(school.admin, TemplateSpec(name="Sports day"))
    certs.save_template(school.admin, TemplateSpec(name="Sports day 2026", title="Well run"), replaces="Sports day")
    assert "Sports day" not in names(school) and template(school, "Sports day 2026").title == "Well run"
    action, before, after = audit_rows(school)[-1]
    assert action == "update" and before == {"name": "Sports day"} and after and after["name"] == "Sports day 2026"


def test_a_built_in_design_keeps_its_name(school: School):
    certs = school.services.certificates
    with pytest.raises(ValidationError, match="keeps its name"):
        certs.save_template(school.admin, replace(TEMPLATES["modern"], name="modern-2026"), replaces="modern")
    certs.save_template(school.admin, TemplateSpec(name="Mine"))
    with pytest.raises(ValidationError, match="already a template called 'minimal'"):
        certs.save_template(school.admin, TemplateSpec(name="minimal"), replaces="Mine")
    assert names(school) == ["classic", "modern", "minimal", "Mine"]


def test_deleting_a_design_of_the_schools_own(school: School):
    certs = school.services.certificates
    certs.save_template(school.admin, TemplateSpec(name="Sports day"))
    certs.delete_template(school.admin, "Sports day")
    assert "Sports day" not in names(school)
    assert audit_rows(school)[-1] == ("delete", {"name": "Sports day"}, None)
    with pytest.raises(NotFound):
        certs.delete_template(school.admin, "Sports day")


def test_reset_puts_a_built_in_design_back_as_shipped(school: School):
    certs = school.services.certificates
    certs.save_template(school.admin, replace(TEMPLATES["minimal"], title="Done"))
    certs.delete_template(school.admin, "minimal")
    assert template(school, "minimal") == TEMPLATES["minimal"]
    assert audit_rows(school)[-1] == ("reset", {"name": "minimal"}, None)
    certs.delete_template(school.admin, "minimal")  # already as shipped: nothing to do, nothing audited
    assert len(audit_rows(school)) == 2


def test_a_teacher_reads_the_designs_but_may_not_change_them(school: School):
    certs = school.services.certificates
    assert names(school) == [t.name for t in certs.templates(school.teacher)]
    with pytest.raises(PermissionDenied):
        certs.save_template(school.teacher, replace(TEMPLATES["classic"], title="Mine now"))
    with pytest.raises(PermissionDenied):
        certs.delete_template(school.teacher, "classic")
    with pytest.raises(PermissionDenied):
        certs.templates(school.student)
    assert template(school, "classic") == TEMPLATES["classic"] and audit_rows(school) == []


def test_the_service_refuses_what_check_refuses_and_what_the_font_cannot_draw(school: School):
    certs = school.services.certificates
    with pytest.raises(ValidationError) as err:
        certs.save_template(school.admin, replace(TEMPLATES["classic"], wording="Well done {studnet}"))
    assert err.value.problems[0].field == "wording"
    with pytest.raises(ValidationError, match="cannot draw 修"):
        certs.save_template(school.admin, replace(TEMPLATES["classic"], title="修了証"))
    assert audit_rows(school) == []


# --------------------------------------------------------------------------- check()
def test_check_names_a_bad_colour():
    found = problems(TemplateSpec(name="x", primary="red", accent="#12345"))
    assert found["primary"] == found["accent"] == "A colour is written #RRGGBB."


def test_check_names_an_unknown_placeholder_and_lists_the_known_ones():
    found = problems(TemplateSpec(name="x", wording="Well done {studnet} at {school}", skills_label="{skils}"))
    assert found["wording"].startswith("Unknown placeholder {studnet}; use one of {student}, {activity}")
    assert "{skils}" in found["skills_label"] and "{school}" not in found["wording"].split(";")[0]


def test_check_refuses_an_image_that_is_not_png_or_jpeg_or_too_large():
    big = PNG + b"\0" * MAX_IMAGE_BYTES
    found = problems(TemplateSpec(name="x", logo=b"GIF89a...", signatures=(Signature("A", "B", big),)))
    assert found["logo"] == "The image must be a PNG or JPEG file."
    assert found["signature 1"] == "The image is larger than 2 MB."
    check(TemplateSpec(name="x", logo=PNG, signatures=(Signature("A", "B", JPEG),)))  # both formats pass


def test_check_refuses_texts_that_are_too_long_or_empty():
    found = problems(TemplateSpec(name="", title=" ", wording="x" * 601,
                                  signatures=(Signature("n" * 81, "Head"),)))
    assert found["name"].startswith("Give the template a name")
    assert found["title"] == "A certificate needs a title."
    assert found["wording"] == "At most 600 characters."
    assert "at most 80 characters" in found["signature 1"]
    assert problems(TemplateSpec(name="n" * 61))["name"].startswith("Give the template a name of 1 to 60")


def test_json_round_trip_keeps_images_and_signatures():
    spec = TemplateSpec(name="Sports day", design="minimal", paper="Letter", orientation="portrait",
                        logo=PNG, signatures=(Signature("Dr. Ana Ruiz", "Head of School", JPEG),
                                              Signature("", "Coach")))
    data = json.loads(json.dumps(to_json(spec)))  # as stored in the settings table
    assert from_json(data) == spec
    assert from_json({"name": "old", "unknown": 1}) == TemplateSpec(name="old")  # missing keys take defaults
    with pytest.raises(ValidationError, match="damaged"):
        from_json({**data, "logo": "not base64!"})


# --------------------------------------------------------------------------- certificates printed
def real_png(colour: tuple[int, int, int] = (0, 114, 178)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (120, 60), colour).save(out, "PNG")
    return out.getvalue()


def test_images_are_embedded_as_binary_streams_not_ascii85():
    """reportlab's pure-Python ASCII85 cost ~90 ms per logo or signature: more than half the
    live preview's 150 ms and most of each certificate of a batch."""
    from reportlab import rl_config

    from tracker.reports.certificate_pdf import CertificateData, certificate_bytes

    data = CertificateData("Jürgen Groß", "Chess Club", date(2026, 6, 30), 12.5, ("Strategy",), "Our School",
                           "2026-000001", "PREVIEW", "token", date(2026, 7, 1))
    before = rl_config.useA85
    pdf = certificate_bytes(data, TemplateSpec(name="x", logo=real_png(),
                                               signatures=(Signature("Ana Ruiz", "Head", real_png((0, 0, 0))),)))
    assert pdf.count(b"/Subtype /Image") == 2 and b"ASCII85Decode" not in pdf
    assert rl_config.useA85 == before  # the global switch is put back


def test_a_certificate_is_written_with_the_edited_built_in_design(school: School, tmp_path: Path):
    school.services.certificates.save_template(
        school.admin, replace(TEMPLATES["classic"], title="Chess Champion Certificate"))
    text = pdf_text(completed_certificate(school, None, tmp_path))
    assert "Chess Champion Certificate" in text and "Sam Student" in text


def test_a_schools_own_design_prints_and_a_deleted_one_falls_back_to_classic(school: School, tmp_path: Path):
    certs = school.services.certificates
    certs.save_template(school.admin, TemplateSpec(name="Chess 2026", design="modern", title="Grandmaster Award",
                                                   wording="finished {activity} with {hours} hours."))
    path = completed_certificate(school, "Chess 2026", tmp_path / "first")
    assert "Grandmaster Award" in pdf_text(path)
    certs.delete_template(school.admin, "Chess 2026")
    cert = certs.list_for_student(school.admin, school.student.id)[0]  # the newest
    assert cert.template == "Chess 2026" and cert.status.value == "VALID"  # the register keeps its design's name
    (again,) = write_certificate_files(school.services.db, [cert.id], tmp_path / "again")
    text = pdf_text(again)
    assert "Grandmaster Award" not in text and TEMPLATES["classic"].title in text
    with pytest.raises(ValidationError, match="no certificate template called 'Chess 2026'"):
        certs.issue(school.admin, school.chess, [school.student.id], template="Chess 2026", out_dir=tmp_path)

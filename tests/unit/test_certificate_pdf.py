"""Certificate PDFs: read back with poppler (pdftotext, pdfinfo) and the QR decoded with zbarimg,
as a parent's PDF reader and a verifier's phone would."""

from __future__ import annotations

import dataclasses
import subprocess
from datetime import date
from pathlib import Path

import pytest

from tracker.errors import ValidationError
from tracker.reports.certificate_pdf import (
    DEFAULT_TEMPLATE,
    TEMPLATES,
    CertificateData,
    Signature,
    TemplateSpec,
    UnprintableName,
    certificate_bytes,
    fill_wording,
    render_certificate,
    render_many,
    unprintable_characters,
)
from tracker.reports.certificate_qr import QR_MASK, _codewords, qr_modules

# pdftotext, pdfinfo, pdftoppm and zbarimg come from the Makefile's system step (poppler-utils, zbar-tools):
# a machine without them fails these tests instead of passing them unseen.

# a realistic compact JWS: header.payload.signature, ~420 characters
TOKEN = ("eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9." + "eyJpc3MiOiJkaWQ6a2V5Ono2TWt" * 11
         + ".c2lnbmF0dXJlLWJ5dGVzLXNpeHR5LWZvdXItb2YtdGhlbS1iYXNlNjR1cmwtZW5jb2RlZC0tLS0tLS0tLS0tLS0")

NAMES = ["Đặng Văn Lâm", "Jürgen Groß", "Søren Kierkegaard", "Ōkubo Toshimichi",
         "Ελένη Παπαδοπούλου", "Юлия Смирнова"]


def cert(student: str = "Jürgen Groß", **changes: object) -> CertificateData:
    base = CertificateData(
        student=student, activity="Robotics Club", completed_on=date(2026, 6, 30), hours=24.5,
        skills=("Teamwork", "Soldering"), school="Riverside Secondary School",
        serial="C-2026-000123", code="7KQ4-M2XP", token=TOKEN, issued_on=date(2026, 7, 1))
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def spec(name: str, paper: str = "A4", orientation: str = "landscape") -> TemplateSpec:
    return dataclasses.replace(TEMPLATES[name], paper=paper, orientation=orientation)  # type: ignore[arg-type]


def test_three_designs_and_default() -> None:
    assert {"classic", "modern", "minimal"} <= set(TEMPLATES)
    assert DEFAULT_TEMPLATE == "classic"
    with pytest.raises(ValueError):
        TemplateSpec("x", signatures=(Signature("a", "b"),) * 3)


@pytest.mark.parametrize("i,name", list(enumerate(NAMES)))
def test_names_print_and_extract_exactly(tmp_path: Path, i: int, name: str) -> None:
    design = ["classic", "modern", "minimal"][i % 3]
    out = tmp_path / "c.pdf"
    render_certificate(cert(name), spec(design, ("A4", "Letter")[i % 2],
                                        ("landscape", "portrait")[i // 3 % 2]), out)
    lines = run("pdftotext", str(out), "-").splitlines()
    assert name in lines
    assert "Serial C-2026-000123" in lines and "Verification code 7KQ4-M2XP" in lines
    info = run("pdfinfo", str(out))
    assert f"Certificate — {name} — Robotics Club" in info


@pytest.mark.parametrize("design,paper,orientation,size", [
    ("classic", "A4", "landscape", "841.89 x 595.276"), ("modern", "Letter", "portrait", "612 x 792"),
    ("minimal", "Letter", "landscape", "792 x 612"), ("classic", "A4", "portrait", "595.276 x 841.89")])
def test_qr_decodes_to_the_token_and_paper_is_right(tmp_path: Path, design: str, paper: str,
                                                     orientation: str, size: str) -> None:
    out = tmp_path / "c.pdf"
    render_certificate(cert("Đặng Văn Lâm"), spec(design, paper, orientation), out)
    assert f"Page size:       {size} pts" in run("pdfinfo", str(out))
    run("pdftoppm", "-r", "150", "-png", "-singlefile", str(out), str(tmp_path / "page"))
    decoded = run("zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")).strip()
    assert decoded == TOKEN


def test_token_is_in_the_document_info(tmp_path: Path) -> None:
    out = tmp_path / "c.pdf"
    render_certificate(cert(), "modern", out)
    raw = out.read_bytes()
    assert f"/VerificationToken ({TOKEN})".encode() in raw
    assert b"/CertificateSerial (C-2026-000123)" in raw


def test_a_name_the_font_cannot_draw_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    assert unprintable_characters("Đặng Văn Lâm Ωμέγα Юлия") == ""
    assert unprintable_characters("王小明 Wang") == "王小明"
    out = tmp_path / "c.pdf"
    with pytest.raises(UnprintableName) as err:
        render_certificate(cert("王小明"), "classic", out)
    assert isinstance(err.value, ValidationError)
    assert err.value.characters == "王小明"
    assert "王" in str(err.value) and "name" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_written_atomically_over_an_old_file(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "Robotics - Jürgen - C1.pdf"
    out.parent.mkdir()
    out.write_bytes(b"old")
    render_certificate(cert(), "minimal", out)
    assert out.read_bytes().startswith(b"%PDF")
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left behind


def test_a_long_name_shrinks_and_is_never_cut(tmp_path: Path) -> None:
    name = "Maria-Magdalena Alexandrina Wilhelmina von Hohenzollern-Sigmaringen Pérez"
    out = tmp_path / "c.pdf"
    render_certificate(cert(name), spec("classic", "A4", "portrait"), out)
    assert name in run("pdftotext", str(out), "-").splitlines()


def test_wording_fills_known_placeholders_only() -> None:
    text = fill_wording("{student} did {activity} on {completed_on} for {hours} h: {skills}; "
                        "{unknown} {student.__class__}", cert())
    assert text == ("Jürgen Groß did Robotics Club on 30 June 2026 for 24.5 h: Teamwork, Soldering; "
                    "{unknown} {student.__class__}")
    assert fill_wording("{hours}", cert(hours=12.0)) == "12"


def test_logo_and_signatures_are_drawn(tmp_path: Path) -> None:
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 60), "navy").save(logo)
    template = dataclasses.replace(TEMPLATES["classic"], signatures=(
        Signature("Ann Head", "Head of School", str(logo)), Signature("Bo Lead", "Activity Lead")))
    out = tmp_path / "c.pdf"
    render_certificate(cert(logo_path=str(logo)), template, out)
    assert len(run("pdfimages", "-list", str(out)).splitlines()) - 2 >= 2
    text = run("pdftotext", str(out), "-")
    assert "Ann Head" in text and "Head of School" in text and "Bo Lead" in text


def test_fast_qr_encoding_matches_reportlab() -> None:
    from reportlab.graphics.barcode.qr import QrCodeWidget

    for text in ["hello", TOKEN, "x" * 900, "Ωμέγα Юлия " * 8]:
        for level in "LMQH":
            qr = QrCodeWidget(text, barLevel=level).qr
            qr.version = qr.calculate_version()
            assert _codewords(qr) == qr.createData(qr.version, qr.errorCorrectLevel, qr.dataList)
            qr.makeImpl(False, QR_MASK)  # and the matrix is reportlab's, module for module
            assert qr_modules(text, level) == [[bool(m) for m in row] for row in qr.modules]


def test_preview_bytes_are_one_pdf_page() -> None:
    data = certificate_bytes(cert(), "modern")
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") >= 1


def test_render_many_on_two_workers_with_progress(tmp_path: Path) -> None:
    jobs = [(cert(f"Student {i}", serial=f"C-{i}"), "minimal", tmp_path / f"{i}.pdf") for i in range(24)]
    seen: list[tuple[int, int]] = []
    assert render_many(jobs, workers=2, progress=lambda d, t: seen.append((d, t))) == 24
    assert seen[-1] == (24, 24) and len(seen) >= 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{i}.pdf" for i in range(24))


def test_render_many_cancel_stops_and_counts_what_was_written(tmp_path: Path) -> None:
    jobs = [(cert(f"Student {i}"), "classic", tmp_path / f"{i}.pdf") for i in range(60)]
    written = render_many(jobs, workers=2, cancelled=lambda: True)
    assert 0 < written <= 2 * 10  # the chunks in flight when Cancel was pressed finish; no other starts
    assert len(list(tmp_path.glob("*.pdf"))) == written
    assert render_many(jobs[:3], cancelled=lambda: True) == 0  # in-process path checks first


def test_unknown_template_is_a_validation_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        render_certificate(cert(), "baroque", tmp_path / "c.pdf")

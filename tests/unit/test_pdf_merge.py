"""Many certificates as one PDF (the wizard's one print job and "Save as one PDF"), read back with
pypdf and poppler's pdftotext, as a printer and a parent's PDF reader would."""

from __future__ import annotations

import dataclasses
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from tracker.reports.certificate_pdf import CertificateData, render_certificate
from tracker.reports.pdf_merge import merge_pdfs

NAMES = ["Đặng Văn Lâm", "Jürgen Groß", "Ελένη Παπαδοπούλου", "Юлия Смирнова"]


def certificates(folder: Path, names: list[str] = NAMES) -> list[Path]:
    base = CertificateData(student="", activity="Chess Club", completed_on=date(2026, 6, 30), hours=12.0,
                           skills=(), school="Riverside", serial="", code="ABCDEFGHJK", token="t",
                           issued_on=date(2026, 7, 1))
    paths = []
    for i, name in enumerate(names):
        path = folder / f"{i}.pdf"
        render_certificate(dataclasses.replace(base, student=name, serial=f"2026-{i:06d}"), "classic", path)
        paths.append(path)
    return paths


def test_the_pages_of_every_file_in_order_in_one_file(tmp_path: Path) -> None:
    out = tmp_path / "out" / "all.pdf"
    assert merge_pdfs(certificates(tmp_path), out) == len(NAMES)
    reader = PdfReader(out)
    assert len(reader.pages) == len(NAMES)
    text = subprocess.run(["pdftotext", str(out), "-"], check=True, capture_output=True, text=True).stdout
    pages = text.split("\f")
    for i, name in enumerate(NAMES):
        assert name in pages[i].splitlines()  # each name exactly, on its own page, in order
        assert f"Serial 2026-{i:06d}" in pages[i]


def test_the_file_is_replaced_whole_and_no_temporary_file_stays(tmp_path: Path) -> None:
    out = tmp_path / "all.pdf"
    out.write_bytes(b"an older file")
    paths = certificates(tmp_path, NAMES[:2])
    assert merge_pdfs(paths, out) == 2
    assert len(PdfReader(out).pages) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.pdf", "1.pdf", "all.pdf"]


def test_a_file_that_is_not_a_pdf_leaves_the_target_untouched(tmp_path: Path) -> None:
    good = certificates(tmp_path, NAMES[:1])
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf at all")
    out = tmp_path / "all.pdf"
    with pytest.raises(ValueError, match="bad.pdf"):
        merge_pdfs([*good, bad], out)
    assert not out.exists()
    with pytest.raises(ValueError):
        merge_pdfs([], out)
    with pytest.raises(OSError):
        merge_pdfs([tmp_path / "missing.pdf"], out)


def test_a_cancel_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "all.pdf"
    assert merge_pdfs(certificates(tmp_path, NAMES[:2]), out, cancelled=lambda: True) == 0
    assert not out.exists()

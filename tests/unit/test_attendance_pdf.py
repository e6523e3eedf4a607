"""Paper fallback: a sign-in sheet and a register are real, readable PDFs."""

from __future__ import annotations

import base64
import io
import re
import zlib
from pathlib import Path

import pytest

from tracker.reports.attendance_pdf import SESSIONS_PER_PAGE, attendance_register, sign_in_sheet

from .test_attendance import make_club


def pages(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page[^s]", data))


def text_of(data: bytes) -> bytes:
    """Page content, decoded (reportlab writes streams as ASCII85 over Flate)."""
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = m.group(1).strip()
        try:
            if raw.endswith(b"~>"):
                raw = base64.a85decode(raw[:-2], adobe=False)
            out.append(zlib.decompress(raw))
        except (ValueError, zlib.error):
            out.append(raw)  # fonts, images
    return b"\n".join(out)


@pytest.fixture
def club(school):  # type: ignore[no-untyped-def]
    return make_club(school)


def test_sign_in_sheet_lists_every_student_with_a_signature_box(club, tmp_path: Path):
    sid = club.sessions[-1]
    out = tmp_path / "print" / "sheet.pdf"
    sign_in_sheet(club.svc.sheet(club.teacher, sid), "Riverside School", out)
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    assert pages(data) == 1
    text = text_of(data)
    for name in (b"Sam Student", b"Olga Other", b"Lou Late", b"Athletics", b"Signature", b"Track"):
        assert name in text, name
    assert not [p for p in out.parent.iterdir() if p.name != "sheet.pdf"]  # no temp file left


def test_register_splits_sessions_across_pages_and_shows_rates(club, tmp_path: Path):
    s = club.school.services
    for sid in club.sessions:
        club.mark(sid, club.sam, "P")
    club.mark(club.sessions[0], club.olga, "A")
    from datetime import datetime, time, timedelta

    base = datetime.combine(datetime.now().date() + timedelta(days=10), time(8))
    for k in range(SESSIONS_PER_PAGE + 3):  # more columns than one page holds
        s.calendar.add_extra_session(club.admin, club.activity, base + timedelta(days=k),
                                     base + timedelta(days=k, hours=1))
    grid = club.grid()
    buf = io.BytesIO()
    attendance_register(grid, "Riverside School", buf)
    data = buf.getvalue()
    assert data.startswith(b"%PDF") and pages(data) == 2
    text = text_of(data)
    assert b"Sam Student" in text and b"100%" in text and b"Rate" in text
    assert b"(columns 1" in text

    only_past = tmp_path / "register.pdf"
    attendance_register(grid, "Riverside School", only_past, end=datetime.now().date())
    assert pages(only_past.read_bytes()) == 1


def test_a_failed_write_leaves_no_file(club, tmp_path: Path, monkeypatch):
    import tracker.reports.attendance_pdf as mod

    target = tmp_path / "out" / "sheet.pdf"

    def broken_footer(*args):  # type: ignore[no-untyped-def]
        def draw(canvas, doc):  # type: ignore[no-untyped-def]
            raise ZeroDivisionError
        return draw

    monkeypatch.setattr(mod, "_footer", broken_footer)
    with pytest.raises(ZeroDivisionError):
        sign_in_sheet(club.svc.sheet(club.teacher, club.sessions[0]), "School", target)
    assert list(target.parent.iterdir()) == []

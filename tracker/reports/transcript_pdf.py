"""The co-curricular record ("transcript") as a PDF: what a student chose to feature in their
portfolio, signed by the school so that anyone can check it offline.

:func:`transcript_data` turns a portfolio into the lines the record lists (the one place that
wording lives), :func:`content_digest` is the SHA-256 the signed token vouches for, and
:func:`transcript_bytes` lays the lines out (reportlab platypus: a record can run over pages)
with the certificates' embedded DejaVu font and QR code (:mod:`certificate_layout`,
:mod:`certificate_qr`), and puts the token in the document info (``/VerificationToken``) as
certificates do, so ``activity-tracker verify FILE.pdf`` reads it back.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from tracker.domain.percent import format_percent
from tracker.domain.portfolio import ActivityRecord, BadgeItem, Portfolio
from tracker.errors import Problem, ValidationError
from tracker.reports.certificate_layout import load_font
from tracker.reports.certificate_pdf import unprintable_characters
from tracker.reports.certificate_qr import draw_qr

TITLE = "Co-curricular record"
FACE = "DejaVuSans"
PRIMARY, GREY, DARK = "#1F3A5F", "#555555", "#222222"
EVERYTHING_NOTE = "No item has been chosen to feature yet, so this record lists everything in the portfolio."


@dataclass(frozen=True)
class Line:
    """One line of the record: ``style`` is heading (an activity, or the school-wide badges),
    detail (dates, status, attendance), item, label or reflection."""

    style: str
    text: str


@dataclass(frozen=True)
class TranscriptData:
    school: str
    student: str
    grade: str | None
    issued_on: date
    everything: bool  # nothing was featured: the record lists the whole portfolio, and says so
    lines: tuple[Line, ...]
    logo_path: str | None = None


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def transcript_data(portfolio: Portfolio, *, school: str, issued_on: date, everything: bool,
                    logo_path: str | None = None) -> TranscriptData:
    """The record's lines from a portfolio already narrowed to what is listed (the featured
    items, or everything). Certificates revoked or superseded since are left out."""
    lines: list[Line] = []
    for a in portfolio.activities:
        lines += [Line("heading", a.name), Line("detail", _summary(a))]
        lines += [Line("item", f"Milestone: {m.name}, {long_date(m.completed_on)}"
                       + (f" ({m.points} points)" if m.points else "") + (f". {m.note}" if m.note else ""))
                  for m in a.milestones]
        lines += [Line("item", f"Skill: {k.name}: {k.first_level_name} → {k.latest_level_name}"
                       + (f" (+{k.growth})" if k.growth > 0 else "")) for k in a.skills]
        lines += [_badge(b) for b in a.badges]
        lines += [Line("item", f"Certificate {c.serial}, issued {long_date(c.issued_on)}, verification code {c.code}")
                  for c in a.certificates if c.status == "VALID"]
        if a.reflection:
            lines += [Line("label", "Reflection"), Line("reflection", a.reflection)]
    if portfolio.badges:
        lines += [Line("heading", "Across the school"), *(_badge(b) for b in portfolio.badges)]
    return TranscriptData(school, portfolio.student, portfolio.grade, issued_on, everything, tuple(lines),
                          logo_path)


def _summary(a: ActivityRecord) -> str:
    parts = [a.category]
    if a.enrolled_on:
        parts.append(f"joined {long_date(a.enrolled_on)}")
    if a.completed_on:
        parts.append(f"completed {long_date(a.completed_on)}")
    elif a.dropped_on:
        parts.append(f"left {long_date(a.dropped_on)}")
    else:
        parts.append({"active": "taking part"}.get(a.status, a.status))
    if a.attendance_rate is not None:
        parts.append(f"attendance {format_percent(a.attendance_rate)} ({a.present} of {a.counted} sessions)")
    return " · ".join(parts)


def _badge(b: BadgeItem) -> Line:
    return Line("item", f"Badge: {b.name}, {long_date(b.awarded_on)}" + (f" ({b.points} points)" if b.points else ""))


def content_digest(data: TranscriptData) -> str:
    """SHA-256 (hex) of everything the record lists, as canonical JSON: the signed token names
    it, so a record whose listed content was changed no longer matches its token."""
    content = {"school": data.school, "student": data.student, "grade": data.grade,
               "issued_on": data.issued_on.isoformat(), "everything": data.everything,
               "lines": [[line.style, line.text] for line in data.lines]}
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_printable(data: TranscriptData) -> None:
    """A text the embedded font cannot draw is refused before anything is written (never
    printed as empty boxes), naming where it is."""
    fields = {"student": data.student, "school": data.school,
              **{f"line {n}": line.text for n, line in enumerate(data.lines, start=1)}}
    problems = [Problem(f"The record's font cannot draw {' '.join(bad)}.", field=field)
                for field, text in fields.items() if (bad := unprintable_characters(text))]
    if problems:
        raise ValidationError("The record cannot be printed with its font; nothing was written.", problems)


# --- the PDF ---------------------------------------------------------------------------------------

def transcript_bytes(data: TranscriptData, *, token: str, did: str) -> bytes:
    """The record as PDF bytes (A4), the token in its QR code and document info."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    check_printable(data)
    load_font(FACE)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=56, rightMargin=56, topMargin=48, bottomMargin=56,
                            title=f"{TITLE} — {data.student}", author=data.school, creator="Activity Tracker",
                            subject=f"{TITLE} of {data.student}, issued {data.issued_on.isoformat()}",
                            keywords="co-curricular record, transcript")
    story = [*_header(data, doc.width), *_body(data), _verification(data, token, did, doc.width)]

    def footer(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FACE, 8)
        canvas.setFillColor(_colour(GREY))
        canvas.drawString(56, 32, f"{TITLE} of {data.student} · {data.school}")
        canvas.drawRightString(A4[0] - 56, 32, f"Page {canvas.getPageNumber()}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return _with_token(buf.getvalue(), token)


def _styles() -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle

    def style(name: str, size: float, colour: str, **kw: Any) -> Any:
        return ParagraphStyle(name, fontName=FACE, fontSize=size, leading=size * 1.35,
                              textColor=_colour(colour), **kw)

    return {"school": style("school", 11, GREY), "title": style("title", 24, PRIMARY, spaceBefore=4),
            "student": style("student", 16, DARK, spaceBefore=10), "meta": style("meta", 10, GREY),
            "note": style("note", 10, GREY, spaceBefore=10, borderPadding=6, backColor=_colour("#F1F4F8")),
            "heading": style("heading", 13.5, PRIMARY, spaceBefore=16, spaceAfter=1, keepWithNext=1),
            "detail": style("detail", 9.5, GREY, spaceAfter=4, keepWithNext=1),
            "item": style("item", 10.5, DARK, leftIndent=14, bulletIndent=3, spaceAfter=2),
            "label": style("label", 9, GREY, leftIndent=14, spaceBefore=6, keepWithNext=1),
            "reflection": style("reflection", 10.5, DARK, leftIndent=14, rightIndent=12, spaceAfter=2),
            "small": style("small", 8.5, GREY)}


def _paragraph(text: str, style: Any, **kw: Any) -> Any:
    from reportlab.platypus import Paragraph

    return Paragraph(escape(text).replace("\n", "<br/>"), style, **kw)


def _header(data: TranscriptData, width: float) -> list[Any]:
    from reportlab.platypus import HRFlowable, Image, Spacer

    styles, out = _styles(), []
    logo = _logo(data.logo_path)
    if logo is not None:
        w, h = logo
        scale = min(1.0, 56 / h, 160 / w)
        out.append(Image(data.logo_path, width=w * scale, height=h * scale, hAlign="LEFT"))
    out += [_paragraph(data.school, styles["school"]), _paragraph(TITLE, styles["title"]),
            _paragraph(data.student, styles["student"]),
            _paragraph(" · ".join([*([f"Grade {data.grade}"] if data.grade else []),
                                   f"Issued {long_date(data.issued_on)}"]), styles["meta"]),
            Spacer(1, 6), HRFlowable(width=width, color=_colour(PRIMARY), thickness=1.2)]
    if data.everything:
        out.append(_paragraph(EVERYTHING_NOTE, styles["note"]))
    return out


def _body(data: TranscriptData) -> list[Any]:
    styles = _styles()
    if not data.lines:
        return [_paragraph("Nothing to list yet.", styles["note"])]
    return [_paragraph(line.text, styles[line.style], bulletText="•" if line.style == "item" else None)
            for line in data.lines]


def _verification(data: TranscriptData, token: str, did: str, width: float) -> Any:
    """QR code beside how to check the record, kept on one page."""
    from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

    class QRCode(Flowable):  # type: ignore[misc]
        size = 104.0

        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            return self.size, self.size

        def draw(self) -> None:
            draw_qr(self.canv, token, 0, 0, self.size)

    styles = _styles()
    text = [_paragraph("Verification", styles["heading"]),
            _paragraph(f"Signed by {data.school} with its key {did}. Scan the code, or check this file with "
                       "“activity-tracker verify FILE.pdf”: it says VALID while the signature holds.",
                       styles["small"]),
            Spacer(1, 4),
            _paragraph(f"Fingerprint of the content listed (SHA-256): {content_digest(data)}", styles["small"])]
    table = Table([[QRCode(), text]], colWidths=[QRCode.size + 12, width - QRCode.size - 12])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 0)]))
    return KeepTogether([Spacer(1, 18), table])


def _logo(path: str | None) -> tuple[float, float] | None:
    """The logo's size, or None when there is none or it cannot be read (the record is valid
    without it)."""
    if not path or not os.path.isfile(path) or path.lower().endswith(".svg"):
        return None
    from reportlab.lib.utils import ImageReader

    try:
        w, h = ImageReader(path).getSize()
    except (OSError, ValueError):
        return None
    return (float(w), float(h)) if w and h else None


def _colour(value: str) -> Any:
    from reportlab.lib.colors import HexColor

    return HexColor(value)


def _with_token(pdf: bytes, token: str) -> bytes:
    """The PDF with ``/VerificationToken`` in its document info, where ``verify`` reads it."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_metadata({"/VerificationToken": token})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

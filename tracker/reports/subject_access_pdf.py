"""The readable half of a subject-access export: every record the school holds about a student,
table by table, on the letterhead and in the font of the co-curricular record
(:mod:`tracker.reports.transcript_pdf`). The JSON beside it in the zip is the complete copy;
this is what a parent can read."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from tracker.domain.audit_diff import field_label, value_text
from tracker.reports.certificate_layout import load_font
from tracker.reports.transcript_pdf import FACE, GREY, PRIMARY, _colour, _logo, _paragraph, _styles

TITLE = "Everything we hold about"
#: columns every row has that say nothing to a reader
_PLUMBING = frozenset({"uid", "version", "salt", "token"})


def table_title(name: str) -> str:
    """``activity_progress`` → "Activity progress"."""
    return field_label(name)


def row_text(row: dict[str, Any]) -> str:
    """One record as "Field: value" pairs, plumbing left out."""
    return " · ".join(f"{field_label(k)}: {value_text(v)}" for k, v in row.items()
                      if k not in _PLUMBING and v not in (None, ""))


def subject_access_pdf(records: dict[str, list[dict[str, Any]]], *, school: str, student: str,
                       made: datetime, logo_path: str | None = None) -> bytes:
    """The records (table → rows, as in ``student.json``) as an A4 PDF."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import HRFlowable, Image, SimpleDocTemplate, Spacer

    load_font(FACE)
    styles = _styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=56, rightMargin=56, topMargin=48, bottomMargin=56,
                            title=f"{TITLE} {student}", author=school, creator="Activity Tracker")
    story: list[Any] = []
    logo = _logo(logo_path)
    if logo is not None and logo_path:
        w, h = logo
        scale = min(1.0, 56 / h, 160 / w)
        story.append(Image(logo_path, width=w * scale, height=h * scale, hAlign="LEFT"))
    story += [_paragraph(school, styles["school"]), _paragraph(f"{TITLE} {student}", styles["title"]),
              _paragraph(f"Made {made:%d %B %Y, %H:%M} UTC · {sum(map(len, records.values()))} records "
                         f"in {len(records)} tables", styles["meta"]),
              Spacer(1, 6), HRFlowable(width=doc.width, color=_colour(PRIMARY), thickness=1.2)]
    for name, rows in records.items():
        story.append(_paragraph(f"{table_title(name)} ({len(rows)})", styles["heading"]))
        story += [_paragraph(row_text(r), styles["item"], bulletText="•") for r in rows]

    def footer(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FACE, 8)
        canvas.setFillColor(_colour(GREY))
        canvas.drawString(56, 32, f"{TITLE} {student} · {school}")
        canvas.drawRightString(A4[0] - 56, 32, f"Page {canvas.getPageNumber()}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()

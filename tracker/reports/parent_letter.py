"""Printable letters to parents and carers: how a student is getting on in one activity.

For families without an account (or without e-mail) the school prints a letter: its letterhead
(logo and name), the date, the progress, the attendance (present of the sessions counted, and the
rate), the standing with its reasons in plain words (:mod:`tracker.domain.standing`), the
milestones still needed, the teacher's note, and the lead teacher's name as signature.

A batch is ONE PDF (one print job, one file to keep): every letter starts on a new page and
numbers its own pages ("page 1 of 2"), so a letter that runs over is still read as one. The
fonts are the certificates' embedded DejaVu face (:mod:`certificate_layout`), so any name the
school enters prints and reads back with ``pdftotext``. Pure: data in, bytes out; no database.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from tracker.errors import Problem, ValidationError
from tracker.reports.certificate_layout import PAPERS, load_font
from tracker.reports.certificate_pdf import unprintable_characters
from tracker.reports.transcript_pdf import _logo, long_date

FACE = "DejaVuSans"
PRIMARY, GREY, DARK = "#1F3A5F", "#555555", "#222222"
MARGIN = 56.0
MAX_NOTE = 2000  # a note is a paragraph or two, not a second letter


@dataclass(frozen=True)
class MilestoneNeeded:
    title: str
    due: date | None
    required: bool


@dataclass(frozen=True)
class LetterData:
    """What one letter says about one student in one activity (already worded where a rule
    words it: the standing's reasons, the attendance rate against the minimum)."""

    student: str
    activity: str
    progress: float  # percent
    completed: bool
    present: int
    counted: int  # sessions that count towards the rate
    attendance: str  # the rate as screens show it ("82%", "69.8%"), or "" before any counted session
    standing: str  # a Standing value: on_track, behind, at_risk, completed
    reasons: tuple[str, ...]
    needed: tuple[MilestoneNeeded, ...]
    signed_by: str  # the lead teacher ("" when the activity has none)
    student_id: int = 0  # who the letter is about (the dialog previews the first one ticked)


@dataclass(frozen=True)
class Letterhead:
    school: str
    dated: date
    logo_path: str | None = None
    paper: str = "A4"  # a key of certificate_layout.PAPERS


def standing_sentence(letter: LetterData) -> str:
    """The standing as a sentence a parent reads without the school's vocabulary."""
    first = letter.student
    return {
        "completed": f"{first} has completed {letter.activity}.",
        "on_track": f"{first} is on track in {letter.activity}.",
        "behind": f"{first} is a little behind in {letter.activity}.",
        "at_risk": f"{first} is at risk of not completing {letter.activity}.",
    }.get(letter.standing, f"{first} is not taking part in {letter.activity} at the moment.")


def attendance_sentence(letter: LetterData) -> str:
    if letter.counted == 0:
        return "No sessions have been counted yet."
    sessions = "session" if letter.counted == 1 else "sessions"
    return f"Present at {letter.present} of {letter.counted} {sessions} ({letter.attendance})."


def milestone_line(m: MilestoneNeeded) -> str:
    due = f", due {long_date(m.due)}" if m.due else ""
    return f"{m.title}{due}" + ("" if m.required else " (optional)")


def check_printable(head: Letterhead, letters: Sequence[LetterData], note: str) -> None:
    """Refuse a text the embedded font cannot draw (never printed as empty boxes), naming it."""
    fields = {"school": head.school, "note": note}
    for n, letter in enumerate(letters, start=1):
        fields[f"letter {n}"] = " ".join((letter.student, letter.activity, letter.signed_by, *letter.reasons,
                                          *(m.title for m in letter.needed)))
    problems = [Problem(f"The letter's font cannot draw {' '.join(bad)}.", field=field)
                for field, text in fields.items() if (bad := unprintable_characters(text))]
    if problems:
        raise ValidationError("The letters cannot be printed with their font; nothing was written.", problems)


def letters_bytes(head: Letterhead, letters: Sequence[LetterData], *, note: str = "") -> bytes:
    """The letters as one PDF: each starts on a new page and numbers its own pages."""
    from reportlab.platypus import PageBreak, SimpleDocTemplate

    if not letters:
        raise ValidationError.field("students", "Choose at least one student to write to.")
    if len(note) > MAX_NOTE:
        raise ValidationError.field("note", f"The note is {len(note):,} characters; at most {MAX_NOTE:,} fit a letter.")
    check_printable(head, letters, note)
    load_font(FACE)
    buf = io.BytesIO()
    activities = sorted({letter.activity for letter in letters})
    doc = SimpleDocTemplate(buf, pagesize=PAPERS.get(head.paper, PAPERS["A4"]), leftMargin=MARGIN,
                            rightMargin=MARGIN, topMargin=48, bottomMargin=MARGIN,
                            title=f"Letters to parents — {', '.join(activities)}", author=head.school,
                            creator="Activity Tracker", subject=f"{len(letters)} letters, {head.dated.isoformat()}")
    story: list[Any] = []
    for n, letter in enumerate(letters):
        if n:
            story.append(PageBreak())
        story += _letter(head, letter, note.strip(), doc.width, n)
    doc.build(story, canvasmaker=_machinery()[1])
    return buf.getvalue()


# --- layout ----------------------------------------------------------------------------------------

def _styles() -> dict[str, Any]:
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    def style(name: str, size: float, colour: str, **kw: Any) -> Any:
        return ParagraphStyle(name, fontName=FACE, fontSize=size, leading=size * 1.4,
                              textColor=_colour(colour), **kw)

    return {"school": style("school", 16, PRIMARY), "date": style("date", 10.5, GREY, alignment=TA_RIGHT,
                                                                   spaceBefore=14, spaceAfter=14),
            "body": style("body", 11, DARK, spaceAfter=8),
            "heading": style("heading", 12.5, PRIMARY, spaceBefore=10, spaceAfter=3, keepWithNext=1),
            "item": style("item", 11, DARK, leftIndent=16, bulletIndent=4, spaceAfter=2),
            "note": style("note", 11, DARK, spaceAfter=14, borderPadding=8, backColor=_colour("#F1F4F8"),
                          leftIndent=8, rightIndent=8, spaceBefore=4),
            "sign": style("sign", 11, DARK, spaceBefore=2)}


def _paragraph(text: str, style: Any, **kw: Any) -> Any:
    from reportlab.platypus import Paragraph

    return Paragraph(escape(text).replace("\n", "<br/>"), style, **kw)


def _letterhead(head: Letterhead, width: float) -> list[Any]:
    from reportlab.platypus import HRFlowable, Image, Table, TableStyle

    styles = _styles()
    name = _paragraph(head.school, styles["school"])
    size = _logo(head.logo_path)
    if size is None:
        top: Any = name
    else:
        scale = min(1.0, 52 / size[1], 140 / size[0])
        logo = Image(head.logo_path, width=size[0] * scale, height=size[1] * scale)
        top = Table([[logo, name]], colWidths=[size[0] * scale + 14, width - size[0] * scale - 14], hAlign="LEFT")
        top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return [top, HRFlowable(width=width, color=_colour(PRIMARY), thickness=1.2, spaceBefore=8)]


def _letter(head: Letterhead, letter: LetterData, note: str, width: float, index: int) -> list[Any]:
    from reportlab.platypus import KeepTogether, Spacer

    s = _styles()
    out: list[Any] = [_machinery()[0](index, f"{letter.student} · {letter.activity}"), *_letterhead(head, width),
                      _paragraph(long_date(head.dated), s["date"]),
                      _paragraph(f"Dear parent/carer of {letter.student},", s["body"]),
                      _paragraph(f"This letter tells you how {letter.student} is getting on in {letter.activity}. "
                                 + standing_sentence(letter), s["body"]),
                      _paragraph("Progress", s["heading"]),
                      _paragraph("Completed." if letter.completed else
                                 f"{_percent(letter.progress)} of the activity done so far.", s["body"]),
                      _paragraph("Attendance", s["heading"]), _paragraph(attendance_sentence(letter), s["body"])]
    if letter.reasons and letter.standing != "completed":
        out += [_paragraph("Why we say so", s["heading"]),
                *(_paragraph(r, s["item"], bulletText="•") for r in letter.reasons)]
    if not letter.completed:
        out.append(_paragraph("Milestones still needed", s["heading"]))
        out += [_paragraph(milestone_line(m), s["item"], bulletText="•") for m in letter.needed] or \
               [_paragraph("None: every milestone is done.", s["body"])]
    if note:
        out += [_paragraph("A note from the teacher", s["heading"]), _paragraph(note, s["note"])]
    out += [_paragraph("If you have any questions, please contact the school.", s["body"]),
            _paragraph("Yours sincerely,", s["sign"])]
    signature = [Spacer(1, 26)]
    if letter.signed_by:
        signature.append(_paragraph(letter.signed_by, s["sign"]))
    signature.append(_paragraph(f"{letter.activity}, {head.school}", s["sign"]))
    out.append(KeepTogether(signature))
    return out


def _percent(value: float) -> str:
    from tracker.domain.percent import format_percent

    return format_percent(value)


def _colour(value: str) -> Any:
    from reportlab.lib.colors import HexColor

    return HexColor(value)


@cache
def _machinery() -> tuple[type, type]:
    """The two reportlab subclasses, built on first use: importing this module stays cheap (the
    dialogs and services import its dataclasses; reportlab loads only to write a letter)."""
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Flowable

    class LetterStart(Flowable):  # type: ignore[misc]
        """Draws nothing: tells the canvas that a new letter begins on this page (its footer)."""

        def __init__(self, index: int, label: str) -> None:
            super().__init__()
            self.index, self.label = index, label

        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            return 0.0, 0.0

        def draw(self) -> None:
            self.canv.letter = (self.index, self.label)

    class LetterCanvas(Canvas):  # type: ignore[misc]
        """Holds each page back until the end, so that every footer can say "page 2 of 3" of its
        own letter (the count is known only once the whole batch is laid out)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.letter: tuple[int, str] = (0, "")
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            totals = Counter(page["letter"][0] for page in self._pages)
            seen: Counter[int] = Counter()
            for page in self._pages:
                self.__dict__.update(page)
                index, label = self.letter
                seen[index] += 1
                self._footer(label, seen[index], totals[index])
                super().showPage()
            super().save()

        def _footer(self, label: str, page: int, total: int) -> None:
            self.saveState()
            self.setFont(FACE, 8)
            self.setFillColor(_colour(GREY))
            self.drawString(MARGIN, 32, label)
            self.drawRightString(self._pagesize[0] - MARGIN, 32, f"Page {page} of {total}")
            self.restoreState()

    return LetterStart, LetterCanvas

"""PDF reports for the records (issue 15): an activity report and a student progress report.

Pure: the data (:class:`ActivityReportData`, :class:`StudentReportData`, built from the database by
:mod:`tracker.services.report_data`) and, optionally, chart pictures in; a PDF out. ``tracker/``
cannot draw the pyqtgraph charts (no Qt here), so they come in as PNG bytes keyed by
:data:`ACTIVITY_CHARTS` / :data:`STUDENT_CHARTS` (the GUI and the CLI hook render them with
``ui/export_charts.py``); without them the report still has every figure and table.

The look is the letters' (:mod:`tracker.reports.parent_letter`): the same letterhead, embedded
DejaVu face (any name the school enters prints and reads back with ``pdftotext``) and "Page n of m"
footers. Text from the database is escaped for reportlab's mini-markup (a name with ``&`` or ``<``
prints as typed). The file is written whole or not at all (:func:`safe_files.replacing`).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tracker.domain.percent import format_percent
from tracker.errors import Problem, ValidationError
from tracker.reports.certificate_pdf import unprintable_characters
from tracker.reports.parent_letter import (
    DARK,
    FACE,
    GREY,
    MARGIN,
    PRIMARY,
    Letterhead,
    _colour,
    _letterhead,
    _machinery,
    _paragraph,
)
from tracker.reports.safe_files import replacing
from tracker.reports.transcript_pdf import long_date

#: the activity report's charts, in the order they print, by the key ``charts`` gives them under
ACTIVITY_CHARTS = {"progress_histogram": "Progress distribution", "weekly_attendance": "Weekly attendance",
                   "milestone_funnel": "Milestone funnel"}
STUDENT_CHARTS = {"student_progress": "Progress over time"}
TABLE_HEADER = ("Student", "Standing", "Progress", "Attendance", "Milestones")
CHART_WIDTH_SHARE = 0.8  # of the text width: two charts and the figures fit the first page
NO_FIGURE = "—"


@dataclass(frozen=True)
class ReportHead:
    """What every report's first lines say: whose, about what, for which dates."""

    school: str
    issued_on: date
    period: str  # "Whole term" or "1 September 2026 – 20 December 2026"
    logo_path: str | None = None


@dataclass(frozen=True)
class StudentLine:
    """One row of the activity report's table."""

    name: str
    standing: str  # as screens word it: "On track", "Completed"…
    progress: float  # percent
    attendance: str  # the rate as screens show it, "" before any counted session
    milestones_done: int
    milestones_total: int


@dataclass(frozen=True)
class ActivityReportData:
    head: ReportHead
    activity: str
    category: str
    leads: tuple[str, ...]
    term: str  # the activity's own dates, "" when it has none
    enrolled: int
    active: int
    completed: int
    dropped: int
    attendance_rate: float | None  # percent
    average_progress: float | None  # percent
    students: tuple[StudentLine, ...]


@dataclass(frozen=True)
class StudentActivity:
    """One activity of the student progress report."""

    activity: str
    category: str
    status: str  # active / completed / dropped / waitlisted
    standing: str
    progress: float
    attendance: str  # "Present at 12 of 14 sessions (86%)", or "No sessions counted yet"
    milestones_done: tuple[str, ...]
    milestones_missing: tuple[str, ...]
    skills: tuple[str, ...]  # "Teamwork: Developing → Secure"
    badges: tuple[str, ...]


@dataclass(frozen=True)
class StudentReportData:
    head: ReportHead
    student: str
    grade: str | None
    activities: tuple[StudentActivity, ...]
    badges: tuple[str, ...] = ()  # school-wide badges


def percent_or_dash(value: float | None) -> str:
    return NO_FIGURE if value is None else format_percent(value)


# --- writers ---------------------------------------------------------------------------------------

def write_activity_report(path: str | os.PathLike[str], data: ActivityReportData, *,
                          charts: Mapping[str, bytes] | None = None,
                          cancelled: Callable[[], bool] | None = None) -> None:
    """The activity report: letterhead, the figures, the charts given, then one row per student
    over as many pages as it takes (the header row repeated on each)."""
    _check_printable(data.head, {"activity": data.activity, "leads": " ".join(data.leads),
                                 **{f"student {n}": s.name for n, s in enumerate(data.students, 1)}})
    story = [*_title(data.head, "Activity report", data.activity), *_activity_facts(data),
             *_charts(charts, ACTIVITY_CHARTS), *_student_table(data.students, cancelled)]
    _build(path, data.head, f"Activity report — {data.activity}", story, cancelled)


def write_student_report(path: str | os.PathLike[str], data: StudentReportData, *,
                         charts: Mapping[str, bytes] | None = None,
                         cancelled: Callable[[], bool] | None = None) -> None:
    """The student progress report: per activity the progress, attendance, milestones done and
    still missing, skill levels and badges; the progress chart when given."""
    texts = {"student": data.student, **{f"activity {n}": " ".join((a.activity, *a.milestones_done,
                                                                     *a.milestones_missing, *a.skills, *a.badges))
                                         for n, a in enumerate(data.activities, 1)}}
    _check_printable(data.head, texts)
    meta = f"Grade {data.grade}" if data.grade else ""
    story = [*_title(data.head, "Student progress report", data.student, meta), *_charts(charts, STUDENT_CHARTS)]
    for a in data.activities:
        story += _student_activity(a)
    if not data.activities:
        story.append(_paragraph("Not enrolled in any activity.", _styles()["body"]))
    if data.badges:
        s = _styles()
        story += [_paragraph("Across the school", s["heading"]),
                  *(_paragraph(b, s["item"], bulletText="•") for b in data.badges)]
    _build(path, data.head, f"Student progress report — {data.student}", story, cancelled)


# --- layout ----------------------------------------------------------------------------------------

def _styles() -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle

    def style(name: str, size: float, colour: str, **kw: Any) -> Any:
        return ParagraphStyle(name, fontName=FACE, fontSize=size, leading=size * 1.35,
                              textColor=_colour(colour), **kw)

    return {"kind": style("kind", 10, GREY, spaceBefore=10), "title": style("title", 20, PRIMARY, spaceAfter=2),
            "meta": style("meta", 10, GREY, spaceAfter=2), "body": style("body", 10.5, DARK, spaceAfter=4),
            "heading": style("heading", 13, PRIMARY, spaceBefore=12, spaceAfter=3, keepWithNext=1),
            # before a long table: kept with it, the heading would push the whole table to a new page
            "section": style("section", 13, PRIMARY, spaceBefore=12, spaceAfter=3),
            "detail": style("detail", 9.5, GREY, spaceAfter=3, keepWithNext=1),
            "label": style("label", 9.5, GREY, spaceBefore=4, keepWithNext=1),
            "item": style("item", 10, DARK, leftIndent=14, bulletIndent=3, spaceAfter=1),
            "cell": style("cell", 9.5, DARK), "figure": style("figure", 15, DARK),
            "caption": style("caption", 8, GREY)}


def _title(head: ReportHead, kind: str, subject: str, meta: str = "") -> list[Any]:
    s = _styles()
    lines = " · ".join(x for x in (meta, head.period, f"Issued {long_date(head.issued_on)}") if x)
    letterhead = Letterhead(head.school, head.issued_on, head.logo_path)
    return [*_letterhead(letterhead, _text_width()), _paragraph(kind, s["kind"]), _paragraph(subject, s["title"]),
            _paragraph(lines, s["meta"])]


def _activity_facts(data: ActivityReportData) -> list[Any]:
    from reportlab.platypus import Table, TableStyle

    s = _styles()
    out = []
    about = [data.category, *([f"Led by {', '.join(data.leads)}"] if data.leads else []),
             *([f"Term {data.term}"] if data.term else [])]
    out.append(_paragraph(" · ".join(x for x in about if x), s["meta"]))
    figures = [("Enrolled", str(data.enrolled)), ("Active", str(data.active)), ("Completed", str(data.completed)),
               ("Dropped", str(data.dropped)), ("Attendance", percent_or_dash(data.attendance_rate)),
               ("Average progress", percent_or_dash(data.average_progress))]
    cells = [[_paragraph(value, s["figure"]) for _label, value in figures],
             [_paragraph(label, s["caption"]) for label, _value in figures]]
    last = 96.0  # "Average progress" on one line
    table = Table(cells, colWidths=[(_text_width() - last) / (len(figures) - 1)] * (len(figures) - 1) + [last],
                  hAlign="LEFT")
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), _colour("#F1F4F8")),
                               ("TOPPADDING", (0, 0), (-1, 0), 8), ("BOTTOMPADDING", (0, -1), (-1, -1), 8),
                               ("LINEAFTER", (0, 0), (-2, -1), 0.5, _colour("#FFFFFF"))]))
    out += [_paragraph("Summary", s["heading"]), table]
    return out


def _charts(charts: Mapping[str, bytes] | None, wanted: Mapping[str, str]) -> list[Any]:
    """The pictures given for ``wanted``'s keys, in its order, each scaled to the text width."""
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, KeepTogether

    s = _styles()
    out: list[Any] = []
    for key, title in wanted.items():
        png = (charts or {}).get(key)
        if not png:
            continue
        w, h = ImageReader(io.BytesIO(png)).getSize()
        width = _text_width() * CHART_WIDTH_SHARE
        out.append(KeepTogether([_paragraph(title, s["heading"]),
                                 Image(io.BytesIO(png), width=width, height=width * h / w, hAlign="LEFT")]))
    return out


def _student_table(students: Sequence[StudentLine], cancelled: Callable[[], bool] | None) -> list[Any]:
    from reportlab.platypus import Table, TableStyle

    s = _styles()
    if not students:
        return [_paragraph("Students", s["heading"]), _paragraph("Nobody is enrolled.", s["body"])]
    rows: list[list[Any]] = [list(TABLE_HEADER)]
    for n, st in enumerate(students):
        if cancelled is not None and n % 200 == 0:
            _stop_if(cancelled)
        rows.append([_paragraph(st.name, s["cell"]), st.standing, format_percent(st.progress),
                     st.attendance or NO_FIGURE, f"{st.milestones_done} of {st.milestones_total}"])
    width = _text_width()
    fixed = [72.0, 56.0, 64.0, 70.0]
    table = Table(rows, colWidths=[width - sum(fixed), *fixed], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FACE, 9.5),
        ("TEXTCOLOR", (0, 0), (-1, 0), _colour(PRIMARY)),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, _colour(PRIMARY)),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [_colour("#FFFFFF"), _colour("#F5F7FA")]),
        ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return [_paragraph(f"Students ({len(students)})", s["section"]), table]


def _student_activity(a: StudentActivity) -> list[Any]:
    s = _styles()
    status = a.standing if a.status in ("active", "completed") else a.status.capitalize()
    out = [_paragraph(a.activity, s["heading"]),
           _paragraph(" · ".join(x for x in (a.category, status, f"progress {format_percent(a.progress)}",
                                             a.attendance) if x), s["detail"])]
    for label, items, empty in (("Milestones done", a.milestones_done, "None yet."),
                                ("Milestones still needed", a.milestones_missing, "None: every milestone is done."),
                                ("Skills", a.skills, ""), ("Badges", a.badges, "")):
        if not items and not empty:
            continue
        out.append(_paragraph(label, s["label"]))
        out += [_paragraph(x, s["item"], bulletText="•") for x in items] or [_paragraph(empty, s["item"])]
    return out


def _check_printable(head: ReportHead, texts: Mapping[str, str]) -> None:
    """A text the embedded font cannot draw is refused before anything is written (never printed
    as empty boxes), naming where it is."""
    problems = [Problem(f"The report's font cannot draw {' '.join(bad)}.", field=field)
                for field, text in {"school": head.school, **texts}.items() if (bad := unprintable_characters(text))]
    if problems:
        raise ValidationError("The report cannot be printed with its font; nothing was written.", problems)


def _text_width() -> float:
    from reportlab.lib.pagesizes import A4

    return float(A4[0]) - 2 * MARGIN


def _stop_if(cancelled: Callable[[], bool] | None) -> None:
    if cancelled is not None and cancelled():
        from tracker.errors import Cancelled

        raise Cancelled("Export cancelled")


def _build(path: str | os.PathLike[str], head: ReportHead, title: str, story: list[Any],
           cancelled: Callable[[], bool] | None) -> None:
    """Lay the story out on A4 with "Page n of m" footers and put the file in place whole."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    from tracker.reports.certificate_layout import load_font

    load_font(FACE)
    _stop_if(cancelled)
    start, canvas = _machinery()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=48,
                            bottomMargin=MARGIN, title=title, author=head.school, creator="Activity Tracker",
                            subject=f"{title}, {head.period}")
    doc.build([start(0, f"{title} · {head.school}"), *story], canvasmaker=canvas)
    _stop_if(cancelled)
    with replacing(path) as f:
        f.write(buf.getvalue())

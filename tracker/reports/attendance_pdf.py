"""Paper fallback for attendance: a sign-in sheet for one session and a register for a range.

Pure functions from the service's snapshots (:class:`AttendanceSheet`, :class:`AttendanceGrid`)
to a PDF. reportlab is imported inside the functions (it costs ~0.1 s at start). Given a path,
the file is written to a temporary file beside it and renamed into place, so a reader never
sees half a PDF.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from tracker.domain.attendance import StatusRule, held_count, row_figures
from tracker.reports.safe_files import replacing
from tracker.services.attendance import NOT_APPLICABLE, AttendanceGrid, AttendanceSheet

Output = str | os.PathLike[str] | IO[bytes]
SESSIONS_PER_PAGE = 18


@contextmanager
def _target(out: Output) -> Iterator[IO[bytes]]:
    if hasattr(out, "write"):
        yield out  # type: ignore[misc]
        return
    path = Path(os.fspath(out))  # type: ignore[arg-type]
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as f:
        yield f


def _styles() -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet

    base = getSampleStyleSheet()
    return {
        "school": ParagraphStyle("school", parent=base["Normal"], fontSize=9, textColor="#555555"),
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=17, alignment=0, spaceAfter=2),
        "info": ParagraphStyle("info", parent=base["Normal"], fontSize=10.5, leading=14),
        "cell": ParagraphStyle("cell", parent=base["Normal"], fontSize=10, leading=12),
    }


def _footer(school_name: str, what: str) -> Callable[[Any, Any], None]:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColorRGB(0.4, 0.4, 0.4)
        width = doc.pagesize[0]
        canvas.drawString(doc.leftMargin, 18, f"{school_name} — {what}")
        canvas.drawRightString(width - doc.rightMargin, 18,
                               f"Page {doc.page} · printed {datetime.now():%d %b %Y %H:%M}")
        canvas.restoreState()
    return draw


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sign_in_sheet(sheet: AttendanceSheet, school_name: str, out: Output) -> None:
    """One row per student: name, class, a signature box and a tick box per status."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    st = _styles()
    session = sheet.session
    codes = [s.code for s in sheet.statuses if s.active]
    legend = " · ".join(f"<b>{_esc(s.code)}</b> {_esc(s.label)}" for s in sheet.statuses if s.active)
    when = f"{session.starts_at:%A %d %B %Y}, {session.starts_at:%H:%M}–{session.ends_at:%H:%M}"
    story: list[Any] = [
        Paragraph(_esc(school_name), st["school"]),
        Paragraph(f"{_esc(sheet.activity_name)} — sign-in sheet", st["title"]),
        Paragraph(f"<b>{when}</b>" + (f" · {_esc(session.location)}" if session.location else ""), st["info"]),
        Paragraph(("Cancelled. " if session.cancelled else "") + f"Tick one: {legend}", st["info"]),
        Spacer(1, 4 * mm),
    ]
    width = A4[0] - 30 * mm
    tick = 9 * mm
    fixed = [9 * mm, 60 * mm, 18 * mm]
    sign = width - sum(fixed) - tick * len(codes)
    data: list[list[Any]] = [["#", "Student", "Class", "Signature", *codes]]
    for n, student in enumerate(sheet.students, start=1):
        data.append([str(n), Paragraph(_esc(student.name), st["cell"]), student.class_name or "", "",
                     *([""] * len(codes))])
    for _ in range(3):  # spare rows for walk-ins
        data.append(["", "", "", "", *([""] * len(codes))])
    table = Table(data, colWidths=[*fixed, sign, *([tick] * len(codes))], rowHeights=[7 * mm] + [10 * mm] * (len(data) - 1),
                  repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9.5),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 10),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8ECF1")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (4, 0), (-1, -1), "CENTER"),
        ("ALIGN", (0, 0), (0, -1), "RIGHT"),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9AA5B1")),
        ("BOX", (3, 1), (3, -1), 1.0, colors.HexColor("#52606D")),
        ("ROWBACKGROUNDS", (0, 1), (2, -1), [colors.white, colors.HexColor("#F7F9FB")]),
    ]))
    story.append(table)
    with _target(out) as f:
        doc = SimpleDocTemplate(f, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm,
                                bottomMargin=16 * mm, title=f"{sheet.activity_name} sign-in sheet",
                                author=school_name)
        footer = _footer(school_name, f"{sheet.activity_name}, {session.starts_at:%d %b %Y}")
        doc.build(story, onFirstPage=footer, onLaterPages=footer)


def attendance_register(grid: AttendanceGrid, school_name: str, out: Output,
                        start: date | None = None, end: date | None = None,
                        *, now: datetime | None = None) -> None:
    """Students × session dates with the status codes, each student's rate and totals over the
    range (the rate rule of tracker.domain.attendance), landscape; sessions beyond a page's
    width continue on further pages, header rows repeat on every page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    now = now or datetime.now()
    st = _styles()
    cols = [j for j, s in enumerate(grid.sessions)
            if (start is None or s.starts_at.date() >= start) and (end is None or s.starts_at.date() <= end)]
    n = len(grid.sessions)
    codes = [s.code for s in grid.statuses]
    rules = [StatusRule(s.counts_as_present, s.counts_in_rate) for s in grid.statuses]
    held_upto = held_count([s.starts_at for s in grid.sessions], now)
    held_cols = [j for j in cols if j < held_upto]
    figures = []
    for r in range(len(grid.students)):
        row = [grid.cells[r * n + j] for j in held_cols]
        figures.append(row_figures(row, rules))
    present_codes = {i for i, rule in enumerate(rules) if rule.present}
    absent_codes = {i for i, rule in enumerate(rules) if rule.absent}

    span = ""
    if cols:
        span = f"{grid.sessions[cols[0]].starts_at:%d %b %Y} – {grid.sessions[cols[-1]].starts_at:%d %b %Y}"
    legend = " · ".join(f"<b>{_esc(s.code)}</b> {_esc(s.label)}" for s in grid.statuses)
    chunks = [cols[i:i + SESSIONS_PER_PAGE] for i in range(0, len(cols), SESSIONS_PER_PAGE)] or [[]]
    story: list[Any] = []
    page_w = landscape(A4)[0] - 24 * mm
    for k, chunk in enumerate(chunks):
        last = k == len(chunks) - 1
        story += [
            Paragraph(_esc(school_name), st["school"]),
            Paragraph(f"{_esc(grid.activity_name)} — attendance register", st["title"]),
            Paragraph(f"<b>{span or 'No sessions in this range'}</b> · {len(grid.students)} students · "
                      f"{len(cols)} sessions" + (f" (columns {k * SESSIONS_PER_PAGE + 1}–"
                                                 f"{k * SESSIONS_PER_PAGE + len(chunk)})" if len(chunks) > 1 else "")
                      + f" · {legend} · · not enrolled / cancelled", st["info"]),
            Spacer(1, 3 * mm),
        ]
        header = ["Student", "Class"] + [f"{grid.sessions[j].starts_at:%a}\n{grid.sessions[j].starts_at:%d/%m}"
                                         for j in chunk]
        extra = ["Present", "Absent", "Rate"] if last else []
        data: list[list[Any]] = [header + extra]
        for r, student in enumerate(grid.students):
            line = [student.name, student.class_name or ""]
            for j in chunk:
                v = grid.cells[r * n + j]
                line.append("·" if v == NOT_APPLICABLE else codes[v] if v >= 0 else "")
            if last:
                fig = figures[r]
                absent = sum(1 for j in held_cols if grid.cells[r * n + j] in absent_codes)
                line += [str(fig.present), str(absent), "–" if fig.rate is None else f"{fig.rate:.0f}%"]
            data.append(line)
        totals = ["Present", ""] + [str(sum(1 for r in range(len(grid.students))
                                            if grid.cells[r * n + j] in present_codes)) for j in chunk]
        data.append(totals + (["", "", ""] if last else []))
        name_w, class_w, fig_w = 52 * mm, 14 * mm, 15 * mm
        cell_w = min(12 * mm, (page_w - name_w - class_w - fig_w * len(extra)) / max(1, len(chunk)))
        widths = [name_w, class_w] + [cell_w] * len(chunk) + [fig_w] * len(extra)
        table = Table(data, colWidths=widths, repeatRows=1, rowHeights=[9 * mm] + [5.2 * mm] * (len(data) - 1))
        style = [
            ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
            ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
            ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 8),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8ECF1")),
            ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#E8ECF1")),
            ("ALIGN", (2, 0), (-1, -1), "CENTER"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9AA5B1")),
            ("ROWBACKGROUNDS", (0, 1), (-1, -2), [colors.white, colors.HexColor("#F7F9FB")]),
        ]
        table.setStyle(TableStyle(style))
        story.append(table)
        if not last:
            story.append(PageBreak())
    with _target(out) as f:
        doc = SimpleDocTemplate(f, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                                topMargin=10 * mm, bottomMargin=14 * mm,
                                title=f"{grid.activity_name} attendance register", author=school_name)
        footer = _footer(school_name, f"{grid.activity_name} attendance register")
        doc.build(story, onFirstPage=footer, onLaterPages=footer)


__all__ = ["SESSIONS_PER_PAGE", "attendance_register", "sign_in_sheet"]

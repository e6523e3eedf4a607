"""Exports a registrar can file: the records of one activity or of the whole school (a teacher:
the activities they lead) as an Excel workbook, CSV files, PDF reports or the end-of-year
archive. Read-only: nothing in the database changes.

Who may export is who may see the activity's analytics (admin: any; a teacher: those they lead;
students and parents: nobody), checked before anything about the request. The reads are
:mod:`tracker.services.export_records`; the files are written by :mod:`tracker.reports` whole or
not at all: a failed or cancelled export (``cancelled()`` true: :class:`Cancelled`) leaves no
partial file or folder behind.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import __version__
from tracker.db.engine import Database
from tracker.db.models import Activity, User
from tracker.db.uow import read_only
from tracker.domain.policy import Actor, Permission, Scope, scopes
from tracker.errors import NotFound, PermissionDenied, Problem, ValidationError
from tracker.reports import records_archive, records_csv, records_xlsx
from tracker.reports.records_data import Cell, Records, Ticker
from tracker.reports.safe_files import replacing
from tracker.services import export_records as read
from tracker.services.base import Service, activity_or_404, require
from tracker.services.scoping import current_role, visible
from tracker.services.settings import SettingsService

ExportFormat = Literal["xlsx", "csv", "pdf", "archive"]
FORMATS: tuple[str, ...] = get_args(ExportFormat)
#: the share of the progress bar that reading takes; writing takes the rest
READ_SHARE = 0.15


@dataclass(frozen=True)
class ExportRequest:
    format: ExportFormat
    activity_id: int | None = None  # None: the whole school (admin; a teacher: their activities)
    start: date | None = None  # filters attendance/sessions/milestone dates
    end: date | None = None
    bom: bool = True  # CSV: UTF-8 with byte-order mark for Excel
    student_id: int | None = None  # pdf only: one student's progress report


@dataclass(frozen=True)
class ExportResult:
    path: Path
    files: tuple[str, ...]  # what was written (archive / csv: member or file names)
    rows: int


class ExportService(Service):
    def export(self, actor: Actor, request: ExportRequest, out: Path, *,
               progress: Callable[[float, str], None] | None = None,
               cancelled: Callable[[], bool] | None = None,
               chart_images: Mapping[str, bytes] | None = None) -> ExportResult:
        """Write the export to ``out``; see the module docstring."""
        out = Path(out)
        with read_only(self.db) as s:
            scope = _authorised_scope(s, actor, request)
            _validate(request, out)
            if request.activity_id is not None:
                activity_or_404(s, request.activity_id)
            if request.student_id is not None and s.get(User, request.student_id) is None:
                raise NotFound(f"No student with id {request.student_id}.")
            if progress is not None:
                progress(0.0, "Reading the records")
            records: Records | None = None if request.format == "pdf" else self._read(s, actor, request, scope)
        if records is None:
            return _write_pdf(self.db, actor, request, out, cancelled, chart_images, progress)
        ticker = Ticker(records.row_count * (2 if request.format == "archive" else 1), progress=progress,
                        cancelled=cancelled, start=READ_SHARE, span=1 - READ_SHARE)
        ticker.check("Reading the records")
        files = _write(records, request, out, ticker)
        if progress is not None:
            progress(1.0, "Done")
        return ExportResult(out, files, records.row_count)

    def _read(self, s: Session, actor: Actor, request: ExportRequest, scope: read.Scope) -> Records:
        certificates, files = read.certificate_table(s, scope)
        school = SettingsService(self.db).get().school_name
        about: list[tuple[str, Cell]] = [
            ("School", school), ("Exported by", actor.display_name), ("Exported at", datetime.now().replace(
                microsecond=0)), ("Covers", _covers(s, request, scope)),
            ("From", request.start), ("To", request.end),
            ("Application", f"Activity Tracker {__version__}"),
        ]
        statuses = read.statuses(s)
        about.append(("Attendance codes", "; ".join(f"{st.code} {st.label}" for st in statuses)))
        return Records(tuple(about), read.progress_table(s, scope), read.attendance_grids(s, scope),
                       statuses, (read.milestone_table(s, scope), read.skill_table(s, scope),
                                  read.badge_table(s, scope), certificates), files,
                       meta={"school": school})


def _authorised_scope(s: Session, actor: Actor, request: ExportRequest) -> read.Scope:
    """The policy first: who may export, and which activities the request then covers."""
    role = current_role(s, actor)
    granted = scopes(role, Permission.VIEW_ANALYTICS)
    if not granted:
        raise PermissionDenied(f"A {role.value} may not export the school's records.")
    if request.activity_id is not None:
        require(s, actor, Permission.VIEW_ANALYTICS, activity_id=request.activity_id)
        ids: list[int] | None = [request.activity_id]
    elif Scope.ANY in granted:
        ids = None
    else:
        shown = visible(s, actor, Permission.VIEW_ANALYTICS, activity=Activity.id)
        ids = list(s.scalars(select(Activity.id).where(shown)))
    if request.student_id is not None:
        require(s, actor, Permission.VIEW_PROGRESS, student_id=request.student_id)
    return read.Scope(ids, request.student_id, request.start, request.end)


def _validate(request: ExportRequest, out: Path) -> None:
    problems = []
    if request.format not in FORMATS:
        problems.append(Problem(f"Unknown format {request.format!r}: use {', '.join(FORMATS)}.", field="format"))
    if request.start is not None and request.end is not None and request.end < request.start:
        problems.append(Problem("The end date is before the start date.", field="to"))
    if request.format == "pdf" and request.activity_id is None and request.student_id is None:
        problems.append(Problem("A PDF report is per activity (or per student): choose one.", field="activity"))
    if request.student_id is not None and request.format != "pdf":
        problems.append(Problem("One student's report is a PDF.", field="student"))
    if not out.name or not out.parent.is_dir():
        problems.append(Problem(f"The folder {out.parent} does not exist.", field="out"))
    elif out.is_dir() and not (request.format == "csv" and out.suffix.lower() != ".zip"):
        problems.append(Problem(f"{out} is a folder; give a file name.", field="out"))
    if problems:
        raise ValidationError(problems[0].message if len(problems) == 1 else "The export was not written.",
                              problems)


def _covers(s: Session, request: ExportRequest, scope: read.Scope) -> str:
    if request.activity_id is not None:
        return str(s.scalar(select(Activity.name).where(Activity.id == request.activity_id)))
    if scope.activity_ids is None:
        return "The whole school"
    return f"The activities you lead ({len(scope.activity_ids)})"


def _write(records: Records, request: ExportRequest, out: Path, ticker: Ticker) -> tuple[str, ...]:
    """The file(s) for the format, whole or nothing (a cancel raises and leaves none)."""
    try:
        if request.format == "xlsx":
            with replacing(out) as f:
                records_xlsx.write_workbook(records, f, ticker)
            return (out.name,)
        if request.format == "csv" and out.suffix.lower() != ".zip":
            return records_csv.write_folder(records, out, bom=request.bom, ticker=ticker)
        if request.format == "csv":
            with replacing(out) as f, zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as archive:
                names = records_csv.write_into_zip(records, archive, bom=request.bom, ticker=ticker)
            return names
        if request.format == "archive":
            with replacing(out) as f:
                return records_archive.write_archive(records, f, bom=request.bom, ticker=ticker)
        raise ValueError(f"not a file format: {request.format}")
    except PermissionError as exc:
        raise ValidationError.field("out", f"Cannot write {out}: {exc.strerror or exc}") from None


def _write_pdf(db: Database, actor: Actor, request: ExportRequest, out: Path, cancelled: Callable[[], bool] | None,
               charts: Mapping[str, bytes] | None, progress: Callable[[float, str], None] | None) -> ExportResult:
    """The activity report or one student's progress report (tracker.reports.records_pdf, its
    data from tracker.services.report_data), with the chart pictures the caller rendered."""
    from tracker.reports import records_pdf
    from tracker.services import report_data

    try:
        if request.student_id is not None:
            student = report_data.student_report_data(db, actor, request.student_id, request.start, request.end)
            records_pdf.write_student_report(out, student, charts=charts, cancelled=cancelled)
            rows = len(student.activities)
        else:
            assert request.activity_id is not None  # _validate: a PDF is per activity or per student
            data = report_data.activity_report_data(db, actor, request.activity_id, request.start, request.end)
            records_pdf.write_activity_report(out, data, charts=charts, cancelled=cancelled)
            rows = len(data.students)
    except PermissionError as exc:
        raise ValidationError.field("out", f"Cannot write {out}: {exc.strerror or exc}") from None
    if progress is not None:
        progress(1.0, "Done")
    return ExportResult(out, (out.name,), rows)

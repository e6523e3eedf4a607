"""Records exports (issue 15): every format read back with an independent reader (python-calamine
for the workbook, the csv module, zipfile + json) and compared with the database; formula
injection; cancel leaves nothing; who may export what."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import update

from tracker.db.models import ActivityProgress
from tracker.db.uow import read_only
from tracker.domain.enums import Role
from tracker.errors import Cancelled, NotFound, PermissionDenied, ValidationError
from tracker.services.attendance import MarkChange
from tracker.services.exports import ExportRequest
from tracker.services.people import UserInput
from tracker.services.progress_rows import progress_rows

TODAY = date.today()
HOSTILE = '=HYPERLINK("http://x","y")'


def at(days_ago: int, hour: int = 9) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), time(hour))


@dataclass
class Records:
    school: Any
    hostile: int
    sessions: list[int]
    milestone: int


@pytest.fixture
def rec(school) -> Records:  # type: ignore[no-untyped-def]
    """Chess Club with three students (one named like a formula), three sessions marked, a
    milestone ticked and a skill assessed; Drama has one student of its own."""
    s, admin = school.services, school.admin
    hostile = s.people.create_user(admin, UserInput("hx", HOSTILE, Role.STUDENT, grade="9",
                                                    student_number="S003")).id
    s.enrollment.enroll(admin, school.chess, [hostile], enrolled_on=TODAY - timedelta(days=30))
    with s.db.session_factory() as session, session.begin():  # the fixture's students joined a month ago
        session.execute(update(ActivityProgress).values(enrolled_on=TODAY - timedelta(days=30)))
    sessions = [s.calendar.add_extra_session(admin, school.chess, at(d), at(d, 10)).id for d in (20, 10, 5)]
    codes = {st.code: st.id for st in s.attendance.statuses(admin)}
    changes = [MarkChange(sessions[0], school.student.id, codes["P"], check_version=False),
               MarkChange(sessions[1], school.student.id, codes["A"], check_version=False),
               MarkChange(sessions[2], school.student.id, codes["L"], check_version=False),
               MarkChange(sessions[0], hostile, codes["E"], check_version=False)]
    s.attendance.apply(school.teacher, changes)
    m1 = s.milestones.create_milestone(admin, school.chess, title="Opening principles", points=10).id
    s.milestones.create_milestone(admin, school.chess, title="Endgames", points=5)
    s.milestones.complete_milestone(school.teacher, m1, school.student.id, notes="+ solid")
    skill = s.skills.create_skill(admin, "Strategy", "Thinking").id
    s.skills.assess(school.teacher, school.chess, [school.student.id], skill, 3, evidence="-good")
    return Records(school, hostile, sessions, m1)


def export(rec: Records, tmp_path: Path, fmt: str, name: str, actor: Any = None, **kw: Any) -> Any:
    school = rec.school
    return school.services.exports.export(actor or school.admin, ExportRequest(fmt, **kw), tmp_path / name)  # type: ignore[arg-type]


def sheet(path: Path, name: str) -> list[list[Any]]:
    book = CalamineWorkbook.from_path(str(path))
    return book.get_sheet_by_name(name).to_python()


# --------------------------------------------------------------------------- workbook


def test_workbook_progress_sheet_matches_the_database(rec, tmp_path):
    result = export(rec, tmp_path, "xlsx", "chess.xlsx", activity_id=rec.school.chess)
    rows = sheet(result.path, "Progress")
    assert rows[0][:4] == ["Student", "Student number", "Grade", "Activity"]
    with read_only(rec.school.services.db) as s:
        db_rows = progress_rows(s, activity_ids=[rec.school.chess])
    by_name = {r[0]: r for r in rows[1:]}
    assert len(by_name) == len(db_rows) == 3
    for r in db_rows:
        shown = by_name["'" + r.student if r.student.startswith("=") else r.student]
        assert shown[3] == "Chess Club"
        assert shown[4] == r.status.label
        assert shown[7] == pytest.approx(r.progress_percentage / 100)  # a number, 0.0% format
        if r.attendance_rate is None:
            assert shown[8] == ""
        else:
            assert shown[8] == pytest.approx(r.attendance_rate / 100)
        assert shown[9] == r.enrolled_on  # a real date
    assert by_name["Sam Student"][1] == "S001" and by_name["Sam Student"][2] == "7"
    assert result.rows > 0 and result.files == ("chess.xlsx",)


def test_workbook_formats_percentages_dates_and_freezes_header(rec, tmp_path):
    from openpyxl import load_workbook

    result = export(rec, tmp_path, "xlsx", "chess.xlsx", activity_id=rec.school.chess)
    book = load_workbook(result.path)
    progress = book["Progress"]
    assert progress.freeze_panes == "B2"
    assert progress.auto_filter.ref == "A1:M4"
    assert progress["H2"].number_format == "0.0%" and progress["J2"].number_format == "yyyy-mm-dd"
    assert progress["A1"].font.b
    assert progress.column_dimensions["G"].width == 40
    assert book.sheetnames == ["Progress", "Attendance", "Milestones", "Skills", "About"]


def test_attendance_sheet_is_a_coloured_grid(rec, tmp_path):
    from openpyxl import load_workbook

    result = export(rec, tmp_path, "xlsx", "chess.xlsx", activity_id=rec.school.chess)
    rows = sheet(result.path, "Attendance")
    assert rows[0][:2] == ["Student", "Student number"]
    assert rows[0][2:] == [at(d).date() for d in (20, 10, 5)]
    sam = next(r for r in rows if r[0] == "Sam Student")
    assert sam[2:] == ["P", "A", "L"]
    hostile = next(r for r in rows if r[1] == "S003")
    assert hostile[0] == "'" + HOSTILE and hostile[2:] == ["E", "", ""]
    grid = load_workbook(result.path)["Attendance"]
    assert grid.freeze_panes == "C2"
    colours = {grid.cell(row=i + 1, column=3 + j).value: grid.cell(row=i + 1, column=3 + j).fill.fgColor.rgb
               for i, r in enumerate(rows) for j in range(3) if i and r[2 + j]}
    assert colours["P"].endswith("009E73") and colours["A"].endswith("D55E00")


def test_milestones_skills_and_about_sheets(rec, tmp_path):
    result = export(rec, tmp_path, "xlsx", "chess.xlsx", activity_id=rec.school.chess)
    milestones = sheet(result.path, "Milestones")
    assert milestones[1][:4] == ["Chess Club", "Opening principles", "Yes", 10]
    assert milestones[1][5:8] == ["Sam Student", "S001", TODAY]
    assert milestones[1][8] == "'+ solid"  # neutralised
    skills = sheet(result.path, "Skills")
    assert skills[1][:6] == ["Chess Club", "Sam Student", "S001", "Strategy", "Thinking", 3]
    assert skills[1][8] == "'-good"
    about = dict((r[0], r[1]) for r in sheet(result.path, "About"))
    assert about["School"] and about["Exported by"] == "Ada Admin" and about["Covers"] == "Chess Club"
    assert "P Present" in about["Attendance codes"]


def test_formula_injection_comes_out_as_text_in_xlsx_and_csv(rec, tmp_path):
    from openpyxl import load_workbook

    xlsx = export(rec, tmp_path, "xlsx", "chess.xlsx", activity_id=rec.school.chess)
    cell = next(c for c in load_workbook(xlsx.path)["Progress"]["A"] if c.value and "HYPERLINK" in c.value)
    assert cell.data_type == "s" and cell.value == "'" + HOSTILE
    folder = export(rec, tmp_path, "csv", "chess-csv", activity_id=rec.school.chess)
    with open(folder.path / "progress.csv", encoding="utf-8-sig", newline="") as f:
        names = [r[0] for r in csv.reader(f)]
    assert "'" + HOSTILE in names and HOSTILE not in names


def test_date_range_filters_sessions_and_marks(rec, tmp_path):
    result = export(rec, tmp_path, "xlsx", "chess.xlsx", activity_id=rec.school.chess,
                    start=TODAY - timedelta(days=12), end=TODAY - timedelta(days=6))
    rows = sheet(result.path, "Attendance")
    assert rows[0][2:] == [at(10).date()]
    assert next(r for r in rows if r[0] == "Sam Student")[2:] == ["A"]
    assert len(sheet(result.path, "Milestones")) == 1  # ticked today: outside the range


# --------------------------------------------------------------------------- CSV


def test_csv_folder_one_file_per_table_rfc4180_with_bom(rec, tmp_path):
    result = export(rec, tmp_path, "csv", "chess-csv", activity_id=rec.school.chess)
    assert result.files == ("progress.csv", "attendance.csv", "milestones.csv", "skills.csv")
    raw = (result.path / "attendance.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    with open(result.path / "attendance.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["Activity", "Student", "Student number", "Session", "Status code", "Status"]
    sam = [r for r in rows if r[1] == "Sam Student"]
    assert [(r[3], r[4], r[5]) for r in sam] == [
        (at(20).isoformat(sep=" ", timespec="minutes"), "P", "Present"),
        (at(10).isoformat(sep=" ", timespec="minutes"), "A", "Absent"),
        (at(5).isoformat(sep=" ", timespec="minutes"), "L", "Late")]
    with open(result.path / "progress.csv", encoding="utf-8-sig", newline="") as f:
        progress = {r["Student"]: r for r in csv.DictReader(f)}
    with read_only(rec.school.services.db) as s:
        sam = next(r for r in progress_rows(s, activity_ids=[rec.school.chess]) if r.student == "Sam Student")
    assert progress["Sam Student"]["Enrolled on"] == (sam.enrolled_on.isoformat() if sam.enrolled_on else "")
    assert float(progress["Sam Student"]["Progress %"]) == pytest.approx(sam.progress_percentage)


def test_csv_without_bom_and_as_zip(rec, tmp_path):
    result = export(rec, tmp_path, "csv", "chess.zip", activity_id=rec.school.chess, bom=False)
    with zipfile.ZipFile(result.path) as z:
        assert sorted(z.namelist()) == sorted(result.files)
        data = z.read("skills.csv")
    assert not data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[1][:6] == ["Chess Club", "Sam Student", "S001", "Strategy", "Thinking", "3"]


# --------------------------------------------------------------------------- archive


def test_archive_has_everything_with_checksums(rec, tmp_path):
    result = export(rec, tmp_path, "archive", "year.zip")
    with zipfile.ZipFile(result.path) as z:
        names = z.namelist()
        manifest = json.loads(z.read("manifest.json"))
        for name, entry in manifest["files"].items():
            data = z.read(name)
            assert entry["size"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()
        records = json.loads(z.read("records.json"))
        book = z.read("records.xlsx")
    assert names[-1] == "manifest.json" and set(manifest["files"]) == set(names) - {"manifest.json"}
    assert {"records.xlsx", "csv/progress.csv", "csv/attendance.csv", "records.json"} <= set(names)
    assert records["version"] == 1
    assert records["about"]["covers"] == "The whole school"
    progress = records["tables"]["progress"]
    assert {(p["student"], p["activity"]) for p in progress} == {
        ("Sam Student", "Chess Club"), ("Olga Other", "Chess Club"), ("'" + HOSTILE, "Chess Club"),
        ("Olga Other", "Drama")}
    assert {"code": "P", "label": "Present", "colour": "#009E73"} in records["attendance_statuses"]
    assert book.startswith(b"PK")


def test_archive_includes_certificate_files_and_lists_missing_ones(rec, tmp_path):
    from sqlalchemy import select

    from tracker.db.models import Certificate

    s, admin = rec.school.services, rec.school.admin
    s.certificates.issue(admin, rec.school.chess, [rec.school.student.id, rec.school.other_student.id],
                         force=True, out_dir=tmp_path / "certs")
    with read_only(s.db) as session:
        certs = list(session.execute(select(Certificate.serial, Certificate.file_path)))
    assert len(certs) == 2
    gone = Path(certs[1].file_path)
    gone.unlink()
    result = export(rec, tmp_path, "archive", "year.zip")
    with zipfile.ZipFile(result.path) as z:
        manifest = json.loads(z.read("manifest.json"))
        present = [n for n in z.namelist() if n.startswith("certificates/")]
        assert z.read(present[0]).startswith(b"%PDF")
    assert present == [f"certificates/{Path(certs[0].file_path).name}"]
    assert manifest["missing"] == [{"name": f"certificates/{gone.name}", "path": str(gone)}]


# --------------------------------------------------------------------------- progress, cancel


def test_progress_is_reported_as_fractions(rec, tmp_path):
    seen: list[tuple[float, str]] = []
    rec.school.services.exports.export(rec.school.admin, ExportRequest("xlsx"), tmp_path / "a.xlsx",
                                       progress=lambda f, what: seen.append((f, what)))
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)


@pytest.mark.parametrize(("fmt", "name"), [("xlsx", "a.xlsx"), ("csv", "folder"), ("csv", "a.zip"),
                                           ("archive", "a.zip")])
def test_cancel_leaves_no_file(rec, tmp_path, fmt, name):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(Cancelled, match="Export cancelled"):
        rec.school.services.exports.export(rec.school.admin, ExportRequest(fmt), out / name,  # type: ignore[arg-type]
                                           cancelled=lambda: True)
    assert list(out.iterdir()) == []


def test_cancel_midway_through_a_large_table_removes_the_partial_file(rec, tmp_path, monkeypatch):
    from tracker.reports import records_data

    monkeypatch.setattr(records_data, "CHUNK", 1)
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 3

    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(Cancelled):
        rec.school.services.exports.export(rec.school.admin, ExportRequest("xlsx"), out / "a.xlsx",
                                           cancelled=cancelled)
    assert len(calls) == 4 and list(out.iterdir()) == []


# --------------------------------------------------------------------------- who may export


def test_teacher_exports_own_activity_only(rec, tmp_path):
    school = rec.school
    export(rec, tmp_path, "xlsx", "mine.xlsx", actor=school.teacher, activity_id=school.chess)
    with pytest.raises(PermissionDenied):
        export(rec, tmp_path, "xlsx", "theirs.xlsx", actor=school.teacher, activity_id=school.drama)
    whole = export(rec, tmp_path, "xlsx", "school.xlsx", actor=school.teacher)
    activities = {r[3] for r in sheet(whole.path, "Progress")[1:]}
    assert activities == {"Chess Club"}
    assert not (tmp_path / "theirs.xlsx").exists()


@pytest.mark.parametrize("who", ["student", "parent"])
def test_students_and_parents_may_not_export(rec, tmp_path, who):
    actor = getattr(rec.school, who)
    with pytest.raises(PermissionDenied):
        export(rec, tmp_path, "xlsx", "x.xlsx", actor=actor, activity_id=rec.school.chess)
    with pytest.raises(PermissionDenied):  # the policy before the (bad) request
        export(rec, tmp_path, "xlsx", "x.xlsx", actor=actor, start=TODAY, end=TODAY - timedelta(days=1))


def test_bad_requests_are_refused_with_a_reason(rec, tmp_path):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    with pytest.raises(ValidationError, match="end date is before"):
        export(rec, tmp_path, "xlsx", "x.xlsx", start=TODAY, end=TODAY - timedelta(days=1))
    with pytest.raises(ValidationError, match="per activity"):
        export(rec, tmp_path, "pdf", "x.pdf")
    with pytest.raises(ValidationError, match="does not exist"):
        export(rec, tmp_path, "xlsx", "no/such/folder/x.xlsx")
    with pytest.raises(NotFound):
        export(rec, tmp_path, "xlsx", "x.xlsx", activity_id=9999)
    assert list(tmp_path.iterdir()) == []

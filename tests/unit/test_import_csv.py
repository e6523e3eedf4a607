"""Flat roster files (CSV, XLSX): recognised headers, mapping, messy files, all or nothing."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import School
from tracker.db.models import Activity, ActivityProgress, AuditEntry, GuardianLink, User
from tracker.db.uow import read_only
from tracker.domain.enums import ProgressStatus, Role
from tracker.errors import PermissionDenied, ValidationError
from tracker.importers.common import parse_date
from tracker.services.activities import ActivityInput

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "roster" / "students.csv"


def write(tmp_path: Path, text: str, name: str = "roster.csv", *, bom: bool = False, crlf: bool = False) -> Path:
    if crlf:
        text = text.replace("\n", "\r\n")
    path = tmp_path / name
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def counts(school: School) -> tuple[int, int, int, int, int]:
    with read_only(school.services.db) as s:
        return (s.scalar(select(func.count(User.id))) or 0, s.scalar(select(func.count(Activity.id))) or 0,
                s.scalar(select(func.count(ActivityProgress.id))) or 0,
                s.scalar(select(func.count(GuardianLink.id))) or 0,
                s.scalar(select(func.count(AuditEntry.id))) or 0)


def user(school: School, number: str) -> User:
    with read_only(school.services.db) as s:
        u = s.scalar(select(User).where(User.student_number == number))
        assert u is not None
        s.expunge(u)
        return u


def test_sample_file_with_bom_crlf_quoted_newlines_and_excel_dates(school: School) -> None:
    svc = school.services.imports
    preview = svc.preview(school.admin, SAMPLE)
    assert preview.ok and preview.format == "csv"
    assert (len(preview.new), len(preview.updated), len(preview.unchanged)) == (8, 0, 0)  # 6 students, 2 parents
    assert preview.activities_new == ["Robotics"]  # Chess Club and Drama exist (matched by name)
    assert preview.enrollments_new == 5 and preview.links_new == 2
    svc.apply(school.admin, SAMPLE)
    noah = user(school, "1006")
    assert noah.display_name == "Noah Dubois Martin" and noah.password_hash is None
    olly = user(school, "1002")
    assert (olly.preferred_name, olly.display_name, olly.grade, olly.class_name) == (
        "Olly", "Olly Van der Berg", "7", "7B")
    roster = {r.student_number: r for r in school.services.enrollment.roster(school.admin, school.chess)}
    assert roster["1001"].enrolled_on == date(2025, 9, 8)
    assert roster["1002"].enrolled_on == date(2025, 9, 8)  # Excel serial 45908
    info = school.services.people.get_user(school.admin, user(school, "1001").id)
    assert len(info.guardians) == 1 and not info.can_sign_in


def test_reimporting_the_same_file_changes_nothing(school: School) -> None:
    svc = school.services.imports
    svc.apply(school.admin, SAMPLE)
    before = counts(school)
    preview = svc.preview(school.admin, SAMPLE)
    assert not preview.changes_anything and len(preview.unchanged) == 8
    result = svc.apply(school.admin, SAMPLE)
    assert result.created_ids == () and counts(school) == before


def test_changed_file_updates_by_student_number(school: School, tmp_path: Path) -> None:
    svc = school.services.imports
    first = write(tmp_path, "Student number,First name,Last name,Grade,Class\nA1,Ada,Byron,7,7A\nA2,Bo,Li,7,7A\n")
    svc.apply(school.admin, first)
    ada_id = user(school, "A1").id
    changed = write(tmp_path, "Student number,First name,Last name,Grade,Class\nA1,Ada,Lovelace,8,8A\nA2,Bo,Li,7,7A\n",
                    "changed.csv")
    preview = svc.preview(school.admin, changed)
    assert [c.name for c in preview.updated] == ["Ada Lovelace"] and len(preview.unchanged) == 1
    assert "grade: 7 → 8" in preview.updated[0].details
    svc.apply(school.admin, changed)
    ada = user(school, "A1")
    assert (ada.id, ada.last_name, ada.grade, ada.class_name, ada.version) == (ada_id, "Lovelace", "8", "8A", 2)


def test_a_missing_value_never_blanks_what_is_there(school: School, tmp_path: Path) -> None:
    svc = school.services.imports
    svc.apply(school.admin, write(tmp_path, "id,first,last,email\nZ9,Kim,Ng,kim@school.example\n"))
    svc.apply(school.admin, write(tmp_path, "id,first,last,email\nZ9,Kim,Ng,\n", "again.csv"))
    assert user(school, "Z9").email == "kim@school.example"


def test_one_bad_row_writes_nothing_and_names_every_problem(school: School, tmp_path: Path) -> None:
    before = counts(school)
    path = write(tmp_path, "Student ID,First Name,Surname,Email,Enrolled on,Activity\n"
                           "B1,Ann,Ok,ann@school.example,2025-09-01,Chess Club\n"
                           "B2,Bad,Mail,not-an-email,,\n"
                           ",No,Number,,,\n"
                           "B1,Dup,Licate,,,\n"
                           "B5,Bad,Date,,31/31/2025,Chess Club\n")
    with pytest.raises(ValidationError) as err:
        school.services.imports.apply(school.admin, path)
    where = {(p.file, p.row, p.column) for p in err.value.problems}
    assert where == {("roster.csv", 3, "Email"), ("roster.csv", 4, "Student ID"),
                     ("roster.csv", 5, "Student ID"), ("roster.csv", 6, "Enrolled on")}
    assert "roster.csv, row 3, column Email" in str(err.value)
    assert counts(school) == before


def test_existing_number_with_another_role_is_a_problem(school: School, tmp_path: Path) -> None:
    path = write(tmp_path, "student number,name,role\nS001,Sam Student,teacher\n")
    preview = school.services.imports.preview(school.admin, path)
    assert len(preview.errors) == 1 and preview.errors[0].column == "role"


def test_username_taken_by_someone_else_is_a_problem(school: School, tmp_path: Path) -> None:
    path = write(tmp_path, "student number,first name,last name,username\nN1,Tom,Thumb,tina\n")
    (problem,) = school.services.imports.preview(school.admin, path).errors
    assert (problem.row, problem.column) == (2, "username")


def test_generated_usernames_are_unique(school: School, tmp_path: Path) -> None:
    path = write(tmp_path, "number,first name,last name\nU1,Sam,Student\nU2,Sam,Student\nU3,Zoë,Ærø\n")
    school.services.imports.apply(school.admin, path)
    names = {user(school, n).username for n in ("U1", "U2", "U3")}
    assert names == {"sam.student", "sam.student2", "zoe.aero"}  # Æ and ø are letters too (issue 10)


def test_usernames_keep_every_letter_of_names_in_any_script(school: School, tmp_path: Path) -> None:
    path = write(tmp_path, "number,first name,last name\nL1,Łucja,Wiśniewska\nL2,Γιώργος,Νικολάου\n"
                           "L3,Анна,Смирнова\nL4,Søren,Ødegård\nL5,Jürgen,Groß\n")
    school.services.imports.apply(school.admin, path)
    assert [user(school, f"L{n}").username for n in range(1, 6)] == [
        "lucja.wisniewska", "giorgos.nikolaou", "anna.smirnova", "soren.odegard", "jurgen.gross"]
    more = write(tmp_path, "number,name\nL9,Ευάγγελος Αυγερινός\n", name="more.csv")
    assert school.services.imports.preview(school.admin, more).new[0].details == "username evaggelos.avgerinos"


@pytest.mark.parametrize(("name", "slug"), [
    ("Łucja Wiśniewska", "lucja.wisniewska"), ("Γιώργος Νικολάου", "giorgos.nikolaou"),
    ("Анна Смирнова", "anna.smirnova"), ("Ελευθερία Παύλου", "eleftheria.pavlou"),
    ("Μαϊμού", "maimou"), ("李小龙", "lixiaolong"), ("José  María!", "jose.maria"), ("", ""),
])
def test_ascii_slug_transliterates(name: str, slug: str) -> None:
    from tracker.importers.common import ascii_slug

    assert ascii_slug(name) == slug


def test_unrecognised_headers_need_a_mapping_which_then_works(school: School, tmp_path: Path) -> None:
    path = write(tmp_path, "Pupil,Ref,Tutor\nGrace Hopper,P-77,10H\n\n\n", bom=True, crlf=True)
    preview = school.services.imports.preview(school.admin, path)
    assert preview.needs_mapping and preview.headers == ("Pupil", "Ref", "Tutor")
    assert "student_number" in preview.known_fields
    with pytest.raises(ValidationError):
        school.services.imports.apply(school.admin, path)
    mapping = {"Pupil": "full_name", "Ref": "student_number", "Tutor": "class_name"}
    preview = school.services.imports.preview(school.admin, path, mapping)
    assert preview.ok and [c.name for c in preview.new] == ["Grace Hopper"]
    school.services.imports.apply(school.admin, path, mapping)
    grace = user(school, "P-77")
    assert (grace.first_name, grace.last_name, grace.class_name) == ("Grace", "Hopper", "10H")


def test_semicolon_separated_excel_export(school: School, tmp_path: Path) -> None:
    path = write(tmp_path, "Nachname;Vorname;Name;Klasse;ID\nMüller;Jan;Jan Müller;5a;M1\n")
    preview = school.services.imports.preview(school.admin, path)
    assert preview.ok and preview.new[0].name == "Jan Müller"


def test_xlsx_with_numbers_and_real_dates(school: School, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["First name", "Last name", "Student number", "Year", "Activity", "Start date"])
    ws.append(["Ida", "Wells", 4711, 9, "Chess Club", datetime(2025, 9, 3)])
    ws.append([None, None, None, None, None, None])
    path = tmp_path / "roster.xlsx"
    wb.save(path)
    school.services.imports.apply(school.admin, path)
    ida = user(school, "4711")
    assert ida.grade == "9"
    row = next(r for r in school.services.enrollment.roster(school.admin, school.chess) if r.student_id == ida.id)
    assert row.enrolled_on == date(2025, 9, 3)


def test_import_respects_capacity_with_a_waitlist(school: School, tmp_path: Path) -> None:
    school.services.activities.create_activity(school.admin, ActivityInput("Tiny", capacity=1))
    path = write(tmp_path, "number,first name,last name,activity\nT1,A,A,Tiny\nT2,B,B,Tiny\n")
    preview = school.services.imports.preview(school.admin, path)
    assert (preview.enrollments_new, preview.waitlisted_new) == (2, 1)
    school.services.imports.apply(school.admin, path)
    tiny = next(a for a in school.services.activities.list_activities(school.admin) if a.name == "Tiny")
    rows = school.services.enrollment.roster(school.admin, tiny.id)
    assert sorted((r.status, r.waitlist_position) for r in rows) == [
        (ProgressStatus.ACTIVE, None), (ProgressStatus.WAITLISTED, 1)]


def test_cancel_writes_nothing(school: School) -> None:
    from tracker.services.imports import ImportCancelled

    before = counts(school)
    with pytest.raises(ImportCancelled):
        school.services.imports.apply(school.admin, SAMPLE, cancelled=lambda: True)
    assert counts(school) == before


def test_progress_is_reported(school: School) -> None:
    seen: list[int] = []
    school.services.imports.apply(school.admin, SAMPLE, progress=lambda d, t, text: seen.append(d))
    assert seen[0] == 0 and seen[-1] == 100 and seen == sorted(seen)


def test_only_admins_import(school: School) -> None:
    for who in (school.teacher, school.student, school.parent):
        with pytest.raises(PermissionDenied):
            school.services.imports.preview(who, SAMPLE)


def test_guardian_found_by_email_is_linked_not_duplicated(school: School, tmp_path: Path) -> None:
    from tracker.services.people import UserInput

    pat = school.services.people.create_user(
        school.admin, UserInput("pat2", "Pat Two", Role.PARENT, email="pat2@mail.example"))
    path = write(tmp_path, "number,first name,last name,parent email\nG1,Gil,Two,PAT2@mail.example\n")
    preview = school.services.imports.preview(school.admin, path)
    assert [c.role for c in preview.new] == [Role.STUDENT]
    school.services.imports.apply(school.admin, path)
    again = school.services.people.get_user(school.admin, pat.id)
    assert again.children == (user(school, "G1").id,) and again.display_name == "Pat Two"  # not renamed


@pytest.mark.parametrize("text, expected", [
    ("2025-09-01", date(2025, 9, 1)), ("2025/9/1", date(2025, 9, 1)), ("45901", date(2025, 9, 1)),
    ("45901.0", date(2025, 9, 1)), ("9/1/2025", date(2025, 9, 1)), ("13/9/2025", date(2025, 9, 13)),
    ("9/13/25", date(2025, 9, 13)), ("1 Sep 2025", date(2025, 9, 1)), ("01-Sep-2025", date(2025, 9, 1)),
    ("2025-09-01T00:00:00.000Z", date(2025, 9, 1)), ("", None),
])
def test_dates_as_sis_and_excel_write_them(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["tomorrow", "31/31/2025", "0", "2025-13-01"])
def test_not_dates(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)

"""OneRoster 1.1 (folder) and 1.2 (zip) bundles written from the 1EdTech CSV binding.

The samples (tests/data/oneroster, made by make_samples.py) carry a BOM, CRLF, quoted commas and
new lines, metadata.* columns, tobedeleted rows and Excel-formatted dates.
"""

from __future__ import annotations

import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import School
from tracker.db.models import Activity, ActivityLead, ActivityProgress, AuditEntry, GuardianLink, User
from tracker.db.uow import read_only
from tracker.domain.enums import LeadRole, Role
from tracker.errors import ValidationError
from tracker.services.imports import class_uid

DATA = Path(__file__).resolve().parents[1] / "data" / "oneroster"
V11 = DATA / "v1.1"
V12 = DATA / "v1.2.zip"


def state(school: School) -> tuple[int, ...]:
    with read_only(school.services.db) as s:
        return tuple(s.scalar(select(func.count(t.id))) or 0
                     for t in (User, Activity, ActivityProgress, ActivityLead, GuardianLink, AuditEntry))


def by_ext(school: School, sourced_id: str) -> User:
    with read_only(school.services.db) as s:
        u = s.scalar(select(User).where(User.external_id == sourced_id))
        assert u is not None, sourced_id
        s.expunge(u)
        return u


@pytest.fixture(params=["1.1", "1.2"])
def bundle(request: pytest.FixtureRequest) -> Path:
    return V11 if request.param == "1.1" else V12


def test_preview_reports_what_the_bundle_brings(school: School, bundle: Path) -> None:
    preview = school.services.imports.preview(school.admin, bundle)
    assert preview.ok, preview.errors
    assert preview.format == ("oneroster-1.1" if bundle == V11 else "oneroster-1.2")
    assert sorted((c.role.value, c.key) for c in preview.new) == [
        ("parent", "par-1"), ("parent", "par-2"), ("student", "S1001"), ("student", "S1002"),
        ("student", "S1003"), ("teacher", "tea-1"), ("teacher", "tea-2")]
    assert sorted(preview.activities_new) == ["Chess, Beginners", "Choir"]
    assert (preview.enrollments_new, preview.leads_new, preview.links_new) == (3, 3, 3)
    assert preview.skipped == 4  # the administrator, the deleted student, class and enrollment


def test_import_creates_people_links_activities_and_leads(school: School, bundle: Path) -> None:
    school.services.imports.apply(school.admin, bundle)
    chloe = by_ext(school, "stu-3")
    assert (chloe.first_name, chloe.last_name, chloe.student_number, chloe.grade) == (
        "Chloé", "O'Brien Murphy", "S1003", "8")
    assert chloe.password_hash is None and chloe.role is Role.STUDENT
    ben = by_ext(school, "stu-2")
    assert ben.last_name == "Smith, Jr."
    if bundle == V12:
        assert (ben.preferred_name, ben.display_name) == ("Ben", "Ben Smith, Jr.")
    assert by_ext(school, "tea-1").role is Role.TEACHER and by_ext(school, "par-2").role is Role.PARENT
    people = school.services.people
    assert sorted(people.get_user(school.admin, ben.id).guardians) == sorted(
        [by_ext(school, "par-1").id, by_ext(school, "par-2").id])
    with read_only(school.services.db) as s:
        chess = s.scalar(select(Activity).where(Activity.uid == class_uid("cls-chess")))
        assert chess is not None
        assert (chess.name, chess.location, chess.start_date, chess.end_date) == (
            "Chess, Beginners", "Room 12", date(2025, 9, 1), date(2025, 12, 19))
        leads = dict(s.execute(select(ActivityLead.user_id, ActivityLead.lead_role)
                               .where(ActivityLead.activity_id == chess.id)).all())
        assert s.scalar(select(func.count(User.id)).where(User.external_id == "stu-4")) == 0
        chess_id = chess.id
    assert leads == {by_ext(school, "tea-1").id: LeadRole.LEAD, by_ext(school, "tea-2").id: LeadRole.CO_LEAD}
    roster = {r.student_number: r for r in school.services.enrollment.roster(school.admin, chess_id)}
    assert roster["S1001"].enrolled_on == date(2025, 9, 8)
    assert roster["S1002"].enrolled_on == date(2025, 9, 15)  # "9/15/2025" from Excel


def test_reimport_is_idempotent(school: School, bundle: Path) -> None:
    school.services.imports.apply(school.admin, bundle)
    before = state(school)
    preview = school.services.imports.preview(school.admin, bundle)
    assert not preview.changes_anything and len(preview.unchanged) == 7
    school.services.imports.apply(school.admin, bundle)
    assert state(school) == before


def test_the_11_folder_and_the_12_zip_describe_the_same_school(school: School) -> None:
    school.services.imports.apply(school.admin, V11)
    preview = school.services.imports.preview(school.admin, V12)
    assert preview.ok and not preview.new
    assert [c.name for c in preview.updated] == ["Ben Smith, Jr."]  # 1.2 adds his preferred name


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "bundle"
    shutil.copytree(V11, folder)
    return folder


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_bytes().decode("utf-8")
    assert old in text
    path.write_bytes(text.replace(old, new).encode("utf-8"))


def test_changed_bundle_updates_by_sourced_id(school: School, tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    school.services.imports.apply(school.admin, folder)
    ava = by_ext(school, "stu-1")
    _edit(folder, "users.csv", "ava.jones@school.example,,,par-1,07", "ava.j@school.example,,,par-1,08")
    _edit(folder, "classes.csv", "Room 12", "Room 14")
    preview = school.services.imports.preview(school.admin, folder)
    assert [c.name for c in preview.updated] == ["Ava Jones"] and preview.activities_updated == [
        "Chess, Beginners"]
    school.services.imports.apply(school.admin, folder)
    again = by_ext(school, "stu-1")
    assert (again.id, again.email, again.grade) == (ava.id, "ava.j@school.example", "8")


def test_tobedeleted_deactivates_an_existing_account(school: School, tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    school.services.imports.apply(school.admin, folder)
    _edit(folder, "users.csv", "stu-3,,,true", "stu-3,tobedeleted,2025-10-01,true")
    preview = school.services.imports.preview(school.admin, folder)
    assert [c.name for c in preview.deactivated] == ["Chloé O'Brien Murphy"]
    school.services.imports.apply(school.admin, folder)
    assert by_ext(school, "stu-3").active is False


def test_one_bad_row_writes_nothing_and_the_message_names_file_row_column(school: School, tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(folder, "users.csv", "ava.jones@school.example", "ava.jones-at-school")
    _edit(folder, "enrollments.csv", "enr-2,,,cls-chess,org-1,stu-2", "enr-2,,,cls-chess,org-1,stu-99")
    before = state(school)
    with pytest.raises(ValidationError) as err:
        school.services.imports.apply(school.admin, folder)
    where = {(p.file, p.row, p.column) for p in err.value.problems}
    assert where == {("users.csv", 2, "email"), ("enrollments.csv", 3, "userSourcedId")}
    assert "users.csv, row 2, column email" in str(err.value)
    assert state(school) == before


def test_quoted_new_line_keeps_row_numbers_as_excel_shows_them(school: School, tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(folder, "users.csv", "tea-1,,,true,org-1,teacher,t.brown,,Tom,Brown", "tea-1,,,true,org-1,teacher,t brown,,Tom,Brown")
    (problem,) = school.services.imports.preview(school.admin, folder).errors
    assert (problem.file, problem.row, problem.column) == ("users.csv", 6, "username")


def test_zip_with_a_top_folder_and_unknown_files(school: School, tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(V12) as src, zipfile.ZipFile(path, "w") as dst:
        for name in src.namelist():
            dst.writestr(f"sis-export/{name}", src.read(name))
        dst.writestr("sis-export/demographics.csv", "sourcedId\r\n")
    assert school.services.imports.preview(school.admin, path).ok


def test_classes_can_be_mapped_to_existing_activities_or_skipped(school: School) -> None:
    mapping = {"class:cls-chess": str(school.chess), "class:cls-choir": "skip"}
    preview = school.services.imports.preview(school.admin, V11, mapping)
    assert preview.activities_new == [] and preview.enrollments_new == 2 and preview.leads_new == 2
    school.services.imports.apply(school.admin, V11, mapping)
    roster = {r.student_number for r in school.services.enrollment.roster(school.admin, school.chess)}
    assert {"S1001", "S1002", "S001", "S002"} == roster


def test_a_folder_without_users_is_refused(school: School, tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "manifest.csv").write_text("propertyName,value\noneroster.version,1.1\n")
    preview = school.services.imports.preview(school.admin, folder)
    assert preview.errors and preview.errors[0].file == "users.csv"


# --------------------------------------------------------------------------- real exports with quirks

QUIRKS = {"1.1": DATA / "v1.1-quirks.zip", "1.2": DATA / "v1.2-quirks.zip"}
QUIRK_WARNINGS = [
    ("users.csv", 11, "familyName",
     "A name is required. The user is marked tobedeleted, so the account is only deactivated."),
    ("users.csv", 13, "agentSourcedIds",
     "agentSourcedIds names 'stu-5', who is marked tobedeleted in users.csv: no guardian link is made."),
    ("enrollments.csv", 9, "classSourcedId",
     "3 enrollments in class 'cls-debate' (Debate), which classes.csv marks tobedeleted, are left out "
     "(rows 9, 10, 11)."),
    ("enrollments.csv", 12, "userSourcedId",
     "1 enrollment of 'stu-5', who is marked tobedeleted in users.csv, is left out (row 12)."),
    ("enrollments.csv", 13, "userSourcedId",
     "1 enrollment of 'stu-6', who is disabled (enabledUser=false) in users.csv, is left out (row 13)."),
]


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_records_pointing_at_deleted_ones_are_left_out_with_warnings(school: School, version: str) -> None:
    """A class marked tobedeleted still listed in enrollments.csv (a common SIS export) is not an error."""
    preview = school.services.imports.preview(school.admin, QUIRKS[version])
    assert preview.ok, preview.errors
    assert [(w.file, w.row, w.column, w.message) for w in preview.warnings] == QUIRK_WARNINGS
    assert sorted(c.key for c in preview.new) == ["S1001", "S1002", "S1003", "par-1", "par-2", "par-3",
                                                  "tea-1", "tea-2"]
    assert (preview.enrollments_new, preview.leads_new, preview.links_new) == (3, 3, 3)
    school.services.imports.apply(school.admin, QUIRKS[version])
    with read_only(school.services.db) as s:
        assert s.scalar(select(func.count(Activity.id)).where(Activity.name == "Debate")) == 0
        assert s.scalar(select(func.count(User.id)).where(User.external_id.in_(["stu-5", "stu-6"]))) == 0
    assert school.services.people.get_user(school.admin, by_ext(school, "par-3").id).children == ()


def test_a_bare_deleted_row_deactivates_the_account_and_changes_nothing_else(school: School,
                                                                             tmp_path: Path) -> None:
    first = tmp_path / "first"
    first.mkdir()
    (first / "manifest.csv").write_text("propertyName,value\r\noneroster.version,1.1\r\n")
    (first / "users.csv").write_text("sourcedId,status,enabledUser,role,givenName,familyName,identifier,email\r\n"
                                     "stu-5,,true,student,Sam,Field,S1005,sam@school.example\r\n")
    school.services.imports.apply(school.admin, first)
    preview = school.services.imports.preview(school.admin, QUIRKS["1.1"])
    assert [(c.name, c.key, c.details) for c in preview.deactivated] == [("Sam Field", "stu-5", "")]
    school.services.imports.apply(school.admin, QUIRKS["1.1"])
    sam = by_ext(school, "stu-5")
    assert (sam.active, sam.display_name, sam.student_number, sam.email) == (
        False, "Sam Field", "S1005", "sam@school.example")


def test_an_enrollment_in_a_class_missing_from_classes_csv_is_still_an_error(school: School,
                                                                              tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(folder, "enrollments.csv", "enr-3,,,cls-choir", "enr-3,,,cls-nowhere")
    preview = school.services.imports.preview(school.admin, folder)
    assert [(p.file, p.row, p.message) for p in preview.errors] == [
        ("enrollments.csv", 4, "Unknown class 'cls-nowhere' (not in classes.csv).")]
    assert preview.warnings == []


# --------------------------------------------------------------------------- passwords from the file


def test_imported_passwords_follow_the_password_rules_row_by_row(school: School, tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(folder, "users.csv", "par-1,07,,Red", "par-1,07,x,Red")  # Ava: one character
    _edit(folder, "users.csv", "par-2\",07,,Blue", "par-2\",07,two  spaces ok,Blue")  # Ben: kept as written
    _edit(folder, "users.csv", "T01,t.brown@school.example,,,,,,", "T01,t.brown@school.example,,,,, padded-pass,")
    before = state(school)
    preview = school.services.imports.preview(school.admin, folder)
    assert [(p.file, p.row, p.column, p.message) for p in preview.errors] == [
        ("users.csv", 2, "password", "The password must be at least 8 characters long."),
        ("users.csv", 6, "password", "The password must not start or end with a space.")]
    with pytest.raises(ValidationError):
        school.services.imports.apply(school.admin, folder)
    assert state(school) == before
    _edit(folder, "users.csv", "par-1,07,x,Red", "par-1,07,,Red")
    _edit(folder, "users.csv", ",,,,, padded-pass,", ",,,,,,")
    school.services.imports.apply(school.admin, folder)
    assert school.services.auth.login("ben.smith", "two  spaces ok").id == by_ext(school, "stu-2").id

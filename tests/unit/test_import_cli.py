"""`activity-tracker import-roster PATH [--dry-run]` as the first active administrator."""

from __future__ import annotations

import zipfile
from pathlib import Path

from sqlalchemy import func, select

from tests.conftest import School
from tracker import cli
from tracker.db.models import User
from tracker.db.uow import read_only

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE = DATA / "roster" / "students.csv"


def users(school: School) -> int:
    with read_only(school.services.db) as s:
        return s.scalar(select(func.count(User.id))) or 0


def run(school: School, *args: str) -> int:
    return cli.main(["--db", str(school.services.db.url.database), "import-roster", *args])


def test_dry_run_prints_the_preview_and_writes_nothing(school: School, capsys) -> None:
    before = users(school)
    assert run(school, str(SAMPLE), "--dry-run") == 0
    out = capsys.readouterr().out
    assert "new: 8, updated: 0, unchanged: 0" in out and "Dry run: nothing was written." in out
    assert users(school) == before


def test_import_then_again_changes_nothing(school: School, capsys) -> None:
    before = users(school)
    assert run(school, str(DATA / "oneroster" / "v1.1")) == 0
    assert "Imported" in capsys.readouterr().out and users(school) == before + 7
    assert run(school, str(DATA / "oneroster" / "v1.1")) == 0
    assert "new: 0, updated: 0, unchanged: 7" in capsys.readouterr().out
    assert users(school) == before + 7


def test_errors_are_listed_with_file_row_and_column_and_exit_1(school: School, capsys, tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("Student ID,First Name,Surname,Email\nQ1,Al,Ok,al@x.example\nQ2,Bo,Bad,nope\n")
    before = users(school)
    assert run(school, str(bad)) == 1
    captured = capsys.readouterr()
    assert "error: bad.csv, row 3, column Email" in captured.out and "Nothing was imported" in captured.err
    assert users(school) == before


def test_unrecognised_columns_can_be_mapped_on_the_command_line(school: School, capsys, tmp_path) -> None:
    path = tmp_path / "pupils.csv"
    path.write_text("Pupil,Ref\nGrace Hopper,P-77\n")
    assert run(school, str(path)) == 1
    assert "--map" in capsys.readouterr().err
    assert run(school, str(path), "--map", "Pupil=full_name", "--map", "Ref=student_number") == 0


def test_warnings_are_printed_and_the_import_still_runs(school: School, capsys) -> None:
    assert run(school, str(DATA / "oneroster" / "v1.1-quirks.zip")) == 0
    out = capsys.readouterr().out
    assert ("  warning: enrollments.csv, row 9, column classSourcedId: 3 enrollments in class 'cls-debate' "
            "(Debate), which classes.csv marks tobedeleted, are left out (rows 9, 10, 11).") in out
    assert "Imported" in out


def test_a_damaged_zip_is_a_message_and_exit_1(school: School, capsys, tmp_path) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("manifest.csv", "propertyName,value\r\noneroster.version,1.1\r\n")
        z.writestr("users.csv", "sourcedId,role\r\nstu-1,student\r\n")
    raw = bytearray(path.read_bytes())
    raw[raw.rfind(b"PK\x01\x02") + 8] |= 0x1  # users.csv now claims to be encrypted
    path.write_bytes(bytes(raw))
    before = users(school)
    assert run(school, str(path)) == 1
    captured = capsys.readouterr()
    assert ("  error: users.csv: users.csv in export.zip is password-protected: export the bundle again "
            "without a password.") in captured.out
    assert "Nothing was imported" in captured.err and "Traceback" not in captured.err
    assert users(school) == before


def test_a_missing_file_is_one_plain_message(school: School, capsys, tmp_path) -> None:
    missing = tmp_path / "nowhere" / "students.csv"
    assert run(school, str(missing)) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"activity-tracker: There is no file or folder {missing}.\n"


def test_a_corrupt_workbook_is_one_plain_message(school: School, capsys, tmp_path) -> None:
    path = tmp_path / "students.xlsx"
    path.write_bytes(b"this was never a spreadsheet\n")
    before = users(school)
    assert run(school, str(path)) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.splitlines()) == 1
    assert captured.err.startswith("activity-tracker: students.xlsx cannot be read: it is not an Excel workbook")
    assert "zip" not in captured.err and "unknown" not in captured.err
    assert users(school) == before


def test_an_empty_file_is_one_plain_message(school: School, capsys, tmp_path) -> None:
    path = tmp_path / "students.csv"
    path.write_bytes(b"")
    assert run(school, str(path), "--dry-run") == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == (
        "activity-tracker: students.csv: The file is empty: it needs a header row and one row per student.\n")


def test_a_file_that_is_not_a_zip_is_one_plain_message(school: School, capsys, tmp_path) -> None:
    path = tmp_path / "export.zip"
    path.write_bytes(b"not a zip")
    assert run(school, str(path)) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == (
        "activity-tracker: export.zip cannot be opened as a zip file: it is not a zip file, or it is damaged.\n")

"""`activity-tracker import-roster PATH [--dry-run]` as the first active administrator."""

from __future__ import annotations

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

"""`activity-tracker export`: the command line of the records exports (issue 15): what it
prints, its exit codes and the progress bar."""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, School
from tracker import cli, cli_export


def run(school: School, *args: str) -> int:
    return cli.main(["--db", str(school.services.db.url.database), "export", *args])


def test_export_writes_the_file_and_says_where(school: School, tmp_path: Path, capsys) -> None:
    out = tmp_path / "chess.xlsx"
    assert run(school, "--activity", str(school.chess), "--format", "xlsx", "--out", str(out)) == 0
    captured = capsys.readouterr()
    assert captured.out == f"Wrote {out}\n" and captured.err == ""  # no bar when stderr is no terminal
    assert out.read_bytes().startswith(b"PK")


def test_school_archive_and_csv_zip(school: School, tmp_path: Path, capsys) -> None:
    assert run(school, "--school", "--format", "archive", "--out", str(tmp_path / "year.zip"),
               "--from", "2025-09-01", "--to", "2026-07-31") == 0
    with zipfile.ZipFile(tmp_path / "year.zip") as z:
        assert "manifest.json" in z.namelist()
    assert run(school, "--school", "--format", "csv", "--out", str(tmp_path / "tables.zip")) == 0
    assert capsys.readouterr().out.splitlines() == [f"Wrote {tmp_path / 'year.zip'}", f"Wrote {tmp_path / 'tables.zip'}"]


@pytest.mark.parametrize(("args", "message"), [
    (["--activity", "999", "--format", "xlsx"], "there is no activity with id 999"),
    (["--school", "--format", "xlsx", "--from", "2026-05-01", "--to", "2026-04-01"], "--to is before --from"),
    (["--school", "--format", "pdf"], "a PDF report is per activity"),
    (["--student", "99999", "--format", "pdf"], "there is no student with id 99999"),
    (["--student", "1", "--format", "xlsx"], "use it with --format pdf"),
])
def test_bad_input_exits_2_with_a_clear_message(school: School, tmp_path: Path, capsys, args, message) -> None:
    assert run(school, *args, "--out", str(tmp_path / "x.out")) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
    assert not (tmp_path / "x.out").exists()


def test_unwritable_path_exits_2(school: School, tmp_path: Path, capsys) -> None:
    assert run(school, "--school", "--format", "xlsx", "--out", str(tmp_path / "missing" / "x.xlsx")) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_bad_date_and_a_missing_scope_are_usage_errors(school: School, tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as bad_date:
        run(school, "--school", "--format", "xlsx", "--out", str(tmp_path / "x.xlsx"), "--from", "May 1")
    assert bad_date.value.code == 2 and "is not a date like 2026-09-01" in capsys.readouterr().err
    with pytest.raises(SystemExit) as no_scope:
        run(school, "--format", "xlsx", "--out", str(tmp_path / "x.xlsx"))
    assert no_scope.value.code == 2 and "one of the arguments --activity --school --student is required" in (
        capsys.readouterr().err)


def test_a_teacher_is_refused_another_teachers_activity(school: School, tmp_path: Path, capsys,
                                                        monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert run(school, "--activity", str(school.drama), "--format", "xlsx", "--out", str(tmp_path / "x.xlsx"),
               "--user", "tina", "--password-stdin") == 1
    assert "may not see analytics of this activity" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_progress_bar_on_a_terminal(school: School, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert run(school, "--activity", str(school.chess), "--format", "xlsx", "--out", str(tmp_path / "x.xlsx")) == 0
    err = capsys.readouterr().err
    assert "\r[" in err and "100% Done" in err and err.endswith("\n")
    assert cli_export.progress_bar(0.5, "Attendance", width=10).startswith("\r[#####     ]  50% Attendance")


def test_pdf_uses_the_chart_renderer_hook(school: School, tmp_path: Path, capsys, monkeypatch) -> None:
    seen = []

    def render(db, actor, request):  # type: ignore[no-untyped-def]
        seen.append(request)
        return {}

    monkeypatch.setattr(cli_export, "CHART_RENDERER", render)
    out = tmp_path / "r.pdf"
    assert run(school, "--activity", str(school.chess), "--format", "pdf", "--out", str(out)) == 0
    assert [(r.format, r.activity_id) for r in seen] == [("pdf", school.chess)]
    assert out.read_bytes().startswith(b"%PDF") and capsys.readouterr().out == f"Wrote {out}\n"


def test_a_students_progress_report_names_them_and_their_activity(school: School, tmp_path: Path,
                                                                   capsys) -> None:
    """`--student ID --format pdf`: one student's progress report, read back with pdftotext."""
    import subprocess

    out = tmp_path / "sam.pdf"
    assert run(school, "--student", str(school.student.id), "--format", "pdf", "--out", str(out)) == 0
    assert capsys.readouterr().out == f"Wrote {out}\n"
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Sam Student" in text and "Chess Club" in text


def test_a_parent_gets_no_students_report_from_the_command_line(school: School, tmp_path: Path,
                                                                 capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    code = run(school, "--student", str(school.student.id), "--format", "pdf", "--out", str(tmp_path / "x.pdf"),
               "--user", school.parent.username, "--password-stdin")
    assert code == 1 and not (tmp_path / "x.pdf").exists()


def test_an_unknown_student_is_a_usage_error_with_the_chart_hook_set_too(school: School, tmp_path: Path,
                                                                          capsys, monkeypatch) -> None:
    """The GUI launcher sets the chart hook for the whole process: the charts read the student
    first, and an unknown id must still be exit 2 with the same words (it was exit 1)."""
    from tracker.errors import NotFound

    def render(db, actor, request):  # type: ignore[no-untyped-def]
        raise NotFound(f"No user with id {request.student_id}.")

    monkeypatch.setattr(cli_export, "CHART_RENDERER", render)
    assert run(school, "--student", "99999", "--format", "pdf", "--out", str(tmp_path / "x.pdf")) == 2
    assert "there is no student with id 99999" in capsys.readouterr().err

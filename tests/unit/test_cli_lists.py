"""`activity-tracker activities` and `activity-tracker users --role R` list the ids other
commands need; plain lines start with the id, --json prints an array of objects."""

from __future__ import annotations

import io
import json
import sys

import pytest

from tests.conftest import PASSWORD, School
from tracker import cli


def run(school: School, *args: str) -> int:
    return cli.main(["--db", str(school.services.db.url.database), *args])


def test_activities_one_line_each_starting_with_the_id(school: School, capsys) -> None:
    assert run(school, "activities") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"{school.chess}\tChess Club\tClub\tTina Teacher\t2 enrolled",
                     f"{school.drama}\tDrama\tClub\tOtto Other\t1 enrolled"]


def test_activities_as_json(school: School, capsys) -> None:
    assert run(school, "activities", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["name"], r["leads"]) for r in rows] == [(school.chess, "Chess Club", ["Tina Teacher"]),
                                                                (school.drama, "Drama", ["Otto Other"])]


def test_users_by_role(school: School, capsys) -> None:
    assert run(school, "users", "--role", "student") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"{school.other_student.id}\tolga\tOlga Other\tstudent\tclass 8A\tgrade 8\tnumber S002",
                     f"{school.student.id}\tsam\tSam Student\tstudent\tclass 7B\tgrade 7\tnumber S001"]
    assert run(school, "users", "--role", "Teacher", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert {(r["id"], r["username"], r["role"]) for r in rows} == {(school.teacher.id, "tina", "teacher"),
                                                                   (school.other_teacher.id, "otto", "teacher")}
    assert run(school, "users") == 0
    assert len(capsys.readouterr().out.splitlines()) == 6  # everyone


def test_an_unknown_role_exits_2_with_the_roles_to_choose_from(school: School, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        run(school, "users", "--role", "janitor")
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'janitor'" in err and "teacher" in err


def test_signing_in_lists_what_that_person_may_see(school: School, capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert run(school, "activities", "--user", "tina", "--password-stdin") == 0
    assert [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()] == [str(school.chess)]
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert run(school, "users", "--user", "pat", "--password-stdin", "--json") == 0
    assert {r["username"] for r in json.loads(capsys.readouterr().out)} <= {"pat", "sam"}


def test_a_wrong_password_or_a_password_without_a_user_exits_1(school: School, capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("wrong-password\n"))
    assert run(school, "activities", "--user", "tina", "--password-stdin") == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err and captured.err.startswith("activity-tracker: ")
    assert run(school, "users", "--password-stdin") == 1
    assert "--password-stdin needs --user" in capsys.readouterr().err


def test_listing_a_database_whose_folder_does_not_exist_creates_nothing(tmp_path, capsys) -> None:
    target = tmp_path / "no" / "such" / "school.db"
    assert cli.main(["activities", "--db", str(target)]) == 3
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()

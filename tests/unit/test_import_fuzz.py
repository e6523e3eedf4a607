"""Generated roster files: the importer never crashes (only ValidationError) and never writes half."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import School
from tracker.db.models import Activity, ActivityLead, ActivityProgress, AuditEntry, GuardianLink, User
from tracker.db.uow import read_only
from tracker.errors import ValidationError

KNOWN = ["First Name", "Surname", "Student ID", "sourcedId", "Year", "Homeroom", "Email", "username",
         "Activity", "Enrolled on", "Parent Email", "Preferred name", "role", "status", "Full name"]
cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "7", "07", "S1", "S2", "a@b.example", "not mail", "45901", "13/13/2025",
                     "2025-09-01", "teacher", "parent", "admin", "tobedeleted", "Chess Club", "x" * 130,
                     "Drama", "tina", "S001", "line\r\nbreak", 'quote " inside', "comma, inside"]),
)
header = st.one_of(st.sampled_from(KNOWN), st.text(max_size=10))
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def snapshot(school: School) -> tuple[int, ...]:
    with read_only(school.services.db) as s:
        return tuple(s.scalar(select(func.count(t.id))) or 0
                     for t in (User, Activity, ActivityProgress, ActivityLead, GuardianLink, AuditEntry))


def import_bytes(school: School, raw: bytes, name: str) -> None:
    folder = Path(tempfile.mkdtemp())
    try:
        path = folder / name
        path.write_bytes(raw)
        check_all_or_nothing(school, path)
    finally:
        shutil.rmtree(folder)


def check_all_or_nothing(school: School, path: Path) -> None:
    svc = school.services.imports
    preview = svc.preview(school.admin, path)
    before = snapshot(school)
    try:
        svc.apply(school.admin, path)
    except ValidationError:
        assert snapshot(school) == before, "a failed import wrote something"
        return
    assert preview.ok, "apply succeeded where the preview saw problems"


@FUZZ
@given(headers=st.lists(header, min_size=1, max_size=8),
       rows=st.lists(st.lists(cell, max_size=9), max_size=8),
       bom=st.booleans(), crlf=st.booleans(), trailing=st.integers(0, 3))
def test_generated_csv_files(school: School, headers: list[str], rows: list[list[str]], bom: bool,
                             crlf: bool, trailing: int) -> None:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n" if crlf else "\n")
    w.writerow(headers)
    w.writerows(rows)
    text = out.getvalue() + ("\r\n" if crlf else "\n") * trailing
    import_bytes(school, ("\ufeff" if bom else "").encode() + text.encode("utf-8"), "roster.csv")


@FUZZ
@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes(school: School, raw: bytes) -> None:
    import_bytes(school, b"Student ID,First Name,Surname\n" + raw, "roster.csv")


@FUZZ
@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes_as_a_workbook_or_zip(school: School, raw: bytes) -> None:
    import_bytes(school, raw, "roster.xlsx")
    import_bytes(school, raw, "roster.zip")


USERS = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,"
         "familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password")
ro_cell = st.one_of(cell, st.sampled_from(["u1", "u2", "p1", "student", "guardian", "true", "false",
                                           "u1,p1", "c1", "primary"]))


@FUZZ
@given(users=st.lists(st.lists(ro_cell, min_size=18, max_size=18), max_size=6),
       enrollments=st.lists(st.lists(ro_cell, min_size=10, max_size=10), max_size=6))
def test_generated_oneroster_bundles(school: School, users: list[list[str]], enrollments: list[list[str]]) -> None:
    folder = Path(tempfile.mkdtemp())
    try:
        def write(name: str, head: str, rows: list[list[str]]) -> None:
            out = io.StringIO()
            out.write(head + "\r\n")
            csv.writer(out, lineterminator="\r\n").writerows(rows)
            (folder / name).write_text(out.getvalue(), encoding="utf-8")

        write("manifest.csv", "propertyName,value", [["oneroster.version", "1.1"]])
        write("users.csv", USERS, users)
        write("classes.csv", "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,"
                             "classType,location,schoolSourcedId,termSourcedIds", [["c1", "", "", "Club", "", "", "",
                                                                                      "", "", "", ""]])
        write("enrollments.csv", "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
                                 "userSourcedId,role,primary,beginDate,endDate", enrollments)
        check_all_or_nothing(school, folder)
    finally:
        shutil.rmtree(folder)

"""Generated roster files: the importer never crashes (only ValidationError) and never writes half."""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import School
from tracker.db.models import Activity, ActivityLead, ActivityProgress, AuditEntry, GuardianLink, User
from tracker.db.uow import read_only
from tracker.errors import TrackerError, ValidationError

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


# --------------------------------------------------------------------------- zip structure, not only rows

V12 = Path(__file__).resolve().parents[1] / "data" / "oneroster" / "v1.2.zip"
with zipfile.ZipFile(V12) as _z:
    SAMPLE = {n: _z.read(n) for n in _z.namelist()}
METHODS = [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
RAW_ERROR = re.compile(r"Traceback|BadZipFile|LZMAError|zlib|NotImplementedError|RuntimeError|_csv|struct\.")


@st.composite
def damaged_bundles(draw: st.DrawFn) -> bytes:
    """The 1.2 sample re-zipped with random member names and compression, then bytes flipped,
    overwritten, inserted, deleted or cut, mostly in and around the zip's own headers."""
    buf = io.BytesIO()
    folder = draw(st.sampled_from(["", "export/", "sis\\export\\", "__MACOSX/"]))
    with zipfile.ZipFile(buf, "w") as z, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # two members may well get the same random name
        for name, data in SAMPLE.items():
            fate = draw(st.sampled_from(["keep", "keep", "keep", "upper", "drop", "rename"]))
            if fate == "drop":
                continue
            if fate == "rename":
                name = draw(st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=12))
            info = zipfile.ZipInfo(folder + (name.upper() if fate == "upper" else name), (2025, 9, 1, 0, 0, 0))
            info.compress_type = draw(st.sampled_from(METHODS))
            z.writestr(info, data)
    raw = bytearray(buf.getvalue())
    headers = [0, max(0, len(raw) - 22)] + [m.start() for m in re.finditer(rb"PK\x01\x02|PK\x03\x04", raw)]
    for kind, anchor, delta, value in draw(st.lists(st.tuples(
            st.sampled_from(["flip", "set", "insert", "delete", "truncate"]),
            st.one_of(st.sampled_from(headers), st.integers(0, len(raw))), st.integers(0, 60),
            st.binary(min_size=1, max_size=4)), max_size=4)):
        at = min(anchor + delta, max(0, len(raw) - 1))
        if kind == "flip" and raw:
            raw[at] ^= value[0] or 1
        elif kind == "set":
            raw[at:at + len(value)] = value
        elif kind == "insert":
            raw[at:at] = value
        elif kind == "delete":
            del raw[at:at + len(value)]
        else:
            del raw[at:]
    return bytes(raw)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(raw=damaged_bundles())
def test_damaged_zip_bundles_import_or_say_why(school: School, raw: bytes) -> None:
    folder = Path(tempfile.mkdtemp())
    try:
        path = folder / "bundle.zip"
        path.write_bytes(raw)
        svc = school.services.imports
        preview = svc.preview(school.admin, path)
        assert not any(RAW_ERROR.search(p.message) for p in preview.errors), preview.errors
        before = snapshot(school)
        try:
            svc.apply(school.admin, path)
        except TrackerError as exc:
            assert str(exc) and not RAW_ERROR.search(str(exc)), str(exc)
            assert snapshot(school) == before, "a failed import wrote something"
            return
        assert preview.ok, "apply succeeded where the preview saw problems"
    finally:
        shutil.rmtree(folder)

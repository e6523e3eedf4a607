"""A flat student list: CSV or XLSX with a header row, one student per row.

Common header names are recognised (see :data:`SYNONYMS`); anything else can be mapped by hand
(``mapping``: file header → target field, "" to ignore). A file is usable once it has a name
(first + last, or a full name) and a key (student number or source id). Optional columns: grade,
class, email, username, role (student / teacher / parent), activity (enrolls the student, the
activity is created when no activity has that name), enrolled on, guardian email and name
(creates or finds the parent account by email and links it).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from tracker.domain.enums import Role
from tracker.errors import Problem
from tracker.importers.common import (
    GroupIn,
    LinkIn,
    MemberIn,
    PersonIn,
    RosterData,
    blank,
    check_person,
    clean,
    display_name,
    norm_header,
    normalise_grade,
    parse_date,
)
from tracker.importers.sources import MAX_ROWS, Unreadable, check_size, csv_records, file_source

#: target field → label shown in the mapping step
FIELDS: dict[str, str] = {
    "first_name": "First name",
    "last_name": "Last name",
    "full_name": "Full name",
    "preferred_name": "Preferred name",
    "student_number": "Student number",
    "external_id": "Source id (SIS)",
    "grade": "Grade / year",
    "class_name": "Class / homeroom",
    "email": "Email",
    "username": "Username",
    "role": "Role",
    "activity": "Activity",
    "enrolled_on": "Enrolled on",
    "guardian_email": "Guardian email",
    "guardian_name": "Guardian name",
    "status": "Status",
}

SYNONYMS: dict[str, str] = {}
for _field, _names in {
    "first_name": "firstname givenname forename first given legalfirstname studentfirstname fname",
    "last_name": "lastname surname familyname last family legallastname studentlastname lname",
    "full_name": "name fullname studentname displayname pupilname",
    "preferred_name": "preferredname nickname knownas preferredfirstname preferredgivenname",
    "student_number": "studentnumber studentno studentnum studentid id number pupilnumber pupilid upn "
                      "identifier studentidentifier localid admissionnumber admno",
    "external_id": "sourcedid sourceid externalid sisid guid uuid",
    "grade": "grade year yeargroup gradelevel grades yearlevel gr yr",
    "class_name": "class homeroom classname tutorgroup form formgroup section homeroomclass "
                  "registrationgroup regroup",
    "email": "email emailaddress mail studentemail eMail",
    "username": "username login userid loginid account accountname",
    "role": "role type usertype",
    "activity": "activity club activityname clubname extracurricular",
    "enrolled_on": "enrolledon enrollmentdate enrolmentdate startdate joined enrolled datejoined "
                   "begindate",
    "guardian_email": "guardianemail parentemail parent1email guardian1email contactemail "
                      "parentguardianemail",
    "guardian_name": "guardianname parentname parent1name guardian1name contactname",
    "status": "status",
}.items():
    for _n in _names.split():
        SYNONYMS[_n.lower()] = _field

ROLES = {"student": Role.STUDENT, "pupil": Role.STUDENT, "learner": Role.STUDENT,
         "teacher": Role.TEACHER, "staff": Role.TEACHER, "parent": Role.PARENT,
         "guardian": Role.PARENT}


def recognise(headers: list[str]) -> dict[str, str]:
    """File header → target field for the headers we know (first one wins per field)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for h in headers:
        f = SYNONYMS.get(norm_header(h))
        if f and f not in taken:
            out[h] = f
            taken.add(f)
    return out


def usable(fields: set[str]) -> bool:
    has_name = {"first_name", "last_name"} <= fields or "full_name" in fields
    return has_name and bool(fields & {"student_number", "external_id"})


def read_table(path: Path) -> tuple[list[tuple[int, list[Any]]], str]:
    """The non-blank records of a CSV or of the first sheet of an XLSX, with their row numbers
    (values as Python objects for XLSX). Raises Unreadable for a file over the limits."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        check_size(file_source(path))
        wb = load_workbook(path, read_only=True, data_only=True)
        rows: list[tuple[int, list[Any]]] = []
        try:
            ws = wb.worksheets[0]
            for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
                record = list(values)
                if blank([clean(c) or "" for c in record]):
                    continue  # sheets often carry thousands of formatted, empty rows: free
                if len(rows) >= MAX_ROWS:
                    raise Unreadable(Problem(f"{path.name} has more than {MAX_ROWS:,} rows: that is not a "
                                             "roster, or it must be split.", file=path.name, row=n))
                rows.append((n, record))
        finally:
            wb.close()
        return rows, "xlsx"
    return list(csv_records(file_source(path))), "csv"


def _unreadable_workbook(name: str, exc: Exception) -> str:
    """One plain sentence for a file openpyxl cannot open ("File is not a zip file" means
    nothing to a school secretary: an .xlsx is a zip, so this is a damaged or misnamed file)."""
    from zipfile import BadZipFile

    from openpyxl.utils.exceptions import InvalidFileException

    if isinstance(exc, (BadZipFile, InvalidFileException, KeyError, EOFError)):
        return (f"{name} cannot be read: it is not an Excel workbook (it is damaged, or another kind of file "
                f"named {Path(name).suffix}). Open it in your spreadsheet program and save it again as .xlsx "
                "or .csv.")
    detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
    return f"{name} cannot be read ({detail}). Save it again as .xlsx or .csv."


def parse_flat(path: Path, mapping: dict[str, str] | None = None) -> RosterData:
    name = path.name
    try:
        records, fmt = read_table(path)
    except Unreadable as exc:
        data = RosterData(format="xlsx" if path.suffix.lower().startswith(".xls") else "csv")
        data.problems.append(exc.problem)
        return data
    except Exception as exc:  # noqa: BLE001 - a broken workbook is a problem with the file
        data = RosterData(format="xlsx" if path.suffix.lower().startswith(".xls") else "csv")
        data.problems.append(Problem(_unreadable_workbook(name, exc), file=name))
        return data
    data = RosterData(format=fmt)
    # the header is the first row with something in it
    if not records:
        data.problems.append(Problem("The file is empty: it needs a header row and one row per student.",
                                     file=name))
        return data
    header_row, header = records[0]
    headers = [clean(h) or f"Column {i + 1}" for i, h in enumerate(header)]
    data.headers = headers
    recognised = recognise(headers)
    if mapping:
        cols = {h: f for h, f in mapping.items() if h in headers and f in FIELDS}
        # a mapped header wins over a recognised one for the same field
        for h, f in recognised.items():
            if h not in mapping and f not in cols.values():
                cols[h] = f
    else:
        cols = recognised
    data.mapping = cols
    data.unrecognised = [h for h in headers if h not in cols and not (mapping and h in mapping)]
    if not usable(set(cols.values())):
        data.needs_mapping = True
        return data
    index = {f: headers.index(h) for h, f in cols.items()}
    column_of = {f: h for h, f in cols.items()}
    data.columns = column_of
    seen_guardians: dict[str, str] = {}
    groups: dict[str, GroupIn] = {}
    for offset, record in records[1:]:
        values = [clean(c) for c in record]
        data.rows += 1

        def get(f: str, values: list[str | None] = values, record: list[Any] = record) -> Any:
            i = index.get(f)
            if i is None or i >= len(values):
                return None
            return values[i]

        def raw(f: str, record: list[Any] = record) -> Any:
            i = index.get(f)
            return record[i] if i is not None and i < len(record) else None

        status = (get("status") or "").lower()
        if status in ("tobedeleted", "deleted", "inactive", "left"):
            deactivate = True
        else:
            deactivate = False
        role_text = (get("role") or "student").lower()
        role = ROLES.get(role_text)
        if role is None:
            data.problems.append(Problem(f"Unknown role {role_text[:30]!r}; use student, teacher or parent.",
                                         file=name, row=offset, column=column_of.get("role")))
            continue
        first, last = get("first_name"), get("last_name")
        full = get("full_name")
        if full and not (first or last):
            parts = full.rsplit(" ", 1) if "," not in full else [p.strip() for p in full.split(",", 1)][::-1]
            if len(parts) == 2:
                first, last = parts[0] or None, parts[1] or None
        p = PersonIn(
            role=role, file=name, row=offset, first_name=first, last_name=last,
            preferred_name=get("preferred_name"),
            display_name=display_name(first, last, get("preferred_name"), full),
            student_number=get("student_number"), external_id=get("external_id"),
            grade=normalise_grade(get("grade")), class_name=get("class_name"),
            email=get("email"), username=get("username"), deactivate=deactivate,
        )
        if p.role is not Role.STUDENT:
            p.student_number = None if p.external_id else p.student_number
        before = len(data.problems)
        check_person(p, data.problems, column_of)
        begin: date | None = None
        if raw("enrolled_on") not in (None, ""):
            try:
                begin = parse_date(raw("enrolled_on"))
            except (ValueError, OverflowError) as exc:
                data.problems.append(Problem(f"Not a date: {exc}.", file=name, row=offset,
                                             column=column_of.get("enrolled_on")))
        activity = get("activity")
        if activity and len(activity) > 200:
            data.problems.append(Problem("Activity name too long (at most 200 characters).",
                                         file=name, row=offset, column=column_of.get("activity")))
            activity = None
        g_email = (get("guardian_email") or "").lower() or None
        if g_email:
            from tracker.importers.common import EMAIL_RE

            if not EMAIL_RE.match(g_email) or len(g_email) > 120:
                data.problems.append(Problem(f"{g_email[:60]!r} is not an email address.", file=name,
                                             row=offset, column=column_of.get("guardian_email")))
                g_email = None
        if len(data.problems) > before:
            continue
        data.people.append(p)
        if activity and not deactivate:
            gkey = "name:" + activity.lower()
            if gkey not in groups:
                groups[gkey] = GroupIn(gkey, activity, name, offset)
            data.members.append(MemberIn(gkey, p.key, "student" if role is Role.STUDENT else "teacher",
                                         name, offset, begin=begin))
        if g_email and role is Role.STUDENT:
            gname = get("guardian_name") or f"Parent of {p.display_name}"
            if len(gname) > 200:
                gname = gname[:200]
            ext = "guardian:" + g_email
            if ext not in seen_guardians:
                seen_guardians[ext] = gname
                data.people.append(PersonIn(role=Role.PARENT, file=name, row=offset,
                                            display_name=gname, external_id=ext, email=g_email))
            data.links.append(LinkIn(f"ext:{ext}", p.key, name, offset))
    data.groups = list(groups.values())
    if not data.rows and not data.problems:
        data.problems.append(Problem("The file has a header row but no students.", file=name, row=header_row + 1))
    return data

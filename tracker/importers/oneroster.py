"""OneRoster 1.1 and 1.2 CSV bulk files (1EdTech), as a folder or a .zip.

Files read: manifest.csv (version, which files are present), users.csv, classes.csv,
enrollments.csv, orgs.csv, academicSessions.csv and, in 1.2, roles.csv (a user's roles moved
there). courses.csv and the rest are not needed. Columns are found by name, so extension
columns (``metadata.*``) and column order do not matter.

How records become the application's:

* users: role ``student`` → student, ``teacher`` / ``aide`` / ``proctor`` → teacher,
  ``parent`` / ``guardian`` / ``relative`` → parent/guardian; other roles (administrators…) are
  skipped. ``sourcedId`` → the account's external id (the key for the next import),
  ``identifier`` → student number, ``grades`` → grade, ``preferredGivenName`` (1.2) → preferred
  name. ``agentSourcedIds`` links guardians and students (either side may list the other).
* classes → activities (one per class, recognised next time through a stable uid derived from
  the class sourcedId); term dates from academicSessions; enrollments with role student enroll
  (``beginDate`` = enrollment date), with role teacher make the lead (``primary=true``) or a
  co-lead.
* ``status=tobedeleted`` (delta files) or ``enabledUser=false``: an existing account is
  deactivated (never deleted), a new one is not created; such classes and enrollments are
  ignored. Import never drops or deletes enrollments: that stays a teacher's decision.
"""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

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
    decode,
    display_name,
    normalise_grade,
    parse_date,
    read_csv,
)

FILES = ("manifest.csv", "users.csv", "classes.csv", "enrollments.csv", "orgs.csv",
         "academicSessions.csv", "roles.csv")
STUDENT_ROLES = {"student"}
TEACHER_ROLES = {"teacher", "aide", "proctor"}
GUARDIAN_ROLES = {"parent", "guardian", "relative"}


def is_oneroster(path: Path) -> bool:
    try:
        names = _names(path)
    except (OSError, zipfile.BadZipFile):
        return False
    lower = {n.lower() for n in names}
    return "manifest.csv" in lower or {"users.csv", "enrollments.csv"} <= lower


def _names(path: Path) -> list[str]:
    if path.is_dir():
        return [p.name for p in path.iterdir() if p.is_file()]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            return [Path(n).name for n in z.namelist() if not n.endswith("/")]
    return []


def _read_files(path: Path) -> dict[str, str]:
    """File name (lower case) → text, for the files we use."""
    wanted = {f.lower() for f in FILES}
    out: dict[str, str] = {}
    if path.is_dir():
        for p in path.iterdir():
            if p.is_file() and p.name.lower() in wanted:
                out[p.name.lower()] = decode(p.read_bytes())
    else:
        with zipfile.ZipFile(path) as z:
            for n in z.namelist():
                base = Path(n).name
                if base.lower() in wanted and not n.endswith("/") and "__MACOSX" not in n:
                    out[base.lower()] = decode(z.read(n))
    return out


class _Table:
    """A CSV file with named columns; rows keep their spreadsheet row number."""

    def __init__(self, name: str, text: str | None) -> None:
        self.name = name
        self.rows: list[tuple[int, dict[str, str]]] = []
        self.headers: list[str] = []
        if text is None:
            return
        records = read_csv(text)
        if not records:
            return
        self.headers = [h.strip().lstrip("\ufeff") for h in records[0]]
        lower = [h.lower() for h in self.headers]
        for n, rec in enumerate(records[1:], start=2):
            if blank(rec):
                continue
            self.rows.append((n, {lower[i]: " ".join((rec[i] or "").split())
                                  for i in range(min(len(rec), len(lower)))}))

    def has(self, column: str) -> bool:
        return column.lower() in (h.lower() for h in self.headers)

    def column(self, key: str) -> str:
        for h in self.headers:
            if h.lower() == key.lower():
                return h
        return key


def _deleted(row: dict[str, str]) -> bool:
    return row.get("status", "").lower() == "tobedeleted"


def _split(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def parse_oneroster(path: Path) -> RosterData:
    files = _read_files(path)
    manifest = _Table("manifest.csv", files.get("manifest.csv"))
    props = {r.get("propertyname", ""): r.get("value", "") for _, r in manifest.rows}
    version = props.get("oneroster.version", "").strip() or ("1.2" if "roles.csv" in files else "1.1")
    data = RosterData(format=f"oneroster-{version}")
    problems = data.problems

    def absent(f: str) -> bool:
        mode = props.get(f"file.{f.split('.')[0]}", "").lower()
        return mode == "absent"

    for required in ("users.csv",):
        if required not in files:
            problems.append(Problem(f"The bundle has no {required}.", file=required))
            return data

    users = _Table("users.csv", files.get("users.csv"))
    roles = _Table("roles.csv", files.get("roles.csv") if not absent("roles.csv") else None)
    classes = _Table("classes.csv", files.get("classes.csv") if not absent("classes.csv") else None)
    enrollments = _Table("enrollments.csv",
                         files.get("enrollments.csv") if not absent("enrollments.csv") else None)
    orgs = _Table("orgs.csv", files.get("orgs.csv") if not absent("orgs.csv") else None)
    sessions = _Table("academicSessions.csv",
                      files.get("academicsessions.csv") if not absent("academicSessions.csv") else None)
    data.headers = users.headers
    data.columns = {"external_id": "sourcedId", "student_number": "identifier", "username": "username",
                    "role": "role" if users.has("role") else "roles.csv role", "email": "email"}
    for t in (users, classes, enrollments):
        if t.headers and not t.has("sourcedId"):
            problems.append(Problem("The file has no sourcedId column.", file=t.name, row=1,
                                    column="sourcedId"))
    if problems:
        return data

    # --- academic sessions and orgs
    terms: dict[str, tuple[date | None, date | None]] = {}
    for n, r in sessions.rows:
        try:
            terms[r.get("sourcedid", "")] = (parse_date(r.get("startdate")), parse_date(r.get("enddate")))
        except (ValueError, OverflowError) as exc:
            problems.append(Problem(f"Not a date: {exc}.", file=sessions.name, row=n, column="startDate"))
    org_ids = {r.get("sourcedid", "") for _, r in orgs.rows}

    # --- roles (1.2): the primary role wins, else the first listed
    role_of: dict[str, str] = {}
    for _, r in roles.rows:
        if _deleted(r):
            continue
        uid = r.get("usersourcedid", "")
        if uid and (uid not in role_of or r.get("roletype", "").lower() == "primary"):
            role_of[uid] = r.get("role", "").lower()

    # --- users
    people: dict[str, PersonIn] = {}
    row_of: dict[str, int] = {}
    agents: dict[str, tuple[int, list[str]]] = {}
    for n, r in users.rows:
        data.rows += 1
        sid = r.get("sourcedid", "")
        if not sid:
            problems.append(Problem("A user needs a sourcedId.", file=users.name, row=n, column="sourcedId"))
            continue
        if sid in row_of:
            problems.append(Problem(f"sourcedId {sid[:60]!r} is also used on row {row_of[sid]}.",
                                    file=users.name, row=n, column="sourcedId"))
            continue
        row_of[sid] = n
        role_text = (r.get("role") or role_of.get(sid, "")).lower()
        if role_text in STUDENT_ROLES:
            role = Role.STUDENT
        elif role_text in TEACHER_ROLES:
            role = Role.TEACHER
        elif role_text in GUARDIAN_ROLES:
            role = Role.PARENT
        elif not role_text:
            problems.append(Problem("The user has no role.", file=users.name, row=n,
                                    column="role" if users.has("role") else "roles.csv role"))
            continue
        else:
            data.skipped += 1  # administrators and other staff do not need accounts here
            continue
        enabled = r.get("enableduser", "true").lower() not in ("false", "0", "no")
        first, last = r.get("givenname") or None, r.get("familyname") or None
        preferred = r.get("preferredgivenname") or None
        grades = _split(r.get("grades", ""))
        p = PersonIn(
            role=role, file=users.name, row=n, first_name=first, last_name=last,
            preferred_name=preferred, display_name=display_name(first, last, preferred),
            external_id=sid,
            student_number=(r.get("identifier") or None) if role is Role.STUDENT else None,
            grade=normalise_grade(grades[0]) if grades and role is Role.STUDENT else None,
            email=r.get("email") or None, username=r.get("username") or None,
            password=r.get("password") or None,
            deactivate=_deleted(r) or not enabled,
        )
        columns = {"first_name": users.column("givenName"), "last_name": users.column("familyName"),
                   "student_number": users.column("identifier"), "email": users.column("email"),
                   "username": users.column("username"), "external_id": users.column("sourcedId"),
                   "grade": users.column("grades"), "preferred_name": users.column("preferredGivenName")}
        before = len(problems)
        check_person(p, problems, columns)
        if len(problems) > before:
            continue
        for org in _split(r.get("orgsourcedids", "")) + _split(r.get("primaryorgsourcedid", "")):
            if org_ids and org not in org_ids:
                problems.append(Problem(f"Unknown org {org[:60]!r} (not in orgs.csv).", file=users.name,
                                        row=n, column=users.column("orgSourcedIds")))
        people[sid] = p
        data.people.append(p)
        if r.get("agentsourcedids"):
            agents[sid] = (n, _split(r["agentsourcedids"]))

    # --- guardian links from agentSourcedIds (either side)
    pairs: set[tuple[str, str]] = set()
    for sid, (n, others) in agents.items():
        me = people[sid]
        for other in others:
            o = people.get(other)
            if o is None:
                if other not in row_of:
                    problems.append(Problem(f"agentSourcedIds names {other[:60]!r}, who is not in users.csv.",
                                            file=users.name, row=n, column=users.column("agentSourcedIds")))
                continue
            if me.role is Role.STUDENT and o.role is Role.PARENT:
                pair = (other, sid)
            elif me.role is Role.PARENT and o.role is Role.STUDENT:
                pair = (sid, other)
            else:
                continue
            if pair not in pairs:
                pairs.add(pair)
                data.links.append(LinkIn(f"ext:{pair[0]}", f"ext:{pair[1]}", users.name, n))

    # --- classes
    class_ids: set[str] = set()
    for n, r in classes.rows:
        sid = r.get("sourcedid", "")
        if not sid:
            problems.append(Problem("A class needs a sourcedId.", file=classes.name, row=n, column="sourcedId"))
            continue
        if _deleted(r):
            data.skipped += 1
            continue
        title = r.get("title", "")
        if not title:
            problems.append(Problem("A class needs a title.", file=classes.name, row=n, column="title"))
            continue
        if len(title) > 200:
            problems.append(Problem("Title too long (at most 200 characters).", file=classes.name, row=n,
                                    column="title"))
            continue
        school = r.get("schoolsourcedid", "")
        if org_ids and school and school not in org_ids:
            problems.append(Problem(f"Unknown school {school[:60]!r} (not in orgs.csv).", file=classes.name,
                                    row=n, column=classes.column("schoolSourcedId")))
        start = end = None
        for term in _split(r.get("termsourcedids", "")):
            if term not in terms:
                if sessions.rows:
                    problems.append(Problem(f"Unknown term {term[:60]!r} (not in academicSessions.csv).",
                                            file=classes.name, row=n, column=classes.column("termSourcedIds")))
                continue
            s, e = terms[term]
            start = min(filter(None, (start, s)), default=None)
            end = max(filter(None, (end, e)), default=None)
        subjects = _split(r.get("subjects", ""))
        category = (subjects[0] if subjects else "Class")[:80]
        class_ids.add(sid)
        data.groups.append(GroupIn(sid, title, classes.name, n, source_id=sid,
                                   location=(r.get("location") or "")[:200], category=category,
                                   start_date=start, end_date=end))

    # --- enrollments
    seen: set[tuple[str, str]] = set()
    for n, r in enrollments.rows:
        if _deleted(r):
            data.skipped += 1
            continue
        cls, user = r.get("classsourcedid", ""), r.get("usersourcedid", "")
        if cls not in class_ids:
            if not any(g.source_id == cls for g in data.groups):
                problems.append(Problem(f"Unknown class {cls[:60]!r} (not in classes.csv).",
                                        file=enrollments.name, row=n, column="classSourcedId"))
            continue
        member = people.get(user)
        if member is None:
            if user not in row_of:
                problems.append(Problem(f"Unknown user {user[:60]!r} (not in users.csv).",
                                        file=enrollments.name, row=n, column="userSourcedId"))
            continue
        enrolled_as = r.get("role", "").lower()
        if enrolled_as in STUDENT_ROLES and member.role is Role.STUDENT:
            kind = "student"
        elif enrolled_as in TEACHER_ROLES and member.role is Role.TEACHER:
            kind = "teacher"
        else:
            data.skipped += 1
            continue
        if member.deactivate or (cls, user) in seen:
            continue
        seen.add((cls, user))
        try:
            begin = parse_date(r.get("begindate"))
        except (ValueError, OverflowError) as exc:
            problems.append(Problem(f"Not a date: {exc}.", file=enrollments.name, row=n,
                                    column=enrollments.column("beginDate")))
            continue
        primary = r.get("primary", "").lower() in ("true", "1", "yes")
        data.members.append(MemberIn(cls, member.key, kind, enrollments.name, n, primary=primary,
                                     begin=begin))
    return data

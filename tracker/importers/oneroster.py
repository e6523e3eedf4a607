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
  ignored. A deleted user's row needs only its sourcedId and a role (in 1.2 its roles.csv rows
  are usually deleted with it and still count); values that would not pass are not taken.
  Records that still point at a deleted or disabled one (enrollments in a class marked
  tobedeleted, a guardian naming a deleted student), a common shape of real SIS exports, are
  left out with a warning; a reference to a record missing from the bundle stays an error.
  Import never drops or deletes enrollments: that stays a teacher's decision.
* ``password`` is taken as written (not white-space collapsed) for new accounts; the import
  service holds it to the same rules as every other password.

A damaged, encrypted or oversized file of the bundle is one problem naming it (see
:mod:`tracker.importers.sources`); only the columns above are kept from each row.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

from tracker.domain.enums import Role
from tracker.errors import Problem
from tracker.importers.common import (
    LIMITS,
    GroupIn,
    LinkIn,
    MemberIn,
    PersonIn,
    RosterData,
    check_person,
    display_name,
    normalise_grade,
    parse_date,
)
from tracker.importers.sources import Bundle, Source, Unreadable, csv_records

STUDENT_ROLES = {"student"}
TEACHER_ROLES = {"teacher", "aide", "proctor"}
GUARDIAN_ROLES = {"parent", "guardian", "relative"}
#: the columns read from each file (rows keep only these, so extension columns cost nothing)
COLUMNS = {
    "manifest.csv": "propertyName value",
    "users.csv": "sourcedId status enabledUser role username givenName familyName preferredGivenName "
                 "identifier email grades password orgSourcedIds primaryOrgSourcedId agentSourcedIds",
    "roles.csv": "status userSourcedId roleType role",
    "classes.csv": "sourcedId status title location schoolSourcedId termSourcedIds subjects",
    "enrollments.csv": "status classSourcedId userSourcedId role primary beginDate",
    "orgs.csv": "sourcedId",
    "academicSessions.csv": "sourcedId startDate endDate",
}
VERBATIM = {"password"}  # every other value has its white space collapsed


def _looks_like_oneroster(names: set[str]) -> bool:
    return "manifest.csv" in names or {"users.csv", "enrollments.csv"} <= names


class _Table:
    """A CSV file of the bundle with named columns; rows keep their spreadsheet row number."""

    def __init__(self, name: str, source: Source | None) -> None:
        self.name = name
        self.rows: list[tuple[int, dict[str, str]]] = []
        self.headers: list[str] = []
        if source is None:
            return
        keep = {c.lower() for c in COLUMNS[name].split()}
        records = csv_records(source)
        header = next(records, None)
        if header is None:
            return
        self.headers = [h.strip().lstrip("\ufeff") for h in header[1]]
        wanted = [(i, h.lower()) for i, h in enumerate(self.headers) if h.lower() in keep]
        for n, rec in records:
            row: dict[str, str] = {}
            for i, key in wanted:
                if i < len(rec) and rec[i] and not rec[i].isspace():
                    row[key] = rec[i] if key in VERBATIM else " ".join(rec[i].split())
            self.rows.append((n, row))

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
    """The records of a OneRoster folder or zip; a file that cannot be read is one problem."""
    data = RosterData(format="unknown")
    try:
        with Bundle(path) as bundle:
            if _looks_like_oneroster(bundle.names):
                return _parse(bundle)
            data.problems.append(Problem("This is not a OneRoster bundle: it has no manifest.csv or users.csv.",
                                         file=path.name))
    except Unreadable as exc:
        data.problems.append(exc.problem)
    return data


def _parse(bundle: Bundle) -> RosterData:
    manifest = _Table("manifest.csv", bundle.source("manifest.csv"))
    props = {r.get("propertyname", ""): r.get("value", "") for _, r in manifest.rows}
    version = props.get("oneroster.version", "").strip() or ("1.2" if "roles.csv" in bundle.names else "1.1")
    data = RosterData(format=f"oneroster-{version}")
    problems = data.problems
    if "users.csv" not in bundle.names:
        problems.append(Problem("The bundle has no users.csv.", file="users.csv"))
        return data

    def table(name: str) -> _Table:
        absent = props.get(f"file.{name.split('.')[0]}", "").lower() == "absent"
        return _Table(name, None if absent else bundle.source(name))

    users = _Table("users.csv", bundle.source("users.csv"))
    roles, classes, enrollments = table("roles.csv"), table("classes.csv"), table("enrollments.csv")
    orgs, sessions = table("orgs.csv"), table("academicSessions.csv")
    data.headers = users.headers
    data.columns = {"external_id": "sourcedId", "student_number": "identifier", "username": "username",
                    "role": "role" if users.has("role") else "roles.csv role", "email": "email",
                    "password": users.column("password")}
    for t in (users, classes, enrollments):
        if t.headers and not t.has("sourcedId"):
            problems.append(Problem("The file has no sourcedId column.", file=t.name, row=1,
                                    column="sourcedId"))
    if problems:
        return data
    people = _Users(data, users, roles, orgs)
    terms = _terms(sessions, problems)
    class_ids = _classes(data, classes, terms, {r.get("sourcedid", "") for _, r in orgs.rows},
                         has_terms=bool(sessions.rows))
    _enrollments(data, enrollments, class_ids, people)
    return data


def _terms(sessions: _Table, problems: list[Problem]) -> dict[str, tuple[date | None, date | None]]:
    terms: dict[str, tuple[date | None, date | None]] = {}
    for n, r in sessions.rows:
        try:
            terms[r.get("sourcedid", "")] = (parse_date(r.get("startdate")), parse_date(r.get("enddate")))
        except (ValueError, OverflowError) as exc:
            problems.append(Problem(f"Not a date: {exc}.", file=sessions.name, row=n, column="startDate"))
    return terms


def _roles(roles: _Table, *, deleted: bool) -> dict[str, str]:
    """User sourcedId → role from roles.csv (1.2): the primary role wins, else the first listed."""
    role_of: dict[str, str] = {}
    for _, r in roles.rows:
        if _deleted(r) is not deleted:
            continue
        uid = r.get("usersourcedid", "")
        if uid and (uid not in role_of or r.get("roletype", "").lower() == "primary"):
            role_of[uid] = r.get("role", "").lower()
    return role_of


class _Users:
    """users.csv read into people and guardian links, and what the other files need to know.

    A user marked ``tobedeleted`` (or ``enabledUser=false``) is only deactivated: their row needs
    nothing but a sourcedId and a role, so a delta export's bare deleted rows are not refused,
    and records that point at them are left out with a warning."""

    def __init__(self, data: RosterData, users: _Table, roles: _Table, orgs: _Table) -> None:
        self.by_id: dict[str, PersonIn] = {}
        self.row_of: dict[str, int] = {}
        self.out: dict[str, str] = {}  # sourcedId → why the user is out ("is marked tobedeleted")
        problems, warnings = data.problems, data.warnings
        role_of, deleted_role_of = _roles(roles, deleted=False), _roles(roles, deleted=True)
        org_ids = {r.get("sourcedid", "") for _, r in orgs.rows}
        columns = {"first_name": users.column("givenName"), "last_name": users.column("familyName"),
                   "student_number": users.column("identifier"), "email": users.column("email"),
                   "username": users.column("username"), "external_id": users.column("sourcedId"),
                   "grade": users.column("grades"), "preferred_name": users.column("preferredGivenName")}
        role_column = "role" if users.has("role") else "roles.csv role"
        agents: dict[str, tuple[int, list[str]]] = {}
        for n, r in users.rows:
            data.rows += 1
            sid = r.get("sourcedid", "")
            if not sid:
                problems.append(Problem("A user needs a sourcedId.", file=users.name, row=n, column="sourcedId"))
                continue
            if sid in self.row_of:
                problems.append(Problem(f"sourcedId {sid[:60]!r} is also used on row {self.row_of[sid]}.",
                                        file=users.name, row=n, column="sourcedId"))
                continue
            self.row_of[sid] = n
            gone = _deleted(r)
            enabled = r.get("enableduser", "true").lower() not in ("false", "0", "no")
            if gone or not enabled:
                self.out[sid] = "is marked tobedeleted" if gone else "is disabled (enabledUser=false)"
            role_text = (r.get("role") or role_of.get(sid) or (deleted_role_of.get(sid, "") if gone else "")).lower()
            if role_text in STUDENT_ROLES:
                role = Role.STUDENT
            elif role_text in TEACHER_ROLES:
                role = Role.TEACHER
            elif role_text in GUARDIAN_ROLES:
                role = Role.PARENT
            elif not role_text and gone:
                data.skipped += 1
                warnings.append(Problem("The user is marked tobedeleted and has no role, so no account can be "
                                        "matched: left out.", file=users.name, row=n, column=role_column))
                continue
            elif not role_text:
                problems.append(Problem("The user has no role.", file=users.name, row=n, column=role_column))
                continue
            else:
                data.skipped += 1  # administrators and other staff do not need accounts here
                continue
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
                deactivate=sid in self.out,
            )
            found: list[Problem] = []
            check_person(p, found, columns)
            if found and gone:
                # only the sourcedId matters to deactivate: take none of the row's values
                warnings.extend(Problem(f"{f.message} The user is marked tobedeleted, so the account is only "
                                        "deactivated.", file=f.file, row=f.row, column=f.column) for f in found)
                name = p.display_name if 0 < len(p.display_name) <= LIMITS["display_name"] else ""
                p = PersonIn(role=role, file=users.name, row=n, display_name=name, external_id=sid,
                             deactivate=True)
            elif found:
                problems.extend(found)
                continue
            if not gone:
                for org in _split(r.get("orgsourcedids", "")) + _split(r.get("primaryorgsourcedid", "")):
                    if org_ids and org not in org_ids:
                        problems.append(Problem(f"Unknown org {org[:60]!r} (not in orgs.csv).", file=users.name,
                                                row=n, column=users.column("orgSourcedIds")))
            self.by_id[sid] = p
            data.people.append(p)
            if r.get("agentsourcedids"):
                agents[sid] = (n, _split(r["agentsourcedids"]))
        self._links(data, users, agents)

    def _links(self, data: RosterData, users: _Table, agents: dict[str, tuple[int, list[str]]]) -> None:
        """Guardian links from agentSourcedIds (either side may list the other)."""
        pairs: set[tuple[str, str]] = set()
        column = users.column("agentSourcedIds")
        for sid, (n, others) in agents.items():
            me = self.by_id[sid]
            for other in others:
                o = self.by_id.get(other)
                if other in self.out and sid not in self.out:
                    data.warnings.append(Problem(f"agentSourcedIds names {other[:60]!r}, who {self.out[other]} in "
                                                 "users.csv: no guardian link is made.", file=users.name, row=n,
                                                 column=column))
                    continue
                if o is None:
                    if other not in self.row_of:
                        data.problems.append(Problem(f"agentSourcedIds names {other[:60]!r}, who is not in "
                                                     "users.csv.", file=users.name, row=n, column=column))
                    continue
                if me.deactivate or o.deactivate:
                    continue  # a record on its way out takes its links with it
                if me.role is Role.STUDENT and o.role is Role.PARENT:
                    pair = (other, sid)
                elif me.role is Role.PARENT and o.role is Role.STUDENT:
                    pair = (sid, other)
                else:
                    continue
                if pair not in pairs:
                    pairs.add(pair)
                    data.links.append(LinkIn(f"ext:{pair[0]}", f"ext:{pair[1]}", users.name, n))


class _Classes:
    """The class sourcedIds of classes.csv: imported, marked tobedeleted (→ title), listed at all."""

    def __init__(self) -> None:
        self.live: set[str] = set()
        self.deleted: dict[str, str] = {}
        self.listed: set[str] = set()


def _classes(data: RosterData, classes: _Table, terms: dict[str, tuple[date | None, date | None]],
             org_ids: set[str], *, has_terms: bool) -> _Classes:
    problems = data.problems
    found = _Classes()
    for n, r in classes.rows:
        sid = r.get("sourcedid", "")
        if not sid:
            problems.append(Problem("A class needs a sourcedId.", file=classes.name, row=n, column="sourcedId"))
            continue
        found.listed.add(sid)
        if _deleted(r):
            data.skipped += 1
            found.deleted[sid] = r.get("title", "")
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
                if has_terms:
                    problems.append(Problem(f"Unknown term {term[:60]!r} (not in academicSessions.csv).",
                                            file=classes.name, row=n, column=classes.column("termSourcedIds")))
                continue
            s, e = terms[term]
            start = min(filter(None, (start, s)), default=None)
            end = max(filter(None, (end, e)), default=None)
        subjects = _split(r.get("subjects", ""))
        category = (subjects[0] if subjects else "Class")[:80]
        found.live.add(sid)
        data.groups.append(GroupIn(sid, title, classes.name, n, source_id=sid,
                                   location=(r.get("location") or "")[:200], category=category,
                                   start_date=start, end_date=end))
    return found


def _enrollments(data: RosterData, enrollments: _Table, classes: _Classes, users: _Users) -> None:
    problems = data.problems
    dropped: dict[tuple[str, str], list[int]] = defaultdict(list)  # (column, sourcedId) → rows left out
    seen: set[tuple[str, str]] = set()
    for n, r in enrollments.rows:
        if _deleted(r):
            data.skipped += 1
            continue
        cls, user = r.get("classsourcedid", ""), r.get("usersourcedid", "")
        if cls not in classes.live:
            if cls in classes.deleted:
                dropped[("classSourcedId", cls)].append(n)
                data.skipped += 1
            elif cls not in classes.listed:
                problems.append(Problem(f"Unknown class {cls[:60]!r} (not in classes.csv).",
                                        file=enrollments.name, row=n, column="classSourcedId"))
            continue  # else the class row has a problem of its own
        member = users.by_id.get(user)
        if member is None:
            if user in users.out:
                dropped[("userSourcedId", user)].append(n)
                data.skipped += 1
            elif user not in users.row_of:
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
        if member.deactivate:
            dropped[("userSourcedId", user)].append(n)
            data.skipped += 1
            continue
        if (cls, user) in seen:
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
    for (column, ref), rows in dropped.items():
        count = f"{len(rows)} enrollment{'s' if len(rows) != 1 else ''}"
        if column == "classSourcedId":
            title = f" ({classes.deleted[ref][:60]})" if classes.deleted[ref] else ""
            what = f"{count} in class {ref[:60]!r}{title}, which classes.csv marks tobedeleted,"
        else:
            what = f"{count} of {ref[:60]!r}, who {users.out[ref]} in users.csv,"
        listed = ", ".join(str(x) for x in rows[:10]) + (", …" if len(rows) > 10 else "")
        verb = "are" if len(rows) != 1 else "is"
        data.warnings.append(Problem(f"{what} {verb} left out (row{'s' if len(rows) != 1 else ''} {listed}).",
                                     file=enrollments.name, row=rows[0], column=enrollments.column(column)))

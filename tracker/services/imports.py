"""Roster import: preview what a file would change, then apply it all or nothing.

``preview`` reads the file, matches every record with the database and reports new / updated /
unchanged / deactivated people, activities and enrollments to create, and *every* problem with
its file, row and column. ``apply`` does the same inside one transaction and writes only when
there is no problem at all; otherwise it raises a ValidationError listing them and nothing is
written. Running it twice changes nothing the second time.

Matching: a person is recognised by their source id (OneRoster ``sourcedId`` →
``User.external_id``), else by student number; a guardian from a flat file by their email.
A value missing from the file never blanks what the database holds; roles are never changed by
an import (a mismatch is a problem to resolve by hand); passwords are set only for new accounts
and only when the file gives one (otherwise the account cannot sign in until an administrator
sets a password). Activities from OneRoster classes are recognised by a uid derived from the
class sourcedId; from a flat file by name (created when missing).

Bulk writes use Core ``insert()`` / ``update()`` with executemany: 10,000 students import in a
few seconds. Only administrators import (``Permission.MANAGE_USERS``): it creates accounts.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, String, Table, bindparam, func, insert, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from tracker.db.bulk import PreparedInsert
from tracker.db.models import (
    Activity,
    ActivityLead,
    ActivityProgress,
    GuardianLink,
    ProgressStatusHistory,
    User,
    new_uid,
    utcnow,
)
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.changes import ChangeKind
from tracker.domain.enums import LeadRole, ProgressStatus, Role
from tracker.domain.policy import Actor, Permission
from tracker.errors import Problem, TrackerError, ValidationError
from tracker.importers import read_roster
from tracker.importers.common import PersonIn, RosterData, ascii_slug
from tracker.importers.csv_xlsx import FIELDS
from tracker.services.auth import check_password_rules
from tracker.services.backups import BackupService
from tracker.services.base import Service, require

CLASS_NAMESPACE = uuid.UUID("6f1c1d2e-8a57-4b8e-9d8e-0a7c1e0b5a11")
PROFILE = ("first_name", "last_name", "preferred_name", "display_name", "grade", "class_name", "email",
           "student_number", "external_id")
Progress = Callable[[int, int, str], None]


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


class ImportCancelled(TrackerError):
    """The person running the import cancelled it; nothing was written."""


def class_uid(source_id: str) -> str:
    """The activity uid of a OneRoster class: the same class gives the same activity next time."""
    return str(uuid.uuid5(CLASS_NAMESPACE, "oneroster-class:" + source_id))


@dataclass(frozen=True)
class PersonChange:
    kind: str  # "new", "updated", "unchanged", "deactivated"
    role: Role
    name: str
    key: str  # student number or source id, as the file gives it
    details: str
    file: str
    row: int


@dataclass(frozen=True)
class ImportPreview:
    path: str
    format: str
    headers: tuple[str, ...]
    mapping: dict[str, str]
    known_fields: dict[str, str]
    unrecognised: tuple[str, ...]
    needs_mapping: bool
    new: list[PersonChange]
    updated: list[PersonChange]
    unchanged: list[PersonChange]
    deactivated: list[PersonChange]
    errors: list[Problem]
    activities_new: list[str]
    activities_updated: list[str]
    enrollments_new: int
    waitlisted_new: int
    leads_new: int
    links_new: int
    skipped: int
    rows: int
    #: OneRoster classes (sourcedId, title): map them with {"class:<sourcedId>": "skip" | "<activity id>"}
    classes: tuple[tuple[str, str], ...] = ()
    #: records left out on purpose (enrollments in a class marked tobedeleted…): shown, never blocking
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.needs_mapping

    @property
    def changes_anything(self) -> bool:
        return bool(self.new or self.updated or self.deactivated or self.activities_new
                    or self.activities_updated or self.enrollments_new or self.leads_new or self.links_new)

    def summary_lines(self) -> list[str]:
        lines = [f"{Path(self.path).name}: {self.format}, {self.rows} row{'s' if self.rows != 1 else ''}"]
        if self.needs_mapping:
            lines.append("The columns were not recognised: map them (a name and a student number or "
                         "source id are needed). Columns: " + ", ".join(self.headers))
            return lines
        lines.append(f"new: {len(self.new)}, updated: {len(self.updated)}, unchanged: {len(self.unchanged)}, "
                     f"deactivated: {len(self.deactivated)}, errors: {len(self.errors)}")
        if self.activities_new or self.activities_updated:
            lines.append(f"activities: {len(self.activities_new)} new, {len(self.activities_updated)} updated")
        if self.enrollments_new or self.leads_new or self.links_new:
            lines.append(f"enrollments: {self.enrollments_new} new ({self.waitlisted_new} waitlisted), "
                         f"leads: {self.leads_new} new, guardian links: {self.links_new} new")
        if self.skipped:
            lines.append(f"skipped: {self.skipped} (other roles, deleted records)")
        lines += [f"  warning: {w}" for w in self.warnings]
        return lines


@dataclass(frozen=True)
class ImportResult:
    preview: ImportPreview
    created_ids: tuple[int, ...]
    updated_ids: tuple[int, ...]
    activity_ids: tuple[int, ...]
    seconds: float


@dataclass
class _Plan:
    data: RosterData
    problems: list[Problem]
    new_people: list[tuple[PersonIn, dict[str, Any]]] = field(default_factory=list)
    updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    changes: list[PersonChange] = field(default_factory=list)
    person_ref: dict[str, tuple[str, Any]] = field(default_factory=dict)  # key → ("id", id) | ("new", username)
    new_groups: dict[str, Activity] = field(default_factory=dict)  # group key → unsaved Activity
    group_updates: dict[int, dict[str, Any]] = field(default_factory=dict)
    group_ref: dict[str, tuple[str, Any]] = field(default_factory=dict)
    enrollments: list[tuple[tuple[str, Any], tuple[str, Any], ProgressStatus, date, int | None]] = field(
        default_factory=list)
    leads: list[tuple[tuple[str, Any], tuple[str, Any], LeadRole]] = field(default_factory=list)
    links: list[tuple[tuple[str, Any], tuple[str, Any]]] = field(default_factory=list)

    def preview(self, path: str) -> ImportPreview:
        d = self.data
        by = defaultdict(list)
        for c in self.changes:
            by[c.kind].append(c)
        return ImportPreview(
            path=path, format=d.format, headers=tuple(d.headers), mapping=dict(d.mapping),
            known_fields=dict(FIELDS), unrecognised=tuple(d.unrecognised), needs_mapping=d.needs_mapping,
            new=by["new"], updated=by["updated"], unchanged=by["unchanged"], deactivated=by["deactivated"],
            errors=list(self.problems),
            activities_new=[a.name for a in self.new_groups.values()],
            activities_updated=sorted(str(v.get("name", k)) for k, v in self.group_updates.items()),
            enrollments_new=len(self.enrollments),
            waitlisted_new=sum(1 for e in self.enrollments if e[2] is ProgressStatus.WAITLISTED),
            leads_new=len(self.leads), links_new=len(self.links), skipped=d.skipped, rows=d.rows,
            classes=tuple((g.source_id, g.name) for g in d.groups if g.source_id), warnings=list(d.warnings),
        )


def _label(p: PersonIn) -> str:
    if p.external_id and p.external_id.startswith("guardian:"):
        return p.email or ""
    return p.student_number or p.external_id or ""


def _plan(s: Session, data: RosterData, mapping: dict[str, str] | None) -> _Plan:
    plan = _Plan(data, list(data.problems))
    problems = plan.problems
    u = User
    existing = s.execute(select(u.id, u.username, u.role, u.active, u.password_hash,
                                *(getattr(u, f) for f in PROFILE))).all()
    by_ext = {r.external_id: r for r in existing if r.external_id}
    by_num = {r.student_number: r for r in existing if r.student_number}
    parent_by_email = {r.email.lower(): r for r in existing if r.email and r.role is Role.PARENT}
    usernames = {r.username.lower(): r.id for r in existing}
    seen_keys: dict[str, int] = {}
    seen_numbers: dict[str, int] = {}
    seen_usernames: dict[str, int] = {}

    def bad(p: PersonIn, fld: str, message: str) -> None:
        problems.append(Problem(message, file=p.file, row=p.row, column=data.columns.get(fld, fld)))

    for p in data.people:
        if p.key in seen_keys:
            if p.external_id and p.external_id.startswith("guardian:"):
                continue  # the same guardian named by several students
            what = "source id" if p.external_id else "student number"
            bad(p, "external_id" if p.external_id else "student_number",
                f"The {what} {_label(p)[:60]!r} is also on row {seen_keys[p.key]}.")
            continue
        seen_keys[p.key] = p.row
        if p.student_number:
            if p.student_number in seen_numbers:
                bad(p, "student_number", f"Student number {p.student_number[:40]!r} is also on row "
                                         f"{seen_numbers[p.student_number]}.")
                continue
            seen_numbers[p.student_number] = p.row
        match = by_ext.get(p.external_id) if p.external_id else None
        if match is None and p.external_id and p.external_id.startswith("guardian:") and p.email:
            match = parent_by_email.get(p.email.lower())
        if match is None and p.student_number:
            other = by_num.get(p.student_number)
            if other is not None:
                if p.external_id and other.external_id and other.external_id != p.external_id:
                    bad(p, "student_number", f"Student number {p.student_number!r} belongs to "
                                             f"{other.display_name}, who has another source id.")
                    continue
                match = other
        if match is not None and p.student_number and match.student_number != p.student_number:
            holder = by_num.get(p.student_number)
            if holder is not None and holder.id != match.id:
                bad(p, "student_number", f"Student number {p.student_number!r} belongs to "
                                         f"{holder.display_name}.")
                continue
        if p.username:
            low = p.username.lower()
            if low in seen_usernames:
                bad(p, "username", f"Username {p.username!r} is also on row {seen_usernames[low]}.")
                continue
            seen_usernames[low] = p.row
            holder_id = usernames.get(low)
            if holder_id is not None and (match is None or holder_id != match.id):
                bad(p, "username", f"The username {p.username!r} belongs to another account.")
                continue
        if match is not None:
            if match.role is not p.role:
                bad(p, "role", f"{match.display_name} is a {match.role.value} here, not a {p.role.value}; "
                               "change the role by hand first if that is right.")
                continue
            plan.person_ref[p.key] = ("id", match.id)
            changed: dict[str, Any] = {}
            if p.external_id and p.external_id.startswith("guardian:"):
                # a guardian named only by a student's row: link the account, never rename it
                plan.changes.append(PersonChange("unchanged", p.role, match.display_name, _label(p), "",
                                                 p.file, p.row))
                continue
            for f in PROFILE:
                value = getattr(p, f)
                if value is not None and value != "" and value != getattr(match, f):
                    changed[f] = value
            if p.username and p.username != match.username:
                changed["username"] = p.username
            kind = "updated" if changed else "unchanged"
            if p.deactivate and match.active:
                changed["active"] = False
                kind = "deactivated"
            if changed:
                plan.updates.append((match.id, changed))
            details = "; ".join(f"{k.replace('_', ' ')}: {getattr(match, k, '') or '—'} → {v}"
                                for k, v in changed.items() if k != "active")
            plan.changes.append(PersonChange(kind, p.role, p.display_name or match.display_name, _label(p), details,
                                             p.file, p.row))  # a bare tobedeleted row has no name
            continue
        if p.deactivate:
            data.skipped += 1
            continue
        if p.password:
            try:
                check_password_rules(p.password)  # the rule every other password follows
            except ValidationError as exc:
                bad(p, "password", exc.message)
                continue
        username = p.username or _username(p, usernames)
        usernames[username.lower()] = -1
        plan.person_ref[p.key] = ("new", username)
        row = {f: getattr(p, f) for f in PROFILE}
        row.update(username=username, role=p.role, active=True, password_hash=None)
        if p.password:
            row["password_hash"] = p.password  # hashed at write time (slow on purpose)
        plan.new_people.append((p, row))
        plan.changes.append(PersonChange("new", p.role, p.display_name, _label(p),
                                         f"username {username}", p.file, p.row))

    _plan_groups(s, plan, mapping or {})
    _plan_members(s, plan)
    return plan


def _username(p: PersonIn, taken: dict[str, int]) -> str:
    base = ascii_slug(" ".join(x for x in (p.first_name, p.last_name) if x) or p.display_name)
    if p.role is Role.PARENT and p.email:
        base = ascii_slug(p.email.split("@")[0]) or base
    base = (base or "user")[:70]
    if len(base) < 2 or not base[0].isalnum():
        base = "user." + base if base else "user"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base}{n}"
    return name


def _plan_groups(s: Session, plan: _Plan, mapping: dict[str, str]) -> None:
    acts = s.execute(select(Activity.id, Activity.uid, Activity.name, Activity.location,
                            Activity.start_date, Activity.end_date, Activity.archived)).all()
    by_uid = {a.uid: a for a in acts}
    by_name: dict[str, Any] = {}
    for a in sorted(acts, key=lambda a: a.archived, reverse=True):  # live ones win
        by_name[a.name.lower()] = a
    by_id = {a.id: a for a in acts}
    for g in plan.data.groups:
        choice = mapping.get(f"class:{g.source_id}") if g.source_id else None
        if choice == "skip":
            plan.data.skipped += 1
            continue
        if choice and choice.isdigit():
            target = by_id.get(int(choice))
            if target is None:
                plan.problems.append(Problem(f"No activity with id {choice} to map the class to.",
                                             file=g.file, row=g.row, column="sourcedId"))
                continue
            plan.group_ref[g.key] = ("id", target.id)
            continue
        if g.source_id:
            found = by_uid.get(class_uid(g.source_id))
            if found is not None:
                plan.group_ref[g.key] = ("id", found.id)
                want = {"name": g.name, "location": g.location, "start_date": g.start_date,
                        "end_date": g.end_date}
                diff = {k: v for k, v in want.items() if v not in (None, "") and v != getattr(found, k)}
                if diff:
                    diff.setdefault("name", found.name)
                    plan.group_updates[found.id] = diff
                continue
        else:
            found = by_name.get(g.name.lower())
            if found is not None:
                plan.group_ref[g.key] = ("id", found.id)
                continue
        plan.new_groups[g.key] = Activity(
            name=g.name, category=g.category or "Club", location=g.location, start_date=g.start_date,
            end_date=g.end_date, description="", uid=class_uid(g.source_id) if g.source_id else new_uid())
        plan.group_ref[g.key] = ("new", g.key)


def _plan_members(s: Session, plan: _Plan) -> None:
    existing_ids = [ref[1] for ref in plan.group_ref.values() if ref[0] == "id"]
    enrolled: set[tuple[int, int]] = set()
    leads: set[tuple[int, int]] = set()
    taken: dict[int, int] = defaultdict(int)
    capacity: dict[int, int | None] = {}
    if existing_ids:
        for uid_, aid, st in s.execute(select(ActivityProgress.user_id, ActivityProgress.activity_id,
                                              ActivityProgress.status)
                                       .where(ActivityProgress.activity_id.in_(existing_ids))):
            enrolled.add((uid_, aid))
            if st in (ProgressStatus.ACTIVE, ProgressStatus.COMPLETED):
                taken[aid] += 1
        leads = {(u_, a_) for u_, a_ in s.execute(select(ActivityLead.user_id, ActivityLead.activity_id)
                                                   .where(ActivityLead.activity_id.in_(existing_ids)))}
        capacity = {a_: c_ for a_, c_ in s.execute(select(Activity.id, Activity.capacity)
                                                   .where(Activity.id.in_(existing_ids)))}
    primaries = {m.group_key for m in plan.data.members if m.role == "teacher" and m.primary}
    waitpos: dict[int, int] = defaultdict(int)
    if existing_ids:
        for aid, top in s.execute(select(ActivityProgress.activity_id, func.max(ActivityProgress.waitlist_position))
                                  .where(ActivityProgress.activity_id.in_(existing_ids))
                                  .group_by(ActivityProgress.activity_id)):
            waitpos[aid] = int(top or 0)
    seen: set[tuple[Any, Any]] = set()
    today = date.today()
    for m in plan.data.members:
        pref, gref = plan.person_ref.get(m.person_key), plan.group_ref.get(m.group_key)
        if pref is None or gref is None or (pref, gref) in seen:
            continue
        seen.add((pref, gref))
        known = pref[0] == "id" and gref[0] == "id"
        if m.role == "teacher":
            if known and (pref[1], gref[1]) in leads:
                continue
            role = LeadRole.LEAD if m.primary or m.group_key not in primaries else LeadRole.CO_LEAD
            plan.leads.append((pref, gref, role))
            continue
        if known and (pref[1], gref[1]) in enrolled:
            continue
        status, pos = ProgressStatus.ACTIVE, None
        if gref[0] == "id":
            cap = capacity.get(gref[1])
            if cap is not None and taken[gref[1]] >= cap:
                status = ProgressStatus.WAITLISTED
                waitpos[gref[1]] += 1
                pos = waitpos[gref[1]]
            else:
                taken[gref[1]] += 1
        plan.enrollments.append((pref, gref, status, m.begin or today, pos))
    links = {(g_, s_) for g_, s_ in s.execute(select(GuardianLink.guardian_id, GuardianLink.student_id))}
    for link in plan.data.links:
        gref_, sref_ = plan.person_ref.get(link.guardian_key), plan.person_ref.get(link.student_key)
        if gref_ is None or sref_ is None:
            continue
        if gref_[0] == "id" and sref_[0] == "id" and (gref_[1], sref_[1]) in links:
            continue
        if (gref_, sref_) not in plan.links:
            plan.links.append((gref_, sref_))


class ImportService(Service):
    def preview(self, actor: Actor, path: str | Path, mapping: dict[str, str] | None = None) -> ImportPreview:
        """What importing the file would do, without writing anything."""
        with read_only(self.db) as s:
            require(s, actor, Permission.MANAGE_USERS)
        data = read_roster(path, mapping)
        with read_only(self.db) as s:
            if data.needs_mapping:
                return _Plan(data, list(data.problems)).preview(str(path))
            return _plan(s, data, mapping).preview(str(path))

    def apply(
        self,
        actor: Actor,
        path: str | Path,
        mapping: dict[str, str] | None = None,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> ImportResult:
        """Import the file, all or nothing. Raises ValidationError (nothing written) on any problem."""
        import time

        started = time.perf_counter()
        report = progress or (lambda done, total, text: None)

        def check() -> None:
            if cancelled is not None and cancelled():
                raise ImportCancelled("The import was cancelled; nothing was written.")

        with read_only(self.db) as s:
            require(s, actor, Permission.MANAGE_USERS)
        report(0, 100, "Reading the file…")
        data = read_roster(path, mapping)
        check()
        if data.needs_mapping:
            raise ValidationError("The columns of the file were not recognised; map them first "
                                  "(a name and a student number or source id are needed).",
                                  [Problem("Columns not recognised: " + ", ".join(data.headers[:30]),
                                           file=Path(path).name, row=1)])
        def planned(s: Session) -> _Plan:
            plan = _plan(s, data, mapping)
            if plan.problems:
                n = len(plan.problems)
                raise ValidationError(
                    f"Nothing was imported: {n} problem{'s' if n != 1 else ''} in {Path(path).name}.",
                    plan.problems)
            return plan

        # Matching and checking every row can take long on a big roster: it runs on a read, which
        # never holds the write lock; the write lock is taken only to write, after checking that
        # nothing the plan was made from has changed meanwhile (else it is planned again).
        report(10, 100, "Checking every row…")
        with read_only(self.db) as s:
            plan = planned(s)
            seen = _fingerprint(s)
        check()
        preview = plan.preview(str(path))
        if not preview.changes_anything:  # the same file again: not even an audit entry
            return ImportResult(preview, (), (), (), time.perf_counter() - started)
        file, dialect = Path(path).name, self.db.engine.dialect
        prepared = _prepare(plan, actor, file, dialect, report, check)
        report(30, 100, "Backing up the database first…")
        BackupService(self.db).before("import")  # a roster import is hard to undo by hand
        check()
        with unit_of_work(self.db) as tx:
            s = tx.session
            require(s, actor, Permission.MANAGE_USERS)
            if _fingerprint(s) != seen:  # changed meanwhile (rare): plan again, under the lock
                plan = planned(s)
                preview = plan.preview(str(path))
                prepared = _prepare(plan, actor, file, dialect, report, check)
            created, updated, activity_ids = _write(tx, actor, plan, prepared, report, check, file)
            tx.audit(actor, "import", "roster", None, None, {
                "file": Path(path).name, "format": data.format, "created": len(created),
                "updated": len(plan.updates), "created_ids": created, "updated_ids": updated,
                "activities": activity_ids, "enrollments": len(plan.enrollments),
                "leads": len(plan.leads), "links": len(plan.links)})
            if created or updated:
                tx.changes.add(ChangeKind.USER, *created, *updated)
            if activity_ids:
                tx.changes.add(ChangeKind.ACTIVITY, *activity_ids)
            if plan.enrollments:
                tx.changes.add(ChangeKind.ENROLLMENT)
                tx.changes.add(ChangeKind.PROGRESS)
            if plan.links:
                tx.changes.add(ChangeKind.GUARDIAN_LINK)
            report(100, 100, "Saving…")
            check()
        return ImportResult(preview, tuple(created), tuple(updated), tuple(activity_ids),
                            time.perf_counter() - started)


def _fingerprint(s: Session) -> tuple[object, ...]:
    """What a roster plan is made from, in a few aggregates: any insert, delete or versioned
    update of people, activities, enrollments, leads or guardian links changes it."""
    out: list[object] = []
    for model in (User, Activity, ActivityProgress):
        out.extend(s.execute(select(func.count(), func.max(model.id), func.sum(model.version))).one())
    for link in (ActivityLead, GuardianLink):
        out.extend(s.execute(select(func.count(), func.max(link.id))).one())
    return tuple(out)


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


@dataclass
class _Prepared:
    """The rows of a plan, ready for the driver (made before the write lock is taken)."""

    users: PreparedInsert
    progress: PreparedInsert
    history: PreparedInsert
    leads: PreparedInsert
    links: PreparedInsert


def _by_id_or_uid(model: Any, prefix: str) -> Any:
    """The id of a row that exists (``{prefix}_id``) or that this write inserts (``{prefix}_uid``)."""
    return func.coalesce(bindparam(f"{prefix}_id", type_=Integer),
                         select(model.id).where(model.uid == bindparam(f"{prefix}_uid", type_=String))
                         .scalar_subquery())


def _prepare(plan: _Plan, actor: Actor, file: str, dialect: Dialect, report: Progress,
             check: Callable[[], None]) -> _Prepared:
    """Everything slow about writing a plan — hashing the passwords a file gives, making uids and
    turning every value into what the driver takes — done before the write lock is taken."""
    from tracker.services.auth import hash_password

    now = utcnow()
    user_rows: list[dict[str, Any]] = []
    new_uids: dict[str, str] = {}  # username of a new account -> its uid
    with_password = sum(1 for _p, row in plan.new_people if row["password_hash"])
    hashed = 0
    for _p, row in plan.new_people:
        r = dict(row)
        if r["password_hash"]:
            r["password_hash"] = hash_password(r["password_hash"])
            hashed += 1
            if hashed % 20 == 0:
                report(12, 100, f"Securing passwords… {hashed} of {with_password}")
                check()
        r.update(uid=new_uid(), created_at=now, updated_at=now, version=1, failed_logins=0)
        new_uids[r["username"]] = r["uid"]
        user_rows.append(r)

    def person(ref: tuple[str, Any], prefix: str) -> dict[str, Any]:
        return ({f"{prefix}_id": int(ref[1]), f"{prefix}_uid": None} if ref[0] == "id"
                else {f"{prefix}_id": None, f"{prefix}_uid": new_uids[ref[1]]})

    def group(ref: tuple[str, Any]) -> dict[str, Any]:
        return ({"a_id": int(ref[1]), "a_uid": None} if ref[0] == "id"
                else {"a_id": None, "a_uid": plan.new_groups[ref[1]].uid})

    stamps = {"created_at": now, "updated_at": now}
    progress_rows, history_rows = [], []
    for pref, gref, status, day, pos in plan.enrollments:
        progress_uid = new_uid()
        progress_rows.append({
            "uid": progress_uid, **stamps, "version": 1, **person(pref, "u"), **group(gref), "status": status,
            "progress_percentage": 0.0, "progress_manual": False, "status_manual": False,
            "started_at": now if status is ProgressStatus.ACTIVE else None, "enrolled_on": day,
            "waitlist_position": pos})
        history_rows.append({
            "uid": new_uid(), **stamps, "p_uid": progress_uid, "from_status": None, "to_status": status.value,
            "changed_by": actor.id, "changed_at": now, "note": f"Enrolled by roster import ({file})"})
    lead_rows = [{"uid": new_uid(), **stamps, **person(p, "u"), **group(g), "lead_role": role}
                 for p, g, role in plan.leads]
    link_rows = [{"uid": new_uid(), **stamps, **person(g, "g"), **person(st, "s"), "relationship": "guardian"}
                 for g, st in plan.links]
    progress, history = _table(ActivityProgress), _table(ProgressStatusHistory)
    leads, links = _table(ActivityLead), _table(GuardianLink)
    return _Prepared(
        users=PreparedInsert(dialect, _table(User), insert(_table(User)), user_rows),
        progress=PreparedInsert(dialect, progress, insert(progress).values(
            user_id=_by_id_or_uid(User, "u"), activity_id=_by_id_or_uid(Activity, "a")), progress_rows),
        history=PreparedInsert(dialect, history, insert(history).values(
            progress_id=select(ActivityProgress.id).where(ActivityProgress.uid == bindparam("p_uid", type_=String))
            .scalar_subquery()), history_rows),
        leads=PreparedInsert(dialect, leads, insert(leads).values(
            user_id=_by_id_or_uid(User, "u"), activity_id=_by_id_or_uid(Activity, "a")), lead_rows),
        links=PreparedInsert(dialect, links, insert(links).values(
            guardian_id=_by_id_or_uid(User, "g"), student_id=_by_id_or_uid(User, "s")), link_rows),
    )


def _write(tx: Any, actor: Actor, plan: _Plan, prepared: _Prepared, report: Progress,
           check: Callable[[], None], file: str) -> tuple[list[int], list[int], list[int]]:
    """Under the write lock: the prepared rows go in, in the order their references need."""
    s: Session = tx.session
    now = utcnow()
    users = _table(User)
    report(40, 100, f"Creating {len(prepared.users)} accounts…")
    prepared.users.run(s)
    check()
    new_ids: dict[str, int] = {}
    names = [r["username"] for r in prepared.users.rows]
    for chunk in _chunks(names, 900):
        new_ids.update(s.execute(select(User.username, User.id).where(User.username.in_(chunk))).all())
    # --- updated accounts
    report(62, 100, "Updating accounts…")
    if plan.updates:
        by_cols: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for uid_, ch in plan.updates:
            by_cols[tuple(sorted(ch))].append({"b_id": uid_, **{f"b_{k}": v for k, v in ch.items()}})
        for keys, params in by_cols.items():
            stmt = (update(users).where(users.c.id == bindparam("b_id"))
                    .values(**{k: bindparam(f"b_{k}") for k in keys}, version=users.c.version + 1,
                            updated_at=now))
            s.execute(stmt, params)
    check()
    # --- activities
    report(70, 100, "Activities…")
    group_ids: dict[str, int] = {}
    for key, a in plan.new_groups.items():
        s.add(a)
        s.flush()
        group_ids[key] = a.id
        tx.audit(actor, "create", "activity", a.id, None, {"name": a.name, "import": file})
    for aid, diff in plan.group_updates.items():
        found = s.get(Activity, aid)
        assert found is not None
        before = {k: getattr(found, k) for k in diff}
        for k, v in diff.items():
            setattr(found, k, v)
        tx.audit(actor, "update", "activity", aid, before, {**diff, "import": file})
    s.flush()

    def resolve_group(ref: tuple[str, Any]) -> int:
        return int(ref[1]) if ref[0] == "id" else group_ids[ref[1]]

    # --- enrollments (with their status history), leads, links
    report(78, 100, "Enrollments…")
    prepared.progress.run(s)
    prepared.history.run(s)
    check()
    prepared.leads.run(s)
    prepared.links.run(s)
    touched = {resolve_group(g) for _p, g, *_rest in plan.enrollments} | {resolve_group(g) for _p, g, _r in plan.leads}
    activity_ids = sorted(set(group_ids.values()) | set(plan.group_updates) | touched)
    report(95, 100, "Saving…")
    created = sorted(new_ids.values())
    updated = [uid_ for uid_, _ in plan.updates]
    return created, updated, activity_ids

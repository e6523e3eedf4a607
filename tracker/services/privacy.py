"""Privacy requests (administrators): everything about a student, erasing a student who left,
and the students a retention period proposes for erasure.

"Everything" is found by walking the foreign keys of the schema to ``users.id`` (and one step
further, to the rows that hang off those rows), so a table added later is in the export without
anyone remembering to add it here. Erasing replaces the personal details and removes the links
but keeps the rows that feed counts (enrollments, attendance, milestones, awards), so the
school's analytics read the same before and after.
"""

from __future__ import annotations

import enum
import io
import json
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Table, delete, or_, select, update
from sqlalchemy.orm import Session

from tracker.db.models import (
    ActivityProgress,
    AttendanceRecord,
    AuditEntry,
    BadgeAward,
    Base,
    GuardianLink,
    Notification,
    NotificationPreference,
    OutboxMessage,
    PortfolioReflection,
    ProgressStatusHistory,
    SkillAssessment,
    User,
    UserMilestone,
    utcnow,
)
from tracker.db.uow import UnitOfWork, read_only, unit_of_work
from tracker.domain.changes import ChangeKind
from tracker.domain.enums import Role
from tracker.domain.policy import Actor, Permission
from tracker.errors import NotFound, ValidationError
from tracker.reports.safe_files import replacing
from tracker.services.base import Service, require
from tracker.services.email_send import rowcount
from tracker.services.settings import SettingsService

ERASED = "[erased]"
#: the user's columns that identify a person (replaced on erasure, scrubbed from the audit log)
PERSONAL_FIELDS = ("display_name", "first_name", "last_name", "preferred_name", "email",
                   "student_number", "external_id", "username")
#: never exported, even to the person themselves
SECRET_FIELDS = frozenset({"password_hash"})
#: free text written about a student: cleared on erasure (the rows stay, they are counted)
FREE_TEXT: tuple[tuple[Any, str, Any], ...] = (
    (ActivityProgress, "note", None),
    (UserMilestone, "notes", ""),
    (AttendanceRecord, "remark", ""),
    (SkillAssessment, "evidence", ""),
    (BadgeAward, "evidence", ""),
    (BadgeAward, "note", ""),
    (PortfolioReflection, "text", ""),
)


@dataclass(frozen=True)
class RetentionCandidate:
    id: int
    display_name: str
    grade: str | None
    left_on: date
    years_ago: int


@dataclass(frozen=True)
class ErasureResult:
    student_id: int
    display_name: str  # the new one ("Former student #12")
    guardian_links_removed: int
    texts_cleared: int
    audit_entries_scrubbed: int


def confirms(typed: str, name: str) -> bool:
    """Whether a typed name confirms an erasure: the display name in any case, spaces trimmed
    (the dialog enables its button by the same rule the service enforces)."""
    return bool(typed.strip()) and " ".join(typed.split()).casefold() == " ".join(name.split()).casefold()


# --------------------------------------------------------------------------- the foreign-key walk


def _users() -> Table:
    return Base.metadata.tables["users"]


def references_to(table: Table) -> list[tuple[Table, Column[Any]]]:
    """Every (table, column) whose foreign key points at ``table``'s id, in schema order
    (a table's own self-reference included)."""
    return [(t, fk.parent) for t in Base.metadata.sorted_tables for fk in t.foreign_keys
            if fk.column.table is table]


def student_tables() -> dict[str, list[str]]:
    """Table → columns naming a user directly, and tables reached one step further (rows that
    reference those rows, e.g. an enrollment's status history), by their column."""
    direct: dict[str, list[str]] = defaultdict(list)
    for t, col in references_to(_users()):
        direct[t.name].append(col.name)
    walk = dict(direct)
    for name in list(direct):
        for t, col in references_to(Base.metadata.tables[name]):
            if t.name not in direct:
                walk.setdefault(t.name, []).append(col.name)
    return walk


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return value.hex()
    return value


def _record(row: Any, table: Table) -> dict[str, Any]:
    return {c.name: _jsonable(row[c.name]) for c in table.columns if c.name not in SECRET_FIELDS}


def _about(value: Any, student_id: int) -> bool:
    """Whether audit JSON names the student by id (a ``user_id`` / ``student_id`` key anywhere)."""
    if isinstance(value, dict):
        return any((k in ("user_id", "student_id") and v == student_id) or _about(v, student_id)
                   for k, v in value.items())
    if isinstance(value, list):
        return any(_about(v, student_id) for v in value)
    return False


def collect(s: Session, student: User) -> dict[str, list[dict[str, Any]]]:
    """Every row that names the student, grouped by table (see :func:`student_tables`), with the
    audit entries about them or their records."""
    meta = Base.metadata.tables
    found: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    found["users"][student.id] = _record(s.execute(select(_users()).where(_users().c.id == student.id))
                                         .mappings().one(), _users())
    walk = student_tables()
    direct = {t.name for t, _ in references_to(_users())}
    for name in sorted(walk, key=lambda n: n not in direct):  # direct tables first: their ids lead on
        table = meta[name]
        for column in walk[name]:
            if name in direct:
                where = table.c[column] == student.id
            else:
                parent = next(fk.column.table.name for fk in table.c[column].foreign_keys)
                ids = list(found.get(parent, {}))
                if not ids:
                    continue
                where = table.c[column].in_(ids)
            for row in s.execute(select(table).where(where)).mappings():
                found[name][row["id"]] = _record(row, table)
    audit = meta["audit_log"]
    about = [audit.c.entity.in_(_SELF_ENTITIES) & (audit.c.entity_id == student.id)]
    for name, rows in found.items():
        if name not in ("users", "audit_log") and rows:
            about.append(audit.c.entity.in_({name, name.removesuffix("s")}) & audit.c.entity_id.in_(list(rows)))
    mention = f"%: {student.id}%"  # a JSON value that may be the id: confirmed by _about below
    candidates = or_(*about, audit.c.before.like(mention), audit.c.after.like(mention))
    for row in s.execute(select(audit).where(candidates)).mappings():
        if _audit_about(row, student.id, found):
            found["audit_log"][row["id"]] = _record(row, audit)
    return {name: [rows[i] for i in sorted(rows)] for name, rows in sorted(found.items()) if rows}


#: audit entities whose id is the student's own (their account, their leaderboard choice)
_SELF_ENTITIES = ("user", "leaderboard")


def _audit_about(row: Any, student_id: int, found: dict[str, dict[int, Any]]) -> bool:
    """Whether an audit entry is about the student: their account, one of their records, or
    JSON naming them by id."""
    entity, entity_id = row["entity"], row["entity_id"]
    if entity in _SELF_ENTITIES:
        if entity_id == student_id:
            return True
    elif entity_id is not None and any(entity_id in found.get(n, {}) for n in (entity, entity + "s")):
        return True
    return any(_about(json.loads(row[k]), student_id) for k in ("before", "after") if row[k])


# --------------------------------------------------------------------------- scrubbing


def _scrubbed(value: Any, words: list[str], exact: set[str]) -> Any:
    """``value`` with every personal word replaced (whole values for the short names)."""
    if isinstance(value, dict):
        return {k: ERASED if k in PERSONAL_FIELDS and isinstance(v, str) and v.casefold() in exact
                else _scrubbed(v, words, exact) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v, words, exact) for v in value]
    if isinstance(value, str):
        if value.strip().casefold() in exact:
            return ERASED
        for word in words:
            value = re.sub(re.escape(word), ERASED, value, flags=re.IGNORECASE)
        return value
    return value


def _personal_values(user: User) -> tuple[list[str], set[str]]:
    """The identifying texts to find anywhere (longest first), and every personal value (whole)."""
    values = {str(getattr(user, f)).strip() for f in PERSONAL_FIELDS if getattr(user, f)}
    strong = {str(getattr(user, f)).strip() for f in ("display_name", "email", "student_number",
                                                       "external_id", "username") if getattr(user, f)}
    if user.first_name and user.last_name:
        strong.add(f"{user.first_name} {user.last_name}")
    words = sorted((w for w in strong if len(w) >= 3), key=len, reverse=True)
    return words, {v.casefold() for v in values}


def _scrub_audit(s: Session, words: list[str], exact: set[str], student_id: int) -> int:
    found = [AuditEntry.before.ilike(f"%{w}%") | AuditEntry.after.ilike(f"%{w}%") for w in words]
    found.append((AuditEntry.entity == "user") & (AuditEntry.entity_id == student_id))
    n = 0
    for e in s.scalars(select(AuditEntry).where(or_(*found))):
        changed = False
        for attr in ("before", "after"):
            text = getattr(e, attr)
            if not text:
                continue
            new = json.dumps(_scrubbed(json.loads(text), words, exact), sort_keys=True)
            if new != text:
                setattr(e, attr, new)
                changed = True
        n += changed
    return n


def _scrub_text(text: str, words: list[str], replacement: str) -> str:
    for word in words:
        text = re.sub(re.escape(word), replacement, text, flags=re.IGNORECASE)
    return text


# --------------------------------------------------------------------------- the service


class PrivacyService(Service):
    def subject_access(self, actor: Actor, student_id: int, out: Path) -> Path:
        """A zip at ``out`` with ``student.json`` (every record naming the student, by table) and
        ``student.pdf`` (the same, readable). Audited: who asked for whose records, and when."""
        from tracker.reports.subject_access_pdf import subject_access_pdf

        with unit_of_work(self.db) as tx:
            require(tx.session, actor, Permission.MANAGE_USERS)
            student = _student(tx.session, student_id)
            records = collect(tx.session, student)
            school = SettingsService(self.db).get()
            made = utcnow()
            document = {"format": "activity-tracker subject access 1", "student_id": student.id,
                        "exported_at": made.isoformat() + "Z", "exported_by": actor.display_name,
                        "school": school.school_name, "tables": records}
            pdf = subject_access_pdf(records, school=school.school_name, student=student.display_name,
                                     made=made, logo_path=school.logo_path or None)
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("student.json", json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True))
                z.writestr("student.pdf", pdf)
            with replacing(out) as f:
                f.write(buffer.getvalue())
            tx.audit(actor, "subject_access", "user", student.id, None,
                     {"tables": sorted(records), "rows": sum(len(r) for r in records.values())})
        return out

    def erase(self, actor: Actor, student_id: int, *, confirm_name: str) -> ErasureResult:
        """Replace the student's personal details, remove their links and the free text written
        about them, and scrub them from the audit log, in one unit of work; the rows that feed
        counts stay. ``confirm_name`` must be their display name (any case, spaces trimmed)."""
        with read_only(self.db) as s:
            require(s, actor, Permission.MANAGE_USERS)
        with unit_of_work(self.db) as tx:
            s = tx.session
            require(s, actor, Permission.MANAGE_USERS)
            student = _student(s, student_id)
            if student.erased_at is not None:
                raise ValidationError("This student's personal details were erased already.")
            if not confirms(confirm_name, student.display_name):
                raise ValidationError.field("name", "Type the student's name exactly as shown to confirm.")
            words, exact = _personal_values(student)
            new_name = f"Former student #{student.id}"
            links = rowcount(s.execute(delete(GuardianLink).where(GuardianLink.student_id == student.id)))
            cleared = _clear_free_text(s, student.id)
            scrubbed = _scrub_audit(s, words, exact, student.id)
            for n in s.scalars(select(Notification).where(Notification.student_id == student.id)):
                n.title = _scrub_text(n.title, words, new_name)
                n.body = _scrub_text(n.body, words, new_name)
            for m in s.scalars(select(OutboxMessage).where(or_(
                    OutboxMessage.user_id == student.id,
                    OutboxMessage.notification_id.in_(
                        select(Notification.id).where(Notification.student_id == student.id))))):
                m.to_address = ERASED if m.user_id == student.id else m.to_address
                m.subject = _scrub_text(m.subject, words, new_name)
                m.body = _scrub_text(m.body, words, new_name)
            s.execute(delete(Notification).where(Notification.user_id == student.id))
            s.execute(delete(NotificationPreference).where(NotificationPreference.user_id == student.id))
            for f in PERSONAL_FIELDS:
                if f not in ("display_name", "username"):
                    setattr(student, f, None)
            student.display_name = new_name
            student.username = f"erased-{student.id}"
            student.password_hash = None
            student.active = False
            student.left_on = student.left_on or date.today()
            student.erased_at = utcnow()
            tx.audit(actor, "erase", "user", student.id, None,
                     {"guardian_links_removed": links, "texts_cleared": cleared,
                      "audit_entries_scrubbed": scrubbed})
            _changed(tx, student.id)
            return ErasureResult(student.id, new_name, links, cleared, scrubbed)

    def retention_candidates(self, actor: Actor) -> list[RetentionCandidate]:
        """Students no longer active who left ``privacy_retention_years`` or more years ago and
        are not erased yet, longest gone first."""
        with read_only(self.db) as s:
            require(s, actor, Permission.MANAGE_USERS)
            years = SettingsService(self.db).get().privacy_retention_years
            today = date.today()
            cutoff = _years_before(today, years)
            q = (select(User).where(User.role == Role.STUDENT, User.active.is_(False),
                                    User.erased_at.is_(None), User.left_on.is_not(None),
                                    User.left_on <= cutoff)
                 .order_by(User.left_on, User.display_name))
            return [RetentionCandidate(u.id, u.display_name, u.grade, u.left_on, _whole_years(u.left_on, today))
                    for u in s.scalars(q) if u.left_on is not None]


def _student(s: Session, student_id: int) -> User:
    user = s.get(User, student_id)
    if user is None or user.role is not Role.STUDENT:
        raise NotFound(f"No student with id {student_id}.")
    return user


def _clear_free_text(s: Session, student_id: int) -> int:
    cleared = 0
    for model, column, empty in FREE_TEXT:
        owner = model.user_id if hasattr(model, "user_id") else model.student_id
        field = getattr(model, column)
        rows = s.scalars(select(model).where(owner == student_id, field.is_not(None), field != ""))
        for row in rows:
            setattr(row, column, empty)
            cleared += 1
    progress_ids = select(ActivityProgress.id).where(ActivityProgress.user_id == student_id)
    cleared += rowcount(s.execute(update(ProgressStatusHistory)
                         .where(ProgressStatusHistory.progress_id.in_(progress_ids),
                                ProgressStatusHistory.note.is_not(None))
                         .values(note=None)))
    for p in s.scalars(select(ActivityProgress).where(ActivityProgress.user_id == student_id,
                                                      ActivityProgress.override_note.is_not(None))):
        p.override_note = ERASED
        cleared += 1
    return cleared


def _changed(tx: UnitOfWork, student_id: int) -> None:
    tx.changes.add(ChangeKind.USER, student_id)
    tx.changes.add(ChangeKind.GUARDIAN_LINK)
    tx.changes.add(ChangeKind.PORTFOLIO, student_id)
    tx.changes.add(ChangeKind.NOTIFICATION)
    tx.changes.add(ChangeKind.PROGRESS)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _whole_years(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))

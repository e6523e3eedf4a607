"""Reading the audit log (writes go through UnitOfWork.audit): the admin's Audit page and its CSV.

Reading the log is itself permission-checked (``VIEW_AUDIT``, administrators), before anything
else. Each row comes with the record's name and the before → after diff in words
(:mod:`tracker.domain.audit_diff`), so the page and the CSV show the same thing.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, or_, select
from sqlalchemy.orm import Session

from tracker.db.models import (
    Activity,
    ActivityProgress,
    AuditEntry,
    Badge,
    Certificate,
    Milestone,
    Skill,
    User,
)
from tracker.db.uow import read_only
from tracker.domain.audit_diff import (
    FieldChange,
    action_words,
    audit_diff,
    diff_summary,
    diff_text,
    entity_words,
)
from tracker.domain.policy import Actor, Permission
from tracker.reports.safe_files import neutralise, replacing
from tracker.services.base import Service, require

#: rows read at a time by the page ("Load more" reads the next ones)
PAGE_SIZE = 1000
#: the CSV's columns
CSV_HEADER = ("id", "when", "who", "action", "record type", "record id", "record", "changes", "before", "after")


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime  # UTC, as stored
    actor: str | None
    action: str
    entity: str
    entity_id: int | None
    before: Any
    after: Any
    actor_id: int | None = None
    record: str = ""  # the record's name now ("Chess Club", "Ann Lee — Chess Club"), "" when gone
    changes: tuple[FieldChange, ...] = ()

    @property
    def local_at(self) -> datetime:
        """``at`` in this computer's time zone (naive), for showing."""
        return self.at.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)

    @property
    def action_text(self) -> str:
        return action_words(self.action)

    @property
    def record_text(self) -> str:
        """"Activity Chess Club (#3)", or "Setting" for an entry without an id."""
        kind = entity_words(self.entity)
        if self.entity_id is None:
            return kind
        return f"{kind} {self.record} (#{self.entity_id})" if self.record else f"{kind} #{self.entity_id}"

    @property
    def summary(self) -> str:
        return diff_summary(list(self.changes))

    @property
    def details(self) -> str:
        return diff_text(list(self.changes))


@dataclass(frozen=True)
class AuditFilters:
    """What the Audit page filters on (None / "": no filter). Dates are local days, inclusive."""

    person_id: int | None = None
    entity: str | None = None
    start: date | None = None
    end: date | None = None
    text: str | None = None
    limit: int = PAGE_SIZE
    before_id: int | None = None  # "Load more": entries older than this one


@dataclass(frozen=True)
class AuditPerson:
    id: int
    name: str


@dataclass(frozen=True)
class AuditChoices:
    """The filter choices: the record types and the people that appear in the log."""

    entities: tuple[str, ...] = ()
    people: tuple[AuditPerson, ...] = field(default_factory=tuple)


def _utc_bound(day: date) -> datetime:
    """Local midnight starting ``day``, as the naive UTC the log stores."""
    return datetime.combine(day, time.min).astimezone().astimezone(UTC).replace(tzinfo=None)


def _loads(text: str | None) -> Any:
    return json.loads(text) if text else None


def _names(s: Session, entity: str, ids: set[int]) -> dict[int, str]:
    """The names of one entity's records now (one query for a page of rows; {} for a kind
    without a name)."""
    simple: dict[str, Any] = {"user": User.display_name, "activity": Activity.name,
                              "milestone": Milestone.title, "skill": Skill.name, "badge": Badge.name,
                              "certificate": Certificate.serial}
    if entity in simple:
        column = simple[entity]
        model = column.class_
        return {i: str(n) for i, n in s.execute(select(model.id, column).where(model.id.in_(ids)))}
    if entity == "activity_progress":
        q = (select(ActivityProgress.id, User.display_name, Activity.name)
             .join(User, User.id == ActivityProgress.user_id)
             .join(Activity, Activity.id == ActivityProgress.activity_id)
             .where(ActivityProgress.id.in_(ids)))
        return {i: f"{who} — {what}" for i, who, what in s.execute(q)}
    return {}


#: the columns the free-text filter looks in
_TEXT_COLUMNS: tuple[ColumnElement[Any], ...] = (
    AuditEntry.action, AuditEntry.entity, AuditEntry.before, AuditEntry.after,  # type: ignore[assignment]
    cast(AuditEntry.entity_id, String))

_Query = Select[AuditEntry, str]


def _filtered(q: _Query, f: AuditFilters) -> _Query:
    if f.person_id is not None:
        q = q.where(AuditEntry.actor_id == f.person_id)
    if f.entity:
        q = q.where(AuditEntry.entity == f.entity)
    if f.start is not None:
        q = q.where(AuditEntry.at >= _utc_bound(f.start))
    if f.end is not None:
        q = q.where(AuditEntry.at < _utc_bound(f.end + timedelta(days=1)))
    for word in (f.text or "").split():
        q = q.where(or_(*(c.ilike(f"%{word}%") for c in _TEXT_COLUMNS)))
    if f.before_id is not None:
        q = q.where(AuditEntry.id < f.before_id)
    return q


class AuditService(Service):
    def recent(self, actor: Actor, *, entity: str | None = None, entity_id: int | None = None,
               limit: int = 200) -> list[AuditRow]:
        with read_only(self.db) as s:
            require(s, actor, Permission.VIEW_AUDIT)
            q = select(AuditEntry, User.display_name).outerjoin(User, User.id == AuditEntry.actor_id)
            if entity:
                q = q.where(AuditEntry.entity == entity)
            if entity_id is not None:
                q = q.where(AuditEntry.entity_id == entity_id)
            q = q.order_by(AuditEntry.id.desc()).limit(limit)
            return _rows(s, s.execute(q))

    def search(self, actor: Actor, *, person_id: int | None = None, entity: str | None = None,
               start: date | None = None, end: date | None = None, text: str | None = None,
               limit: int = PAGE_SIZE, before_id: int | None = None) -> list[AuditRow]:
        """The entries that match every filter given, newest first, at most ``limit`` of them
        (``before_id``: the next page, older than the last row shown). ``text`` matches the
        action, record type, record id and the before / after values; several words must all match."""
        filters = AuditFilters(person_id, entity, start, end, text, limit, before_id)
        with read_only(self.db) as s:
            require(s, actor, Permission.VIEW_AUDIT)
            return self._search(s, filters)

    def entities(self, actor: Actor) -> AuditChoices:
        """The record types and the people the log holds (the page's filter choices)."""
        with read_only(self.db) as s:
            require(s, actor, Permission.VIEW_AUDIT)
            kinds = s.scalars(select(AuditEntry.entity).distinct().order_by(AuditEntry.entity))
            people = s.execute(
                select(User.id, User.display_name)
                .where(User.id.in_(select(AuditEntry.actor_id).where(AuditEntry.actor_id.is_not(None))))
                .order_by(User.display_name))
            return AuditChoices(tuple(kinds), tuple(AuditPerson(i, n) for i, n in people))

    def export_csv(self, actor: Actor, filters: AuditFilters, path: Path) -> int:
        """Every entry matching ``filters`` (not only the page shown; ``limit`` and ``before_id``
        are ignored) to a UTF-8 CSV with a byte-order mark, formula-looking text neutralised,
        written whole or not at all. Returns how many entries it holds."""
        with read_only(self.db) as s:
            require(s, actor, Permission.VIEW_AUDIT)
            everything = AuditFilters(filters.person_id, filters.entity, filters.start, filters.end,
                                      filters.text, limit=0)
            rows = self._search(s, everything)
        buffer = io.StringIO()
        out = csv.writer(buffer)
        out.writerow(CSV_HEADER)
        for r in rows:
            out.writerow([neutralise(str(v)) for v in (
                r.id, r.local_at.isoformat(sep=" ", timespec="seconds"), r.actor or "system",
                r.action_text, r.entity, "" if r.entity_id is None else r.entity_id, r.record,
                r.details if r.changes else "",
                "" if r.before is None else json.dumps(r.before, ensure_ascii=False, sort_keys=True),
                "" if r.after is None else json.dumps(r.after, ensure_ascii=False, sort_keys=True))])
        with replacing(path) as f:
            f.write(buffer.getvalue().encode("utf-8-sig"))
        return len(rows)

    @staticmethod
    def _search(s: Session, f: AuditFilters) -> list[AuditRow]:
        q: _Query = select(AuditEntry, User.display_name).outerjoin(User, User.id == AuditEntry.actor_id)
        q = _filtered(q, f).order_by(AuditEntry.id.desc())
        if f.limit > 0:
            q = q.limit(f.limit)
        return _rows(s, s.execute(q))


#: ids in a change's fields that read better as names: field -> (its label, the entity named)
_ID_FIELDS = {"user_id": ("person", "user"), "student_id": ("student", "user"), "guardian_id": ("guardian", "user"),
              "activity_id": ("activity", "activity"), "milestone_id": ("milestone", "milestone"),
              "badge_id": ("badge", "badge"), "skill_id": ("skill", "skill")}


def _named(values: Any, names: dict[str, dict[int, str]]) -> Any:
    """A before / after object with its ids as names ("user_id": 76 → "person": "Ada Green
    (#76)"), for the readable diff; the stored JSON is left as it is."""
    if not isinstance(values, dict):
        return values
    out = {}
    for key, value in values.items():
        if key in _ID_FIELDS and isinstance(value, int) and not isinstance(value, bool):
            label, entity = _ID_FIELDS[key]
            name = names.get(entity, {}).get(value)
            out[label] = f"{name} (#{value})" if name else f"#{value}"
        else:
            out[key] = value
    return out


def _rows(s: Session, found: Iterable[tuple[AuditEntry, str | None]]) -> list[AuditRow]:
    entries = [(e, name, _loads(e.before), _loads(e.after)) for e, name in found]
    wanted: dict[str, set[int]] = defaultdict(set)
    for e, _, before, after in entries:
        if e.entity_id is not None:
            wanted[e.entity].add(e.entity_id)
        for values in (before, after):
            if isinstance(values, dict):
                for key, (_label, entity) in _ID_FIELDS.items():
                    if isinstance(values.get(key), int):
                        wanted[entity].add(values[key])
    names = {entity: _names(s, entity, ids) for entity, ids in wanted.items()}
    rows = []
    for e, name, before, after in entries:
        record = names.get(e.entity, {}).get(e.entity_id, "") if e.entity_id is not None else ""
        rows.append(AuditRow(e.id, e.at, name, e.action, e.entity, e.entity_id, before, after,
                             actor_id=e.actor_id, record=record,
                             changes=tuple(audit_diff(_named(before, names), _named(after, names)))))
    return rows

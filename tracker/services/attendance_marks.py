"""Stored attendance marks: reading them, and the one write path every change of a cell takes.

``write_marks`` runs inside the caller's unit of work (``AttendanceService.apply`` and
``mark_rest_present``): every cell is checked first and the whole call refused with the problems
named by student and day; every existing record is written ``UPDATE … WHERE version = <seen>`` and
every new one ``INSERT … ON CONFLICT DO NOTHING``, with an audit row per cell and an
``AttendanceChanged`` event per student. A cell changed by someone else between the read and the
write raises :class:`RaceLost`; the caller turns it into ``AttendanceConflict`` with
:func:`race_conflict` once the transaction is rolled back.

The dataclasses come from :mod:`~tracker.services.attendance_types`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple, cast

from sqlalchemy import CursorResult, Table, and_, bindparam, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from tracker.db.engine import Database
from tracker.db.models import (
    ActivityProgress,
    ActivitySession,
    AttendanceRecord,
    AttendanceStatus,
    AuditEntry,
    User,
    new_uid,
    utcnow,
)
from tracker.db.uow import UnitOfWork, read_only
from tracker.domain.attendance import StatusRule, can_mark, in_enrollment, not_yet_markable
from tracker.domain.changes import ChangeKind
from tracker.domain.enums import ProgressStatus
from tracker.domain.events import AttendanceChanged
from tracker.domain.policy import Actor, Permission
from tracker.errors import NotFound, Problem, ValidationError
from tracker.services.attendance_aggregates import Deltas, apply_delta, in_counts
from tracker.services.attendance_status import all_statuses, status_info
from tracker.services.attendance_types import AttendanceConflict, Mark, MarkChange, StatusInfo
from tracker.services.badge_engine import fingerprint_columns, remember_fingerprint
from tracker.services.base import require, require_active
from tracker.services.scoping import remember_role, role_columns

Key = tuple[int, int]  # (session_id, student_id)


class RaceLost(Exception):
    """A cell changed between our read and our write (another workstation won the race)."""


@dataclass(frozen=True)
class _Stored:
    record_id: int
    mark: Mark

    @property
    def status_id(self) -> int | None:
        return self.mark.status_id

    @property
    def version(self) -> int:
        return self.mark.version or 0

    @property
    def participation(self) -> int | None:
        return self.mark.participation

    @property
    def remark(self) -> str:
        return self.mark.remark


_R = AttendanceRecord


def _among(column: Any, name: str, one: bool) -> Any:
    """``column = :name`` for one value, ``column IN (:name…)`` for a list: a single cell's
    mark, the most frequent write there is, then skips rewriting the SQL for an expanding list."""
    return column == bindparam(name) if one else column.in_(bindparam(name, expanding=True))


def _values(ids: list[int]) -> int | list[int]:
    return ids[0] if len(ids) == 1 else ids


@lru_cache(maxsize=4)
def _stored_statement(one_session: bool, one_student: bool) -> Any:
    return (select(_R.id, _R.session_id, _R.student_id, _R.status_id, _R.participation, _R.remark, _R.version,
                   User.display_name, _R.recorded_at)
            .outerjoin(User, User.id == _R.recorded_by)
            .where(_among(_R.session_id, "sessions", one_session), _among(_R.student_id, "students", one_student)))


@lru_cache(maxsize=2)
def _sessions_statement(one: bool) -> Any:
    return select(ActivitySession.id, ActivitySession.activity_id, ActivitySession.starts_at,
                  ActivitySession.cancelled).where(_among(ActivitySession.id, "ids", one))


@lru_cache(maxsize=4)
def _enrolled_statement(one_activity: bool, one_student: bool) -> Any:
    """Waitlisted places too: a mark cleared there still leaves their counts."""
    p = ActivityProgress
    return (select(p.id, p.user_id, p.activity_id, p.enrolled_on, p.dropped_on, p.status)
            .where(_among(p.activity_id, "activities", one_activity), _among(p.user_id, "students", one_student)))


class _StatusColumns(NamedTuple):
    """A status's columns as the cell's read names them (wanted_… and was_…)."""

    id: int
    code: str
    label: str
    colour: str
    counts_as_present: bool
    counts_in_rate: bool
    sort_order: int
    active: bool


def _cell_statement() -> Any:
    """One cell's session, the student's place in its activity, the stored mark and the two
    statuses concerned (the one stored and the one wanted), in one read; with the actor's role
    for the policy and the badges' fingerprint for the rules that follow the mark. The single
    mark, the most frequent write there is, pays for one statement, not six."""
    p, sess = ActivityProgress, ActivitySession
    wanted, was = aliased(AttendanceStatus), aliased(AttendanceStatus)
    return (select(sess.id, sess.activity_id, sess.starts_at, sess.cancelled,
                   p.id.label("progress_id"), p.user_id, p.enrolled_on, p.dropped_on, p.status,
                   _R.id.label("record_id"), _R.status_id, _R.participation, _R.remark, _R.version,
                   User.display_name, _R.recorded_at,
                   *(getattr(wanted, c).label(f"wanted_{c}") for c in _StatusColumns._fields),
                   *(getattr(was, c).label(f"was_{c}") for c in _StatusColumns._fields),
                   *role_columns(), *fingerprint_columns())
            .outerjoin(p, and_(p.activity_id == sess.activity_id, p.user_id == bindparam("student")))
            .outerjoin(_R, and_(_R.session_id == sess.id, _R.student_id == bindparam("student")))
            .outerjoin(User, User.id == _R.recorded_by)
            .outerjoin(wanted, wanted.id == bindparam("status"))
            .outerjoin(was, was.id == _R.status_id)
            .where(sess.id == bindparam("session")))


_CELL = _cell_statement()


@dataclass(frozen=True)
class _Enrolled:
    id: int
    user_id: int
    activity_id: int
    enrolled_on: Any
    dropped_on: Any
    status: ProgressStatus


def _status_of(row: Any, prefix: str) -> StatusInfo | None:
    """The status read into the cell's columns named ``prefix`` + column (None: no such status)."""
    values = _StatusColumns(*(getattr(row, prefix + c) for c in _StatusColumns._fields))
    return None if values.id is None else status_info(values)


def _read(s: Session, actor: Actor, changes: list[MarkChange], session_ids: list[int],
          student_ids: list[int]) -> tuple[
        dict[int, Any], dict[tuple[int, int], Any], dict[Key, _Stored], dict[int, StatusInfo]]:
    """(sessions by id, places by (student, activity), stored marks by cell, statuses by id) for
    the changes: one statement for one cell (with only the statuses it concerns), four for
    several."""
    conn = s.connection()
    if len(changes) == 1:
        (c,) = changes
        row = conn.execute(_CELL, {"session": c.session_id, "student": c.student_id, "status": c.status_id,
                                   "actor_id": actor.id}).first()
        if row is None:
            return {}, {}, {}, {}
        remember_role(s, actor, row)
        remember_fingerprint(s, row)
        key = (c.session_id, c.student_id)
        enrolled: dict[tuple[int, int], Any] = ({} if row.progress_id is None else {(row.user_id, row.activity_id): _Enrolled(
            row.progress_id, row.user_id, row.activity_id, row.enrolled_on, row.dropped_on, row.status)})
        stored = ({} if row.record_id is None else {key: _Stored(row.record_id, Mark(
            key[0], key[1], row.status_id, row.participation, row.remark, row.version, row.display_name,
            row.recorded_at))})
        statuses = {st.id: st for st in (_status_of(row, "wanted_"), _status_of(row, "was_")) if st is not None}
        return {row.id: row}, enrolled, stored, statuses
    sessions = {r.id: r for r in conn.execute(_sessions_statement(len(session_ids) == 1),
                                              {"ids": _values(session_ids)})}
    activity_ids = sorted({r.activity_id for r in sessions.values()})
    enrolled = {(r.user_id, r.activity_id): r for r in conn.execute(
        _enrolled_statement(len(activity_ids) == 1, len(student_ids) == 1),
        {"activities": _values(activity_ids), "students": _values(student_ids)})} if activity_ids else {}
    statuses = {st.id: st for st in all_statuses(s)}
    return sessions, enrolled, _stored(s, session_ids, student_ids), statuses


# version-guarded writes of one record and its audit rows, built once (a mark is the most
# frequent write there is)
_AUDIT = insert(AuditEntry)
_CLEAR = delete(_R).where(_R.id == bindparam("rid"), _R.version == bindparam("seen"))
_CHANGE = (update(_R).where(_R.id == bindparam("rid"), _R.version == bindparam("seen"))
           .values({c: bindparam(f"new_{c}") for c in ("status_id", "participation", "remark", "version",
                                                        "recorded_by", "recorded_at", "updated_at")}))


def _stored(s: Session, session_ids: list[int], student_ids: list[int]) -> dict[Key, _Stored]:
    rows = s.connection().execute(_stored_statement(len(session_ids) == 1, len(student_ids) == 1),
                                  {"sessions": _values(session_ids), "students": _values(student_ids)})
    return {(r.session_id, r.student_id): _Stored(r.id, Mark(
                r.session_id, r.student_id, r.status_id, r.participation, r.remark, r.version,
                r.display_name, r.recorded_at))
            for r in rows}


def stored_marks(s: Session, session_ids: list[int], student_ids: list[int]) -> dict[Key, Mark]:
    """The stored marks of these cells by (session id, student id); a cell without a record is absent."""
    if not session_ids or not student_ids:
        return {}
    return {k: v.mark for k, v in _stored(s, session_ids, student_ids).items()}


def write_marks(tx: UnitOfWork, actor: Actor, changes: list[MarkChange], *,
                skip_existing: bool = False, now: datetime | None = None) -> list[Mark]:
    """All-or-nothing write of cell changes in ``tx`` (see ``AttendanceService.apply``).

    ``skip_existing``: a cell that already has a record is left as it is and only what was
    written is returned (``mark_rest_present``); no version is checked then. ``now`` (local
    time, default the clock) decides which sessions can be marked yet (:func:`can_mark`)."""
    now = now or datetime.now()
    s = tx.session
    if not changes:
        require_active(s, actor)
        return []
    session_ids = sorted({c.session_id for c in changes})
    student_ids = sorted({c.student_id for c in changes})
    conn = s.connection()
    # read before the policy is asked (it needs the sessions' activities); nothing read is
    # looked at, let alone shown, until it has answered
    sessions, enrolled, stored, statuses = _read(s, actor, changes, session_ids, student_ids)
    unknown = [sid for sid in session_ids if sid not in sessions]
    if unknown:
        raise NotFound(f"No session with id {unknown[0]}.")
    for activity_id in sorted({r.activity_id for r in sessions.values()}):
        require(s, actor, Permission.TAKE_ATTENDANCE, activity_id=activity_id)

    problems: list[Problem] = []
    seen: set[Key] = set()
    for c in changes:
        key = (c.session_id, c.student_id)
        where = f"{c.session_id}:{c.student_id}"  # made readable by _refused
        if key in seen:
            problems.append(Problem("The same cell is changed twice.", field=where))
            continue
        seen.add(key)
        sess = sessions[c.session_id]
        old = stored.get(key)
        if c.status_id is None:
            if c.participation or c.remark:
                problems.append(Problem("Mark a status before a rating or a remark.", field=where))
            continue
        e = enrolled.get((c.student_id, sess.activity_id))
        if e is None or e.status is ProgressStatus.WAITLISTED:
            problems.append(Problem("The student is not enrolled in this activity.", field=where))
        elif sess.cancelled:
            problems.append(Problem("The session is cancelled.", field=where))
        elif not in_enrollment(sess.starts_at, e.enrolled_on, e.dropped_on):
            problems.append(Problem("The session is outside the student's enrollment.", field=where))
        elif not can_mark(sess.starts_at, now):
            problems.append(Problem(not_yet_markable(sess.starts_at), field=where))
        st = statuses.get(c.status_id)
        if st is None:
            problems.append(Problem(f"Unknown attendance status {c.status_id}.", field=where))
        elif not st.active and (old is None or old.status_id != st.id):
            problems.append(Problem(f"The status {st.label} is no longer in use.", field=where))
        if c.participation is not None and not 0 <= c.participation <= 5:
            problems.append(Problem("Participation is rated 1 to 5.", field=where))
        if c.remark is not None and len(c.remark) > 1000:
            problems.append(Problem("A remark is at most 1,000 characters.", field=where))
    if problems:
        raise _refused(s, problems, sessions)

    conflicts = [c for c in changes if c.check_version and not skip_existing
                 and (stored[(c.session_id, c.student_id)].version
                      if (c.session_id, c.student_id) in stored else None) != c.expected_version]
    if conflicts:
        current = [stored[k].mark if (k := (c.session_id, c.student_id)) in stored else _no_mark(c)
                   for c in conflicts]
        raise AttendanceConflict(_conflict_message(s, current, statuses), current)

    stamp = utcnow()
    inserts: list[dict[str, Any]] = []
    audit: list[dict[str, Any]] = []
    results: dict[Key, Mark] = {}
    touched: set[tuple[int, int]] = set()
    counts = Deltas()

    def count(key: Key, status_id: int | None, sign: int) -> None:
        """The mark's +1 / −1 in the session's counts and its enrollment's (when it is in them)."""
        if status_id is None:  # no mark: nothing counted
            return
        sess = sessions[key[0]]
        e = enrolled.get((key[1], sess.activity_id))
        holder = e.id if e is not None and in_counts(sess.starts_at, sess.cancelled, e.enrolled_on,
                                                      e.dropped_on) else None
        st = statuses[status_id]
        counts.mark(key[0], holder, StatusRule(st.counts_as_present, st.counts_in_rate), sign)

    for c in changes:
        key = (c.session_id, c.student_id)
        old = stored.get(key)
        activity_id = sessions[c.session_id].activity_id
        if c.status_id is None:
            if old is None:
                results[key] = _no_mark(c)
                continue
            if _rowcount(conn.execute(_CLEAR, {"rid": old.record_id, "seen": old.version})) != 1:
                raise RaceLost
            results[key] = _no_mark(c)
            audit.append(_audit_row(actor, "clear", old.record_id, _mark_audit(old), None, stamp))
            count(key, old.status_id, -1)
        else:
            if old is not None and skip_existing:
                results[key] = old.mark
                continue
            part = (old.participation if old else None) if c.participation is None else (c.participation or None)
            remark = (old.remark if old else "") if c.remark is None else c.remark.strip()
            if old is not None and (old.status_id, old.participation, old.remark) == (c.status_id, part, remark):
                results[key] = old.mark
                continue
            recorded = min(c.recorded_at, stamp) if c.recorded_at is not None else stamp
            if old is None:
                inserts.append({"session_id": c.session_id, "student_id": c.student_id,
                                "status_id": c.status_id, "participation": part, "remark": remark,
                                "recorded_by": actor.id, "recorded_at": recorded, "version": 1,
                                "created_at": stamp, "updated_at": stamp, "uid": new_uid()})
                version = 1
            else:
                version = old.version + 1
                if _rowcount(conn.execute(_CHANGE, {
                        "rid": old.record_id, "seen": old.version, "new_status_id": c.status_id,
                        "new_participation": part, "new_remark": remark, "new_version": version,
                        "new_recorded_by": actor.id, "new_recorded_at": recorded, "new_updated_at": stamp})) != 1:
                    raise RaceLost
                audit.append(_audit_row(actor, "change", old.record_id, _mark_audit(old),
                                        {"status_id": c.status_id, "participation": part,
                                         "remark": remark}, stamp))
                if old.status_id != c.status_id:
                    count(key, old.status_id, -1)
                    count(key, c.status_id, +1)
            results[key] = Mark(c.session_id, c.student_id, c.status_id, part, remark, version,
                                actor.display_name, recorded)
        touched.add((c.student_id, activity_id))
    if inserts:
        ids = _insert(s, inserts, skip_existing=skip_existing)
        for row in inserts:
            key = (row["session_id"], row["student_id"])
            if key not in ids:  # someone else marked it meanwhile (only when skipping)
                results.pop(key, None)
                continue
            audit.append(_audit_row(actor, "mark", ids[key], None,
                                    {"session_id": key[0], "student_id": key[1],
                                     "status_id": row["status_id"], "participation": row["participation"],
                                     "remark": row["remark"]}, stamp))
            count(key, row["status_id"], +1)
    if audit:
        conn.execute(_AUDIT, audit)
    apply_delta(conn, counts)  # before the events: recompute reads the counts
    for student_id, activity_id in sorted(touched):
        tx.emit(AttendanceChanged(student_id, activity_id))
    tx.changes.add(ChangeKind.ATTENDANCE, *session_ids)
    if skip_existing:
        return [results[k] for k in ((c.session_id, c.student_id) for c in changes) if k in results]
    return [results[(c.session_id, c.student_id)] for c in changes]


@lru_cache(maxsize=2)
def _insert_statement(dialect: str) -> Any:
    table = _table(AttendanceRecord)
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    return (stmt.on_conflict_do_nothing(index_elements=["session_id", "student_id"])
            .returning(table.c.id, table.c.session_id, table.c.student_id))


def _insert(s: Session, rows: list[dict[str, Any]], *, skip_existing: bool) -> dict[Key, int]:
    """Insert new records; a cell someone else marked meanwhile is skipped by the database
    (ON CONFLICT DO NOTHING) and reported as a lost race unless we were told to skip it."""
    stmt = _insert_statement(s.get_bind().dialect.name)
    if len(rows) == 1:
        got = s.execute(stmt, rows[0]).all()
    else:
        got = s.execute(stmt, rows).all()
    ids = {(r.session_id, r.student_id): r.id for r in got}
    if len(ids) != len(rows) and not skip_existing:
        raise RaceLost
    return ids


def race_conflict(db: Database, changes: list[MarkChange]) -> AttendanceConflict:
    """The conflict to report after a lost race, with what is stored now (read afresh)."""
    with read_only(db) as s:
        keys = {(c.session_id, c.student_id) for c in changes}
        stored = _stored(s, sorted({k[0] for k in keys}), sorted({k[1] for k in keys}))
        current = [stored[k].mark if k in stored else _no_mark_key(k) for k in sorted(keys)]
        statuses = {st.id: st for st in all_statuses(s)}
        changed = [m for m in current if m.status_id is not None] or current
        return AttendanceConflict(_conflict_message(s, changed, statuses), current)


def _refused(s: Session, problems: list[Problem], sessions: dict[int, Any]) -> ValidationError:
    """The problems with the student's name and the session's date instead of ids."""
    keys = [tuple(int(x) for x in (p.field or "0:0").split(":")) for p in problems]
    names: dict[int, str] = {r.id: r.display_name for r in s.execute(
        select(User.id, User.display_name).where(User.id.in_({k[1] for k in keys})))}
    readable = []
    for p, (session_id, student_id) in zip(problems, keys, strict=True):
        day = f"{sessions[session_id].starts_at:%a %d %b}" if session_id in sessions else "?"
        where = f"{names.get(student_id, f'student {student_id}')}, {day}"
        readable.append(Problem(p.message, field=where))
    first = readable[0].message if len(readable) == 1 else f"{len(readable)} cells cannot be marked."
    return ValidationError(first + " Nothing was saved.", readable)


def _conflict_message(s: Session, current: list[Mark],
                      statuses: dict[int, StatusInfo]) -> str:
    first = current[0]
    student = s.scalar(select(User.display_name).where(User.id == first.student_id)) or "this student"
    starts = s.scalar(select(ActivitySession.starts_at).where(ActivitySession.id == first.session_id))
    day = f"{starts:%a %d %b %Y}" if starts else "this session"
    if first.status_id is None:
        text = f"The mark of {student} on {day} was cleared on another workstation"
    else:
        label = statuses[first.status_id].label if first.status_id in statuses else "a status"
        who = first.recorded_by or "Someone"
        local = first.recorded_at.replace(tzinfo=UTC).astimezone() if first.recorded_at else None
        when = f" (saved at {local:%H:%M})" if local else ""
        text = f"{who} marked {student} {label} on {day}{when}"
    more = f" (and {len(current) - 1} more cell{'s' if len(current) > 2 else ''})" if len(current) > 1 else ""
    return f"{text}{more}; your change would overwrite it. Nothing was saved."


def _audit_row(actor: Actor, action: str, record_id: int, before: dict[str, Any] | None,
               after: dict[str, Any] | None, now: datetime) -> dict[str, Any]:
    return {"uid": new_uid(), "created_at": now, "updated_at": now, "at": now, "actor_id": actor.id,
            "action": action, "entity": "attendance_record", "entity_id": record_id,
            "before": json.dumps(before, sort_keys=True) if before is not None else None,
            "after": json.dumps(after, sort_keys=True) if after is not None else None}


def _mark_audit(old: _Stored) -> dict[str, Any]:
    return {"session_id": old.mark.session_id, "student_id": old.mark.student_id,
            "status_id": old.status_id, "participation": old.participation, "remark": old.remark,
            "version": old.version}


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def _rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def _no_mark(c: MarkChange) -> Mark:
    return _no_mark_key((c.session_id, c.student_id))


def _no_mark_key(key: Key) -> Mark:
    return Mark(key[0], key[1], None, None, "", None, None, None)

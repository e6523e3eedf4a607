"""Attendance: statuses, taking attendance for a session, the term grid, bulk edits and paste.

The dataclasses and method signatures are the interface the widgets are written against.
Reads are a few selects of plain tuples (the grid of 1,200 students × 200 sessions is built
from compact arrays, never ORM objects); writes go through ``apply``: one unit of work, Core
statements guarded by the record's version, an audit row per cell, and an ``AttendanceChanged``
event per student so that progress and completion are recomputed in the same transaction.
The rate rule itself lives in :mod:`tracker.domain.attendance`.

Conflicts: every write of an existing record is ``UPDATE … WHERE version = <seen>`` and every
new record is ``INSERT … ON CONFLICT DO NOTHING``; a cell someone else changed in between
turns the whole call into :class:`AttendanceConflict` with what is stored now.
"""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from tracker.db.models import (
    Activity,
    ActivityProgress,
    ActivitySession,
    AttendanceRecord,
    AttendanceStatus,
    AuditEntry,
    User,
    new_uid,
    utcnow,
)
from tracker.db.uow import UnitOfWork, read_only, unit_of_work
from tracker.domain.attendance import (
    StatusRule,
    held_count,
    in_enrollment,
    present_per_session,
    row_figures,
    window,
)
from tracker.domain.enums import ProgressStatus
from tracker.domain.events import AttendanceChanged
from tracker.domain.policy import Actor, Permission
from tracker.errors import ConflictError, NotFound, Problem, ValidationError
from tracker.services.base import Service, require, require_active

NO_MARK = -1  # grid cell: a held/future session with no record yet
NOT_APPLICABLE = -2  # grid cell: before enrollment, after a drop, or a cancelled session (greyed, never counts)


@dataclass(frozen=True)
class StatusInfo:
    id: int
    code: str  # one key: "P", "L", "E", "A"
    label: str
    colour: str  # "#RRGGBB"
    counts_as_present: bool
    counts_in_rate: bool
    sort_order: int
    active: bool


@dataclass(frozen=True)
class StudentRef:
    id: int
    name: str
    grade: str | None
    class_name: str | None
    enrolled_on: date | None
    dropped_on: date | None
    status: str  # enrollment status value


@dataclass(frozen=True)
class SessionRef:
    id: int
    activity_id: int
    starts_at: datetime
    ends_at: datetime
    location: str
    cancelled: bool
    note: str


@dataclass(frozen=True)
class Mark:
    """One stored attendance record (status_id None: no record)."""

    session_id: int
    student_id: int
    status_id: int | None
    participation: int | None
    remark: str
    version: int | None  # None when there is no record yet
    recorded_by: str | None
    recorded_at: datetime | None


@dataclass(frozen=True)
class MarkChange:
    """A wanted change of one cell. ``status_id`` None clears the record (undo of a first mark).

    ``expected_version``: the version the editor saw (None: it saw no record). If the stored
    record differs, the service raises :class:`AttendanceConflict` and writes nothing.
    ``participation`` / ``remark`` None mean "leave as is".
    """

    session_id: int
    student_id: int
    status_id: int | None
    expected_version: int | None = None
    participation: int | None = None
    remark: str | None = None
    check_version: bool = True


class AttendanceConflict(ConflictError):
    """Someone else changed these cells since they were read; ``current`` holds what is stored now."""

    def __init__(self, message: str, current: list[Mark]) -> None:
        super().__init__(message)
        self.current = current


@dataclass(frozen=True)
class AttendanceSheet:
    """Everything the take-attendance screen shows for one session, read at once."""

    activity_id: int
    activity_name: str
    session: SessionRef
    statuses: tuple[StatusInfo, ...]
    students: tuple[StudentRef, ...]  # enrolled on that day (active/completed, not dropped before)
    marks: dict[int, Mark]  # by student id; missing = no record


@dataclass
class AttendanceGrid:
    """Students × sessions in compact arrays (row-major: cell = row * len(sessions) + col).

    ``cells[i]`` is an index into ``statuses`` or NO_MARK / NOT_APPLICABLE; ``versions[i]`` the
    record's version (0: no record). Per-row and per-column figures come precomputed from the
    one attendance-rate rule (tracker.domain.progress / services.stats).
    """

    activity_id: int
    activity_name: str
    statuses: tuple[StatusInfo, ...]
    students: tuple[StudentRef, ...]
    sessions: tuple[SessionRef, ...]
    cells: array  # array("b")
    versions: array  # array("i")
    participation: array  # array("b"), 0 = none
    rates: list[float | None] = field(default_factory=list)  # per student
    consecutive_absences: list[int] = field(default_factory=list)  # per student, trailing
    present_per_session: list[int] = field(default_factory=list)  # per session

    def index(self, row: int, col: int) -> int:
        return row * len(self.sessions) + col


class _RaceLost(Exception):
    """A cell changed between our read and our write (another workstation won the race)."""


class AttendanceService(Service):
    # ------------------------------------------------------------------ statuses
    def statuses(self, actor: Actor, *, include_inactive: bool = False) -> list[StatusInfo]:
        """The configured statuses in their order (any signed-in user may read them)."""
        with read_only(self.db) as s:
            require_active(s, actor)
            return [st for st in _statuses(s) if include_inactive or st.active]

    def save_status(self, actor: Actor, status_id: int | None, *, code: str, label: str, colour: str,
                    counts_as_present: bool, counts_in_rate: bool, active: bool = True) -> StatusInfo:
        """Admin: create (status_id None) or edit a status. Codes are one letter, unique.

        A status is never deleted: deactivating it keeps every record that uses it readable (and
        counted by its rules) while it can no longer be chosen for new marks. At least one
        active status must count as present (what "mark the rest present" uses). Changing how a
        status counts recomputes completion of the enrollments it can affect."""
        code_n = (code or "").strip().upper()
        label_n = " ".join((label or "").split())
        colour_n = (colour or "").strip().upper()
        problems = []
        if not _CODE.fullmatch(code_n):
            problems.append(Problem("The code is one letter or digit (the key that marks it).", field="code"))
        if not label_n:
            problems.append(Problem("Give the status a label.", field="label"))
        elif len(label_n) > 60:
            problems.append(Problem("The label is at most 60 characters.", field="label"))
        if not _COLOUR.fullmatch(colour_n):
            problems.append(Problem("The colour is #RRGGBB (for example #009E73).", field="colour"))
        with unit_of_work(self.db) as tx:
            s = tx.session
            require(s, actor, Permission.MANAGE_SETTINGS)
            row = None
            if status_id is not None:
                row = s.get(AttendanceStatus, status_id)
                if row is None:
                    raise NotFound(f"No attendance status with id {status_id}.")
            others = [st for st in _statuses(s) if st.id != status_id]
            if code_n and any(o.code.upper() == code_n for o in others):
                problems.append(Problem(f"The code {code_n} is already used.", field="code"))
            if label_n and any(o.label.lower() == label_n.lower() for o in others):
                problems.append(Problem(f"The label {label_n} is already used.", field="label"))
            if not any(o.active and o.counts_as_present and o.counts_in_rate for o in others) and not (
                    active and counts_as_present and counts_in_rate):
                problems.append(Problem("At least one active status must count as present.",
                                        field="active"))
            if problems:
                raise ValidationError("The status was not saved.", problems)
            before = None
            rules_changed = False
            if row is None:
                order = (s.scalar(select(func.max(AttendanceStatus.sort_order))) or 0) + 1
                row = AttendanceStatus(sort_order=order)
                s.add(row)
            else:
                before = _status_audit(row)
                rules_changed = (row.counts_as_present, row.counts_in_rate) != (
                    bool(counts_as_present), bool(counts_in_rate))
            row.code, row.label, row.colour = code_n, label_n, colour_n
            row.counts_as_present, row.counts_in_rate = bool(counts_as_present), bool(counts_in_rate)
            row.active = bool(active)
            s.flush()
            tx.audit(actor, "create" if before is None else "update", "attendance_status", row.id,
                     before, _status_audit(row))
            tx.changes.add("setting", row.id)
            tx.changes.add("attendance")  # grids show the new code, label or colour
            if rules_changed:
                self._recompute_after_rule_change(tx, row.id)
            return _status_info(row)

    @staticmethod
    def _recompute_after_rule_change(tx: UnitOfWork, status_id: int) -> None:
        """Rates that used this status changed: completion of enrollments in activities with a
        minimum attendance may have changed too."""
        s = tx.session
        pairs = s.execute(
            select(AttendanceRecord.student_id, ActivitySession.activity_id).distinct()
            .join(ActivitySession, ActivitySession.id == AttendanceRecord.session_id)
            .join(Activity, Activity.id == ActivitySession.activity_id)
            .where(AttendanceRecord.status_id == status_id, Activity.min_attendance_pct.is_not(None))
        ).all()
        for student_id, activity_id in pairs:
            tx.emit(AttendanceChanged(student_id, activity_id))
        tx.changes.add("attendance")

    # ------------------------------------------------------------------ sessions
    def sessions(self, actor: Actor, activity_id: int) -> list[SessionRef]:
        """Every session of the activity in date order (cancelled ones included, flagged)."""
        with read_only(self.db) as s:
            _activity_name(s, activity_id)
            require(s, actor, Permission.TAKE_ATTENDANCE, activity_id=activity_id)
            return _sessions(s, activity_id)

    def current_session(self, actor: Actor, activity_id: int, *, now: datetime | None = None) -> SessionRef | None:
        """Today's session (the one running or the next today), else the latest held one."""
        now = now or datetime.now()
        with read_only(self.db) as s:
            _activity_name(s, activity_id)
            require(s, actor, Permission.TAKE_ATTENDANCE, activity_id=activity_id)
            live = [r for r in _sessions(s, activity_id) if not r.cancelled]
        running = [r for r in live if r.starts_at <= now < r.ends_at]
        if running:
            return running[-1]
        later_today = [r for r in live if r.starts_at > now and r.starts_at.date() == now.date()]
        if later_today:
            return later_today[0]
        held = [r for r in live if r.starts_at <= now]
        return held[-1] if held else None

    # ------------------------------------------------------------------ reads
    def sheet(self, actor: Actor, session_id: int) -> AttendanceSheet:
        """One session: who was enrolled that day, and their marks."""
        with read_only(self.db) as s:
            ref = _session_ref(s, session_id)
            name = _activity_name(s, ref.activity_id)
            require(s, actor, Permission.TAKE_ATTENDANCE, activity_id=ref.activity_id)
            students = tuple(
                st for st in _students(s, ref.activity_id)
                if in_enrollment(ref.starts_at, st.enrolled_on, st.dropped_on)
            )
            marks = _marks(s, [session_id], [st.id for st in students])
            return AttendanceSheet(ref.activity_id, name, ref, tuple(_statuses(s)), students,
                                   {m.student_id: m for m in marks.values()})

    def grid(self, actor: Actor, activity_id: int, *, now: datetime | None = None) -> AttendanceGrid:
        """The term grid of an activity, built from a few selects of plain tuples."""
        now = now or datetime.now()
        with read_only(self.db) as s:
            name = _activity_name(s, activity_id)
            require(s, actor, Permission.TAKE_ATTENDANCE, activity_id=activity_id)
            statuses = tuple(_statuses(s))
            sessions = tuple(_sessions(s, activity_id))
            students = tuple(_students(s, activity_id))
            records = s.connection().execute(_GRID_RECORDS, {"activity": activity_id}).all()
        return build_grid(activity_id, name, statuses, students, sessions, records, now)

    # ------------------------------------------------------------------ writes
    def apply(self, actor: Actor, changes: list[MarkChange]) -> list[Mark]:
        """All-or-nothing write of cell changes (one mark, a range, a paste, an undo).

        Refuses cells that are not applicable (ValidationError); conflicts raise
        AttendanceConflict with the stored marks; progress/completion are recomputed in the same
        transaction (AttendanceChanged events). ``participation`` 0 clears the rating."""
        changes = list(changes)
        try:
            with unit_of_work(self.db) as tx:
                return self._write(tx, actor, changes)
        except _RaceLost:
            raise self._race_conflict(changes) from None

    def mark_rest_present(self, actor: Actor, session_id: int) -> list[Mark]:
        """Mark every enrolled student without a record as Present; never overwrites.

        Returns the marks written (a student marked meanwhile elsewhere is left as they are)."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            ref = _session_ref(s, session_id)
            require(s, actor, Permission.TAKE_ATTENDANCE, activity_id=ref.activity_id)
            if ref.cancelled:
                raise ValidationError("This session is cancelled; there is no attendance to take.")
            present = next((st for st in _statuses(s)
                            if st.active and st.counts_as_present and st.counts_in_rate), None)
            if present is None:
                raise ValidationError("No active status counts as present.")
            students = [st.id for st in _students(s, ref.activity_id)
                        if in_enrollment(ref.starts_at, st.enrolled_on, st.dropped_on)]
            marked = set(s.scalars(select(AttendanceRecord.student_id)
                                   .where(AttendanceRecord.session_id == session_id)))
            todo = [MarkChange(session_id, sid, present.id) for sid in students if sid not in marked]
            return self._write(tx, actor, todo, skip_existing=True)

    # ------------------------------------------------------------------ the write path
    def _write(self, tx: UnitOfWork, actor: Actor, changes: list[MarkChange], *,
               skip_existing: bool = False) -> list[Mark]:
        s = tx.session
        if not changes:
            require_active(s, actor)
            return []
        session_ids = sorted({c.session_id for c in changes})
        student_ids = sorted({c.student_id for c in changes})
        conn = s.connection()
        sessions = {r.id: r for r in conn.execute(_WRITE_SESSIONS, {"ids": session_ids})}
        unknown = [sid for sid in session_ids if sid not in sessions]
        if unknown:
            raise NotFound(f"No session with id {unknown[0]}.")
        activity_ids = sorted({r.activity_id for r in sessions.values()})
        for activity_id in activity_ids:
            require(s, actor, Permission.TAKE_ATTENDANCE, activity_id=activity_id)
        statuses = {st.id: st for st in _statuses(s)}
        enrolled = {(r.user_id, r.activity_id): r for r in conn.execute(
            _WRITE_ENROLLED, {"activities": activity_ids, "students": student_ids})}
        stored = _stored(s, session_ids, student_ids)

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
            if e is None:
                problems.append(Problem("The student is not enrolled in this activity.", field=where))
            elif sess.cancelled:
                problems.append(Problem("The session is cancelled.", field=where))
            elif not in_enrollment(sess.starts_at, e.enrolled_on, e.dropped_on):
                problems.append(Problem("The session is outside the student's enrollment.", field=where))
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

        now = utcnow()
        R = AttendanceRecord
        inserts: list[dict[str, Any]] = []
        audit: list[dict[str, Any]] = []
        results: dict[Key, Mark] = {}
        touched: set[tuple[int, int]] = set()
        for c in changes:
            key = (c.session_id, c.student_id)
            old = stored.get(key)
            activity_id = sessions[c.session_id].activity_id
            if c.status_id is None:
                if old is None:
                    results[key] = _no_mark(c)
                    continue
                if _rowcount(conn.execute(delete(R).where(R.id == old.record_id, R.version == old.version))) != 1:
                    raise _RaceLost
                results[key] = _no_mark(c)
                audit.append(_audit_row(actor, "clear", old.record_id, _mark_audit(old), None, now))
            else:
                if old is not None and skip_existing:
                    results[key] = old.mark
                    continue
                part = (old.participation if old else None) if c.participation is None else (c.participation or None)
                remark = (old.remark if old else "") if c.remark is None else c.remark.strip()
                if old is not None and (old.status_id, old.participation, old.remark) == (c.status_id, part, remark):
                    results[key] = old.mark
                    continue
                if old is None:
                    inserts.append({"session_id": c.session_id, "student_id": c.student_id,
                                    "status_id": c.status_id, "participation": part, "remark": remark,
                                    "recorded_by": actor.id, "recorded_at": now, "version": 1,
                                    "created_at": now, "updated_at": now, "uid": new_uid()})
                    version = 1
                else:
                    version = old.version + 1
                    if _rowcount(conn.execute(update(R).where(R.id == old.record_id, R.version == old.version).values(
                            status_id=c.status_id, participation=part, remark=remark, version=version,
                            recorded_by=actor.id, recorded_at=now, updated_at=now))) != 1:
                        raise _RaceLost
                    audit.append(_audit_row(actor, "change", old.record_id, _mark_audit(old),
                                            {"status_id": c.status_id, "participation": part,
                                             "remark": remark}, now))
                results[key] = Mark(c.session_id, c.student_id, c.status_id, part, remark, version,
                                    actor.display_name, now)
            touched.add((c.student_id, activity_id))
        if inserts:
            ids = self._insert(s, inserts, skip_existing=skip_existing)
            for row in inserts:
                key = (row["session_id"], row["student_id"])
                if key not in ids:  # someone else marked it meanwhile (only when skipping)
                    results.pop(key, None)
                    continue
                audit.append(_audit_row(actor, "mark", ids[key], None,
                                        {"session_id": key[0], "student_id": key[1],
                                         "status_id": row["status_id"], "participation": row["participation"],
                                         "remark": row["remark"]}, now))
        if audit:
            conn.execute(insert(_table(AuditEntry)), audit)
        for student_id, activity_id in sorted(touched):
            tx.emit(AttendanceChanged(student_id, activity_id))
        tx.changes.add("attendance", *session_ids)
        if skip_existing:
            return [results[k] for k in ((c.session_id, c.student_id) for c in changes) if k in results]
        return [results[(c.session_id, c.student_id)] for c in changes]

    @staticmethod
    def _insert(s: Session, rows: list[dict[str, Any]], *, skip_existing: bool) -> dict[Key, int]:
        """Insert new records; a cell someone else marked meanwhile is skipped by the database
        (ON CONFLICT DO NOTHING) and reported as a lost race unless we were told to skip it."""
        table = _table(AttendanceRecord)
        dialect = s.get_bind().dialect.name
        if dialect == "postgresql":
            stmt: Any = pg_insert(table).on_conflict_do_nothing(index_elements=["session_id", "student_id"])
        else:
            stmt = sqlite_insert(table).on_conflict_do_nothing(index_elements=["session_id", "student_id"])
        stmt = stmt.returning(table.c.id, table.c.session_id, table.c.student_id)
        if len(rows) == 1:
            got = s.execute(stmt, rows[0]).all()
        else:
            got = s.execute(stmt, rows).all()
        ids = {(r.session_id, r.student_id): r.id for r in got}
        if len(ids) != len(rows) and not skip_existing:
            raise _RaceLost
        return ids

    def _race_conflict(self, changes: list[MarkChange]) -> AttendanceConflict:
        with read_only(self.db) as s:
            keys = {(c.session_id, c.student_id) for c in changes}
            stored = _stored(s, sorted({k[0] for k in keys}), sorted({k[1] for k in keys}))
            current = [stored[k].mark if k in stored else _no_mark_key(k) for k in sorted(keys)]
            statuses = {st.id: st for st in _statuses(s)}
            changed = [m for m in current if m.status_id is not None] or current
            return AttendanceConflict(_conflict_message(s, changed, statuses), current)


# --------------------------------------------------------------------------- helpers

Key = tuple[int, int]  # (session_id, student_id)
_CODE = re.compile(r"[A-Z0-9]")
_COLOUR = re.compile(r"#[0-9A-F]{6}")


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


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def _rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def _no_mark(c: MarkChange) -> Mark:
    return _no_mark_key((c.session_id, c.student_id))


def _no_mark_key(key: Key) -> Mark:
    return Mark(key[0], key[1], None, None, "", None, None, None)


_R = AttendanceRecord
# Driven from the activity's enrollments through the student index, with the session test done
# on each row ("+ 0"): looking records up session by session reads pages all over the table
# when records were not written session by session (0.23 s → 0.11 s for the demo's Athletics).
_GRID_RECORDS = (
    select(_R.session_id, _R.student_id, _R.status_id, _R.version, _R.participation)
    .join(ActivityProgress, (ActivityProgress.user_id == _R.student_id)
          & (ActivityProgress.activity_id == bindparam("activity")))
    .where((_R.session_id + 0).in_(
        select(ActivitySession.id).where(ActivitySession.activity_id == bindparam("activity"))))
)
_STORED = (
    select(_R.id, _R.session_id, _R.student_id, _R.status_id, _R.participation, _R.remark, _R.version,
           User.display_name, _R.recorded_at)
    .outerjoin(User, User.id == _R.recorded_by)
    .where(_R.session_id.in_(bindparam("sessions", expanding=True)),
           _R.student_id.in_(bindparam("students", expanding=True)))
)
_WRITE_SESSIONS = select(ActivitySession.id, ActivitySession.activity_id, ActivitySession.starts_at,
                         ActivitySession.cancelled).where(ActivitySession.id.in_(bindparam("ids", expanding=True)))
_WRITE_ENROLLED = (
    select(ActivityProgress.user_id, ActivityProgress.activity_id, ActivityProgress.enrolled_on,
           ActivityProgress.dropped_on, ActivityProgress.status)
    .where(ActivityProgress.activity_id.in_(bindparam("activities", expanding=True)),
           ActivityProgress.user_id.in_(bindparam("students", expanding=True)),
           ActivityProgress.status != ProgressStatus.WAITLISTED)
)


def _stored(s: Session, session_ids: list[int], student_ids: list[int]) -> dict[Key, _Stored]:
    rows = s.connection().execute(_STORED, {"sessions": session_ids, "students": student_ids})
    return {(r.session_id, r.student_id): _Stored(r.id, Mark(r.session_id, r.student_id, r.status_id,
                                                             r.participation, r.remark, r.version,
                                                             r.display_name, r.recorded_at))
            for r in rows}


def _marks(s: Session, session_ids: list[int], student_ids: list[int]) -> dict[Key, Mark]:
    if not session_ids or not student_ids:
        return {}
    return {k: v.mark for k, v in _stored(s, session_ids, student_ids).items()}


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


def _conflict_message(s: Session, current: list[Mark], statuses: dict[int, StatusInfo]) -> str:
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


def _status_info(r: Any) -> StatusInfo:
    return StatusInfo(r.id, r.code, r.label, r.colour, bool(r.counts_as_present), bool(r.counts_in_rate),
                      r.sort_order, bool(r.active))


def _status_audit(r: AttendanceStatus) -> dict[str, Any]:
    return {"code": r.code, "label": r.label, "colour": r.colour, "counts_as_present": r.counts_as_present,
            "counts_in_rate": r.counts_in_rate, "active": r.active}


_STATUSES = select(AttendanceStatus.id, AttendanceStatus.code, AttendanceStatus.label,
                   AttendanceStatus.colour, AttendanceStatus.counts_as_present,
                   AttendanceStatus.counts_in_rate, AttendanceStatus.sort_order,
                   AttendanceStatus.active).order_by(AttendanceStatus.sort_order, AttendanceStatus.id)


def _statuses(s: Session) -> list[StatusInfo]:
    return [_status_info(r) for r in s.connection().execute(_STATUSES)]


def _activity_name(s: Session, activity_id: int) -> str:
    name = s.scalar(select(Activity.name).where(Activity.id == activity_id))
    if name is None:
        raise NotFound(f"No activity with id {activity_id}.")
    return name


_SESSION_COLUMNS = (ActivitySession.id, ActivitySession.activity_id, ActivitySession.starts_at,
                    ActivitySession.ends_at, ActivitySession.location, ActivitySession.cancelled,
                    ActivitySession.note)


def _session_ref(s: Session, session_id: int) -> SessionRef:
    row = s.execute(select(*_SESSION_COLUMNS).where(ActivitySession.id == session_id)).first()
    if row is None:
        raise NotFound(f"No session with id {session_id}.")
    return SessionRef(*row)


def _sessions(s: Session, activity_id: int) -> list[SessionRef]:
    return [SessionRef(*r) for r in s.execute(
        select(*_SESSION_COLUMNS).where(ActivitySession.activity_id == activity_id)
        .order_by(ActivitySession.starts_at, ActivitySession.id))]


def _students(s: Session, activity_id: int) -> list[StudentRef]:
    """Everyone who is or was enrolled (waitlisted students never were), by name."""
    p = ActivityProgress
    return [StudentRef(r.user_id, r.display_name, r.grade, r.class_name, r.enrolled_on, r.dropped_on,
                       r.status.value)
            for r in s.execute(
                select(p.user_id, User.display_name, User.grade, User.class_name, p.enrolled_on,
                       p.dropped_on, p.status)
                .join(User, User.id == p.user_id)
                .where(p.activity_id == activity_id, p.status != ProgressStatus.WAITLISTED)
                .order_by(User.display_name, User.id))]


def build_grid(activity_id: int, name: str, statuses: tuple[StatusInfo, ...],
               students: tuple[StudentRef, ...], sessions: tuple[SessionRef, ...],
               records: Sequence[tuple[int, int, int, int, int | None]], now: datetime) -> AttendanceGrid:
    """The compact grid from plain rows; figures from the one rule in tracker.domain.attendance."""
    n = len(sessions)
    starts = [x.starts_at for x in sessions]
    base = array("b", [NOT_APPLICABLE if x.cancelled else NO_MARK for x in sessions])
    blank = array("b", [NOT_APPLICABLE]) * n
    cells = array("b")
    for st in students:
        lo, hi = window(starts, st.enrolled_on, st.dropped_on)
        cells.extend(blank[:lo])
        cells.extend(base[lo:hi])
        cells.extend(blank[hi:])
    size = len(cells)
    versions = array("i", [0]) * size
    participation = array("b", [0]) * size
    row_of = {st.id: i * n for i, st in enumerate(students)}
    col_of = {x.id: j for j, x in enumerate(sessions)}
    index_of = {st.id: i for i, st in enumerate(statuses)}
    for session_id, student_id, status_id, version, part in records:
        base_i = row_of.get(student_id)
        if base_i is None:
            continue
        i = base_i + col_of[session_id]
        if cells[i] == NOT_APPLICABLE:
            continue  # a record outside the enrollment window: never shown, never counted
        cells[i] = index_of[status_id]
        versions[i] = version
        participation[i] = part or 0
    rules = [StatusRule(st.counts_as_present, st.counts_in_rate) for st in statuses]
    held = held_count(starts, now)
    rates: list[float | None] = []
    absences: list[int] = []
    for r in range(len(students)):
        figures = row_figures(cells[r * n: r * n + held], rules)
        rates.append(figures.rate)
        absences.append(figures.trailing_absences)
    return AttendanceGrid(activity_id, name, statuses, students, sessions, cells, versions, participation,
                          rates, absences, present_per_session(cells, rules, n))


def parse_paste(grid: AttendanceGrid, top: int, left: int, text: str) -> list[MarkChange]:
    """Tab-separated text (codes or status labels, any case) → changes from (top, left).

    Pure (no database): the grid's snapshot gives the statuses, the cells and their versions.
    Raises ValidationError listing every bad value with its row and column (1-based, in the
    pasted block) and every cell that falls outside the grid or on a not-applicable cell.
    Empty cells leave the grid as it is; so do values equal to what the cell holds."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()  # the newline spreadsheets put after the last row
    by_code = {st.code.upper(): st for st in grid.statuses}
    by_label = {st.label.casefold(): st for st in grid.statuses}
    rows, cols = len(grid.students), len(grid.sessions)
    problems: list[Problem] = []
    changes: list[MarkChange] = []
    for r, line in enumerate(lines, start=1):
        for c, raw in enumerate(line.split("\t"), start=1):
            value = raw.strip()
            if not value:
                continue
            where = {"row": r, "column": str(c)}
            st = by_code.get(value.upper()) or by_label.get(value.casefold())
            if st is None:
                known = ", ".join(f"{x.code} ({x.label})" for x in grid.statuses if x.active)
                problems.append(Problem(f"{value!r} is not a status; use {known}.", **where))  # type: ignore[arg-type]
                continue
            if not st.active:
                problems.append(Problem(f"The status {st.label} is no longer in use.", **where))  # type: ignore[arg-type]
                continue
            gr, gc = top + r - 1, left + c - 1
            if not (0 <= gr < rows and 0 <= gc < cols):
                problems.append(Problem("This value falls outside the grid.", **where))  # type: ignore[arg-type]
                continue
            i = grid.index(gr, gc)
            cell = grid.cells[i]
            if cell == NOT_APPLICABLE:
                problems.append(Problem(
                    f"{grid.students[gr].name} cannot be marked on "
                    f"{grid.sessions[gc].starts_at:%d %b} (not enrolled then, or cancelled).", **where))  # type: ignore[arg-type]
                continue
            if cell >= 0 and grid.statuses[cell].id == st.id:
                continue
            changes.append(MarkChange(grid.sessions[gc].id, grid.students[gr].id, st.id,
                                      expected_version=grid.versions[i] or None))
    if problems:
        head = ("1 pasted value" if len(problems) == 1 else f"{len(problems)} pasted values") + \
            " cannot be used; nothing was changed."
        raise ValidationError(head, problems)
    return changes

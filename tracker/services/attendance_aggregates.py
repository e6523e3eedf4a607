"""Maintained attendance counts: the marks, counted marks and present marks of every enrollment
(``enrollment_attendance``) and of every session (``session_attendance``).

Rates and weekly trends are read from these rows (one per enrollment or session) instead of from
every attendance record; they are kept exact in the transaction of each write that changes them:

* a mark set, changed or cleared (``attendance_marks.write_marks``, the one write path of
  single marks, ranges, pastes, undo and "mark the rest present"): :class:`Deltas`, +1 / −1 from
  the statuses before and after, then :func:`apply_delta`;
* a session cancelled, restored, moved or deleted (``calendar``): :func:`session_changed`;
* an attendance status whose ``counts_in_rate`` / ``counts_as_present`` changed:
  :func:`status_rules_changed`;
* an enrollment's period changed (enrolling again, dropping, promoting: every such change goes
  through ``recompute.record_status``): :func:`recount_enrollment`;
* an enrollment, a session or a student deleted: the rows go with them (``ON DELETE CASCADE``);
* bulk writes that bypass the services (the demo school): :func:`rebuild`.

A mark is in an enrollment's counts when its session is not cancelled and starts on or after the
enrollment day and before the drop day (:func:`tracker.domain.attendance.in_enrollment`); a
session's counts hold every mark on it. Whether a session has started depends on the clock, not
on a write, so sessions still to come are *in* the counts and :func:`held_marks` takes their marks
off when reading (a session can be marked 15 minutes early; there are few such marks). A missing
row means zeros. :func:`check` recomputes everything from the records and lists the differences
(``activity-tracker check-aggregates``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    Select,
    Table,
    and_,
    bindparam,
    case,
    delete,
    event,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import String

from tracker.db.models import (
    ActivityProgress,
    ActivitySession,
    AttendanceRecord,
    AttendanceStatus,
    EnrollmentAttendance,
    SessionAttendance,
    new_uid,
    utcnow,
)
from tracker.domain.attendance import StatusRule, in_enrollment

Query = Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class Counts:
    """Marks, marks that count in the rate, and present marks (or changes of them)."""

    marks: int = 0
    counted: int = 0
    present: int = 0

    @classmethod
    def of(cls, rule: StatusRule) -> Counts:
        """What one mark of a status with this rule adds."""
        return cls(1, int(rule.counts_in_rate), int(rule.present))

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.marks + other.marks, self.counted + other.counted, self.present + other.present)

    def __sub__(self, other: Counts) -> Counts:
        return Counts(self.marks - other.marks, self.counted - other.counted, self.present - other.present)

    def times(self, k: int) -> Counts:
        return Counts(self.marks * k, self.counted * k, self.present * k)

    def __str__(self) -> str:
        return f"marks {self.marks}, counted {self.counted}, present {self.present}"


ZERO = Counts()


@dataclass
class Deltas:
    """Changes of the counts collected during one write, written by :func:`apply_delta`."""

    enrollments: dict[int, Counts] = field(default_factory=lambda: defaultdict(Counts))
    sessions: dict[int, Counts] = field(default_factory=lambda: defaultdict(Counts))

    def mark(self, session_id: int, progress_id: int | None, rule: StatusRule, sign: int) -> None:
        """A mark with ``rule`` added (+1) or taken away (−1) on the session; ``progress_id`` is
        the enrollment whose counts hold it (None: the mark is in no enrollment's counts)."""
        change = Counts.of(rule).times(sign)
        self.sessions[session_id] += change
        if progress_id is not None:
            self.enrollments[progress_id] += change


def in_counts(starts_at: datetime, cancelled: bool, enrolled_on: date | None, dropped_on: date | None) -> bool:
    """Whether a mark on a session starting at ``starts_at`` is in the enrollment's counts."""
    return not cancelled and in_enrollment(starts_at, enrolled_on, dropped_on)


# --------------------------------------------------------------------------- writing


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


_KEYS = {"enrollment_attendance": "progress_id", "session_attendance": "session_id"}
_MODELS: dict[str, type[EnrollmentAttendance] | type[SessionAttendance]] = {
    "enrollment_attendance": EnrollmentAttendance, "session_attendance": SessionAttendance}


@lru_cache(maxsize=8)
def _upsert(dialect: str, table_name: str, add: bool) -> Any:
    """INSERT of a row, or on its key: the counts added (``add``) or replaced."""
    t = _table(_MODELS[table_name])
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(t)
    value = {c: (t.c[c] + stmt.excluded[c]) if add else stmt.excluded[c] for c in ("marks", "counted", "present")}
    return stmt.on_conflict_do_update(index_elements=[t.c[_KEYS[table_name]]], set_={
        **value, "version": t.c.version + 1, "updated_at": stmt.excluded.updated_at})


def _write(conn: Connection, model: type[Any], counts: Mapping[int, Counts], *, add: bool) -> None:
    """Upsert the rows of ``counts`` (changes when ``add``, else the new values), one statement."""
    now = utcnow()
    rows = [{_KEYS[model.__tablename__]: key, "marks": c.marks, "counted": c.counted, "present": c.present,
             "uid": new_uid(), "created_at": now, "updated_at": now, "version": 1}
            for key, c in sorted(counts.items()) if not add or c != ZERO]  # in key order: no deadlocks
    if rows:
        conn.execute(_upsert(conn.dialect.name, model.__tablename__, add), rows[0] if len(rows) == 1 else rows)


def apply_delta(conn: Connection, deltas: Deltas) -> None:
    """Add the collected changes to the stored counts (rows are created as needed)."""
    _write(conn, EnrollmentAttendance, deltas.enrollments, add=True)
    _write(conn, SessionAttendance, deltas.sessions, add=True)


@dataclass(frozen=True)
class SessionState:
    """What of a session decides whether its marks count for an enrollment."""

    starts_at: datetime
    cancelled: bool


_R, _S, _P, _ST = AttendanceRecord, ActivitySession, ActivityProgress, AttendanceStatus
_SESSION_MARKS = (
    select(_P.id, _P.enrolled_on, _P.dropped_on, _ST.counts_as_present, _ST.counts_in_rate)
    .select_from(_R)
    .join(_ST, _ST.id == _R.status_id)
    .join(_P, and_(_P.user_id == _R.student_id, _P.activity_id == bindparam("activity")))
    .where(_R.session_id == bindparam("session"))
)


def session_changed(conn: Connection, session_id: int, activity_id: int,
                    before: SessionState, after: SessionState | None) -> None:
    """A session was moved, cancelled or restored (``after``), or is about to be deleted
    (``after`` None: call it before the delete): each of its marks leaves or joins the counts of
    its student's enrollment. The session's own counts do not depend on either."""
    deltas = Deltas()
    for pid, enrolled_on, dropped_on, present, in_rate in conn.execute(
            _SESSION_MARKS, {"session": session_id, "activity": activity_id}):
        was = in_counts(before.starts_at, before.cancelled, enrolled_on, dropped_on)
        now = after is not None and in_counts(after.starts_at, after.cancelled, enrolled_on, dropped_on)
        if was != now:
            deltas.enrollments[pid] += Counts.of(StatusRule(present, in_rate)).times(1 if now else -1)
    apply_delta(conn, deltas)


def status_rules_changed(conn: Connection, status_id: int, before: StatusRule, after: StatusRule) -> None:
    """A status now counts differently: every row holding marks of it changes by their number."""
    step = Counts.of(after) - Counts.of(before)
    if step == ZERO:
        return
    deltas = Deltas()
    for pid, n in conn.execute(_enrollment_select(select(_P.id, func.count()), _R.status_id == status_id)
                               .group_by(_P.id)):
        deltas.enrollments[pid] = step.times(int(n))
    for sid, n in conn.execute(select(_R.session_id, func.count()).where(_R.status_id == status_id)
                               .group_by(_R.session_id)):
        deltas.sessions[sid] = step.times(int(n))
    apply_delta(conn, deltas)


def recount_enrollment(conn: Connection, progress_id: int, student_id: int, activity_id: int,
                       enrolled_on: date | None, dropped_on: date | None) -> None:
    """Count one enrollment's row again from its records, for the period given (its new one,
    which the ORM may not have written yet): enrolling again or dropping moves the period."""
    s, r = _S, _R
    q = (_counted(select(func.count()))
         .select_from(r).join(s, s.id == r.session_id).join(_ST, _ST.id == r.status_id)
         .where(r.student_id == student_id, s.activity_id == activity_id, s.cancelled.is_(False)))
    if enrolled_on is not None:
        q = q.where(s.starts_at >= datetime.combine(enrolled_on, time.min))
    if dropped_on is not None:
        q = q.where(s.starts_at < datetime.combine(dropped_on, time.min))
    marks, counted, present = conn.execute(q).one()
    _write(conn, EnrollmentAttendance, {progress_id: Counts(int(marks), int(counted or 0), int(present or 0))},
           add=False)


# The services write records with Core statements and pass their changes to apply_delta; a
# record written through the ORM (a script, a test, a one-off repair) is counted by these mapper
# events, in the flush that writes it, so that no path leaves the counts behind.

_MARK_CONTEXT = (
    select(_S.activity_id, _S.starts_at, _S.cancelled, _ST.counts_as_present, _ST.counts_in_rate,
           _P.id, _P.enrolled_on, _P.dropped_on)
    .select_from(_S)
    .join(_ST, _ST.id == bindparam("status"))
    .outerjoin(_P, and_(_P.user_id == bindparam("student"), _P.activity_id == _S.activity_id))
    .where(_S.id == bindparam("session"))
)


def _count_record(conn: Connection, deltas: Deltas, session_id: int, student_id: int, status_id: int,
                  sign: int) -> None:
    row = conn.execute(_MARK_CONTEXT, {"session": session_id, "student": student_id, "status": status_id}).one()
    holder = row.id if row.id is not None and in_counts(row.starts_at, row.cancelled, row.enrolled_on,
                                                        row.dropped_on) else None
    deltas.mark(session_id, holder, StatusRule(row.counts_as_present, row.counts_in_rate), sign)


def _stored_value(target: AttendanceRecord, name: str) -> Any:
    """The attribute as the database holds it (before the pending change, if any)."""
    history = sa_inspect(target).attrs[name].history
    return (history.deleted or history.unchanged or [getattr(target, name)])[0]


def _orm_record_written(conn: Connection, target: AttendanceRecord, *, added: bool, removed: bool) -> None:
    deltas = Deltas()
    if removed:
        _count_record(conn, deltas, _stored_value(target, "session_id"), _stored_value(target, "student_id"),
                      _stored_value(target, "status_id"), -1)
    if added:
        _count_record(conn, deltas, target.session_id, target.student_id, target.status_id, +1)
    apply_delta(conn, deltas)


@event.listens_for(AttendanceRecord, "after_insert")
def _record_inserted(_mapper: Any, conn: Connection, target: AttendanceRecord) -> None:
    _orm_record_written(conn, target, added=True, removed=False)


@event.listens_for(AttendanceRecord, "before_update")
def _record_updated(_mapper: Any, conn: Connection, target: AttendanceRecord) -> None:
    state = sa_inspect(target)
    if any(state.attrs[name].history.has_changes() for name in ("session_id", "student_id", "status_id")):
        _orm_record_written(conn, target, added=True, removed=True)


@event.listens_for(AttendanceRecord, "after_delete")
def _record_deleted(_mapper: Any, conn: Connection, target: AttendanceRecord) -> None:
    _orm_record_written(conn, target, added=False, removed=True)


# --------------------------------------------------------------------------- recomputing


def _counted(q: Query) -> Query:
    """``q`` with the counted and present sums of the joined statuses added."""
    in_rate = _ST.counts_in_rate.is_(True)
    return q.add_columns(func.sum(case((in_rate, 1), else_=0)),
                         func.sum(case((and_(in_rate, _ST.counts_as_present.is_(True)), 1), else_=0)))


def _enrollment_select(q: Query, *where: ColumnElement[bool]) -> Query:
    """``q`` over the records in some enrollment's counts (records, sessions, enrollments)."""
    return (q.select_from(_R)
            .join(_S, _S.id == _R.session_id)
            .join(_P, and_(_P.user_id == _R.student_id, _P.activity_id == _S.activity_id))
            .where(_S.cancelled.is_(False),
                   or_(_P.enrolled_on.is_(None), _S.starts_at >= _P.enrolled_on),
                   or_(_P.dropped_on.is_(None), _S.starts_at < _P.dropped_on), *where))


def _recomputed_enrollments(ids: Collection[int] | None) -> Query:
    q = _enrollment_select(_counted(select(_P.id, func.count())).join(_ST, _ST.id == _R.status_id))
    if ids is not None:
        q = q.where(_P.id.in_(list(ids)))
    return q.group_by(_P.id)


def _recomputed_sessions(ids: Collection[int] | None) -> Query:
    q = _counted(select(_R.session_id, func.count())).select_from(_R).join(_ST, _ST.id == _R.status_id)
    if ids is not None:
        q = q.where(_R.session_id.in_(list(ids)))
    return q.group_by(_R.session_id)


class random_uid(FunctionElement[str]):  # noqa: N801 - an SQL function's name
    """A version-4 UUID made by the database (rows written by INSERT … SELECT)."""

    type = String()
    inherit_cache = True


@compiles(random_uid, "sqlite")
def _random_uid_sqlite(element: random_uid, compiler: SQLCompiler, **kw: Any) -> str:
    return ("lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)"
            " || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(hex(randomblob(2)), 2) || '-'"
            " || hex(randomblob(6)))")


@compiles(random_uid)
def _random_uid_default(element: random_uid, compiler: SQLCompiler, **kw: Any) -> str:
    return "CAST(gen_random_uuid() AS VARCHAR)"


@dataclass(frozen=True)
class Scope:
    """Which rows :func:`rebuild` makes again: enrollment ids and session ids (None: all)."""

    enrollments: Collection[int] | None = None
    sessions: Collection[int] | None = None


EVERYTHING = Scope()


def rebuild(conn: Connection, scope: Scope = EVERYTHING) -> None:
    """Recompute the rows in ``scope`` from the attendance records (one INSERT … SELECT … GROUP BY
    per table): after bulk writes, and to repair what :func:`check` found."""
    now = literal(utcnow())
    for model, ids, recomputed in ((EnrollmentAttendance, scope.enrollments, _recomputed_enrollments),
                                   (SessionAttendance, scope.sessions, _recomputed_sessions)):
        if ids is not None and not ids:
            continue
        table = _table(model)
        key = table.c[_KEYS[model.__tablename__]]
        gone = delete(table)
        conn.execute(gone if ids is None else gone.where(key.in_(list(ids))))
        source = recomputed(ids).subquery()
        conn.execute(insert(table).from_select(
            [key.name, "marks", "counted", "present", "uid", "created_at", "updated_at", "version"],
            select(*source.c, random_uid(), now, now, literal(1))))


@dataclass(frozen=True)
class Difference:
    """A stored row that is not what the records say."""

    table: str
    key: int  # enrollment (progress) id or session id
    stored: Counts
    recomputed: Counts

    @property
    def key_name(self) -> str:
        return _KEYS[self.table]

    def __str__(self) -> str:
        return f"{self.table} {self.key_name} {self.key}: stored {self.stored}; recomputed {self.recomputed}"


def check(conn: Connection) -> list[Difference]:
    """Every row whose stored counts differ from a recomputation from the records (a missing
    row counts as zeros); empty when the aggregates are exact."""
    out: list[Difference] = []
    for model, recomputed in ((EnrollmentAttendance, _recomputed_enrollments(None)),
                              (SessionAttendance, _recomputed_sessions(None))):
        table = _table(model)
        key = table.c[_KEYS[model.__tablename__]]
        stored = {k: Counts(m, c, p) for k, m, c, p in conn.execute(
            select(key, table.c.marks, table.c.counted, table.c.present))}
        fresh = {k: Counts(int(m), int(c or 0), int(p or 0)) for k, m, c, p in conn.execute(recomputed)}
        for k in sorted(stored.keys() | fresh.keys()):
            was, now = stored.get(k, ZERO), fresh.get(k, ZERO)
            if was != now:
                out.append(Difference(model.__tablename__, k, was, now))
    return out


# --------------------------------------------------------------------------- reading


def held_marks(conn: Connection, enrollments: ColumnElement[bool], now: datetime,
               activity_ids: Collection[int] | None = None) -> dict[tuple[int, int], Counts]:
    """Per (activity, enrollment) matching ``enrollments`` (a condition on ``ActivityProgress``,
    within ``activity_ids`` when given): the enrollment's marks on held sessions of its period —
    the stored counts less the marks of sessions that have not started by ``now``. Enrollments
    without marks are left out."""
    ea = EnrollmentAttendance
    out = {(a, pid): Counts(m, c, p) for a, pid, m, c, p in conn.execute(
        select(_P.activity_id, ea.progress_id, ea.marks, ea.counted, ea.present)
        .join(_P, _P.id == ea.progress_id).where(enrollments))}
    upcoming = upcoming_marked(conn, now, activity_ids)
    if upcoming:
        for (a, pid), counts in not_held_yet(conn, enrollments, upcoming).items():
            out[(a, pid)] = out.get((a, pid), ZERO) - counts
    return out


def held_rate_groups(conn: Connection, enrollments: ColumnElement[bool], now: datetime,
                     activity_ids: Collection[int] | None = None) -> list[tuple[int, int, int, int]]:
    """:func:`held_marks` gathered for averages of rates over thousands of enrollments:
    (activity, present, counted, how many of its enrollments have exactly these), a few rows per
    activity. One row per enrollment while marks of sessions to come must be taken off."""
    if upcoming_marked(conn, now, activity_ids):
        return [(a, c.present, c.counted, 1) for (a, _), c in held_marks(conn, enrollments, now, activity_ids).items()]
    ea = EnrollmentAttendance
    key = (_P.activity_id, ea.present, ea.counted)
    # "+ 0": SQLite then reads the counts in their order and finds each enrollment by its key,
    # instead of probing the counts' index once per enrollment (a third less time)
    return [(a, p, c, int(n)) for a, p, c, n in conn.execute(
        select(*key, func.count()).join(_P, _P.id == ea.progress_id + 0).where(enrollments).group_by(*key))]


def marked_ahead(activity_id: ColumnElement[int] | InstrumentedAttribute[int],
                 now: ColumnElement[datetime]) -> ColumnElement[bool]:
    """Whether the activity has marks on sessions not started by ``now`` (an SQL EXISTS, read
    with an enrollment's counts so that :func:`less_not_held` runs only when it has work)."""
    sa = SessionAttendance
    return (select(sa.session_id).join(_S, _S.id == sa.session_id)
            .where(_S.activity_id == activity_id, _S.starts_at > now, _S.cancelled.is_(False), sa.marks > 0)
            .exists())


def less_not_held(conn: Connection, progress_id: int, activity_id: int, stored: Counts, now: datetime) -> Counts:
    """One enrollment's stored counts less its marks on sessions not started by ``now``."""
    upcoming = upcoming_marked(conn, now, [activity_id])
    early = not_held_yet(conn, _P.id == progress_id, upcoming) if upcoming else {}
    return stored - early.get((activity_id, progress_id), ZERO)


@lru_cache(maxsize=2)
def _upcoming_statement(by_activity: bool) -> Any:
    sa = SessionAttendance
    q = (select(_S.id).join(sa, sa.session_id == _S.id)
         .where(_S.starts_at > bindparam("now", type_=DateTime), _S.cancelled.is_(False), sa.marks > 0))
    return q.where(_S.activity_id.in_(bindparam("activities", expanding=True))) if by_activity else q


def upcoming_marked(conn: Connection, now: datetime, activity_ids: Collection[int] | None = None) -> list[int]:
    """The sessions (of these activities) that hold marks but have not started by ``now``: the
    few marked up to 15 minutes early, or moved to a later day after being marked. (Built once:
    every mark's recompute asks.)"""
    params: dict[str, Any] = {"now": now}
    if activity_ids is not None:
        params["activities"] = list(activity_ids)
    return list(conn.scalars(_upcoming_statement(activity_ids is not None), params))


def not_held_yet(conn: Connection, enrollments: ColumnElement[bool],
                 sessions: list[int]) -> dict[tuple[int, int], Counts]:
    """Per (activity, enrollment) matching ``enrollments``: the marks in its counts on these
    sessions (those of :func:`upcoming_marked`), to be taken off what is stored."""
    q = _enrollment_select(_counted(select(_P.activity_id, _P.id, func.count())).join(_ST, _ST.id == _R.status_id),
                           _R.session_id.in_(sessions), enrollments).group_by(_P.activity_id, _P.id)
    return {(a, pid): Counts(int(m), int(c or 0), int(p or 0)) for a, pid, m, c, p in conn.execute(q)}

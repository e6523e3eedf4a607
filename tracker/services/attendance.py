"""Attendance: statuses, taking attendance for a session, the term grid, bulk edits and paste.

The dataclasses (defined in :mod:`~tracker.services.attendance_types`, re-exported here) and the
method signatures are the interface the widgets are written against.
Reads are a few selects of plain tuples (the grid of 1,200 students × 200 sessions is built
from compact arrays, never ORM objects); writes go through ``apply``: one unit of work, Core
statements guarded by the record's version, an audit row per cell, and an ``AttendanceChanged``
event per student so that progress and completion are recomputed in the same transaction.
The rate rule itself lives in :mod:`tracker.domain.attendance`; the write path in
:mod:`~tracker.services.attendance_marks`, status administration in
:mod:`~tracker.services.attendance_status` and the grid layout in
:mod:`~tracker.services.attendance_grid` (they build the dataclasses of
:mod:`~tracker.services.attendance_types`).

Conflicts: every write of an existing record is ``UPDATE … WHERE version = <seen>`` and every
new record is ``INSERT … ON CONFLICT DO NOTHING``; a cell someone else changed in between
turns the whole call into :class:`AttendanceConflict` with what is stored now.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db.models import Activity, ActivityProgress, ActivitySession, AttendanceRecord, User
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.attendance import can_mark, in_enrollment, not_yet_markable
from tracker.domain.enums import ProgressStatus
from tracker.domain.policy import Actor, Permission
from tracker.domain.standing import attendance_threshold
from tracker.errors import NotFound, Problem, ValidationError
from tracker.services.attendance_grid import GRID_RECORDS, build_grid
from tracker.services.attendance_marks import RaceLost, race_conflict, stored_marks, write_marks
from tracker.services.attendance_status import all_statuses, save_status
from tracker.services.attendance_types import (
    NO_MARK,
    NOT_APPLICABLE,
    AttendanceConflict,
    AttendanceGrid,
    AttendanceSheet,
    Mark,
    MarkChange,
    SessionRef,
    StatusInfo,
    StudentRef,
)
from tracker.services.base import Service, require, require_active

__all__ = [
    "NO_MARK",
    "NOT_APPLICABLE",
    "AttendanceConflict",
    "AttendanceGrid",
    "AttendanceService",
    "AttendanceSheet",
    "Mark",
    "MarkChange",
    "SessionRef",
    "StatusInfo",
    "StudentRef",
    "parse_paste",
]


class AttendanceService(Service):
    # ------------------------------------------------------------------ statuses
    def statuses(self, actor: Actor, *, include_inactive: bool = False) -> list[StatusInfo]:
        """The configured statuses in their order (any signed-in user may read them)."""
        with read_only(self.db) as s:
            require_active(s, actor)
            return [st for st in all_statuses(s) if include_inactive or st.active]

    def save_status(self, actor: Actor, status_id: int | None, *, code: str, label: str, colour: str,
                    counts_as_present: bool, counts_in_rate: bool, active: bool = True) -> StatusInfo:
        """Admin: create (status_id None) or edit a status. Codes are one letter, unique.

        A status is never deleted: deactivating it keeps every record that uses it readable (and
        counted by its rules) while it can no longer be chosen for new marks. At least one
        active status must count as present (what "mark the rest present" uses). Changing how a
        status counts recomputes completion of the enrollments it can affect."""
        with unit_of_work(self.db) as tx:
            return save_status(tx, actor, status_id, code=code, label=label, colour=colour,
                               counts_as_present=counts_as_present, counts_in_rate=counts_in_rate,
                               active=active)

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
            marks = stored_marks(s, [session_id], [st.id for st in students])
            return AttendanceSheet(ref.activity_id, name, ref, tuple(all_statuses(s)), students,
                                   {m.student_id: m for m in marks.values()})

    def grid(self, actor: Actor, activity_id: int, *, now: datetime | None = None) -> AttendanceGrid:
        """The term grid of an activity, built from a few selects of plain tuples."""
        now = now or datetime.now()
        with read_only(self.db) as s:
            name = _activity_name(s, activity_id)
            require(s, actor, Permission.TAKE_ATTENDANCE, activity_id=activity_id)
            minimum = s.scalar(select(Activity.min_attendance_pct).where(Activity.id == activity_id))
            statuses = tuple(all_statuses(s))
            sessions = tuple(_sessions(s, activity_id))
            students = tuple(_students(s, activity_id))
            records = s.connection().execute(GRID_RECORDS, {"activity": activity_id}).all()
        return build_grid(activity_id, name, statuses, students, sessions, records, now,
                          min_attendance=attendance_threshold(minimum))

    # ------------------------------------------------------------------ writes
    def apply(self, actor: Actor, changes: list[MarkChange], *, now: datetime | None = None) -> list[Mark]:
        """All-or-nothing write of cell changes (one mark, a range, a paste, an undo).

        Refuses cells that are not applicable and marks of sessions that cannot be marked yet
        (more than 15 minutes before they start, as of ``now``): ValidationError; conflicts raise
        AttendanceConflict with the stored marks; progress/completion are recomputed in the same
        transaction (AttendanceChanged events). ``participation`` 0 clears the rating."""
        changes = list(changes)
        try:
            with unit_of_work(self.db) as tx:
                return write_marks(tx, actor, changes, now=now)
        except RaceLost:
            raise race_conflict(self.db, changes) from None

    def mark_rest_present(self, actor: Actor, session_id: int, *, now: datetime | None = None) -> list[Mark]:
        """Mark every enrolled student without a record as Present; never overwrites.

        Returns the marks written (a student marked meanwhile elsewhere is left as they are).
        A session that cannot be marked yet (as of ``now``) is refused, as in :meth:`apply`."""
        now = now or datetime.now()
        with unit_of_work(self.db) as tx:
            s = tx.session
            ref = _session_ref(s, session_id)
            require(s, actor, Permission.TAKE_ATTENDANCE, activity_id=ref.activity_id)
            if ref.cancelled:
                raise ValidationError("This session is cancelled; there is no attendance to take.")
            if not can_mark(ref.starts_at, now):
                raise ValidationError(not_yet_markable(ref.starts_at))
            present = next((st for st in all_statuses(s)
                            if st.active and st.counts_as_present and st.counts_in_rate), None)
            if present is None:
                raise ValidationError("No active status counts as present.")
            students = [st.id for st in _students(s, ref.activity_id)
                        if in_enrollment(ref.starts_at, st.enrolled_on, st.dropped_on)]
            marked = set(s.scalars(select(AttendanceRecord.student_id)
                                   .where(AttendanceRecord.session_id == session_id)))
            todo = [MarkChange(session_id, sid, present.id) for sid in students if sid not in marked]
            return write_marks(tx, actor, todo, skip_existing=True, now=now)


# --------------------------------------------------------------------------- helpers

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

"""The session calendar: weekly patterns, school holidays, single-session exceptions.

Sessions are generated from an activity's weekly patterns (:mod:`tracker.domain.schedule`).
Editing a pattern regenerates its sessions; a session that already has attendance is never
changed or deleted by that. Each generated session is keyed by its pattern and the day it was
generated for, so a moved or cancelled session keeps its exception when the pattern changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from tracker.db.models import Activity, ActivityProgress, ActivitySession, AttendanceRecord, Holiday, Schedule
from tracker.db.uow import UnitOfWork, read_only, unit_of_work
from tracker.domain.changes import ChangeKind
from tracker.domain.enums import ProgressStatus
from tracker.domain.policy import Actor, Permission
from tracker.domain.schedule import (
    WeeklyPattern,
    describe_weekdays,
    parse_weekdays,
    pattern_slots,
    validate_pattern,
    weekdays_text,
)
from tracker.errors import NotFound, Problem, ValidationError
from tracker.services.attendance_aggregates import SessionState, session_changed
from tracker.services.base import Service, activity_or_404, require, require_active
from tracker.services.scoping import visible


@dataclass(frozen=True)
class ScheduleInfo:
    id: int
    uid: str
    activity_id: int
    weekdays: tuple[int, ...]
    start_time: time
    end_time: time
    start_date: date
    end_date: date
    location: str
    version: int

    @property
    def days_text(self) -> str:
        return describe_weekdays(self.weekdays)

    @property
    def pattern(self) -> WeeklyPattern:
        return WeeklyPattern(frozenset(self.weekdays), self.start_time, self.end_time,
                             self.start_date, self.end_date)


@dataclass
class ScheduleInput:
    weekdays: Iterable[int]
    start_time: time | None
    end_time: time | None
    start_date: date | None
    end_date: date | None
    location: str = ""


@dataclass(frozen=True)
class SessionInfo:
    id: int
    uid: str
    activity_id: int
    activity_name: str
    schedule_id: int | None
    starts_at: datetime
    ends_at: datetime
    original_starts_at: datetime | None
    location: str
    cancelled: bool
    note: str
    has_attendance: bool

    @property
    def moved(self) -> bool:
        return self.original_starts_at is not None and self.original_starts_at != self.starts_at

    @property
    def extra(self) -> bool:
        return self.schedule_id is None


@dataclass(frozen=True)
class HolidayInfo:
    id: int
    day: date
    name: str


@dataclass(frozen=True)
class RegenerateResult:
    created: int = 0
    updated: int = 0
    removed: int = 0
    kept: int = 0  # sessions left alone because they have attendance


# --------------------------------------------------------------------------- helpers


def _attended_ids(s: Session, session_ids: Iterable[int]) -> set[int]:
    ids = list(session_ids)
    if not ids:
        return set()
    found: set[int] = set()
    for chunk in range(0, len(ids), 500):
        found |= set(s.scalars(select(AttendanceRecord.session_id).distinct()
                               .where(AttendanceRecord.session_id.in_(ids[chunk:chunk + 500]))))
    return found


def has_attendance(s: Session, session_id: int) -> bool:
    return bool(s.scalar(select(exists().where(AttendanceRecord.session_id == session_id))))


def holiday_days(s: Session) -> set[date]:
    return set(s.scalars(select(Holiday.day)))


def _schedule_info(r: Schedule) -> ScheduleInfo:
    return ScheduleInfo(r.id, r.uid, r.activity_id, tuple(sorted(parse_weekdays(r.weekdays))),
                        r.start_time, r.end_time, r.start_date, r.end_date, r.location, r.version)


def pattern_of(r: Schedule) -> WeeklyPattern:
    return WeeklyPattern.of(r.weekdays, r.start_time, r.end_time, r.start_date, r.end_date)


def slot_day(session: ActivitySession) -> date:
    """The day a generated session was generated for (its original day when moved)."""
    return (session.original_starts_at or session.starts_at).date()


def session_infos(s: Session, rows: list[ActivitySession]) -> list[SessionInfo]:
    names = dict(s.execute(select(Activity.id, Activity.name)
                           .where(Activity.id.in_({r.activity_id for r in rows}))).all())
    attended = _attended_ids(s, [r.id for r in rows])
    return [SessionInfo(r.id, r.uid, r.activity_id, names.get(r.activity_id, ""), r.schedule_id,
                        r.starts_at, r.ends_at, r.original_starts_at, r.location, r.cancelled,
                        r.note or "", r.id in attended) for r in rows]


def upcoming_by_student(s: Session, student_ids: Iterable[int], start: datetime, end: datetime,
                        where: ColumnElement[bool] | None = None) -> dict[int, list[SessionInfo]]:
    """What is next for each student: the sessions (cancelled ones too, so nobody turns up for
    nothing) of the activities they hold a place in (active or completed, not archived) that
    are not over at ``start`` and begin before ``end``, soonest first. ``where`` narrows them
    to what the policy lets the reader see (``visible(..., activity=ActivitySession.activity_id)``)."""
    ids = list(student_ids)
    if not ids:
        return {}
    place = ActivityProgress
    q = (select(place.user_id, ActivitySession)
         .join(place, place.activity_id == ActivitySession.activity_id)
         .join(Activity, Activity.id == ActivitySession.activity_id)
         .where(place.user_id.in_(ids),
                place.status.in_((ProgressStatus.ACTIVE, ProgressStatus.COMPLETED)),
                Activity.archived.is_(False),
                ActivitySession.ends_at > start, ActivitySession.starts_at < end)
         .order_by(ActivitySession.starts_at, ActivitySession.id))
    if where is not None:
        q = q.where(where)
    pairs = s.execute(q).all()
    infos = {i.id: i for i in session_infos(s, list({r.id: r for _, r in pairs}.values()))}
    out: dict[int, list[SessionInfo]] = {i: [] for i in ids}
    for student_id, row in pairs:
        out[student_id].append(infos[row.id])
    return out


def regenerate_schedule(tx: UnitOfWork, schedule: Schedule, holidays: set[date] | None = None) -> RegenerateResult:
    """Make the schedule's sessions match its pattern; never touch sessions with attendance."""
    s = tx.session
    hol = holiday_days(s) if holidays is None else holidays
    wanted = pattern_slots(pattern_of(schedule), hol)
    existing = list(s.scalars(select(ActivitySession).where(ActivitySession.schedule_id == schedule.id)
                              .order_by(ActivitySession.starts_at, ActivitySession.id)))
    attended = _attended_ids(s, [r.id for r in existing])
    covered: set[date] = set()
    created = updated = removed = kept = 0
    for row in existing:
        day = slot_day(row)
        if row.id in attended:
            covered.add(day)
            kept += 1
            continue
        if day not in wanted or day in covered:
            s.delete(row)
            removed += 1
            continue
        covered.add(day)
        begins, ends = wanted[day]
        if row.original_starts_at is not None:  # moved: keep its time, follow the pattern's slot
            changed = row.original_starts_at != begins
            row.original_starts_at = begins
        else:
            changed = (row.starts_at, row.ends_at, row.location) != (begins, ends, schedule.location)
            row.starts_at, row.ends_at, row.location = begins, ends, schedule.location
        updated += changed
    for day, (begins, ends) in sorted(wanted.items()):
        if day not in covered:
            s.add(ActivitySession(activity_id=schedule.activity_id, schedule_id=schedule.id,
                                  starts_at=begins, ends_at=ends, location=schedule.location))
            created += 1
    if created or updated or removed:
        tx.changes.add(ChangeKind.SESSION, *[r.id for r in existing])
        tx.changes.add(ChangeKind.ACTIVITY, schedule.activity_id)
    return RegenerateResult(created, updated, removed, kept)


def _require_times(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    problems = []
    if start is None:
        problems.append(Problem("Give the date and time the session starts.", field="start"))
    if end is None:
        problems.append(Problem("Give the time the session ends.", field="end"))
    if start is not None and end is not None:
        if end <= start:
            problems.append(Problem("The session must end after it starts.", field="end"))
        elif (end - start).total_seconds() > 24 * 3600:
            problems.append(Problem("A session lasts at most a day.", field="end"))
    if problems:
        raise ValidationError("The session was not saved.", problems)
    assert start is not None and end is not None
    return start.replace(tzinfo=None, microsecond=0), end.replace(tzinfo=None, microsecond=0)


def _state(r: ActivitySession) -> SessionState:
    return SessionState(r.starts_at, r.cancelled)


def _session_audit(r: ActivitySession) -> dict[str, object]:
    return {"starts_at": r.starts_at, "ends_at": r.ends_at, "location": r.location,
            "cancelled": r.cancelled, "note": r.note}


# --------------------------------------------------------------------------- the service


class CalendarService(Service):
    # ------------------------------------------------------------------ patterns
    def list_schedules(self, actor: Actor, activity_id: int) -> list[ScheduleInfo]:
        with read_only(self.db) as s:
            activity_or_404(s, activity_id)
            require(s, actor, Permission.VIEW_ACTIVITY, activity_id=activity_id)
            rows = s.scalars(select(Schedule).where(Schedule.activity_id == activity_id)
                             .order_by(Schedule.start_date, Schedule.start_time, Schedule.id))
            return [_schedule_info(r) for r in rows]

    def add_schedule(self, actor: Actor, activity_id: int, data: ScheduleInput) -> ScheduleInfo:
        with unit_of_work(self.db) as tx:
            activity = activity_or_404(tx.session, activity_id)
            require(tx.session, actor, Permission.MANAGE_SCHEDULE, activity_id=activity_id)
            days = self._validate(activity, data)
            row = Schedule(activity_id=activity_id)
            self._apply(row, days, data)
            tx.session.add(row)
            tx.session.flush()
            result = regenerate_schedule(tx, row)
            tx.audit(actor, "create", "schedule", row.id, None,
                     {**self._audit(row), "sessions_created": result.created})
            tx.changes.add(ChangeKind.SESSION)
            tx.changes.add(ChangeKind.ACTIVITY, activity_id)
            return _schedule_info(row)

    def update_schedule(self, actor: Actor, schedule_id: int, data: ScheduleInput, *,
                        expected_version: int | None = None) -> ScheduleInfo:
        with unit_of_work(self.db) as tx:
            row = tx.session.get(Schedule, schedule_id)
            if row is None:
                raise NotFound(f"No schedule with id {schedule_id}.")
            activity = activity_or_404(tx.session, row.activity_id)
            require(tx.session, actor, Permission.MANAGE_SCHEDULE, activity_id=row.activity_id)
            if expected_version is not None and row.version != expected_version:
                from tracker.errors import ConflictError

                raise ConflictError("The schedule was changed by someone else; reload and try again.")
            days = self._validate(activity, data)
            before = self._audit(row)
            self._apply(row, days, data)
            tx.session.flush()
            result = regenerate_schedule(tx, row)
            tx.audit(actor, "update", "schedule", row.id, before,
                     {**self._audit(row), "sessions_created": result.created,
                      "sessions_removed": result.removed, "sessions_kept": result.kept})
            tx.changes.add(ChangeKind.SESSION)
            tx.changes.add(ChangeKind.ACTIVITY, row.activity_id)
            return _schedule_info(row)

    def delete_schedule(self, actor: Actor, schedule_id: int) -> RegenerateResult:
        """Remove the pattern and its sessions; sessions with attendance stay (as one-offs)."""
        with unit_of_work(self.db) as tx:
            row = tx.session.get(Schedule, schedule_id)
            if row is None:
                raise NotFound(f"No schedule with id {schedule_id}.")
            require(tx.session, actor, Permission.MANAGE_SCHEDULE, activity_id=row.activity_id)
            sessions = list(tx.session.scalars(
                select(ActivitySession).where(ActivitySession.schedule_id == row.id)))
            attended = _attended_ids(tx.session, [r.id for r in sessions])
            removed = 0
            for r in sessions:
                if r.id in attended:
                    r.schedule_id = None
                else:
                    tx.session.delete(r)
                    removed += 1
            tx.audit(actor, "delete", "schedule", row.id, self._audit(row),
                     {"sessions_removed": removed, "sessions_kept": len(attended)})
            tx.changes.add(ChangeKind.SESSION, *[r.id for r in sessions])
            tx.changes.add(ChangeKind.ACTIVITY, row.activity_id)
            tx.session.delete(row)
            return RegenerateResult(removed=removed, kept=len(attended))

    def regenerate(self, actor: Actor, activity_id: int) -> RegenerateResult:
        """Bring every pattern's sessions of the activity in line (after holidays changed, say)."""
        with unit_of_work(self.db) as tx:
            activity_or_404(tx.session, activity_id)
            require(tx.session, actor, Permission.MANAGE_SCHEDULE, activity_id=activity_id)
            total = RegenerateResult()
            hol = holiday_days(tx.session)
            for row in tx.session.scalars(select(Schedule).where(Schedule.activity_id == activity_id)):
                r = regenerate_schedule(tx, row, hol)
                total = RegenerateResult(total.created + r.created, total.updated + r.updated,
                                         total.removed + r.removed, total.kept + r.kept)
            tx.audit(actor, "regenerate", "activity", activity_id, None, vars(total))
            tx.changes.add(ChangeKind.SESSION)
            return total

    # ------------------------------------------------------------------ holidays
    def list_holidays(self, actor: Actor) -> list[HolidayInfo]:
        with read_only(self.db) as s:
            require_active(s, actor)
            return [HolidayInfo(h.id, h.day, h.name)
                    for h in s.scalars(select(Holiday).order_by(Holiday.day))]

    def add_holiday(self, actor: Actor, day: date, name: str = "") -> HolidayInfo:
        """A school-wide closed day: generated sessions that day go (unless they have attendance)."""
        with unit_of_work(self.db) as tx:
            require(tx.session, actor, Permission.MANAGE_SETTINGS)
            if tx.session.scalar(select(Holiday).where(Holiday.day == day)) is not None:
                raise ValidationError.field("day", f"{day:%d %b %Y} is already a holiday.")
            h = Holiday(day=day, name=(name or "").strip())
            tx.session.add(h)
            tx.session.flush()
            self._regenerate_around(tx, day)
            tx.audit(actor, "create", "holiday", h.id, None, {"day": day, "name": h.name})
            tx.changes.add(ChangeKind.SESSION)
            return HolidayInfo(h.id, h.day, h.name)

    def remove_holiday(self, actor: Actor, holiday_id: int) -> None:
        """The day is a school day again: the patterns' sessions that day come back."""
        with unit_of_work(self.db) as tx:
            require(tx.session, actor, Permission.MANAGE_SETTINGS)
            h = tx.session.get(Holiday, holiday_id)
            if h is None:
                raise NotFound(f"No holiday with id {holiday_id}.")
            day = h.day
            tx.audit(actor, "delete", "holiday", h.id, {"day": day, "name": h.name}, None)
            tx.session.delete(h)
            tx.session.flush()
            self._regenerate_around(tx, day)
            tx.changes.add(ChangeKind.SESSION)

    def _regenerate_around(self, tx: UnitOfWork, day: date) -> None:
        hol = holiday_days(tx.session)
        for row in tx.session.scalars(select(Schedule).where(Schedule.start_date <= day,
                                                             Schedule.end_date >= day)):
            regenerate_schedule(tx, row, hol)

    # ------------------------------------------------------------------ single sessions
    def list_sessions(self, actor: Actor, activity_id: int | None = None, start: date | datetime | None = None,
                      end: date | datetime | None = None) -> list[SessionInfo]:
        """Sessions from ``start`` (inclusive) to ``end`` (exclusive), of one activity or of
        every activity the policy lets the actor see (a teacher: the ones they lead; admin: all)."""
        with read_only(self.db) as s:
            q = select(ActivitySession)
            if activity_id is not None:
                activity_or_404(s, activity_id)
                require(s, actor, Permission.VIEW_ACTIVITY, activity_id=activity_id)
                q = q.where(ActivitySession.activity_id == activity_id)
            else:
                q = q.where(visible(s, actor, Permission.VIEW_ACTIVITY, activity=ActivitySession.activity_id))
            if start is not None:
                q = q.where(ActivitySession.starts_at >= _as_datetime(start))
            if end is not None:
                q = q.where(ActivitySession.starts_at < _as_datetime(end))
            rows = list(s.scalars(q.order_by(ActivitySession.starts_at, ActivitySession.id)))
            return session_infos(s, rows)

    def get_session(self, actor: Actor, session_id: int) -> SessionInfo:
        with read_only(self.db) as s:
            row = self._session(s, session_id)
            require(s, actor, Permission.VIEW_ACTIVITY, activity_id=row.activity_id)
            return session_infos(s, [row])[0]

    def cancel_session(self, actor: Actor, session_id: int, note: str = "") -> SessionInfo:
        with unit_of_work(self.db) as tx:
            row = self._session(tx.session, session_id)
            require(tx.session, actor, Permission.MANAGE_SCHEDULE, activity_id=row.activity_id)
            if has_attendance(tx.session, row.id):
                raise ValidationError("This session already has attendance; it cannot be cancelled. "
                                      "Clear its attendance first.")
            before, was = _session_audit(row), _state(row)
            row.cancelled = True
            row.note = (note or "").strip()
            return self._saved(tx, actor, "cancel", row, before, was)

    def restore_session(self, actor: Actor, session_id: int) -> SessionInfo:
        """Undo a cancellation."""
        with unit_of_work(self.db) as tx:
            row = self._session(tx.session, session_id)
            require(tx.session, actor, Permission.MANAGE_SCHEDULE, activity_id=row.activity_id)
            before, was = _session_audit(row), _state(row)
            row.cancelled = False
            row.note = ""
            return self._saved(tx, actor, "restore", row, before, was)

    def move_session(self, actor: Actor, session_id: int, new_start: datetime, new_end: datetime,
                     location: str | None = None, note: str | None = None) -> SessionInfo:
        """Move one meeting; the pattern's slot it came from is remembered (original_starts_at)."""
        begins, ends = _require_times(new_start, new_end)
        with unit_of_work(self.db) as tx:
            row = self._session(tx.session, session_id)
            require(tx.session, actor, Permission.MANAGE_SCHEDULE, activity_id=row.activity_id)
            before, was = _session_audit(row), _state(row)
            if row.schedule_id is not None and row.original_starts_at is None:
                row.original_starts_at = row.starts_at
            row.starts_at, row.ends_at = begins, ends
            if row.original_starts_at == begins:  # moved back where it belongs
                row.original_starts_at = None
            if location is not None:
                row.location = location.strip()
            if note is not None:
                row.note = note.strip()
            return self._saved(tx, actor, "move", row, before, was)

    def add_extra_session(self, actor: Actor, activity_id: int, start: datetime, end: datetime,
                          location: str = "", note: str = "") -> SessionInfo:
        begins, ends = _require_times(start, end)
        with unit_of_work(self.db) as tx:
            activity = activity_or_404(tx.session, activity_id)
            require(tx.session, actor, Permission.MANAGE_SCHEDULE, activity_id=activity_id)
            row = ActivitySession(activity_id=activity_id, schedule_id=None, starts_at=begins,
                                  ends_at=ends, location=(location or activity.location or "").strip(),
                                  note=(note or "").strip())
            tx.session.add(row)
            tx.session.flush()
            return self._saved(tx, actor, "create", row, None)

    def delete_session(self, actor: Actor, session_id: int) -> None:
        """Delete an extra one-off session (pattern sessions are cancelled instead)."""
        with unit_of_work(self.db) as tx:
            row = self._session(tx.session, session_id)
            require(tx.session, actor, Permission.MANAGE_SCHEDULE, activity_id=row.activity_id)
            if row.schedule_id is not None:
                raise ValidationError("This session comes from a weekly pattern; cancel it instead.")
            if has_attendance(tx.session, row.id):
                raise ValidationError("This session has attendance and cannot be deleted.")
            tx.audit(actor, "delete", "session", row.id, _session_audit(row), None)
            tx.changes.add(ChangeKind.SESSION, row.id)
            tx.changes.add(ChangeKind.ACTIVITY, row.activity_id)
            session_changed(tx.session.connection(), row.id, row.activity_id, _state(row), None)
            tx.session.delete(row)

    # ------------------------------------------------------------------ internals
    def _saved(self, tx: UnitOfWork, actor: Actor, action: str, row: ActivitySession,
               before: dict[str, object] | None, was: SessionState | None = None) -> SessionInfo:
        if was is not None and was != _state(row):  # its marks may leave or join enrollments' counts
            session_changed(tx.session.connection(), row.id, row.activity_id, was, _state(row))
        tx.session.flush()
        tx.audit(actor, action, "session", row.id, before, _session_audit(row))
        tx.changes.add(ChangeKind.SESSION, row.id)
        tx.changes.add(ChangeKind.ACTIVITY, row.activity_id)
        return session_infos(tx.session, [row])[0]

    @staticmethod
    def _session(s: Session, session_id: int) -> ActivitySession:
        r = s.get(ActivitySession, session_id)
        if r is None:
            raise NotFound(f"No session with id {session_id}.")
        return r

    @staticmethod
    def _validate(activity: Activity, data: ScheduleInput) -> frozenset[int]:
        try:
            days = parse_weekdays(data.weekdays)
        except (TypeError, ValueError):
            raise ValidationError.field("weekdays", "Days of the week are Monday to Sunday.") from None
        problems = validate_pattern(days, data.start_time, data.end_time, data.start_date,
                                    data.end_date, (activity.start_date, activity.end_date))
        if problems:
            raise ValidationError("The schedule was not saved.", problems)
        return days

    @staticmethod
    def _apply(row: Schedule, days: frozenset[int], data: ScheduleInput) -> None:
        assert data.start_time and data.end_time and data.start_date and data.end_date
        row.weekdays = weekdays_text(days)
        row.start_time = data.start_time.replace(second=0, microsecond=0, tzinfo=None)
        row.end_time = data.end_time.replace(second=0, microsecond=0, tzinfo=None)
        row.start_date, row.end_date = data.start_date, data.end_date
        row.location = (data.location or "").strip()

    @staticmethod
    def _audit(row: Schedule) -> dict[str, object]:
        return {"weekdays": row.weekdays, "start_time": row.start_time.isoformat(),
                "end_time": row.end_time.isoformat(), "start_date": row.start_date,
                "end_date": row.end_date, "location": row.location}


def _as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.combine(value, time.min)


__all__ = ["CalendarService", "HolidayInfo", "RegenerateResult", "ScheduleInfo", "ScheduleInput",
           "SessionInfo"]

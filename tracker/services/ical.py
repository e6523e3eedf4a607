"""iCalendar (RFC 5545) export and import of an activity's sessions, and of school holidays.

Export writes what calendar programs expect from a timetable: one VEVENT per weekly pattern
with an RRULE (``FREQ=WEEKLY;BYDAY=…;UNTIL=…``), EXDATEs for the meetings that do not happen
(holidays, cancellations), RECURRENCE-ID overrides for moved meetings, plain VEVENTs for extra
one-off sessions, and a VTIMEZONE for the school's zone.

Import reads files from Outlook, Google and Apple (:mod:`tracker.services.ical_read`) and
stores them (:mod:`tracker.services.ical_import`): a recurring event that is a weekly pattern
becomes a pattern with its exceptions, other meetings single sessions, all in one transaction.
All-day entries are not meetings: they are listed, and added as sessions at a time the person
picks, or skipped with a count; a holiday calendar (a district's closed days, all-day entries)
is imported into the school's holidays instead. Times are stored as the school's local
wall-clock time. Re-importing the same file adds nothing.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import __version__
from tracker.db.models import Activity, ActivitySession, Schedule
from tracker.db.uow import UnitOfWork, read_only, unit_of_work
from tracker.domain.changes import ChangeKind
from tracker.domain.policy import Actor, Permission
from tracker.domain.schedule import ICAL_DAYS, first_occurrence, local_zone_name, pattern_slots
from tracker.domain.text import one_line
from tracker.errors import NotFound, ValidationError
from tracker.services.base import Service, require
from tracker.services.calendar import holiday_days, pattern_of, slot_day
from tracker.services.ical_import import Tally, add_holidays, all_day_sessions, store_series, store_single
from tracker.services.ical_read import (
    MAX_IMPORTED_SESSIONS,
    AllDayEvent,
    ParsedCalendar,
    ParsedSession,
    parse_ics,
    read_source,
)

PRODID = f"-//Activity Tracker//Activity Tracker {__version__}//EN"
UID_DOMAIN = "activity-tracker"
#: the most closed days one holiday calendar may add (a few school years' worth)
MAX_HOLIDAYS = 1000
Source = str | os.PathLike[str] | bytes


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class ImportResult:
    activity_id: int
    activity_name: str
    created_activity: bool
    added: int
    unchanged: int
    skipped: int = 0  # all-day entries not added, and cancelled meetings not kept as cancelled dates
    first: datetime | None = None
    last: datetime | None = None
    patterns: int = 0  # weekly patterns made from recurring events
    cancelled: int = 0  # dates of those patterns that the file leaves out (kept as cancelled sessions)
    on_holidays: int = 0  # meetings of those patterns on a school holiday (left out, as patterns do)
    all_day: tuple[AllDayEvent, ...] = ()  # the file's all-day entries
    all_day_added: int = 0  # sessions added for them at the time the person picked

    @property
    def all_day_skipped(self) -> int:
        return len(self.all_day) if not self.all_day_added else 0

    def summary(self) -> str:
        text = f"{_n(self.added, 'session')} added, {self.unchanged} unchanged"
        if self.skipped:
            text += f", {self.skipped} skipped (all-day or cancelled)"
        if self.patterns:
            text += f"; {_n(self.patterns, 'weekly pattern')}"
            if self.cancelled:
                text += f" with {_n(self.cancelled, 'cancelled date')}"
        if self.all_day_added:
            text += f"; {_n(self.all_day_added, 'session')} for all-day events"
        if self.on_holidays:
            text += f"; {_n(self.on_holidays, 'meeting')} on school holidays left out"
        where = f"new activity {self.activity_name!r}" if self.created_activity else self.activity_name
        return f"{where} (id {self.activity_id}): {text}."


@dataclass(frozen=True)
class IcsPreview:
    """What importing a file into an activity would bring, read without writing."""

    file_name: str
    meetings: int  # timed meetings, cancelled ones left out
    patterns: int  # recurring events that will become weekly patterns
    cancelled: int
    all_day: tuple[AllDayEvent, ...]
    first: datetime | None
    last: datetime | None


@dataclass(frozen=True)
class HolidayImport:
    """A holiday calendar: the days it closes and, once imported, what changed."""

    file_name: str
    days: tuple[tuple[date, str], ...]  # every closed day in the file, with its name
    new: tuple[date, ...]  # those that are not school holidays yet
    timed: int  # timed meetings in the file: not holidays, ignored
    added: int = 0  # 0 for a preview
    sessions_removed: int = 0  # generated sessions that fell on a new holiday

    def summary(self) -> str:
        text = (f"{self.file_name}: {_n(self.added, 'holiday')} added, "
                f"{len(self.days) - len(self.new)} already holidays")
        if self.sessions_removed:
            text += f"; {_n(self.sessions_removed, 'session')} on those days removed"
        if self.timed:
            text += f"; {_n(self.timed, 'timed meeting')} ignored (not holidays)"
        return text + "."


def zone_of(name: str | None) -> ZoneInfo:
    tz_name = name or local_zone_name()
    try:
        return ZoneInfo(tz_name)
    except (ValueError, KeyError, OSError):
        raise ValidationError.field("tz", f"Unknown time zone {tz_name!r}.") from None


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write the whole file or nothing (temp file + rename)."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- export


def build_calendar(s: Session, activity: Activity, zone: ZoneInfo) -> icalendar.Calendar:
    """The activity's sessions as an RFC 5545 calendar (patterns as recurring events)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", icalendar.vText(one_line(activity.name)))
    cal.add("x-wr-timezone", zone.key)
    stamp = datetime.now(UTC).replace(microsecond=0)
    summary = one_line(activity.name)  # stored before names were checked: still exported

    def local(dt: datetime) -> datetime:
        return dt.replace(tzinfo=zone)

    def event(uid: str, begins: datetime, ends: datetime, location: str, note: str = "") -> icalendar.Event:
        ev = icalendar.Event()
        ev.add("uid", uid)
        ev.add("dtstamp", stamp)
        ev.add("summary", summary)
        ev.add("dtstart", local(begins))
        ev.add("dtend", local(ends))
        if location:
            ev.add("location", one_line(location))
        if note:
            ev.add("description", note)
        return ev

    sessions = list(s.scalars(select(ActivitySession).where(ActivitySession.activity_id == activity.id)
                              .order_by(ActivitySession.starts_at, ActivitySession.id)))
    by_schedule: dict[int, list[ActivitySession]] = {}
    one_offs: list[ActivitySession] = []
    for r in sessions:
        if r.schedule_id is None:
            one_offs.append(r)
        else:
            by_schedule.setdefault(r.schedule_id, []).append(r)
    days: list[date] = [r.starts_at.date() for r in sessions]
    for sched in s.scalars(select(Schedule).where(Schedule.activity_id == activity.id).order_by(Schedule.id)):
        pattern = pattern_of(sched)
        first = first_occurrence(pattern)
        own = by_schedule.pop(sched.id, [])
        if first is None:
            one_offs.extend(own)
            continue
        slots = pattern_slots(pattern)  # every meeting of the rule, holidays included
        held = {slot_day(r): r for r in own if not r.cancelled}
        uid = f"{sched.uid}@{UID_DOMAIN}"
        ev = event(uid, first, first + pattern.duration, sched.location)
        until = datetime.combine(sched.end_date, sched.start_time).replace(tzinfo=zone)
        ev.add("rrule", {"freq": "weekly", "byday": [ICAL_DAYS[d] for d in sorted(pattern.weekdays)],
                         "until": until.astimezone(UTC)})
        missing = [local(b) for day, (b, _) in sorted(slots.items()) if day not in held]
        if missing:
            ev.add("exdate", missing)
        cal.add_component(ev)
        days += [sched.start_date, sched.end_date]
        for day, r in sorted(held.items()):
            begins, ends = slots[day] if day in slots else (None, None)
            if begins is None:
                continue
            if (r.starts_at, r.ends_at, r.location, r.note or "") != (begins, ends, sched.location, ""):
                override = event(uid, r.starts_at, r.ends_at, r.location, r.note or "")
                override.add("recurrence-id", local(begins))
                cal.add_component(override)
        one_offs.extend(r for r in own if slot_day(r) not in slots)
    for rows in by_schedule.values():  # sessions whose pattern is gone
        one_offs.extend(rows)
    for r in sorted(one_offs, key=lambda r: r.starts_at):
        if not r.cancelled:
            cal.add_component(event(f"{r.uid}@{UID_DOMAIN}", r.starts_at, r.ends_at, r.location,
                                    r.note or ""))
    if zone.key not in ("UTC", "Etc/UTC"):
        first_day = min(days, default=date.today()) - timedelta(days=366)
        last_day = max(days, default=date.today()) + timedelta(days=366)
        cal.add_missing_timezones(first_date=first_day, last_date=last_day)
    return cal


# --------------------------------------------------------------------------- the service


def _holiday_days(parsed: ParsedCalendar, file_name: str) -> dict[date, str]:
    days: dict[date, str] = {}
    for entry in parsed.all_day:
        for day in entry.days:
            days.setdefault(day, entry.summary)
    if not days:
        raise ValidationError(f"{file_name} holds no all-day events, so no holidays: a holiday calendar "
                              "lists the closed days as all-day events.")
    if len(days) > MAX_HOLIDAYS:
        raise ValidationError(f"{file_name} closes {len(days)} days; at most {MAX_HOLIDAYS} are imported at "
                              "once. Give a shorter date range.")
    return dict(sorted(days.items()))


class IcalService(Service):
    def export_ics(self, actor: Actor, activity_id: int, *, tz: str | None = None) -> bytes:
        """The activity's calendar as .ics bytes (anyone who may see the activity)."""
        zone = zone_of(tz)
        with read_only(self.db) as s:
            activity = s.get(Activity, activity_id)
            if activity is None:
                raise NotFound(f"No activity with id {activity_id}.")
            require(s, actor, Permission.VIEW_ACTIVITY, activity_id=activity_id)
            return build_calendar(s, activity, zone).to_ical()  # type: ignore[no-any-return]

    def preview_ics(self, actor: Actor, source: Source, activity_id: int | None = None, start: date | None = None,
                    end: date | None = None, *, tz: str | None = None, file_name: str | None = None) -> IcsPreview:
        """What importing the file would bring (meetings, patterns, all-day entries), so the
        person can choose what to do with the all-day entries first. Allowed to whoever may
        import it: the activity's teachers, or administrators for a new activity."""
        with read_only(self.db) as s:
            if activity_id is not None:
                if s.get(Activity, activity_id) is None:
                    raise NotFound(f"No activity with id {activity_id}.")
                require(s, actor, Permission.MANAGE_SCHEDULE, activity_id=activity_id)
            else:
                require(s, actor, Permission.MANAGE_ACTIVITY)
        data, name = read_source(source, file_name)
        parsed = parse_ics(data, name, zone_of(tz), start, end)
        meetings = parsed.sessions
        return IcsPreview(name, len(meetings), len(parsed.series), len(parsed.cancelled), tuple(parsed.all_day),
                          meetings[0].starts_at if meetings else None, meetings[-1].starts_at if meetings else None)

    def import_ics(self, actor: Actor, source: Source, activity_id: int | None = None,
                   new_activity_name: str | None = None, start: date | None = None, end: date | None = None,
                   *, tz: str | None = None, file_name: str | None = None, all_day_at: time | None = None,
                   all_day_ends: time | None = None) -> ImportResult:
        """Add the file's meetings to an activity (teachers: ones they lead), or create a new
        activity from it (admins): recurring events as weekly patterns with their exceptions,
        the rest as single sessions; all-day entries as sessions at ``all_day_at`` (until
        ``all_day_ends``, else an hour), or skipped. All or nothing; re-importing adds nothing."""
        if (activity_id is None) == (new_activity_name is None):
            raise ValidationError("Import into an existing activity or a new one (one of the two).")
        with unit_of_work(self.db) as tx:
            s = tx.session
            activity: Activity | None = None
            if activity_id is not None:
                activity = s.get(Activity, activity_id)
                if activity is None:
                    raise NotFound(f"No activity with id {activity_id}.")
                require(s, actor, Permission.MANAGE_SCHEDULE, activity_id=activity_id)
            else:
                require(s, actor, Permission.MANAGE_ACTIVITY)
                if not (new_activity_name or "").strip():
                    raise ValidationError.field("name", "The new activity needs a name.")
            zone = zone_of(tz)
            data, name = read_source(source, file_name)
            if start is not None and end is not None and end < start:
                raise ValidationError.field("end", "The end of the date range is before its start.")
            parsed = parse_ics(data, name, zone, start, end)
            extra = all_day_sessions(parsed.all_day, all_day_at, all_day_ends) if all_day_at is not None else []
            meetings = sorted(parsed.sessions + extra, key=lambda p: p.starts_at)
            if len(meetings) > MAX_IMPORTED_SESSIONS:
                raise ValidationError(f"{name} holds {len(meetings)} meetings; at most {MAX_IMPORTED_SESSIONS} "
                                      "are imported at once. Give a shorter date range.")
            created = activity_id is None
            if created:
                activity = self._new_activity(tx, actor, (new_activity_name or "").strip(), name, parsed, meetings)
            assert activity is not None
            tally = Tally()
            self._store(tx, actor, activity, parsed, extra, tally)
            kept_cancelled = sum(1 for c in parsed.cancelled if c.series in parsed.series)
            skipped = parsed.skipped - kept_cancelled - (len(parsed.all_day) if extra else 0)
            tx.audit(actor, "import_ics", "activity", activity.id, None,
                     {"file": name, "added": tally.added, "unchanged": tally.unchanged, "skipped": skipped,
                      "patterns": tally.patterns, "all_day": len(parsed.all_day)})
            if tally.added or tally.cancelled or created:
                tx.changes.add(ChangeKind.SESSION)
                tx.changes.add(ChangeKind.ACTIVITY, activity.id)
            return ImportResult(activity.id, activity.name, created, tally.added, tally.unchanged, skipped,
                                meetings[0].starts_at if meetings else None,
                                meetings[-1].starts_at if meetings else None, tally.patterns, tally.cancelled,
                                tally.on_holidays, tuple(parsed.all_day), len(extra))

    @staticmethod
    def _new_activity(tx: UnitOfWork, actor: Actor, title: str, file_name: str, parsed: ParsedCalendar,
                      meetings: list[ParsedSession]) -> Activity:
        """The activity a file creates: its term spans the file's meetings and patterns."""
        if not meetings:
            what = (f"only {_n(len(parsed.all_day), 'all-day event')}: choose a time to add them as sessions, "
                    "or import the file as school holidays" if parsed.all_day else "nothing to import")
            raise ValidationError(f"{file_name} holds no timed meetings, {what}; no activity was created.")
        days = [p.starts_at.date() for p in meetings]
        for series in parsed.series.values():
            days += [series.pattern.start_date, series.pattern.end_date]
        locations = Counter(p.location for p in meetings if p.location)
        activity = Activity(name=title, description=f"Imported from {file_name}.", start_date=min(days),
                            end_date=max(days), location=locations.most_common(1)[0][0] if locations else "")
        tx.session.add(activity)
        tx.session.flush()
        tx.audit(actor, "create", "activity", activity.id, None, {"name": activity.name, "source": file_name})
        return activity

    @staticmethod
    def _store(tx: UnitOfWork, actor: Actor, activity: Activity, parsed: ParsedCalendar,
               extra: list[ParsedSession], tally: Tally) -> None:
        """Patterns first (their generated sessions then count as existing), then single sessions."""
        s = tx.session
        existing = set(s.scalars(select(ActivitySession.starts_at).where(ActivitySession.activity_id == activity.id)))
        holidays = holiday_days(s)
        single = [p for p in parsed.sessions if p.series not in parsed.series] + extra
        for uid, series in parsed.series.items():
            own = [p for p in parsed.sessions if p.series == uid]
            rest = store_series(tx, actor, activity, series, own, holidays, existing, tally)
            single += own if rest is None else rest
        store_single(tx, activity, sorted(single, key=lambda p: p.starts_at), holidays, existing, tally)

    # ------------------------------------------------------------------ holidays
    def preview_holidays(self, actor: Actor, source: Source, start: date | None = None, end: date | None = None,
                         *, file_name: str | None = None) -> HolidayImport:
        """The closed days of a holiday calendar, and which of them are new (administrators)."""
        with read_only(self.db) as s:
            require(s, actor, Permission.MANAGE_SETTINGS)
            known = holiday_days(s)
        data, name = read_source(source, file_name)
        parsed = parse_ics(data, name, zone_of(None), start, end)
        days = _holiday_days(parsed, name)
        return HolidayImport(name, tuple(days.items()), tuple(d for d in days if d not in known),
                             len(parsed.sessions))

    def import_holidays(self, actor: Actor, source: Source, start: date | None = None, end: date | None = None,
                        *, file_name: str | None = None) -> HolidayImport:
        """Make the all-day entries of a holiday calendar school holidays (administrators): the
        patterns' sessions on those days go, unless attendance was taken. Days that are already
        holidays keep their name; importing again adds nothing."""
        with unit_of_work(self.db) as tx:
            require(tx.session, actor, Permission.MANAGE_SETTINGS)
            data, name = read_source(source, file_name)
            parsed = parse_ics(data, name, zone_of(None), start, end)
            days = _holiday_days(parsed, name)
            new, removed = add_holidays(tx, days)
            if new:
                tx.audit(actor, "import_holidays", "holiday", None, None,
                         {"file": name, "added": [d.isoformat() for d in new], "sessions_removed": removed})
                tx.changes.add(ChangeKind.SESSION)
            return HolidayImport(name, tuple(days.items()), tuple(new), len(parsed.sessions), len(new), removed)


__all__ = ["AllDayEvent", "HolidayImport", "IcalService", "IcsPreview", "ImportResult", "ParsedCalendar",
           "ParsedSession", "build_calendar", "parse_ics", "write_atomic", "zone_of"]

"""iCalendar (RFC 5545) export and import of an activity's sessions.

Export writes what calendar programs expect from a timetable: one VEVENT per weekly pattern
with an RRULE (``FREQ=WEEKLY;BYDAY=…;UNTIL=…``), EXDATEs for the meetings that do not happen
(holidays, cancellations), RECURRENCE-ID overrides for moved meetings, plain VEVENTs for extra
one-off sessions, and a VTIMEZONE for the school's zone.

Import reads files from Outlook, Google and Apple: ``recurring_ical_events`` expands RRULE,
EXDATE, RDATE and RECURRENCE-ID; ``icalendar`` resolves TZIDs (IANA names, Windows names such
as "W. Europe Standard Time", and the file's own VTIMEZONEs). Times are stored as the school's
local wall-clock time. Re-importing the same file adds nothing (sessions match on start time).
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from icalendar.timezone import tzp
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import __version__
from tracker.db.models import Activity, ActivitySession, Holiday, Schedule
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.changes import ChangeKind
from tracker.domain.policy import Actor, Permission
from tracker.domain.schedule import ICAL_DAYS, first_occurrence, local_zone_name, pattern_slots
from tracker.domain.text import one_line
from tracker.errors import NotFound, Problem, ValidationError
from tracker.services.base import Service, require
from tracker.services.calendar import pattern_of, slot_day

PRODID = f"-//Activity Tracker//Activity Tracker {__version__}//EN"
UID_DOMAIN = "activity-tracker"
MAX_IMPORTED_SESSIONS = 5000


@dataclass(frozen=True)
class ImportResult:
    activity_id: int
    activity_name: str
    created_activity: bool
    added: int
    unchanged: int
    skipped: int = 0  # all-day entries and cancelled occurrences
    first: datetime | None = None
    last: datetime | None = None

    def summary(self) -> str:
        text = (f"{self.added} session{'s' if self.added != 1 else ''} added, "
                f"{self.unchanged} unchanged")
        if self.skipped:
            text += f", {self.skipped} skipped (all-day or cancelled)"
        where = f"new activity {self.activity_name!r}" if self.created_activity else self.activity_name
        return f"{where} (id {self.activity_id}): {text}."


@dataclass(frozen=True)
class ParsedSession:
    starts_at: datetime
    ends_at: datetime
    location: str
    summary: str


@dataclass
class ParsedCalendar:
    name: str
    sessions: list[ParsedSession] = field(default_factory=list)
    skipped: int = 0


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


# --------------------------------------------------------------------------- import


def _event_lines(text: str) -> dict[str, int]:
    """UID → line number of its BEGIN:VEVENT (for messages that point into the file)."""
    found: dict[str, int] = {}
    begin = 0
    for n, line in enumerate(text.splitlines(), start=1):
        if line.upper().startswith("BEGIN:VEVENT"):
            begin = n
        elif line.upper().startswith("UID") and begin:
            found.setdefault(line.split(":", 1)[-1].strip(), begin)
    return found


def _begin_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), start=1) if line.upper().startswith("BEGIN:VEVENT")]


def parse_ics(data: bytes, file_name: str, zone: ZoneInfo, start: date | None = None,
              end: date | None = None) -> ParsedCalendar:
    """The meetings in an .ics file as local wall-clock times in ``zone``; ValidationError
    (naming the file and the event's line) for anything that cannot be read."""
    text = data.decode("utf-8-sig", errors="replace")
    if "BEGIN:VCALENDAR" not in text.upper():
        raise ValidationError(f"{file_name} is not an iCalendar file (no BEGIN:VCALENDAR).",
                              [Problem("no BEGIN:VCALENDAR", file=file_name)])
    try:
        cal = icalendar.Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError) as exc:
        raise ValidationError(f"{file_name} cannot be read as iCalendar: {exc}",
                              [Problem(str(exc), file=file_name)]) from None
    lines = _event_lines(text)
    begins = _begin_lines(text)
    problems: list[Problem] = []
    events = list(cal.walk("VEVENT"))
    known_zones = {str(tz.get("TZID")) for tz in cal.walk("VTIMEZONE")}
    firsts: list[date] = []
    lasts: list[date] = []
    for n, ev in enumerate(events):
        uid = str(ev.get("UID", ""))
        where = f"line {lines.get(uid) or (begins[n] if n < len(begins) else '?')}"
        label = f"{where} (VEVENT{' ' + uid if uid else ''})"
        errors = list(getattr(ev, "errors", []))
        for name, message in errors:
            problems.append(Problem(f"{label}: {name} {message}", file=file_name))
        if any(str(name).upper() == "DTSTART" for name, _ in errors):
            continue
        prop = ev.get("DTSTART")
        if prop is None:
            problems.append(Problem(f"{label}: no DTSTART", file=file_name))
            continue
        tzid = prop.params.get("TZID") if hasattr(prop, "params") else None
        if tzid and tzid not in known_zones and tzp.timezone(tzid) is None:
            problems.append(Problem(f"{label}: unknown time zone {tzid!r}", file=file_name))
            continue
        try:
            value = prop.dt
        except Exception as exc:  # noqa: BLE001 - icalendar's BrokenCalendarProperty and friends
            problems.append(Problem(f"{label}: DTSTART {exc}", file=file_name))
            continue
        if not isinstance(value, date):
            problems.append(Problem(f"{label}: DTSTART is not a date", file=file_name))
            continue
        firsts.append(value if not isinstance(value, datetime) else value.date())
        lasts.append(firsts[-1])
        for rule in ev.get("RRULE", []) if isinstance(ev.get("RRULE"), list) else [ev.get("RRULE")]:
            if rule is not None and rule.get("UNTIL"):
                until = rule["UNTIL"][0]
                lasts.append(until.date() if isinstance(until, datetime) else until)
    if problems:
        raise ValidationError(f"{file_name} has {len(problems)} problem{'s' if len(problems) > 1 else ''}; "
                              "nothing was imported.", problems)
    if start is None:
        start = min(firsts, default=date.today())
    if end is None:
        end = max([*lasts, date.today()]) + timedelta(days=366)
    try:
        occurrences = list(recurring_ical_events.of(cal).between(start, end + timedelta(days=1)))
    except Exception as exc:  # noqa: BLE001 - the library raises many kinds for bad rules
        raise ValidationError(f"{file_name}: the repeating events cannot be expanded: {exc}",
                              [Problem(str(exc), file=file_name)]) from None
    out = ParsedCalendar(str(cal.get("X-WR-CALNAME", "") or ""))
    for occ in occurrences:
        if str(occ.get("STATUS", "")).upper() == "CANCELLED":
            out.skipped += 1
            continue
        begins = occ["DTSTART"].dt
        if not isinstance(begins, datetime):
            out.skipped += 1  # all-day entries are not sessions
            continue
        if occ.get("DTEND") is not None:
            ends = occ["DTEND"].dt
        elif occ.get("DURATION") is not None:
            ends = begins + occ["DURATION"].dt
        else:
            ends = begins + timedelta(hours=1)
        b, e = _wall(begins, zone), _wall(ends, zone)
        if not isinstance(ends, datetime) or e <= b:
            e = b + timedelta(hours=1)
        if not (start <= b.date() <= end):
            continue
        out.sessions.append(ParsedSession(b, e, str(occ.get("LOCATION", "") or "").strip(),
                                          str(occ.get("SUMMARY", "") or "").strip()))
    if len(out.sessions) > MAX_IMPORTED_SESSIONS:
        raise ValidationError(
            f"{file_name} holds {len(out.sessions)} meetings between {start} and {end}; "
            f"at most {MAX_IMPORTED_SESSIONS} are imported at once. Give a shorter date range.")
    out.sessions.sort(key=lambda p: p.starts_at)
    return out


def _wall(value: datetime | date, zone: ZoneInfo) -> datetime:
    if not isinstance(value, datetime):
        return datetime.combine(value, time.min)
    if value.tzinfo is not None:
        value = value.astimezone(zone).replace(tzinfo=None)
    return value.replace(microsecond=0)


def read_source(source: str | os.PathLike[str] | bytes, file_name: str | None) -> tuple[bytes, str]:
    if isinstance(source, bytes):
        return source, file_name or "calendar.ics"
    path = Path(source)
    try:
        return path.read_bytes(), file_name or path.name
    except OSError as exc:
        raise ValidationError(f"Cannot read {path}: {exc.strerror or exc}",
                              [Problem(str(exc), file=str(path))]) from None


# --------------------------------------------------------------------------- the service


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

    def import_ics(self, actor: Actor, source: str | os.PathLike[str] | bytes, activity_id: int | None = None,
                   new_activity_name: str | None = None, start: date | None = None, end: date | None = None,
                   *, tz: str | None = None, file_name: str | None = None) -> ImportResult:
        """Add the file's meetings as sessions of an activity (teachers: ones they lead), or
        create a new activity from it (admins). All or nothing; re-importing adds nothing."""
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
            created = activity_id is None
            if created:
                if not parsed.sessions:
                    raise ValidationError(f"{name} holds no timed meetings; no activity was created.")
                locations = Counter(p.location for p in parsed.sessions if p.location)
                activity = Activity(
                    name=(new_activity_name or "").strip(),
                    description=f"Imported from {name}.",
                    start_date=parsed.sessions[0].starts_at.date(),
                    end_date=parsed.sessions[-1].starts_at.date(),
                    location=locations.most_common(1)[0][0] if locations else "",
                )
                s.add(activity)
                s.flush()
                tx.audit(actor, "create", "activity", activity.id, None,
                         {"name": activity.name, "source": name})
            assert activity is not None
            existing = set(s.scalars(select(ActivitySession.starts_at)
                                     .where(ActivitySession.activity_id == activity.id)))
            holidays = set(s.scalars(select(Holiday.day)))
            added = unchanged = 0
            for p in parsed.sessions:
                if p.starts_at in existing:
                    unchanged += 1
                    continue
                existing.add(p.starts_at)
                s.add(ActivitySession(activity_id=activity.id, schedule_id=None, starts_at=p.starts_at,
                                      ends_at=p.ends_at, location=p.location or activity.location or "",
                                      note="School holiday" if p.starts_at.date() in holidays else ""))
                added += 1
            tx.audit(actor, "import_ics", "activity", activity.id, None,
                     {"file": name, "added": added, "unchanged": unchanged, "skipped": parsed.skipped})
            if added or created:
                tx.changes.add(ChangeKind.SESSION)
                tx.changes.add(ChangeKind.ACTIVITY, activity.id)
            first = parsed.sessions[0].starts_at if parsed.sessions else None
            last = parsed.sessions[-1].starts_at if parsed.sessions else None
            return ImportResult(activity.id, activity.name, created, added, unchanged, parsed.skipped,
                                first, last)


__all__ = ["ImportResult", "IcalService", "build_calendar", "parse_ics", "write_atomic", "zone_of"]

"""Reading iCalendar (.ics) files: meetings, weekly series and all-day events, as plain data.

Files come from Outlook, Google and Apple: ``recurring_ical_events`` expands RRULE, EXDATE,
RDATE and RECURRENCE-ID; ``icalendar`` resolves TZIDs (IANA names, Windows names such as
"W. Europe Standard Time", and the file's own VTIMEZONEs). Times become the school's local
wall-clock time.

A recurring event is also offered as a :class:`ParsedSeries` when it is exactly one of our
weekly patterns (same days, same times, every week between two dates, once its EXDATEs,
RDATEs and moved occurrences are set aside): the import then stores the pattern and its
exceptions instead of loose sessions, so the activity keeps an editable timetable and
exporting it again gives one recurring event. Anything else stays a list of single meetings.
All-day events are not meetings; they are listed (:class:`AllDayEvent`) so that the caller
can add them at a time of day, import them as school holidays, or skip them with a count.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from icalendar.timezone import tzp

from tracker.domain.schedule import ICAL_DAYS, WeeklyPattern, pattern_slots, validate_pattern
from tracker.domain.text import one_line
from tracker.errors import Problem, ValidationError

MAX_IMPORTED_SESSIONS = 5000
#: rule parts a weekly pattern can express (anything else, e.g. BYSETPOS, stays single meetings)
_WEEKLY_PARTS = {"FREQ", "BYDAY", "UNTIL", "COUNT", "WKST", "INTERVAL"}


@dataclass(frozen=True)
class ParsedSession:
    starts_at: datetime
    ends_at: datetime
    location: str
    summary: str
    #: the UID of the recurring event this is an occurrence of (None: a single event)
    series: str | None = None
    #: when the rule had it (its RECURRENCE-ID), local wall-clock time; differs when it was moved
    slot: datetime | None = None


@dataclass(frozen=True)
class AllDayEvent:
    """An all-day entry (a holiday, a competition day): ``first`` to ``last``, both included."""

    first: date
    last: date
    summary: str
    location: str = ""

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def describe(self) -> str:
        when = f"{self.first:%a} {self.first.day} {self.first:%b %Y}"
        if self.last != self.first:
            when += f" – {self.last:%a} {self.last.day} {self.last:%b %Y}"
        return f"{when}: {self.summary}" if self.summary else when


@dataclass(frozen=True)
class ParsedSeries:
    """A recurring event that is exactly a weekly pattern (before its exceptions)."""

    uid: str
    pattern: WeeklyPattern
    location: str


@dataclass
class ParsedCalendar:
    name: str
    sessions: list[ParsedSession] = field(default_factory=list)
    #: cancelled occurrences and all-day entries: not meetings
    skipped: int = 0
    #: cancelled timed occurrences (of a series they become cancelled dates of its pattern)
    cancelled: list[ParsedSession] = field(default_factory=list)
    all_day: list[AllDayEvent] = field(default_factory=list)
    #: recurring events that are weekly patterns, by UID
    series: dict[str, ParsedSeries] = field(default_factory=dict)


def read_source(source: str | os.PathLike[str] | bytes, file_name: str | None) -> tuple[bytes, str]:
    if isinstance(source, bytes):
        return source, file_name or "calendar.ics"
    path = Path(source)
    try:
        return path.read_bytes(), file_name or path.name
    except OSError as exc:
        raise ValidationError(f"Cannot read {path}: {exc.strerror or exc}",
                              [Problem(str(exc), file=str(path))]) from None


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


def _wall(value: datetime | date, zone: ZoneInfo) -> datetime:
    if not isinstance(value, datetime):
        return datetime.combine(value, time.min)
    if value.tzinfo is not None:
        value = value.astimezone(zone).replace(tzinfo=None)
    return value.replace(microsecond=0)


def parse_ics(data: bytes, file_name: str, zone: ZoneInfo, start: date | None = None,
              end: date | None = None) -> ParsedCalendar:
    """The meetings in an .ics file as local wall-clock times in ``zone``, its weekly series and
    its all-day entries; ValidationError (naming the file and the event's line) for anything
    that cannot be read."""
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
    masters: dict[str, Any] = {}
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
        if uid and ev.get("RRULE") is not None and ev.get("RECURRENCE-ID") is None:
            masters[uid] = None if uid in masters else ev  # two masters of one UID: not a pattern
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
        cancelled = str(occ.get("STATUS", "")).upper() == "CANCELLED"
        first = occ["DTSTART"].dt
        if not isinstance(first, datetime):
            entry = _all_day(occ, first, start, end)
            if entry is not None:
                out.skipped += 1
                if not cancelled:
                    out.all_day.append(entry)
            continue
        session = _session(occ, first, zone, masters)
        if not (start <= session.starts_at.date() <= end):
            continue
        if cancelled:
            out.skipped += 1
            out.cancelled.append(session)
        else:
            out.sessions.append(session)
    if len(out.sessions) > MAX_IMPORTED_SESSIONS:
        raise ValidationError(
            f"{file_name} holds {len(out.sessions)} meetings between {start} and {end}; "
            f"at most {MAX_IMPORTED_SESSIONS} are imported at once. Give a shorter date range.")
    out.sessions.sort(key=lambda p: p.starts_at)
    out.all_day.sort(key=lambda a: (a.first, a.summary))
    timezones = list(cal.walk("VTIMEZONE"))
    for uid, master in masters.items():
        series = _weekly_series(uid, master, timezones, zone, start, end) if master is not None else None
        if series is not None:
            out.series[uid] = series
    return out


def _text(component: Any, name: str) -> str:
    return one_line(str(component.get(name, "") or ""))


def _session(occ: Any, begins: datetime, zone: ZoneInfo, masters: dict[str, Any]) -> ParsedSession:
    if occ.get("DTEND") is not None:
        ends = occ["DTEND"].dt
    elif occ.get("DURATION") is not None:
        ends = begins + occ["DURATION"].dt
    else:
        ends = begins + timedelta(hours=1)
    b, e = _wall(begins, zone), _wall(ends, zone)
    if not isinstance(ends, datetime) or e <= b:
        e = b + timedelta(hours=1)
    uid = str(occ.get("UID", ""))
    series = uid if masters.get(uid) is not None else None
    recurrence = occ.get("RECURRENCE-ID")
    slot = _wall(recurrence.dt, zone) if series and recurrence is not None else None
    return ParsedSession(b, e, _text(occ, "LOCATION"), _text(occ, "SUMMARY"), series, slot)


def _all_day(occ: Any, first: date, start: date, end: date) -> AllDayEvent | None:
    """The entry's days within ``start``..``end`` (None: none of them); DTEND of an all-day
    event is the day after its last day (RFC 5545)."""
    last = first
    if occ.get("DTEND") is not None and not isinstance(occ["DTEND"].dt, datetime):
        last = max(first, occ["DTEND"].dt - timedelta(days=1))
    elif occ.get("DURATION") is not None:
        last = max(first, first + timedelta(days=occ["DURATION"].dt.days - 1))
    if last < start or first > end:
        return None
    return AllDayEvent(max(first, start), min(last, end), _text(occ, "SUMMARY"), _text(occ, "LOCATION"))


def _weekly_series(uid: str, master: Any, timezones: list[Any], zone: ZoneInfo, start: date,
                   end: date) -> ParsedSeries | None:
    """The weekly pattern a recurring event is, or None when its rule is anything else.

    The rule alone (without EXDATE, RDATE and moved occurrences) is expanded and compared with
    what the pattern generates, slot by slot in local time: an INTERVAL, a BYSETPOS or a zone
    whose clock change shifts the meetings in the school's zone gives a different set, so the
    event stays single meetings rather than becoming a pattern that would invent or move some."""
    rule = master.get("RRULE")
    if rule is None or isinstance(rule, list) or set(rule) - _WEEKLY_PARTS:
        return None
    if rule.get("FREQ") != ["WEEKLY"] or [int(i) for i in rule.get("INTERVAL", [1])] != [1]:
        return None
    byday = [str(d).upper() for d in rule.get("BYDAY", [])]
    if any(d not in ICAL_DAYS for d in byday):
        return None  # "1MO", "-1FR": monthly in disguise
    try:
        slots = _rule_slots(master, timezones, zone, start, end)
    except Exception:  # noqa: BLE001 - a rule the library cannot expand alone: single meetings then
        return None
    if not slots:
        return None
    first = min(slots)
    begins, ends = slots[first]
    if ends.date() != begins.date():
        return None
    until = rule.get("UNTIL")
    last = min(_wall(until[0], zone).date(), end) if until else max(slots)
    weekdays = frozenset(ICAL_DAYS.index(d) for d in byday) if byday else frozenset({first.weekday()})
    pattern = WeeklyPattern(weekdays, begins.time(), ends.time(), first, last)
    if pattern_slots(pattern) != slots or validate_pattern(
            pattern.weekdays, pattern.start_time, pattern.end_time, pattern.start_date, pattern.end_date):
        return None
    return ParsedSeries(uid, pattern, _text(master, "LOCATION"))


def _rule_slots(master: Any, timezones: list[Any], zone: ZoneInfo, start: date,
                end: date) -> dict[date, tuple[datetime, datetime]] | None:
    """Every meeting of the event's rule alone (no EXDATE, RDATE or overrides) by local day;
    None when two fall on one day."""
    plain = icalendar.Calendar()
    for tz in timezones:
        plain.add_component(tz)
    event = icalendar.Event()
    for name, value in master.items():
        if name.upper() not in ("EXDATE", "RDATE", "EXRULE"):
            event[name] = value
    plain.add_component(event)
    slots: dict[date, tuple[datetime, datetime]] = {}
    for occ in recurring_ical_events.of(plain).between(start, end + timedelta(days=1)):
        begins = occ["DTSTART"].dt
        if not isinstance(begins, datetime):
            return None
        session = _session(occ, begins, zone, {})
        day = session.starts_at.date()
        if day in slots:
            return None
        if start <= day <= end:
            slots[day] = (session.starts_at, session.ends_at)
    return slots


__all__ = ["MAX_IMPORTED_SESSIONS", "AllDayEvent", "ParsedCalendar", "ParsedSeries", "ParsedSession",
           "parse_ics", "read_source"]

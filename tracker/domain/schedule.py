"""Weekly patterns → session times: the one place the calendar's generation rule lives.

Times are local wall-clock times without a zone (naive), the way a school timetable is read:
a 15:30 club meets at 15:30 in the week after the clocks change, so generation never converts
through UTC. Zones only matter at the edges (iCalendar export/import).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from dateutil.rrule import WEEKLY, rrule, weekday

from tracker.errors import Problem

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

#: the longest a weekly pattern may run (a school year and a bit)
MAX_PATTERN_DAYS = 800


@dataclass(frozen=True)
class WeeklyPattern:
    """Meets on ``weekdays`` (0 = Monday) from ``start_time`` to ``end_time``, between two dates."""

    weekdays: frozenset[int]
    start_time: time
    end_time: time
    start_date: date
    end_date: date

    @classmethod
    def of(cls, weekdays: Iterable[int] | str, start_time: time, end_time: time,
           start_date: date, end_date: date) -> WeeklyPattern:
        return cls(parse_weekdays(weekdays), start_time, end_time, start_date, end_date)

    def rule(self) -> rrule:
        """The dateutil rule of the pattern (holidays not applied)."""
        return rrule(
            WEEKLY,
            byweekday=[weekday(d) for d in sorted(self.weekdays)],
            dtstart=datetime.combine(self.start_date, self.start_time),
            until=datetime.combine(self.end_date, self.start_time),
        )

    @property
    def duration(self) -> timedelta:
        return datetime.combine(date.min, self.end_time) - datetime.combine(date.min, self.start_time)


def parse_weekdays(value: Iterable[int] | str) -> frozenset[int]:
    """ "0,2" or [0, 2] → frozenset({0, 2}); raises ValueError on anything else."""
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",") if p.strip()]
        days = [int(p) for p in parts]
    else:
        days = [int(d) for d in value]
    if any(not 0 <= d <= 6 for d in days):
        raise ValueError(f"weekdays are 0 (Monday) to 6 (Sunday), got {sorted(days)}")
    return frozenset(days)


def weekdays_text(days: Iterable[int]) -> str:
    """frozenset({0, 2}) → "0,2" (the stored form)."""
    return ",".join(str(d) for d in sorted(days))


def describe_weekdays(days: Iterable[int]) -> str:
    """{0, 2} → "Mon, Wed"."""
    return ", ".join(WEEKDAY_SHORT[d] for d in sorted(days))


def validate_pattern(weekdays: Collection[int], start_time: time | None, end_time: time | None,
                     start_date: date | None, end_date: date | None,
                     term: tuple[date | None, date | None] = (None, None)) -> list[Problem]:
    """Every problem with a weekly pattern, by field, in plain words (empty: it is fine)."""
    problems: list[Problem] = []
    if not weekdays:
        problems.append(Problem("Choose at least one day of the week.", field="weekdays"))
    elif any(not 0 <= d <= 6 for d in weekdays):
        problems.append(Problem("Days of the week are Monday to Sunday.", field="weekdays"))
    if start_time is None:
        problems.append(Problem("Give the time the session starts.", field="start time"))
    if end_time is None:
        problems.append(Problem("Give the time the session ends.", field="end time"))
    if start_time is not None and end_time is not None and end_time <= start_time:
        problems.append(Problem(f"The session must end after it starts "
                                f"({start_time:%H:%M} – {end_time:%H:%M}).", field="end time"))
    if start_date is None:
        problems.append(Problem("Give the first date of the pattern.", field="start date"))
    if end_date is None:
        problems.append(Problem("Give the last date of the pattern.", field="end date"))
    if start_date is not None and end_date is not None:
        if end_date < start_date:
            problems.append(Problem(f"The last date ({end_date:%d %b %Y}) is before the first "
                                    f"({start_date:%d %b %Y}).", field="end date"))
        elif (end_date - start_date).days > MAX_PATTERN_DAYS:
            problems.append(Problem("A weekly pattern can run for at most two years; "
                                    "add another pattern for the next year.", field="end date"))
        term_start, term_end = term
        if term_start is not None and start_date < term_start:
            problems.append(Problem(f"The pattern starts before the activity's term "
                                    f"({term_start:%d %b %Y}).", field="start date"))
        if term_end is not None and end_date > term_end:
            problems.append(Problem(f"The pattern ends after the activity's term "
                                    f"({term_end:%d %b %Y}).", field="end date"))
        if weekdays and not problems and not any(
            (start_date + timedelta(days=i)).weekday() in weekdays
            for i in range(min(7, (end_date - start_date).days + 1))
        ):
            problems.append(Problem("None of the chosen days falls between the two dates.",
                                    field="weekdays"))
    return problems


def pattern_slots(pattern: WeeklyPattern, holidays: Collection[date] = (),
                  start: date | None = None, end: date | None = None) -> dict[date, tuple[datetime, datetime]]:
    """The pattern's sessions by day, holidays skipped, limited to ``start``..``end`` (inclusive)."""
    out: dict[date, tuple[datetime, datetime]] = {}
    length = pattern.duration
    for begins in pattern.rule():
        day = begins.date()
        if day in holidays or (start is not None and day < start) or (end is not None and day > end):
            continue
        out[day] = (begins, begins + length)
    return out


def generate(patterns: Iterable[WeeklyPattern], holidays: Collection[date] = (),
             start: date | None = None, end: date | None = None) -> list[tuple[datetime, datetime]]:
    """Patterns + holidays + range → every session's (start, end), sorted, without duplicates."""
    found: set[tuple[datetime, datetime]] = set()
    hol = set(holidays)
    for p in patterns:
        found.update(pattern_slots(p, hol, start, end).values())
    return sorted(found)


def first_occurrence(pattern: WeeklyPattern) -> datetime | None:
    """The first meeting of the pattern (holidays not applied): iCalendar's DTSTART."""
    return pattern.rule().after(datetime.combine(pattern.start_date, time.min), inc=True)


def local_zone_name() -> str:
    """The school's time zone: $TRACKER_TZ, else $TZ, else the system zone, else UTC."""
    for name in (os.environ.get("TRACKER_TZ"), os.environ.get("TZ")):
        if name and _is_zone(name.lstrip(":")):
            return name.lstrip(":")
    try:
        target = Path("/etc/localtime").resolve()
        parts = target.parts
        if "zoneinfo" in parts:
            name = "/".join(parts[parts.index("zoneinfo") + 1:])
            if _is_zone(name):
                return name
    except OSError:
        pass
    try:
        name = Path("/etc/timezone").read_text().strip()
        if _is_zone(name):
            return name
    except OSError:
        pass
    return "UTC"


def _is_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True

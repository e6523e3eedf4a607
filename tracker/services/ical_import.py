"""Storing what an .ics file holds: weekly patterns with their exceptions, single sessions, holidays.

Called inside the import's unit of work (:mod:`tracker.services.ical`), after the file was read
by :mod:`tracker.services.ical_read`. A recurring event that is a weekly pattern becomes a
:class:`~tracker.db.models.Schedule` whose sessions are generated the usual way
(:func:`~tracker.services.calendar.regenerate_schedule`), then given the file's exceptions: a
date the file leaves out (EXDATE, a cancelled occurrence) is a cancelled session, a moved
occurrence a moved session (``original_starts_at`` keeps its slot), an RDATE an extra session.
So the activity keeps an editable timetable, and exporting it gives one recurring event again.

Everything matches what is already there, so that importing the same file twice adds nothing:
single sessions by start time, patterns by the meetings they generate. A pattern whose meetings
already exist as sessions (an import made before patterns were kept) or that does not fit the
activity's term is stored as single sessions instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from tracker.db.models import Activity, ActivitySession, Holiday, Schedule
from tracker.db.uow import UnitOfWork
from tracker.domain.policy import Actor
from tracker.domain.schedule import pattern_slots, validate_pattern, weekdays_text
from tracker.services.calendar import holiday_days, pattern_of, regenerate_schedule, slot_day
from tracker.services.ical_read import AllDayEvent, ParsedSeries, ParsedSession


@dataclass
class Tally:
    """What an import did, counted as it goes."""

    added: int = 0
    unchanged: int = 0
    patterns: int = 0
    cancelled: int = 0  # pattern dates the file leaves out
    on_holidays: int = 0  # meetings of a pattern on a school holiday (the pattern skips them)


def store_series(tx: UnitOfWork, actor: Actor, activity: Activity, series: ParsedSeries,
                 own: list[ParsedSession], holidays: set[date], existing: set[datetime],
                 tally: Tally) -> list[ParsedSession] | None:
    """Store a recurring event as a weekly pattern with its exceptions. Returns its meetings
    that are not on the rule (RDATEs), to be stored as single sessions; None when the event
    must be stored as single sessions altogether."""
    s = tx.session
    pattern = series.pattern
    rule = pattern_slots(pattern)  # every slot of the rule, holidays included
    slot_days = {begins: day for day, (begins, _) in rule.items()}
    on_rule = [o for o in own if o.slot in slot_days]
    extras = [o for o in own if o.slot not in slot_days]
    for row in s.scalars(select(Schedule).where(Schedule.activity_id == activity.id)):
        if pattern_slots(pattern_of(row)) == rule:  # imported before: its meetings are there
            tally.unchanged += len(on_rule)
            return extras
    wanted = pattern_slots(pattern, holidays)
    if any(begins in existing for begins, _ in wanted.values()) or validate_pattern(
            pattern.weekdays, pattern.start_time, pattern.end_time, pattern.start_date, pattern.end_date,
            (activity.start_date, activity.end_date)):
        return None
    row = Schedule(activity_id=activity.id, weekdays=weekdays_text(pattern.weekdays),
                   start_time=pattern.start_time, end_time=pattern.end_time, start_date=pattern.start_date,
                   end_date=pattern.end_date, location=series.location or activity.location or "")
    s.add(row)
    s.flush()
    regenerate_schedule(tx, row, holidays)
    meetings = {slot_days[o.slot]: o for o in on_rule if o.slot is not None}
    for session in s.scalars(select(ActivitySession).where(ActivitySession.schedule_id == row.id)):
        held = meetings.get(slot_day(session))
        existing.add(session.starts_at)
        if held is None:
            session.cancelled = True
            tally.cancelled += 1
            continue
        tally.added += 1
        if held.starts_at != session.starts_at:
            session.original_starts_at = session.starts_at
        session.starts_at, session.ends_at = held.starts_at, held.ends_at
        session.location = held.location or session.location
        existing.add(session.starts_at)
    tally.on_holidays += sum(1 for day in meetings if day in holidays)
    tally.patterns += 1
    tx.audit(actor, "create", "schedule", row.id, None,
             {"weekdays": row.weekdays, "start_time": row.start_time.isoformat(),
              "end_time": row.end_time.isoformat(), "start_date": row.start_date, "end_date": row.end_date,
              "location": row.location, "source": "ics"})
    return extras


def store_single(tx: UnitOfWork, activity: Activity, sessions: list[ParsedSession], holidays: set[date],
                 existing: set[datetime], tally: Tally) -> None:
    """One-off sessions, except those whose start time the activity already has."""
    for p in sessions:
        if p.starts_at in existing:
            tally.unchanged += 1
            continue
        existing.add(p.starts_at)
        tx.session.add(ActivitySession(
            activity_id=activity.id, schedule_id=None, starts_at=p.starts_at, ends_at=p.ends_at,
            location=p.location or activity.location or "",
            note="School holiday" if p.starts_at.date() in holidays else ""))
        tally.added += 1


def all_day_sessions(entries: list[AllDayEvent], at: time, ends: time | None) -> list[ParsedSession]:
    """All-day entries as sessions at the time the person chose (an hour long unless ``ends``),
    one a day for an entry of several days."""
    out = []
    for entry in entries:
        for day in entry.days:
            begins = datetime.combine(day, at)
            finish = datetime.combine(day, ends) if ends is not None and ends > at else begins + timedelta(hours=1)
            out.append(ParsedSession(begins, finish, entry.location, entry.summary))
    return out


def add_holidays(tx: UnitOfWork, days: dict[date, str]) -> tuple[list[date], int]:
    """Make the days school holidays (those that are not yet), then regenerate every pattern
    they fall in, once. Returns the days added and the generated sessions that went away."""
    s = tx.session
    new = sorted(set(days) - holiday_days(s))
    for day in new:
        s.add(Holiday(day=day, name=days[day][:200]))
    if not new:
        return [], 0
    s.flush()
    hol = holiday_days(s)
    removed = 0
    for row in s.scalars(select(Schedule).where(Schedule.start_date <= new[-1], Schedule.end_date >= new[0])):
        if any(row.start_date <= day <= row.end_date for day in new):
            removed += regenerate_schedule(tx, row, hol).removed
    return new, removed


__all__ = ["Tally", "add_holidays", "all_day_sessions", "store_series", "store_single"]

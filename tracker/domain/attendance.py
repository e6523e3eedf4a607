"""The attendance-rate rule over plain values: which sessions count for an enrollment, and the
per-student and per-session figures of the attendance grid.

The rule (the SQL of ``tracker.services.stats.counts_window`` is the same rule for bulk
queries; a test asserts both give the same rates):

* a session *counts* for an enrollment when it is held (started — ``starts_at <= now`` — and
  not cancelled), on or after the enrollment day and before the drop day;
* of those, a session with a record whose status ``counts_in_rate`` is *counted*, and *present*
  when that status also ``counts_as_present``; unmarked sessions do not count;
* rate = present ÷ counted (:func:`tracker.domain.progress.attendance_rate`).

A grid cell outside the enrollment window or on a cancelled session is *not applicable* (it
never counts and cannot be marked). A session can be marked once it has started, or from
:data:`MARK_AHEAD` (15 minutes) before its start, so that a teacher can take the register as
the class comes in; a later session cannot be marked yet (:func:`can_mark`), since a mark
"in advance" would read as attendance that did not happen. Clearing a mark is always possible.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from tracker.domain.progress import attendance_rate


@dataclass(frozen=True)
class StatusRule:
    """What a status means for the rate."""

    counts_as_present: bool
    counts_in_rate: bool

    @property
    def present(self) -> bool:
        return self.counts_as_present and self.counts_in_rate

    @property
    def absent(self) -> bool:
        """Counts against the rate (Absent); Excused (not in the rate) is neither."""
        return self.counts_in_rate and not self.counts_as_present


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min)


def in_enrollment(starts_at: datetime, enrolled_on: date | None, dropped_on: date | None) -> bool:
    """On or after the enrollment day and before the drop day."""
    if enrolled_on is not None and starts_at < _midnight(enrolled_on):
        return False
    return dropped_on is None or starts_at < _midnight(dropped_on)


def is_held(starts_at: datetime, cancelled: bool, now: datetime) -> bool:
    return not cancelled and starts_at <= now


#: how long before its start a session can be marked
MARK_AHEAD = timedelta(minutes=15)


def opens_at(starts_at: datetime) -> datetime:
    """From when a session can be marked."""
    return starts_at - MARK_AHEAD


def can_mark(starts_at: datetime, now: datetime) -> bool:
    """Whether a session has started, or starts within :data:`MARK_AHEAD` of ``now``."""
    return opens_at(starts_at) <= now


def markable_count(starts: Sequence[datetime], now: datetime) -> int:
    """How many of the sessions (sorted by start) can be marked at ``now``: the later ones
    are the future sessions that cannot be marked yet."""
    return bisect_right(starts, now + MARK_AHEAD)


def not_yet_markable(starts_at: datetime) -> str:
    """Why a session cannot be marked yet, and from when it can, in plain words."""
    minutes = int(MARK_AHEAD.total_seconds() // 60)
    return (f"The session on {starts_at:%a} {starts_at.day} {starts_at:%b} at {starts_at:%H:%M} has not "
            f"started yet: attendance can be taken from {minutes} minutes before it starts "
            f"({opens_at(starts_at):%H:%M}).")


def applicable(starts_at: datetime, cancelled: bool, enrolled_on: date | None,
               dropped_on: date | None) -> bool:
    """Whether a cell may hold a mark: not cancelled and inside the enrollment window."""
    return not cancelled and in_enrollment(starts_at, enrolled_on, dropped_on)


def window(starts: Sequence[datetime], enrolled_on: date | None,
           dropped_on: date | None) -> tuple[int, int]:
    """Index range [lo, hi) of the sessions (sorted by start) inside the enrollment window."""
    lo = 0 if enrolled_on is None else bisect_left(starts, _midnight(enrolled_on))
    hi = len(starts) if dropped_on is None else bisect_left(starts, _midnight(dropped_on))
    return lo, max(lo, hi)


@dataclass(frozen=True)
class RowFigures:
    present: int
    counted: int
    trailing_absences: int

    @property
    def rate(self) -> float | None:
        return attendance_rate(self.present, self.counted)


def row_figures(cells: Sequence[int], statuses: Sequence[StatusRule]) -> RowFigures:
    """Figures of one student's row over the *held* sessions, in order.

    ``cells``: per held session a status index, or a negative value (no mark / not applicable).
    Trailing absences: the absences since the last present mark, walking back (unmarked and
    excused sessions neither count nor break the run).
    """
    present = counted = 0
    for index, rule in enumerate(statuses):
        if rule.counts_in_rate:
            n = cells.count(index)
            counted += n
            if rule.counts_as_present:
                present += n
    trailing = 0
    for value in reversed(cells):
        if value < 0:
            continue
        rule = statuses[value]
        if rule.present:
            break
        if rule.absent:
            trailing += 1
    return RowFigures(present, counted, trailing)


def held_count(starts: Sequence[datetime], now: datetime) -> int:
    """How many of the sessions (sorted by start) have started by ``now``: the held ones are
    those among them that are not cancelled (cancelled cells are not applicable anyway)."""
    return bisect_right(starts, now)


def present_per_session(cells: Sequence[int], statuses: Sequence[StatusRule], columns: int) -> list[int]:
    """How many students are present at each session (row-major cells)."""
    present = [i for i, s in enumerate(statuses) if s.present]
    out = []
    for col in range(columns):
        column = cells[col::columns]
        out.append(sum(column.count(i) for i in present))
    return out

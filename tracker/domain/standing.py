"""On track, behind or at risk: one rule for every screen, export and the façade.

A student's progress is compared with how much of the activity has gone by (from the later of
the activity's start and the student's enrollment, to the activity's end), with the milestones
that are overdue, and with attendance. Every verdict comes with the reasons behind it, in plain
words, most serious first.

* **At risk** — any of: attendance below the activity's minimum (or 75% when it sets none) once
  ``min_sessions`` sessions count; absent the last ``absence_streak`` sessions in a row;
  progress ``at_risk_gap`` points or more below what the elapsed time expects.
* **Behind** — any of: progress ``behind_gap`` points or more below expected; a required
  milestone past its due date and not done.
* **On track** — none of those.

Completed enrollments are "Completed"; waitlisted and dropped ones have no standing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache

from tracker.domain.percent import format_percent, format_percent_against, format_threshold


class Standing(StrEnum):
    ON_TRACK = "on_track"
    BEHIND = "behind"
    AT_RISK = "at_risk"
    COMPLETED = "completed"
    NONE = "none"  # waitlisted or dropped

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def severity(self) -> int:
        """For sorting: at risk first."""
        return _SEVERITY[self]


# looked up, not built on each call: tables sort thousands of rows by these
_LABELS = {Standing.ON_TRACK: "On track", Standing.BEHIND: "Behind", Standing.AT_RISK: "At risk",
           Standing.COMPLETED: "Completed", Standing.NONE: "—"}
_SEVERITY = {Standing.AT_RISK: 0, Standing.BEHIND: 1, Standing.ON_TRACK: 2, Standing.COMPLETED: 3, Standing.NONE: 4}


@dataclass(frozen=True)
class StandingRules:
    behind_gap: float = 15.0  # percentage points below the expected progress
    at_risk_gap: float = 35.0
    low_attendance: float = 75.0  # when the activity sets no minimum attendance
    min_sessions: int = 3  # the attendance rule waits for this many counted sessions
    absence_streak: int = 3


RULES = StandingRules()

HOW_JUDGED = (
    "On track / behind / at risk compares progress with the share of the activity's dates gone by "
    f"since the student joined. Behind: {RULES.behind_gap:.0f}+ points below that, or a required milestone "
    f"overdue. At risk: {RULES.at_risk_gap:.0f}+ points below, attendance under the activity's "
    f"minimum ({format_threshold(RULES.low_attendance)} if none is set) after {RULES.min_sessions} sessions, or "
    f"absent {RULES.absence_streak} sessions in a row."
)


@dataclass(frozen=True)
class StandingCheck:
    standing: Standing
    reasons: tuple[str, ...]
    expected: float | None  # progress the elapsed time expects, percent; None without dates

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def attendance_threshold(min_attendance_pct: float | None, rules: StandingRules = RULES) -> float:
    """The attendance below which a student is at risk: the activity's minimum, else the default."""
    return min_attendance_pct if min_attendance_pct is not None else rules.low_attendance


def format_attendance(rate: float | None, min_attendance_pct: float | None, *, empty: str = "—") -> str:
    """An attendance rate as every screen shows it next to a standing: on the same side of the
    at-risk threshold as the reasons say (69.8 → "69.8%" when the minimum is 70%, not "70%")."""
    return empty if rate is None else format_percent_against(rate, attendance_threshold(min_attendance_pct))


def expected_progress(start: date | None, end: date | None, today: date,
                      enrolled_on: date | None = None) -> float | None:
    """The share of the activity gone by for this student, percent (0 before it starts)."""
    if start is None or end is None:
        return None
    begin = max(start, enrolled_on) if enrolled_on else start
    if end <= begin:
        return 100.0 if today >= end else 0.0
    elapsed = (today - begin).days / (end - begin).days
    return round(100.0 * min(1.0, max(0.0, elapsed)), 1)


@lru_cache(maxsize=512)
def _day_month(d: date) -> str:
    """"3 Nov": a due date as the reasons give it (``strftime`` is slow, and few dates recur)."""
    return f"{d.day} {d:%b}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def attendance_that_counts(attendance_pct: float | None, counted_sessions: int, trailing_absences: int,
                           min_attendance_pct: float | None, rules: StandingRules = RULES) -> tuple[float | None, int]:
    """What of an enrollment's attendance can change its standing or its reasons: the rate when
    enough sessions are counted and it is under the threshold (else None), and the absences in a
    row when there are enough of them to matter (else 0). :func:`judge` given these (and the
    rest unchanged) says exactly what it says given the raw figures, so a caller judging
    thousands of enrollments judges each distinct case once."""
    low = _low_rate(attendance_pct, counted_sessions, attendance_threshold(min_attendance_pct, rules), rules)
    return low, trailing_absences if trailing_absences >= rules.absence_streak else 0


def _low_rate(attendance_pct: float | None, counted_sessions: int, threshold: float,
              rules: StandingRules) -> float | None:
    """The rate when it puts a student at risk (the attendance rule of :func:`judge`: enough
    sessions counted and the rate under the threshold), else None."""
    if attendance_pct is not None and counted_sessions >= rules.min_sessions and attendance_pct < threshold:
        return attendance_pct
    return None


def judge(
    *,
    status: str,
    progress: float,
    today: date,
    start: date | None,
    end: date | None,
    enrolled_on: date | None = None,
    overdue: Sequence[tuple[str, date]] = (),
    attendance_pct: float | None = None,
    counted_sessions: int = 0,
    trailing_absences: int = 0,
    min_attendance_pct: float | None = None,
    has_milestones: bool = True,
    rules: StandingRules = RULES,
) -> StandingCheck:
    """The standing of one enrollment. ``status`` is the enrollment status value; ``overdue`` the
    (title, due date) of milestones not done whose due date is before ``today``; ``has_milestones``
    False (and progress not set by hand) leaves the progress gap out: there is nothing to tick."""
    if status == "completed":
        return StandingCheck(Standing.COMPLETED, ("Completed",), None)
    if status != "active":
        return StandingCheck(Standing.NONE, (), None)
    risk: list[str] = []
    behind: list[str] = []
    expected = expected_progress(start, end, today, enrolled_on)
    said = ""  # the progress against what is expected, said once whatever it leads to
    if expected is not None and has_milestones:
        gap = expected - progress
        said = f"Progress {format_percent(progress)}, {format_percent(expected)} expected by now"
        if gap >= rules.at_risk_gap:
            risk.append(said)
        elif gap >= rules.behind_gap:
            behind.append(said)
    threshold = attendance_threshold(min_attendance_pct, rules)
    low = _low_rate(attendance_pct, counted_sessions, threshold, rules)
    if low is not None:
        risk.append(f"Attendance {format_percent_against(low, threshold)}, "
                     f"below {format_threshold(threshold)}")
    if trailing_absences >= rules.absence_streak:
        risk.append(f"Absent the last {trailing_absences} sessions")
    if overdue:
        first = sorted(overdue, key=lambda t: t[1])
        names = ", ".join(f"{t} (due {_day_month(d)})" for t, d in first[:2])
        more = f" and {len(first) - 2} more" if len(first) > 2 else ""
        behind.append(f"{_plural(len(first), 'milestone')} overdue: {names}{more}")
    if risk:
        return StandingCheck(Standing.AT_RISK, tuple(risk + behind), expected)
    if behind:
        return StandingCheck(Standing.BEHIND, tuple(behind), expected)
    if said:
        why = said
    elif has_milestones:
        why = "No milestone overdue"
    else:
        why = "No milestones set yet"
    return StandingCheck(Standing.ON_TRACK, (why,), expected)

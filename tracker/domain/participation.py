"""Participation quality: the one definition of a student's participation summary in an activity.

Pure functions over plain values. The service feeds them the per-session participation ratings
(1–5, from taking attendance), the attendance rate (the rule of :mod:`tracker.domain.progress`,
computed by ``tracker.services.stats``) and the progress percentage; every screen shows what
:func:`summarize` returns and explains it with :data:`HOW_COMPUTED`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from tracker.domain.standing import RULES, expected_progress

TREND_SESSIONS = 6  # the trend looks at the last N rated sessions
TREND_MIN_RATINGS = 3  # fewer rated sessions than this: no trend yet
TREND_THRESHOLD = 0.15  # rating points per session; a smaller slope is "steady"
PACE_TOLERANCE = RULES.behind_gap  # points either side of the elapsed share: "on pace" (as standing)


class Trend(str, enum.Enum):
    RISING = "rising"
    STEADY = "steady"
    FALLING = "falling"


class Pace(str, enum.Enum):
    AHEAD = "ahead"
    ON_PACE = "on pace"
    BEHIND = "behind"


HOW_COMPUTED = (
    "How participation is computed (per student, in this activity):\n"
    "• Average rating: the mean of the 1–5 participation ratings given when attendance was "
    "taken (sessions without a rating are left out).\n"
    f"• Trend: the slope of a straight line fitted to the last {TREND_SESSIONS} ratings, in "
    f"session order: rising above +{TREND_THRESHOLD} per session, falling below "
    f"−{TREND_THRESHOLD}, otherwise steady; shown once there are {TREND_MIN_RATINGS} ratings.\n"
    "• Attendance: present ÷ held sessions that count since enrolling (the same rate as the "
    "roster and dashboards; Excused does not count by default).\n"
    "• Pace: milestone progress minus the share of the activity's dates elapsed since the student "
    "joined, in "
    f"percentage points: ahead above +{PACE_TOLERANCE:g}, behind below −{PACE_TOLERANCE:g}, "
    "otherwise on pace; shown when the activity has start and end dates."
)


@dataclass(frozen=True)
class ParticipationSummary:
    average_rating: float | None  # 1.0–5.0, None without ratings
    ratings: int  # how many rated sessions
    slope: float | None  # rating points per session over the trend window
    trend: Trend | None
    attendance_rate: float | None  # percentage, as given
    elapsed_pct: float | None  # share of the activity's dates elapsed, 0–100
    pace: float | None  # progress − elapsed, percentage points
    pace_label: Pace | None


def average_rating(ratings: Sequence[int | None]) -> float | None:
    """Mean of the ratings given (None entries are sessions without a rating)."""
    given = [r for r in ratings if r is not None]
    if not given:
        return None
    return round(sum(given) / len(given), 2)


def rating_slope(ratings: Sequence[int | None], window: int = TREND_SESSIONS) -> float | None:
    """Least-squares slope of the last ``window`` ratings against their position (per session).

    None when fewer than :data:`TREND_MIN_RATINGS` ratings are in the window.
    """
    ys = [float(r) for r in ratings if r is not None][-window:]
    n = len(ys)
    if n < TREND_MIN_RATINGS:
        return None
    mean_x = (n - 1) / 2
    mean_y = sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in range(n))
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(ys))
    return round(sxy / sxx, 4)


def trend(ratings: Sequence[int | None], window: int = TREND_SESSIONS) -> Trend | None:
    slope = rating_slope(ratings, window)
    if slope is None:
        return None
    if slope > TREND_THRESHOLD:
        return Trend.RISING
    if slope < -TREND_THRESHOLD:
        return Trend.FALLING
    return Trend.STEADY


def elapsed_pct(start: date | None, end: date | None, today: date,
                enrolled_on: date | None = None) -> float | None:
    """Share of the activity's dates elapsed on ``today`` since the student joined (0 before the
    start, 100 from the end): the expected progress of :mod:`tracker.domain.standing`."""
    if start is None or end is None or end <= start:
        return None
    return expected_progress(start, end, today, enrolled_on)


def pace(progress_pct: float, start: date | None, end: date | None, today: date,
         enrolled_on: date | None = None) -> float | None:
    """Milestone progress minus the elapsed share, in percentage points (None without dates)."""
    elapsed = elapsed_pct(start, end, today, enrolled_on)
    if elapsed is None:
        return None
    return round(progress_pct - elapsed, 1)


def pace_label(value: float | None) -> Pace | None:
    if value is None:
        return None
    if value > PACE_TOLERANCE:
        return Pace.AHEAD
    if value < -PACE_TOLERANCE:
        return Pace.BEHIND
    return Pace.ON_PACE


def summarize(
    ratings: Sequence[int | None],
    attendance_rate: float | None,
    progress_pct: float,
    start: date | None,
    end: date | None,
    today: date,
    enrolled_on: date | None = None,
) -> ParticipationSummary:
    """The participation summary; ``ratings`` in session order (oldest first)."""
    p = pace(progress_pct, start, end, today, enrolled_on)
    return ParticipationSummary(
        average_rating=average_rating(ratings),
        ratings=sum(1 for r in ratings if r is not None),
        slope=rating_slope(ratings),
        trend=trend(ratings),
        attendance_rate=attendance_rate,
        elapsed_pct=elapsed_pct(start, end, today, enrolled_on),
        pace=p,
        pace_label=pace_label(p),
    )

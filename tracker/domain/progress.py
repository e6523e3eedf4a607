"""The rules of progress: one formula, one attendance rate, one completion rule.

These are pure functions over plain values; services feed them from the database and every
screen, export and the façade show what they return.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tracker.domain.percent import format_percent_against, format_threshold


@dataclass(frozen=True)
class MilestoneState:
    points: int
    required: bool
    done: bool


def progress_percentage(milestones: Iterable[MilestoneState]) -> float:
    """Earned milestone points ÷ total points, as a percentage.

    When no milestone carries points, progress is by count (done ÷ total). No milestones: 0.
    """
    items = list(milestones)
    if not items:
        return 0.0
    total_points = sum(m.points for m in items)
    if total_points > 0:
        earned = sum(m.points for m in items if m.done)
        return round(100.0 * earned / total_points, 1)
    return round(100.0 * sum(1 for m in items if m.done) / len(items), 1)


def attendance_rate(present: int, counted: int) -> float | None:
    """Present ÷ sessions that count in the rate, as a percentage; None when nothing counts yet.

    ``counted`` is the number of held sessions since enrollment (before any drop) whose recorded
    status counts in the rate (Excused does not by default); ``present`` those whose status counts
    as present.
    """
    if counted <= 0:
        return None
    return round(100.0 * present / counted, 1)


@dataclass(frozen=True)
class CompletionRule:
    require_milestones: bool
    min_attendance_pct: float | None
    requires_signoff: bool


@dataclass(frozen=True)
class CompletionCheck:
    complete: bool
    reasons: tuple[str, ...]  # what is still missing, in plain words


def rate_that_counts(rule: CompletionRule, attendance_pct: float | None) -> float | None:
    """The attendance rate as far as ``rule`` can tell it apart: the rate itself when it falls
    short of the minimum (or there is none yet), the minimum when it is met, None when the rule
    sets none. :func:`check_completion` says the same given this as given the rate, so a caller
    checking thousands of enrollments checks each distinct case once."""
    if rule.min_attendance_pct is None:
        return None
    return attendance_pct if _short_of(attendance_pct, rule.min_attendance_pct) else rule.min_attendance_pct


def _short_of(attendance_pct: float | None, minimum: float) -> bool:
    """No attendance yet, or under the minimum (rates are rounded to 0.1: a hair below it, float
    noise, still meets it)."""
    return attendance_pct is None or attendance_pct + 1e-9 < minimum


def check_completion(
    rule: CompletionRule,
    milestones: Iterable[MilestoneState],
    attendance_pct: float | None,
    signed_off: bool,
) -> CompletionCheck:
    """Whether a student meets the activity's completion rule, and if not, why not.

    An activity whose rule asks for nothing measurable (no required milestones, no minimum
    attendance, no sign-off) is never completed automatically: a teacher completes it by hand.
    """
    items = list(milestones)
    missing: list[str] = []
    measurable = False
    required = [m for m in items if m.required]
    if rule.require_milestones and required:
        measurable = True
        left = sum(1 for m in required if not m.done)
        if left:
            missing.append(f"{left} required milestone{'s' if left != 1 else ''} not done")
    if rule.min_attendance_pct is not None:
        measurable = True
        if _short_of(attendance_pct, rule.min_attendance_pct):
            shown = ("no attendance yet" if attendance_pct is None
                     else format_percent_against(attendance_pct, rule.min_attendance_pct))
            missing.append(f"attendance {shown} below {format_threshold(rule.min_attendance_pct)}")
    if rule.requires_signoff:
        measurable = True
        if not signed_off:
            missing.append("teacher sign-off missing")
    if not measurable:
        return CompletionCheck(False, ("completed by a teacher",))
    return CompletionCheck(not missing, tuple(missing))

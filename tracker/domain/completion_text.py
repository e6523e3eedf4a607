"""How a completed student's progress is told: "Completed", why, and the points earned.

An activity's completion rule need not ask for every milestone point: the required milestones,
a minimum attendance or a teacher's sign-off may be enough. A completed student can then have
earned 38% of the points, and a bare 38% bar next to "Completed" reads as a contradiction. So
every screen shows what :func:`completion_text` returns instead of the figure: the word
"Completed" where the progress would be, and the reason with the points actually earned in its
tooltip or details ("Completed — attendance and required milestones met" / "38% of the milestone
points earned: completion does not need them all"). The figure itself stays what it is (earned ÷
total points, :func:`tracker.domain.progress.progress_percentage`); it is never shown as 100%.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.domain.percent import format_percent_against
from tracker.domain.progress import CompletionRule

COMPLETED = "Completed"


@dataclass(frozen=True)
class CompletionText:
    """What a screen shows for a completed student in place of the progress figure."""

    label: str  # "Completed": what the progress cell reads
    reason: str  # "Completed — attendance and required milestones met"
    points: str  # "38% of the milestone points earned: completion does not need them all."

    @property
    def tooltip(self) -> str:
        """The reason and the points, one per line (a cell's tooltip, a panel's details)."""
        return f"{self.reason}\n{self.points}"


def completion_text(progress_pct: float, rule: CompletionRule | None = None, *,
                    by_hand: bool = False) -> CompletionText:
    """The wording for a student whose status is completed.

    ``progress_pct`` is the stored progress (earned ÷ total milestone points); ``rule`` the
    activity's completion rule (None when the screen does not know it); ``by_hand`` whether a
    teacher set the status by hand rather than the rule reaching it."""
    return CompletionText(COMPLETED, _reason(rule, by_hand=by_hand), _points(progress_pct, by_hand=by_hand))


def _reason(rule: CompletionRule | None, *, by_hand: bool) -> str:
    if by_hand:
        return f"{COMPLETED} — marked completed by a teacher"
    if rule is None:
        return f"{COMPLETED} — the activity's completion rule was met"
    met = []
    if rule.min_attendance_pct is not None:
        met.append("attendance")
    if rule.require_milestones:
        met.append("required milestones")
    if not met and not rule.requires_signoff:  # nothing measurable: only a teacher completes it
        return f"{COMPLETED} — marked completed by a teacher"
    if not met:
        return f"{COMPLETED} — signed off by a teacher"
    return f"{COMPLETED} — {' and '.join(met)} met" + (", signed off by a teacher" if rule.requires_signoff else "")


def _points(progress_pct: float, *, by_hand: bool) -> str:
    if progress_pct >= 100.0:
        return "All milestone points earned."
    shown = format_percent_against(max(progress_pct, 0.0), 100.0)
    if by_hand:
        return f"{shown} of the milestone points earned."
    return f"{shown} of the milestone points earned: completion does not need them all."

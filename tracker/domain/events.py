"""Domain events: what happened, as plain values.

Side effects that follow from a change (progress recomputed, completion reached, notification
raised) are handlers of these events, wired explicitly by ``tracker.services.bootstrap`` into the
database's message bus. They run inside the same unit of work as the change that raised them, so
they are never forgotten and never half-done. Bulk paths raise one batch event (e.g.
:class:`MilestonesTicked`) so that a handler sees a bulk tick as well as a single one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    """Base class for domain events."""


@dataclass(frozen=True)
class MilestoneCompletionChanged(Event):
    student_id: int
    activity_id: int
    milestone_id: int
    completed: bool


@dataclass(frozen=True)
class AttendanceChanged(Event):
    student_id: int
    activity_id: int


@dataclass(frozen=True)
class ActivityCompleted(Event):
    """A student met an activity's completion rules (certificates and badges hang on this)."""

    student_id: int
    activity_id: int
    progress_id: int


@dataclass(frozen=True)
class CompletionReverted(Event):
    student_id: int
    activity_id: int
    progress_id: int


@dataclass(frozen=True)
class MilestonesTicked(Event):
    """One milestone ticked (``completed``) or unticked for several students at once."""

    activity_id: int
    milestone_id: int
    student_ids: tuple[int, ...]
    completed: bool


@dataclass(frozen=True)
class MilestoneSetChanged(Event):
    """An activity's milestones were added, removed, re-weighted or copied in: everyone's
    percentage there may have changed."""

    activity_id: int


@dataclass(frozen=True)
class SkillAssessed(Event):
    """Students were assessed on a skill (in an activity): badges for skill levels hang on this."""

    student_ids: tuple[int, ...]
    skill_id: int
    activity_id: int | None


@dataclass(frozen=True)
class BadgeAwarded(Event):
    """A student received a badge, by the rules or by hand (notifications hang on this)."""

    student_id: int
    badge_id: int
    award_id: int
    activity_id: int | None  # where it was earned (None: not tied to one activity)


@dataclass(frozen=True)
class ProgressOverridden(Event):
    """A teacher set a student's progress and/or status by hand (notifications hang on this)."""

    student_id: int
    activity_id: int
    by_id: int
    progress_percentage: float | None
    status: str | None  # the status value set by hand, if any
    note: str

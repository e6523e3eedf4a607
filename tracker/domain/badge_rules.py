"""Badge criteria: what a student must do to earn a badge, as data, in words, and checked.

A badge's ``rule`` column holds a :class:`Criterion` as JSON (``to_json`` / ``from_json``, strict:
an unknown kind, key or value is a :class:`ValidationError` naming the field). The rule engine
(:mod:`tracker.services.badge_engine`) measures it in SQL; this module only says what it means:

* ``manual`` — only a person awards it.
* ``milestones`` — of the badge's activity: every milestone, the ``milestone_ids`` chosen, or at
  least ``count`` of them.
* ``points`` — at least ``points`` milestone points earned in the activity; a school-wide badge
  adds up the milestone points of every activity.
* ``attendance_rate`` — present at ``percent`` % or more of the counted sessions (the rate of
  :func:`tracker.domain.progress.attendance_rate`), over the sessions from ``from`` to ``to``
  (both optional) and with at least ``min_sessions`` counted (5 unless set); school-wide: over
  every activity together.
* ``perfect_month`` — every counted session of a calendar month that has ended marked present,
  with at least ``min_sessions`` (4 unless set) of them that month.
* ``attendance_streak`` — ``count`` present marks in a row, counted sessions in date order
  (an excused or unmarked session neither counts nor breaks the run).
* ``activity_completed`` — the badge's activity completed (school-wide: any activity).
* ``activities_completed`` — ``count`` activities completed (school-wide badges only).
* ``skill_level`` — the latest assessment of skill ``skill_id`` at ``level`` or above (in the
  badge's activity; school-wide: wherever assessed).

Kinds measured "in an activity" (perfect month, streak, completion, skill level) earn a
school-wide badge in *any one* activity; :data:`ACROSS_ACTIVITIES` kinds add every activity up.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from tracker.domain.percent import format_percent_against, format_threshold
from tracker.errors import Problem, ValidationError


class CriterionKind(StrEnum):
    MANUAL = "manual"
    MILESTONES = "milestones"
    POINTS = "points"
    ATTENDANCE_RATE = "attendance_rate"
    PERFECT_MONTH = "perfect_month"
    ATTENDANCE_STREAK = "attendance_streak"
    ACTIVITY_COMPLETED = "activity_completed"
    ACTIVITIES_COMPLETED = "activities_completed"
    SKILL_LEVEL = "skill_level"

    @property
    def label(self) -> str:
        """The kind as a badge editor offers it."""
        return KIND_LABELS[self]


KIND_LABELS: dict[CriterionKind, str] = {
    CriterionKind.MANUAL: "Awarded by hand only",
    CriterionKind.MILESTONES: "Milestones completed",
    CriterionKind.POINTS: "Milestone points reached",
    CriterionKind.ATTENDANCE_RATE: "Attendance rate",
    CriterionKind.PERFECT_MONTH: "Perfect attendance in a month",
    CriterionKind.ATTENDANCE_STREAK: "Attendance streak",
    CriterionKind.ACTIVITY_COMPLETED: "Activity completed",
    CriterionKind.ACTIVITIES_COMPLETED: "Number of activities completed",
    CriterionKind.SKILL_LEVEL: "Skill level reached",
}

#: need the badge's activity (milestones belong to one)
NEEDS_ACTIVITY = frozenset({CriterionKind.MILESTONES})
#: only school-wide: counting activities inside one activity means nothing
SCHOOL_ONLY = frozenset({CriterionKind.ACTIVITIES_COMPLETED})
#: a school-wide badge of these kinds adds every activity up (not "in any one activity")
ACROSS_ACTIVITIES = frozenset({CriterionKind.POINTS, CriterionKind.ATTENDANCE_RATE,
                               CriterionKind.ACTIVITIES_COMPLETED})

RATE_MIN_SESSIONS = 5
MONTH_MIN_SESSIONS = 4

# the JSON keys each kind takes (besides "kind"), and which of them it needs
_KEYS: dict[CriterionKind, tuple[frozenset[str], frozenset[str]]] = {
    CriterionKind.MANUAL: (frozenset(), frozenset()),
    CriterionKind.MILESTONES: (frozenset({"count", "milestone_ids"}), frozenset()),
    CriterionKind.POINTS: (frozenset({"points"}), frozenset({"points"})),
    CriterionKind.ATTENDANCE_RATE: (frozenset({"percent", "from", "to", "min_sessions"}), frozenset({"percent"})),
    CriterionKind.PERFECT_MONTH: (frozenset({"min_sessions"}), frozenset()),
    CriterionKind.ATTENDANCE_STREAK: (frozenset({"count"}), frozenset({"count"})),
    CriterionKind.ACTIVITY_COMPLETED: (frozenset(), frozenset()),
    CriterionKind.ACTIVITIES_COMPLETED: (frozenset({"count"}), frozenset({"count"})),
    CriterionKind.SKILL_LEVEL: (frozenset({"skill_id", "level"}), frozenset({"skill_id", "level"})),
}
_ATTRIBUTE = {"from": "start", "to": "end"}  # JSON key -> field name where they differ


@dataclass(frozen=True)
class Criterion:
    """One badge criterion: its kind and the parameters that kind takes (the others stay None)."""

    kind: CriterionKind = CriterionKind.MANUAL
    count: int | None = None  # milestones (at least n), streak (n in a row), activities completed
    milestone_ids: tuple[int, ...] = ()  # milestones: these ones (empty and no count: all of them)
    points: int | None = None
    percent: float | None = None  # attendance rate threshold, 0 < percent <= 100
    start: date | None = None  # attendance rate: sessions from this day ("from")
    end: date | None = None  # ... to this day, inclusive ("to")
    min_sessions: int | None = None  # attendance rate (default 5), perfect month (default 4)
    skill_id: int | None = None
    level: int | None = None

    @property
    def manual(self) -> bool:
        return self.kind is CriterionKind.MANUAL

    @property
    def params(self) -> dict[str, Any]:
        """The parameters set, by their JSON keys (dates as ISO text)."""
        out: dict[str, Any] = {}
        for key in sorted(_KEYS[self.kind][0]):
            value = getattr(self, _ATTRIBUTE.get(key, key))
            if value is None or value == ():
                continue
            out[key] = value.isoformat() if isinstance(value, date) else (
                list(value) if isinstance(value, tuple) else value)
        return out

    @property
    def sessions_needed(self) -> int:
        """The fewest counted sessions an attendance criterion judges on."""
        if self.min_sessions is not None:
            return self.min_sessions
        return MONTH_MIN_SESSIONS if self.kind is CriterionKind.PERFECT_MONTH else RATE_MIN_SESSIONS


MANUAL = Criterion()


def to_json(criterion: Criterion) -> str:
    """The ``badges.rule`` text: ``{"kind": ..., params...}``, keys sorted."""
    return json.dumps({"kind": criterion.kind.value, **criterion.params}, sort_keys=True)


def from_json(text: str | None) -> Criterion:
    """Parse a stored or typed rule; anything unexpected is a ValidationError naming the field."""
    if text is None or not text.strip():
        return MANUAL
    try:
        data = json.loads(text)
    except ValueError:
        raise ValidationError.field("rule", "The badge rule is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ValidationError.field("rule", "The badge rule must be a JSON object with a \"kind\".")
    return from_dict(data)


def stored(text: str | None) -> Criterion:
    """A badge's stored rule; one that cannot be read counts as manual: the badge is still shown,
    and the rules never award it."""
    try:
        return from_json(text)
    except ValidationError:
        return MANUAL


def from_dict(data: Mapping[str, Any]) -> Criterion:
    raw_kind = data.get("kind", CriterionKind.MANUAL.value)
    try:
        kind = CriterionKind(raw_kind)
    except ValueError:
        known = ", ".join(k.value for k in CriterionKind)
        raise ValidationError.field("kind", f"Unknown kind of criterion {raw_kind!r}; one of {known}.") from None
    allowed, required = _KEYS[kind]
    problems = [Problem(f"A {kind.value} criterion takes no {key!r}.", field=key)
                for key in sorted(set(data) - allowed - {"kind"})]
    problems += [Problem(f"A {kind.value} criterion needs {key!r}.", field=key)
                 for key in sorted(required - set(data))]
    values: dict[str, Any] = {}
    for key in sorted(allowed & set(data)):
        value = _parse(key, data[key], problems)
        if value is not None:
            values[_ATTRIBUTE.get(key, key)] = value
    if not problems:
        criterion = Criterion(kind, **values)
        problems = param_problems(criterion)
        if not problems:
            return criterion
    raise ValidationError(problems[0].message if len(problems) == 1 else "The badge rule is not valid.", problems)


def _parse(key: str, value: Any, problems: list[Problem]) -> Any:
    """One JSON value as its field's type, or a problem."""
    if key in ("from", "to"):
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        problems.append(Problem(f"{key!r} must be a date like 2026-09-01.", field=key))
        return None
    if key == "milestone_ids":
        if isinstance(value, list) and all(_is_int(v) for v in value):
            return tuple(value)
        problems.append(Problem("'milestone_ids' must be a list of milestone ids.", field=key))
        return None
    if key == "percent":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        problems.append(Problem("'percent' must be a number.", field=key))
        return None
    if _is_int(value):
        return value
    problems.append(Problem(f"{key!r} must be a whole number.", field=key))
    return None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def param_problems(c: Criterion) -> list[Problem]:
    """What is wrong with the parameters themselves (whatever the badge is for)."""
    out: list[Problem] = []
    allowed, required = _KEYS[c.kind]
    for key in sorted(required):
        if getattr(c, _ATTRIBUTE.get(key, key)) is None:
            out.append(Problem(f"Set {key.replace('_', ' ')} for this criterion.", field=key))
    for key in ("count", "points", "min_sessions", "level"):
        value = getattr(c, key)
        if value is not None and key in allowed and value < 1:
            out.append(Problem(f"{key.replace('_', ' ').capitalize()} must be at least 1.", field=key))
    if c.kind is CriterionKind.MILESTONES:
        if c.count is not None and c.milestone_ids:
            out.append(Problem("Choose either a number of milestones or particular ones, not both.",
                               field="milestone_ids"))
        if len(set(c.milestone_ids)) != len(c.milestone_ids):
            out.append(Problem("A milestone is chosen twice.", field="milestone_ids"))
    if c.percent is not None and not 0 < c.percent <= 100:
        out.append(Problem("The attendance rate is a percentage above 0 and at most 100.", field="percent"))
    if c.start is not None and c.end is not None and c.end < c.start:
        out.append(Problem("The period ends before it starts.", field="to"))
    return out


def check(criterion: Criterion, activity_id: int | None) -> list[Problem]:
    """Problems with a criterion for a badge of this activity (None: school-wide)."""
    out = param_problems(criterion)
    if activity_id is None and criterion.kind in NEEDS_ACTIVITY:
        out.append(Problem("Milestones belong to an activity: choose the activity this badge is for.",
                           field="activity"))
    if activity_id is not None and criterion.kind in SCHOOL_ONLY:
        out.append(Problem("Counting completed activities needs a school-wide badge (no activity).",
                           field="activity"))
    return out


# --------------------------------------------------------------------------- in words


@dataclass(frozen=True)
class RuleNames:
    """The names a criterion's ids stand for, to say it in words."""

    activity: str | None = None  # None: a school-wide badge
    milestones: Mapping[int, str] = field(default_factory=dict)
    skill: str | None = None
    level: str | None = None  # the rubric's name of the level asked for


def _n(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def _where(names: RuleNames, across: str = "across all activities") -> str:
    return f"in {names.activity}" if names.activity else across


def describe(c: Criterion, names: RuleNames = RuleNames()) -> str:
    """The criterion as a student and a parent read it: "Complete 3 milestones in Robotics Club"."""
    k, where = c.kind, _where(names)
    if k is CriterionKind.MANUAL:
        return f"Awarded by a teacher of {names.activity}" if names.activity else "Awarded by the school"
    if k is CriterionKind.MILESTONES:
        if c.milestone_ids:
            titles = [names.milestones.get(i, "") for i in c.milestone_ids]
            what = _and(titles) if all(titles) else _n(len(c.milestone_ids), "chosen milestone")
        else:
            what = "every milestone" if c.count is None else _n(c.count, "milestone")
        return f"Complete {what} {_where(names, '')}".rstrip()
    if k is CriterionKind.POINTS:
        return f"Earn {_n(c.points or 0, 'milestone point')} {where}"
    if k is CriterionKind.ATTENDANCE_RATE:
        period = ""
        if c.start and c.end:
            period = f" from {_day(c.start)} to {_day(c.end)}"
        elif c.start:
            period = f" from {_day(c.start)}"
        elif c.end:
            period = f" until {_day(c.end)}"
        return (f"Attend at least {format_threshold(c.percent or 0)} of sessions {where}{period} "
                f"(at least {_n(c.sessions_needed, 'session')} counted)")
    if k is CriterionKind.PERFECT_MONTH:
        return (f"Be present at every session of a calendar month {_where(names, 'in any activity')} "
                f"(at least {_n(c.sessions_needed, 'session')} that month)")
    if k is CriterionKind.ATTENDANCE_STREAK:
        return f"Be present at {_n(c.count or 0, 'session')} in a row {_where(names, 'in any activity')}"
    if k is CriterionKind.ACTIVITY_COMPLETED:
        return f"Complete {names.activity}" if names.activity else "Complete any activity"
    if k is CriterionKind.ACTIVITIES_COMPLETED:
        return f"Complete {_n(c.count or 0, 'activity', 'activities')}"
    level = f"level {c.level}" + (f" ({names.level})" if names.level else "")
    skill = names.skill or "the skill"
    return f"Reach {level} in {skill}" + (f" in {names.activity}" if names.activity else "")


def progress_text(c: Criterion, have: float, need: float) -> str:
    """Where a student stands: "2 of 3 milestones", "attendance 82% of 90%"."""
    k, h, n = c.kind, int(have), int(need)
    if k is CriterionKind.ATTENDANCE_RATE:
        return f"attendance {format_percent_against(have, need)} of {format_threshold(need)}"
    if k is CriterionKind.ACTIVITY_COMPLETED:
        return f"progress {format_percent_against(have, need)} of 100%"
    words = {
        CriterionKind.MILESTONES: "milestones", CriterionKind.POINTS: "points",
        CriterionKind.ATTENDANCE_STREAK: "sessions present in a row",
        CriterionKind.PERFECT_MONTH: "sessions present in one month",
        CriterionKind.ACTIVITIES_COMPLETED: "activities completed",
    }
    if k is CriterionKind.SKILL_LEVEL:
        return f"level {h} of {n}"
    return f"{h} of {n} {words.get(k, '')}".rstrip()


def missing(c: Criterion, have: float, need: float, names: RuleNames = RuleNames()) -> str:
    """What is still to do, in words: "1 more milestone in Robotics Club"."""
    k, left = c.kind, max(0, int(need) - int(have))
    where = f" in {names.activity}" if names.activity else ""
    if k is CriterionKind.MILESTONES:
        return f"{_n(left, 'more milestone')}{where}"
    if k is CriterionKind.POINTS:
        return f"{_n(left, 'more point')}{where}"
    if k is CriterionKind.ATTENDANCE_RATE:
        return f"attendance {format_percent_against(have, need)}, needs {format_threshold(need)}{where}"
    if k is CriterionKind.PERFECT_MONTH:
        return f"a whole month present{where} (best so far {_n(int(have), 'session')})"
    if k is CriterionKind.ATTENDANCE_STREAK:
        return f"{_n(left, 'more session')} present in a row{where}"
    if k is CriterionKind.ACTIVITY_COMPLETED:
        return f"complete {names.activity}" if names.activity else "complete an activity"
    if k is CriterionKind.ACTIVITIES_COMPLETED:
        return f"{_n(left, 'more activity', 'more activities')} to complete"
    if k is CriterionKind.SKILL_LEVEL:
        return f"reach level {int(need)} in {names.skill or 'the skill'} (now {int(have)})"
    return ""


def fraction(have: float, need: float) -> float:
    """How far along, 0 to 1 (a target of nothing is reached)."""
    if need <= 0:
        return 1.0
    return max(0.0, min(1.0, have / need))


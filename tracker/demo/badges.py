"""The demo school's badges: who meets each rule, found in the planned school itself.

The demo is written in bulk, so the rule engine never sees its events. Each rule badge's
holders are worked out here from the same in-memory plan (milestones done with their times,
attendance marks in session order, completions, assessments) by the definitions of
:mod:`tracker.domain.badge_rules`, and each award is dated when the criterion was first met. A
test runs :func:`tracker.services.badge_engine.qualifying` on a generated school and finds no
one left to award. A few badges are awarded by hand with notes, and one award is revoked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from tracker.demo import catalogue as cat
from tracker.domain import badge_rules
from tracker.domain.badge_rules import Criterion, CriterionKind, RuleNames
from tracker.domain.enums import ProgressStatus

if TYPE_CHECKING:
    from tracker.demo.school import Act, Enrollment, SchoolPlan

K = CriterionKind
Earned = dict[int, tuple[int | None, datetime]]  # student -> (activity earned in, when)


@dataclass(frozen=True)
class Mark:
    starts: datetime
    session: int
    ends: datetime
    counted: bool
    present: bool


class DemoBadges:
    """Reads the planned school; :meth:`write` fills the ``badges`` and ``badge_awards`` tables."""

    def __init__(self, plan: SchoolPlan) -> None:
        self.plan = plan
        self.when = datetime.combine(plan.today - timedelta(days=3), time(12))
        self.placed = [e for e in plan.enrollments if e.enrolled_on is not None]
        self.points = {m.id: m.points for a in plan.acts for m in a.milestones}
        self._marks_of: dict[int, dict[int, list[Mark]]] | None = None

    def write(self) -> None:
        plan = self.plan
        badges = plan._table("badges", "id", "name", "description", "criteria", "activity_id", "points", "rule",
                             "design", "primary_colour", "secondary_colour", "created_by")
        awards = plan._table("badge_awards", "id", "badge_id", "student_id", "awarded_at", "awarded_by",
                             "evidence", "activity_id", "note", "revoked_at", "revoked_by", "revoke_reason")
        by_name = {a.spec.name: a for a in plan.acts}
        skills = {name: n for n, (name, _c, _d) in enumerate(cat.SKILLS, start=1)}
        admin = plan.people.admin.id
        for n, spec in enumerate(cat.BADGES, start=1):
            act = by_name[spec.activity] if spec.activity else None
            rule = dict(spec.rule)
            skill = rule.pop("skill", None)
            if skill is not None:
                rule["skill_id"] = skills[str(skill)]
            if spec.chosen and act is not None:
                rule["milestone_ids"] = [m.id for m in act.milestones[:spec.chosen]]
            c = badge_rules.from_dict(rule)
            names = RuleNames(activity=act.spec.name if act else None,
                              milestones={m.id: title for m, title in zip(
                                  act.milestones, cat.MILESTONES[act.spec.category], strict=False)} if act else {},
                              skill=str(skill) if skill else None,
                              level=next((name for level, name in _RUBRIC if level == c.level), None))
            text = badge_rules.describe(c, names)
            badges.rows.append((n, spec.name, spec.description, text, act.id if act else None, spec.points,
                                badge_rules.to_json(c), spec.design, *spec.colours, act.lead if act else admin))
            if c.manual:
                continue
            for student, (activity, at) in sorted(self.earned(c, act).items()):
                awards.rows.append((len(awards.rows) + 1, n, student, at, None, text, activity, "", None, None, None))
        self._by_hand(badges.rows, awards.rows, by_name)

    # ------------------------------------------------------------------ rules

    def earned(self, c: Criterion, act: Act | None) -> Earned:
        """Who meets the criterion (badge of ``act``, or school-wide), where and since when."""
        if c.kind is K.MILESTONES:
            assert act is not None
            return self._milestones(c, act)
        if c.kind is K.POINTS:
            return self._first_time(((e, t, self.points[m]) for e in self._of(act) for m, t in e.done.items()),
                                    c.points or 0, act)
        if c.kind is K.ACTIVITY_COMPLETED:
            done = sorted((e.act.id, e.student, e.completed_at) for e in self._of(act)
                          if e.status is ProgressStatus.COMPLETED and e.completed_at)
            return {s: (a, at) for a, s, at in reversed(done)}  # the lowest activity id wins, as the engine's
        if c.kind is K.ACTIVITIES_COMPLETED:
            return self._first_time(((e, e.completed_at, 1) for e in self._of(act)
                                     if e.status is ProgressStatus.COMPLETED and e.completed_at), c.count or 0, act)
        if c.kind is K.ATTENDANCE_RATE:
            totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
            for e in self._of(act):
                totals[e.student][0] += e.present
                totals[e.student][1] += e.counted
            return {s: (act.id if act else None, self.when) for s, (present, counted) in totals.items()
                    if counted >= c.sessions_needed and 100.0 * present / counted + 1e-9 >= (c.percent or 0)}
        if c.kind is K.SKILL_LEVEL:
            latest: dict[int, tuple[datetime, int, int, int]] = {}  # student -> (when, row, level, activity)
            rows = self.plan.tables["skill_assessments"].rows
            for n, (student, skill, activity, level, *_rest, at) in enumerate(rows):
                if skill == c.skill_id and (act is None or activity == act.id) \
                        and (student not in latest or (at, n) > latest[student][:2]):
                    latest[student] = (at, n, level, activity)
            return {s: (a, at) for s, (at, _n, level, a) in latest.items() if level >= (c.level or 0)}
        assert act is not None, "the demo's attendance badges belong to an activity"
        return self._attendance(c, act)

    def _of(self, act: Act | None) -> Iterator[Enrollment]:
        return (e for e in self.placed if act is None or e.act is act)

    def _first_time(self, items: Iterable[tuple[Enrollment, datetime | None, int]], need: int,
                    act: Act | None) -> Earned:
        """When each student's running total first reached ``need``."""
        per: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
        for e, at, amount in items:
            if at is not None:
                per[e.student].append((at, amount))
        out: Earned = {}
        for student, steps in per.items():
            total = 0
            for at, amount in sorted(steps):
                total += amount
                if total >= need:
                    out[student] = (act.id if act else None, at)
                    break
        return out

    def _milestones(self, c: Criterion, act: Act) -> Earned:
        wanted = set(c.milestone_ids) or {m.id for m in act.milestones}
        need = len(c.milestone_ids) if c.milestone_ids else c.count or len(act.milestones)
        out: Earned = {}
        for e in self._of(act):
            times = sorted(t for m, t in e.done.items() if m in wanted)
            if need and len(times) >= need:
                out[e.student] = (act.id, times[need - 1])
        return out

    def _attendance(self, c: Criterion, act: Act) -> Earned:
        """Streaks and perfect months from the marks themselves, in session order."""
        out: Earned = {}
        month_now = (self.plan.today.year, self.plan.today.month)
        for student, marks in self._marks(act).items():
            if c.kind is K.ATTENDANCE_STREAK:
                run = 0
                for m in (m for m in marks if m.counted):
                    run = run + 1 if m.present else 0
                    if run >= (c.count or 0):
                        out[student] = (act.id, m.ends)
                        break
                continue
            by_month: dict[tuple[int, int], list[Mark]] = defaultdict(list)
            for m in marks:
                if m.counted:
                    by_month[(m.starts.year, m.starts.month)].append(m)
            for month, counted in sorted(by_month.items()):
                if month < month_now and len(counted) >= c.sessions_needed and all(m.present for m in counted):
                    out[student] = (act.id, counted[-1].ends)
                    break
        return out

    def _marks(self, act: Act) -> dict[int, list[Mark]]:
        """The activity's marks per student in session order; read in one pass over the records
        for every activity an attendance badge names."""
        if self._marks_of is None:
            wanted = {a.id for spec in cat.BADGES for a in self.plan.acts if a.spec.name == spec.activity
                      and dict(spec.rule)["kind"] in (K.ATTENDANCE_STREAK.value, K.PERFECT_MONTH.value)}
            sessions = {row[0]: (row[1], row[3]) for row in self.plan.tables["activity_sessions"].rows
                        if row[1] in wanted}
            counted, present = self.plan.statuses.counted, self.plan.statuses.present
            self._marks_of = {a: defaultdict(list) for a in wanted}
            for row in self.plan.tables["attendance_records"].rows:
                found = sessions.get(row[0])
                if found is not None:
                    status = row[2]
                    self._marks_of[found[0]][row[1]].append(
                        Mark(found[1], row[0], row[6], status in counted, status in present))
            for per_student in self._marks_of.values():
                for marks in per_student.values():
                    marks.sort(key=lambda m: (m.starts, m.session))
        return self._marks_of.get(act.id, {})

    # ------------------------------------------------------------------ people

    def _by_hand(self, badges: list[tuple[object, ...]], awards: list[tuple[object, ...]],
                 by_name: dict[str, Act]) -> None:
        """The manual badges go to a few students with a note each; one rule award is revoked."""
        plan = self.plan
        ids = {row[1]: row[0] for row in badges}
        volunteering = by_name["Volunteering"]
        helpers = [e.student for e in self._of(volunteering) if e.status is not ProgressStatus.DROPPED][:2]
        places: dict[int, int] = defaultdict(int)
        for e in self.placed:
            if e.status in (ProgressStatus.ACTIVE, ProgressStatus.COMPLETED):
                places[e.student] += 1
        star = next((p.id for p in plan.people.students if places[p.id] >= 2 and plan.people.guardians_of.get(p.id)),
                    plan.people.students[0].id)
        by_hand: list[tuple[object, int, int, int | None, str]] = [
            (ids["Helping Hand"], s, volunteering.lead, volunteering.id, cat.AWARD_NOTES[i])
            for i, s in enumerate(helpers)]
        by_hand.append((ids["Spirit of the School"], star, plan.people.admin.id, None, cat.AWARD_NOTES[2]))
        for n, (badge, student, by, activity, note) in enumerate(by_hand):
            at = datetime.combine(plan.today - timedelta(days=5 + n), time(15, 30))
            awards.append((len(awards) + 1, badge, student, at, by, "", activity, note, None, None, None))
        debut = [i for i, row in enumerate(awards) if row[1] == ids["Stage Debut"]]
        if debut:
            row = awards[debut[-1]]
            revoked = datetime.combine(plan.today - timedelta(days=1), time(10))
            awards[debut[-1]] = (*row[:8], revoked, by_name["Drama"].lead, cat.REVOKE_REASON)


#: the default rubric's level names (as ``tracker.services.bootstrap`` seeds them)
_RUBRIC = ((1, "Beginning"), (2, "Developing"), (3, "Proficient"), (4, "Advanced"))

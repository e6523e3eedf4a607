"""Badges and awards as plain data: what the badge service returns and the bulk reads behind it.

Frozen dataclasses (no ORM object leaves a session) and the queries that fill them: a badge with
its criterion in words (names of activities, milestones, skills and rubric levels read in bulk),
an award with who gave or revoked it, and where a student stands on a rule badge.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from tracker.db.models import Activity, Badge, BadgeAward, Milestone, Skill, User
from tracker.domain import badge_rules
from tracker.domain.badge_rules import Criterion, RuleNames
from tracker.services import badge_engine, badge_exports

WITHIN_REACH = 0.5  # at least half-way


@dataclass(frozen=True)
class BadgeInfo:
    id: int
    uid: str
    name: str
    description: str
    criteria_text: str  # the criterion in words ("Complete 3 milestones in Robotics Club")
    activity_id: int | None  # None: school-wide
    activity_name: str | None
    points: int
    criterion: Criterion
    design: str
    primary_colour: str
    secondary_colour: str
    has_custom_image: bool
    archived: bool
    awarded_count: int  # awards not revoked
    version: int
    newly_awarded: int = 0  # save(award_existing=True): how many it awarded


@dataclass(frozen=True)
class BadgeInput:
    name: str
    description: str = ""
    activity_id: int | None = None
    points: int = 0
    criterion: Criterion = badge_rules.MANUAL
    design: str = "star"
    primary_colour: str = "#1f5fbf"
    secondary_colour: str = "#f4b400"
    custom_image: bytes | None = None  # a new PNG/SVG picture (replaces the design)
    keep_custom_image: bool = False  # editing: keep the picture the badge has


@dataclass(frozen=True)
class AwardInfo:
    id: int
    badge_id: int
    badge_name: str
    student_id: int
    student_name: str
    activity_id: int | None  # where it was earned
    activity_name: str | None
    points: int
    awarded_at: datetime
    awarded_by_name: str | None  # None: the rules
    note: str
    evidence: str
    revoked_at: datetime | None
    revoked_by_name: str | None
    revoke_reason: str | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True)
class WithinReach:
    badge: BadgeInfo
    have: float
    need: float
    missing: str  # "1 more milestone in Robotics Club"
    progress: str = ""  # "2 of 3 milestones"


@dataclass(frozen=True)
class StudentBadges:
    student_id: int
    student_name: str
    earned: list[AwardInfo]
    within_reach: list[WithinReach]
    revoked: list[AwardInfo] = field(default_factory=list)


@dataclass(frozen=True)
class ActivityBadges:
    activity_id: int
    badges: list[BadgeInfo]
    students: list[tuple[int, str]]
    awards: dict[tuple[int, int], AwardInfo]  # (student, badge) -> award (revoked ones too)


def rule_names(s: Session, items: list[tuple[Criterion, int | None]]) -> list[RuleNames]:
    """The names each criterion's ids stand for, read in bulk (activities, milestones, skills and
    the rubric's name of the level asked for)."""
    from tracker.services.skills import rubrics_for

    activity_ids = {a for _, a in items if a is not None}
    milestone_ids = {m for c, _ in items for m in c.milestone_ids}
    skill_ids = {c.skill_id for c, _ in items if c.skill_id is not None}
    activities = dict(s.execute(select(Activity.id, Activity.name).where(Activity.id.in_(activity_ids))).all()) \
        if activity_ids else {}
    titles = dict(s.execute(select(Milestone.id, Milestone.title).where(Milestone.id.in_(milestone_ids))).all()) \
        if milestone_ids else {}
    skills = dict(s.execute(select(Skill.id, Skill.name).where(Skill.id.in_(skill_ids))).all()) \
        if skill_ids else {}
    rubrics = rubrics_for(s, skill_ids) if skill_ids else {}
    out = []
    for c, a in items:
        levels = {r.level: r.name for r in rubrics.get(c.skill_id or 0, ())}
        out.append(RuleNames(activity=activities.get(a) if a is not None else None,
                             milestones={m: titles[m] for m in c.milestone_ids if m in titles},
                             skill=skills.get(c.skill_id or 0), level=levels.get(c.level or 0)))
    return out


def badge_infos(s: Session, which: ColumnElement[bool]) -> list[BadgeInfo]:
    """Badges as plain data: school-wide first, then by activity and name."""
    rows = s.execute(select(Badge, Activity.name).outerjoin(Activity, Activity.id == Badge.activity_id)
                     .where(which)
                     .order_by(Badge.activity_id.is_not(None), func.lower(Activity.name), func.lower(Badge.name),
                               Badge.id)).all()
    ids = [b.id for b, _ in rows]
    counts: dict[int, int] = defaultdict(int)
    if ids:
        counts.update(s.execute(select(BadgeAward.badge_id, func.count())
                                .where(BadgeAward.badge_id.in_(ids), BadgeAward.revoked_at.is_(None))
                                .group_by(BadgeAward.badge_id)).all())
    criteria = [badge_rules.stored(b.rule) for b, _ in rows]
    names = rule_names(s, [(c, b.activity_id) for c, (b, _) in zip(criteria, rows, strict=True)])
    out = []
    for (b, activity), c, n in zip(rows, criteria, names, strict=True):
        picture = badge_exports.picture_of(b)
        out.append(BadgeInfo(b.id, b.uid, b.name, b.description, badge_rules.describe(c, n), b.activity_id, activity,
                             b.points, c, picture.design, picture.primary, picture.secondary,
                             picture.custom is not None, b.archived, counts[b.id], b.version))
    return out


def award_infos(s: Session, which: ColumnElement[bool]) -> list[AwardInfo]:
    """Awards as plain data, newest first."""
    student, by, revoker = aliased(User), aliased(User), aliased(User)
    rows = s.execute(
        select(BadgeAward, Badge.name, Badge.points, student.display_name, Activity.name, by.display_name,
               revoker.display_name)
        .join(Badge, Badge.id == BadgeAward.badge_id)
        .join(student, student.id == BadgeAward.student_id)
        .outerjoin(Activity, Activity.id == BadgeAward.activity_id)
        .outerjoin(by, by.id == BadgeAward.awarded_by)
        .outerjoin(revoker, revoker.id == BadgeAward.revoked_by)
        .where(which)
        .order_by(BadgeAward.awarded_at.desc(), BadgeAward.id.desc()))
    return [AwardInfo(a.id, a.badge_id, badge, a.student_id, name, a.activity_id, activity, points, a.awarded_at,
                      awarder if a.awarded_by is not None else None, a.note, a.evidence, a.revoked_at, revoked_by,
                      a.revoke_reason)
            for a, badge, points, name, activity, awarder, revoked_by in rows]


def within_reach(s: Session, info: BadgeInfo, names: RuleNames, student_id: int) -> WithinReach | None:
    m = badge_engine.progress_towards(s, info.criterion, info.activity_id, [student_id]).get(student_id)
    if m is None or m.met or m.fraction < WITHIN_REACH:
        return None
    return WithinReach(info, m.have, m.need, badge_rules.missing(info.criterion, m.have, m.need, names),
                       badge_rules.progress_text(info.criterion, m.have, m.need))

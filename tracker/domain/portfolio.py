"""A student's portfolio as plain data: their record of extracurricular achievement, per activity,
with what they chose to feature.

The service (:mod:`tracker.services.portfolios`) fills these from the database for one viewer
(a lead sees only the activities they lead); the Portfolio page, the façade and the transcript
(:mod:`tracker.reports.transcript_pdf`) read them. :func:`featured_only` is the one rule of
what a transcript lists.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

#: the kinds of item a student can feature; ``ref_id`` is the activity, milestone, skill, badge
#: award or certificate id
KINDS = ("activity", "milestone", "skill", "badge", "certificate")
MAX_REFLECTION = 2000


@dataclass(frozen=True)
class MilestoneItem:
    id: int  # the milestone
    name: str
    completed_on: date
    note: str  # the teacher's note or evidence kept with the completion
    points: int
    featured: bool = False


@dataclass(frozen=True)
class SkillItem:
    id: int  # the skill
    name: str
    first_level: int
    first_level_name: str
    latest_level: int
    latest_level_name: str
    growth: int  # latest − first level
    assessments: int
    featured: bool = False


@dataclass(frozen=True)
class BadgeItem:
    id: int  # the award
    badge_id: int
    name: str
    awarded_on: date
    points: int
    featured: bool = False


@dataclass(frozen=True)
class CertificateItem:
    id: int
    serial: str
    status: str  # VALID / REVOKED / SUPERSEDED
    issued_on: date
    code: str  # the short code: ``verify`` takes it, as it takes the token
    token: str | None
    featured: bool = False


@dataclass(frozen=True)
class ActivityRecord:
    id: int
    name: str
    category: str
    status: str  # completed / active / dropped
    enrolled_on: date | None
    completed_on: date | None
    dropped_on: date | None
    present: int
    counted: int  # sessions that count in the rate
    attendance_rate: float | None
    milestones: tuple[MilestoneItem, ...] = ()
    skills: tuple[SkillItem, ...] = ()
    badges: tuple[BadgeItem, ...] = ()
    certificates: tuple[CertificateItem, ...] = ()
    reflection: str = ""
    reflection_version: int | None = None  # to send back when saving (None: none written yet)
    featured: bool = False

    @property
    def items(self) -> tuple[MilestoneItem | SkillItem | BadgeItem | CertificateItem, ...]:
        return (*self.milestones, *self.skills, *self.badges, *self.certificates)


@dataclass(frozen=True)
class Portfolio:
    """``badges`` are the school-wide ones earned outside any activity; ``editable`` says whether
    the viewer may choose features and write reflections (the student themselves only)."""

    student_id: int
    student: str
    grade: str | None
    class_name: str | None
    activities: tuple[ActivityRecord, ...]
    badges: tuple[BadgeItem, ...]
    editable: bool

    @property
    def any_featured(self) -> bool:
        return any(a.featured or any(i.featured for i in a.items) for a in self.activities) \
            or any(b.featured for b in self.badges)


def featured_only(portfolio: Portfolio) -> Portfolio:
    """What a transcript lists: the activities featured or holding a featured item, each with only
    its featured items, and the featured school-wide badges. The reflections of the activities
    listed go with them."""
    def keep(a: ActivityRecord) -> ActivityRecord:
        return dataclasses.replace(
            a, milestones=tuple(i for i in a.milestones if i.featured), skills=tuple(i for i in a.skills if i.featured),
            badges=tuple(i for i in a.badges if i.featured),
            certificates=tuple(i for i in a.certificates if i.featured))
    return dataclasses.replace(
        portfolio, activities=tuple(keep(a) for a in portfolio.activities
                                    if a.featured or any(i.featured for i in a.items)),
        badges=tuple(b for b in portfolio.badges if b.featured))

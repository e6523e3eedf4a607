"""Student portfolios: every activity with its dates, final status, attendance, milestones,
skills, badges, certificates and the student's reflection; the items the student features; the
signed transcript ("co-curricular record").

Who reads it is the policy's ``VIEW_PROGRESS``: the student, their parents, admins, and a lead
for the activities they lead only (the activities are filtered by ``visible``, never by role).
Features and reflections are the student's own choice (``EDIT_PORTFOLIO``: the student, nobody
else, not even an admin).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from tracker.db.models import (
    Activity,
    ActivityProgress,
    Badge,
    BadgeAward,
    Certificate,
    Milestone,
    PortfolioFeature,
    PortfolioReflection,
    Skill,
    SkillAssessment,
    User,
    UserMilestone,
)
from tracker.db.uow import read_only, unit_of_work
from tracker.domain import credentials
from tracker.domain.changes import ChangeKind
from tracker.domain.enums import ProgressStatus, Role
from tracker.domain.policy import Actor, Permission
from tracker.domain.portfolio import (
    KINDS,
    MAX_REFLECTION,
    ActivityRecord,
    BadgeItem,
    CertificateItem,
    MilestoneItem,
    Portfolio,
    SkillItem,
    featured_only,
)
from tracker.errors import ConflictError, NotFound, ValidationError
from tracker.services import stats
from tracker.services.base import Service, permits, require
from tracker.services.certificates import CertificateService, _active_key, _status
from tracker.services.scoping import visible
from tracker.services.settings import SettingsService
from tracker.services.skills import rubrics_for

__all__ = ["Portfolio", "PortfolioService"]


class PortfolioService(Service):
    def portfolio(self, actor: Actor, student_id: int) -> Portfolio:
        """The student's portfolio as the viewer may see it (a lead: their activities only)."""
        with read_only(self.db) as s:
            require(s, actor, Permission.VIEW_PROGRESS, student_id=student_id)
            return _portfolio(s, actor, _student(s, student_id))

    def set_featured(self, actor: Actor, student_id: int, kind: str, ref_id: int, featured: bool) -> bool:
        """Feature an item of one's own portfolio (or stop): the student only. Audited; returns
        the state now."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            require(s, actor, Permission.EDIT_PORTFOLIO, student_id=student_id)
            if kind not in KINDS:
                raise ValidationError.field("kind", f"{kind!r} cannot be featured; choose one of {', '.join(KINDS)}.")
            row = s.scalar(select(PortfolioFeature).where(
                PortfolioFeature.student_id == student_id, PortfolioFeature.kind == kind,
                PortfolioFeature.ref_id == ref_id))
            if bool(featured) == (row is not None):
                return bool(featured)
            if row is None:
                if not s.scalar(select(_belongs(student_id, kind, ref_id))):
                    raise ValidationError.field(kind, f"That {kind} is not in this portfolio.")
                s.add(PortfolioFeature(student_id=student_id, kind=kind, ref_id=ref_id))
            else:
                s.delete(row)
            tx.audit(actor, "feature" if featured else "unfeature", "portfolio_feature", ref_id,
                     None, {"student_id": student_id, "kind": kind, "featured": bool(featured)})
            tx.changes.add(ChangeKind.PORTFOLIO, student_id)
        return bool(featured)

    def save_reflection(self, actor: Actor, student_id: int, activity_id: int, text: str, *,
                        version: int | None = None) -> int:
        """The student's reflection on an activity they take or took part in (at most 2,000
        characters; empty clears it). ``version`` is the one read (``reflection_version``): a
        reflection changed since is not overwritten (ConflictError). Audited; returns the new
        version."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            require(s, actor, Permission.EDIT_PORTFOLIO, student_id=student_id)
            cleaned = _clean_reflection(text)
            if not s.scalar(select(_belongs(student_id, "activity", activity_id))):
                raise ValidationError.field("activity", "A reflection is written on an activity you take or "
                                                        "took part in.")
            row = s.scalar(select(PortfolioReflection).where(PortfolioReflection.student_id == student_id,
                                                             PortfolioReflection.activity_id == activity_id))
            if version is not None and (row is None or row.version != version):
                raise ConflictError("The reflection was changed since you opened it (in another window?). "
                                    "Nothing was overwritten; reload and try again.")
            before = row.text if row is not None else None
            if row is None:
                row = PortfolioReflection(student_id=student_id, activity_id=activity_id, text=cleaned)
                s.add(row)
            elif row.text == cleaned:
                return row.version
            else:
                row.text = cleaned
            s.flush()
            tx.audit(actor, "create" if before is None else "update", "portfolio_reflection", row.id,
                     None if before is None else {"text": before},
                     {"student_id": student_id, "activity_id": activity_id, "text": cleaned})
            tx.changes.add(ChangeKind.PORTFOLIO, student_id)
            return row.version

    def transcript_pdf(self, actor: Actor, student_id: int) -> bytes:
        """The co-curricular record as a PDF: the featured items (or, with none featured,
        everything the viewer may see, saying so), the reflections, and a verification JWS (QR
        and document info) signed with the school's key over a SHA-256 of what is listed."""
        from tracker.reports.transcript_pdf import content_digest, transcript_bytes, transcript_data

        portfolio = self.portfolio(actor, student_id)
        school = SettingsService(self.db).get()
        everything = not portfolio.any_featured
        issued_on = date.today()
        data = transcript_data(portfolio if everything else featured_only(portfolio), school=school.school_name,
                               issued_on=issued_on, everything=everything, logo_path=school.logo_path or None)
        did, pem, uid = self._signer(student_id)
        payload: dict[str, Any] = {
            "type": "transcript", "iss": did, "sub": f"urn:uuid:{uid}", "name": portfolio.student,
            "school": data.school, "issued_on": issued_on.isoformat(), "sha256": content_digest(data),
            "iat": int(datetime.now(UTC).timestamp())}
        return transcript_bytes(data, token=credentials.sign(pem, did, payload), did=did)

    def _signer(self, student_id: int) -> tuple[str, bytes, str]:
        """The school's active signing key (created on first use, as for certificates) and the
        student's uid, which names them in the token without their id."""
        with read_only(self.db) as s:
            key = _active_key(s)
            uid = s.scalar(select(User.uid).where(User.id == student_id)) or ""
            if key is not None:
                return key.did, key.private_pem.encode("ascii"), uid
        CertificateService(self.db).public_key()
        return self._signer(student_id)


# --------------------------------------------------------------------------- reading


def _student(s: Session, student_id: int) -> User:
    user = s.get(User, student_id)
    if user is None or user.role is not Role.STUDENT:
        raise NotFound(f"No student with id {student_id}.")
    return user


def _portfolio(s: Session, actor: Actor, student: User) -> Portfolio:
    sid = student.id
    places = s.execute(
        select(ActivityProgress, Activity).join(Activity, Activity.id == ActivityProgress.activity_id)
        .where(ActivityProgress.user_id == sid, ActivityProgress.status != ProgressStatus.WAITLISTED,
               visible(s, actor, Permission.VIEW_PROGRESS, student=ActivityProgress.user_id,
                       activity=ActivityProgress.activity_id))
        .order_by(ActivityProgress.enrolled_on, Activity.name, Activity.id)).all()
    ids = [a.id for _, a in places]
    featured = {(k, r) for k, r in s.execute(select(PortfolioFeature.kind, PortfolioFeature.ref_id)
                                             .where(PortfolioFeature.student_id == sid))}
    attendance = stats.attendance_counts(s, activity_ids=ids, student_ids=[sid], held=False) if ids else {}
    milestones = _milestones(s, sid, ids, featured)
    skills = _skills(s, sid, ids, featured)
    badges = _badges(s, actor, sid, featured)
    certificates = _certificates(s, sid, ids, featured)
    reflections = {r.activity_id: r for r in s.scalars(select(PortfolioReflection).where(
        PortfolioReflection.student_id == sid, PortfolioReflection.activity_id.in_(ids)))}
    records = []
    for place, activity in places:
        counts = attendance.get((sid, activity.id))
        reflection = reflections.get(activity.id)
        records.append(ActivityRecord(
            activity.id, activity.name, activity.category, place.status.value, place.enrolled_on,
            place.completed_at.date() if place.completed_at and place.status is ProgressStatus.COMPLETED else None,
            place.dropped_on if place.status is ProgressStatus.DROPPED else None,
            counts.present if counts else 0, counts.counted if counts else 0, counts.rate if counts else None,
            tuple(milestones[activity.id]), tuple(skills[activity.id]), tuple(badges.pop(activity.id, ())),
            tuple(certificates[activity.id]), reflection.text if reflection else "",
            reflection.version if reflection else None, ("activity", activity.id) in featured))
    # what is left: school-wide badges, earned in no activity listed above
    elsewhere = tuple(b for items in badges.values() for b in items)
    editable = permits(s, actor, Permission.EDIT_PORTFOLIO, student_id=sid)
    return Portfolio(sid, student.display_name, student.grade, student.class_name, tuple(records), elsewhere,
                     editable)


def _milestones(s: Session, sid: int, ids: list[int], featured: set[tuple[str, int]]) -> dict[int, list[MilestoneItem]]:
    out: dict[int, list[MilestoneItem]] = defaultdict(list)
    for mid, activity, title, at, notes, points in s.execute(
            select(Milestone.id, Milestone.activity_id, Milestone.title, UserMilestone.completed_at,
                   UserMilestone.notes, Milestone.points)
            .join(Milestone, Milestone.id == UserMilestone.milestone_id)
            .where(UserMilestone.user_id == sid, Milestone.activity_id.in_(ids))
            .order_by(Milestone.order_index, Milestone.id)):
        out[activity].append(MilestoneItem(mid, title, at.date(), notes, points, ("milestone", mid) in featured))
    return out


def _skills(s: Session, sid: int, ids: list[int],
            featured: set[tuple[str, int]]) -> dict[int | None, list[SkillItem]]:
    """Per activity and skill: the first level assessed there, the latest, and the growth."""
    levels: dict[tuple[int | None, int], list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    for activity, skill, name, level in s.execute(
            select(SkillAssessment.activity_id, Skill.id, Skill.name, SkillAssessment.level)
            .join(Skill, Skill.id == SkillAssessment.skill_id)
            .where(SkillAssessment.student_id == sid, SkillAssessment.activity_id.in_(ids))
            .order_by(Skill.name, SkillAssessment.assessed_at, SkillAssessment.id)):
        levels[(activity, skill)].append(level)
        names[skill] = name
    rubrics = {k: {r.level: r.name for r in v} for k, v in rubrics_for(s, names).items()}
    out: dict[int | None, list[SkillItem]] = defaultdict(list)
    for (activity, skill), seen in levels.items():
        first, latest = seen[0], seen[-1]
        out[activity].append(SkillItem(skill, names[skill], first, rubrics[skill].get(first, f"Level {first}"),
                                       latest, rubrics[skill].get(latest, f"Level {latest}"), latest - first,
                                       len(seen), ("skill", skill) in featured))
    return out


def _badges(s: Session, actor: Actor, sid: int, featured: set[tuple[str, int]]) -> dict[int | None, list[BadgeItem]]:
    """Badges held (not revoked) by activity earned in; None: not earned in an activity. Scoped
    like the activities: a lead sees the badges earned in the activities they lead."""
    out: dict[int | None, list[BadgeItem]] = defaultdict(list)
    for award, badge, name, at, points, activity in s.execute(
            select(BadgeAward.id, Badge.id, Badge.name, BadgeAward.awarded_at, Badge.points, BadgeAward.activity_id)
            .join(Badge, Badge.id == BadgeAward.badge_id)
            .where(BadgeAward.student_id == sid, BadgeAward.revoked_at.is_(None),
                   visible(s, actor, Permission.VIEW_PROGRESS, student=BadgeAward.student_id,
                           activity=BadgeAward.activity_id))
            .order_by(BadgeAward.awarded_at, BadgeAward.id)):
        out[activity].append(BadgeItem(award, badge, name, at.date(), points, ("badge", award) in featured))
    return out


def _certificates(s: Session, sid: int, ids: list[int],
                  featured: set[tuple[str, int]]) -> dict[int, list[CertificateItem]]:
    out: dict[int, list[CertificateItem]] = defaultdict(list)
    for cert in s.scalars(select(Certificate).where(Certificate.student_id == sid, Certificate.activity_id.in_(ids))
                          .order_by(Certificate.issued_at, Certificate.id)):
        out[cert.activity_id].append(CertificateItem(
            cert.id, cert.serial, _status(cert).value, cert.issued_at.date(), cert.verification_code, cert.token,
            ("certificate", cert.id) in featured))
    return out


# --------------------------------------------------------------------------- writing


def _belongs(student_id: int, kind: str, ref_id: int) -> ColumnElement[bool]:
    """Whether the item is the student's: a place held (not a waitlist), a milestone done, a
    skill assessed, a badge held, a certificate not revoked."""
    clauses: dict[str, ColumnElement[bool]] = {
        "activity": exists().where(ActivityProgress.user_id == student_id, ActivityProgress.activity_id == ref_id,
                                   ActivityProgress.status != ProgressStatus.WAITLISTED),
        "milestone": exists().where(UserMilestone.user_id == student_id, UserMilestone.milestone_id == ref_id),
        "skill": exists().where(SkillAssessment.student_id == student_id, SkillAssessment.skill_id == ref_id),
        "badge": exists().where(BadgeAward.id == ref_id, BadgeAward.student_id == student_id,
                                BadgeAward.revoked_at.is_(None)),
        "certificate": exists().where(Certificate.id == ref_id, Certificate.student_id == student_id,
                                      Certificate.revoked.is_(False)),
    }
    return clauses[kind]


def _clean_reflection(text: object) -> str:
    """The reflection as stored (surrounding blanks dropped); too long, not text, or holding
    characters the record's font cannot print: ValidationError with what to change."""
    if not isinstance(text, str):
        raise ValidationError.field("reflection", f"{text!r} is not text.")
    cleaned = text.strip()
    if len(cleaned) > MAX_REFLECTION:
        raise ValidationError.field("reflection", f"The reflection is {len(cleaned):,} characters long; "
                                                  f"at most {MAX_REFLECTION:,} are kept. Shorten it by "
                                                  f"{len(cleaned) - MAX_REFLECTION:,}.")
    from tracker.reports.certificate_pdf import unprintable_characters

    if bad := unprintable_characters(cleaned):
        raise ValidationError.field("reflection", f"The record cannot print {' '.join(bad)}; "
                                                  "leave those characters out.")
    return cleaned

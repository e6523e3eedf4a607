"""Badges: definitions, awards (by the rules and by hand), revocation, and Open Badges exports.

An activity's leads define its badges and award them by hand; only administrators define
school-wide ones (``Permission.MANAGE_BADGES`` / ``AWARD_BADGES``: a school-wide badge has no
activity, so only the ANY scope reaches it). Everyone sees the badges of the activities they may
see, and the school-wide ones; a student's awards are read under ``VIEW_PROGRESS`` like the rest
of their progress. The rules award through :mod:`tracker.services.badge_engine`; a badge once
earned stays earned unless a person revokes it (with a reason, audited), and the rules never
award a revoked badge again (a person may reinstate it by awarding it by hand).
"""

from __future__ import annotations

import re
from dataclasses import replace

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from tracker.db.models import Activity, ActivityProgress, Badge, BadgeAward, Milestone, Skill, User, utcnow
from tracker.db.uow import read_only, unit_of_work
from tracker.domain import badge_rules
from tracker.domain.badge_rules import Criterion
from tracker.domain.changes import ChangeKind
from tracker.domain.enums import ProgressStatus, Role
from tracker.domain.events import BadgeAwarded
from tracker.domain.open_badges import AwardFacts
from tracker.domain.policy import Actor, Permission
from tracker.domain.text import check_name
from tracker.errors import ConflictError, NotFound, Problem, ValidationError
from tracker.services import badge_engine, badge_exports
from tracker.services.badge_rows import (
    ActivityBadges,
    AwardInfo,
    BadgeInfo,
    BadgeInput,
    StudentBadges,
    WithinReach,
    award_infos,
    badge_infos,
    rule_names,
    within_reach,
)
from tracker.services.base import Service, activity_or_404, require, require_active
from tracker.services.scoping import concerning, visible

PLACED = (ProgressStatus.ACTIVE, ProgressStatus.COMPLETED)
WITHIN_REACH_SHOWN = 5
_HEX = re.compile(r"#[0-9a-fA-F]{6}")


class BadgeService(Service):
    # ------------------------------------------------------------------ definitions

    def list_badges(self, actor: Actor, activity_id: int | None = None, *,
                    include_archived: bool = False) -> list[BadgeInfo]:
        """Every badge the actor may see (None), or one activity's with the school-wide ones."""
        with read_only(self.db) as s:
            if activity_id is None:
                which = or_(Badge.activity_id.is_(None), visible(s, actor, Permission.VIEW_ACTIVITY,
                                                                 activity=Badge.activity_id))
            else:
                activity_or_404(s, activity_id)
                require(s, actor, Permission.VIEW_ACTIVITY, activity_id=activity_id)
                which = or_(Badge.activity_id.is_(None), Badge.activity_id == activity_id)
            if not include_archived:
                which = and_(which, Badge.archived.is_(False))
            return badge_infos(s, which)

    def get(self, actor: Actor, badge_id: int) -> BadgeInfo:
        with read_only(self.db) as s:
            _visible_badge(s, actor, badge_id)
            return badge_infos(s, Badge.id == badge_id)[0]

    def image(self, actor: Actor, badge_id: int, size: int = 128) -> bytes:
        """The badge's picture as a PNG of ``size`` pixels (transparent background)."""
        with read_only(self.db) as s:
            badge = _visible_badge(s, actor, badge_id)
            picture = badge_exports.picture_of(badge)
        return badge_exports.png_of(picture, size)

    def preview_count(self, actor: Actor, data: BadgeInput, *, badge_id: int | None = None) -> int:
        """How many students meet the criterion now (and do not hold the badge being edited):
        what ``save(award_existing=True)`` would award. Writes nothing."""
        with read_only(self.db) as s:
            require(s, actor, Permission.MANAGE_BADGES, activity_id=data.activity_id)
            problems = _criterion_problems(s, data.criterion, data.activity_id)
            if problems:
                raise ValidationError("The criterion is not complete.", problems)
            return len(badge_engine.qualifying_for(s, data.criterion, data.activity_id, badge_id=badge_id))

    def save(self, actor: Actor, data: BadgeInput, *, badge_id: int | None = None, version: int | None = None,
             award_existing: bool = False) -> BadgeInfo:
        """Create (or edit) a badge; with ``award_existing`` everyone who already meets a rule
        badge's criterion gets it in the same transaction (``newly_awarded`` says how many)."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            badge = _badge(s, badge_id) if badge_id is not None else None
            if badge is not None:
                require(s, actor, Permission.MANAGE_BADGES, activity_id=badge.activity_id)
            require(s, actor, Permission.MANAGE_BADGES, activity_id=data.activity_id)
            if badge is not None and version is not None and badge.version != version:
                raise ConflictError(f"The badge {badge.name!r} was changed by someone else; reload and try again.")
            image_type = _validate(s, data, badge)
            before = _snapshot(badge) if badge is not None else None
            wording = badge_rules.describe(data.criterion, rule_names(s, [(data.criterion, data.activity_id)])[0])
            if badge is None:
                badge = Badge(created_by=actor.id)
                s.add(badge)
            _apply(badge, data, image_type, wording)
            s.flush()
            tx.audit(actor, "update" if before else "create", "badge", badge.id, before, _snapshot(badge))
            tx.changes.add(ChangeKind.BADGE, badge.id)
            newly = 0
            if award_existing and not data.criterion.manual and not badge.archived:
                earned = badge_engine.qualifying_for(s, data.criterion, badge.activity_id, badge_id=badge.id)
                awarded = badge_engine.insert_awards(tx, badge.id, earned, evidence=badge.criteria, audit_each=False)
                newly = len(awarded)
                tx.audit(actor, "award_existing", "badge", badge.id, None,
                         {"awarded": newly, "students": sorted(student for _, student in awarded)})
            return replace(badge_infos(s, Badge.id == badge.id)[0], newly_awarded=newly)

    def archive(self, actor: Actor, badge_id: int, archived: bool = True) -> BadgeInfo:
        """Archived badges are no longer awarded (by the rules or by hand); awards stay."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            badge = _badge(s, badge_id)
            require(s, actor, Permission.MANAGE_BADGES, activity_id=badge.activity_id)
            if badge.archived != archived:
                badge.archived = archived
                tx.audit(actor, "archive" if archived else "unarchive", "badge", badge.id)
                tx.changes.add(ChangeKind.BADGE, badge.id)
            s.flush()
            return badge_infos(s, Badge.id == badge.id)[0]

    # ------------------------------------------------------------------ awards

    def award(self, actor: Actor, badge_id: int, student_id: int, *, note: str) -> AwardInfo:
        """Award by hand, with a note. The student must be placed in the badge's activity (any
        active student for a school-wide badge). A revoked award is reinstated."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            badge = _badge(s, badge_id)
            require(s, actor, Permission.AWARD_BADGES, activity_id=badge.activity_id)
            note = (note or "").strip()
            if not note:
                raise ValidationError.field("note", "Say why the badge is awarded (a note is required).")
            if len(note) > 2000:
                raise ValidationError.field("note", "The note is longer than 2,000 characters.")
            if badge.archived:
                raise ValidationError.field("badge", f"The badge {badge.name!r} is archived; it is no longer awarded.")
            student = _awardable_student(s, badge, student_id)
            held = s.scalar(select(BadgeAward).where(BadgeAward.badge_id == badge.id,
                                                     BadgeAward.student_id == student_id))
            if held is not None and held.revoked_at is None:
                raise ValidationError.field("student", f"{student.display_name} already has the badge "
                                                       f"{badge.name!r} (since {held.awarded_at:%d %b %Y}).")
            if held is not None:
                before = {"revoked_at": held.revoked_at, "revoke_reason": held.revoke_reason}
                held.revoked_at = held.revoked_by = held.revoke_reason = None
                held.awarded_by, held.awarded_at, held.note = actor.id, utcnow(), note
                s.flush()
                tx.audit(actor, "reinstate", "badge_award", held.id, before, {"note": note})
                tx.changes.add(ChangeKind.BADGE, badge.id)
                tx.changes.add(ChangeKind.PROGRESS)
                tx.emit(BadgeAwarded(student_id, badge.id, held.id, held.activity_id))
                award_id = held.id
            else:
                [(award_id, _)] = badge_engine.insert_awards(tx, badge.id, {student_id: badge.activity_id},
                                                             by=actor, note=note)
            return award_infos(s, BadgeAward.id == award_id)[0]

    def revoke(self, actor: Actor, award_id: int, *, reason: str) -> AwardInfo:
        """Take a badge back, saying why (kept, shown, audited). The rules never award it again."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            award = s.get(BadgeAward, award_id)
            if award is None:
                raise NotFound(f"No badge award with id {award_id}.")
            badge = _badge(s, award.badge_id)
            require(s, actor, Permission.AWARD_BADGES, activity_id=badge.activity_id)
            reason = (reason or "").strip()
            if not reason:
                raise ValidationError.field("reason", "Say why the badge is revoked (a reason is required).")
            if len(reason) > 500:
                raise ValidationError.field("reason", "The reason is longer than 500 characters.")
            if award.revoked_at is not None:
                raise ValidationError.field("award", f"This badge was already revoked on {award.revoked_at:%d %b %Y}.")
            award.revoked_at, award.revoked_by, award.revoke_reason = utcnow(), actor.id, reason
            s.flush()
            tx.audit(actor, "revoke", "badge_award", award.id, {"revoked": False},
                     {"revoked": True, "reason": reason, "badge_id": badge.id, "student_id": award.student_id})
            tx.changes.add(ChangeKind.BADGE, badge.id)
            tx.changes.add(ChangeKind.PROGRESS)
            return award_infos(s, BadgeAward.id == award.id)[0]

    # ------------------------------------------------------------------ reading awards

    def student_badges(self, actor: Actor, student_id: int) -> StudentBadges:
        """A student's badges (as far as the actor may follow the student) and the next ones
        within reach: rule badges not held, at least half-way, closest first, at most five."""
        with read_only(self.db) as s:
            name = _student(s, student_id).display_name
            require(s, actor, Permission.VIEW_PROGRESS, student_id=student_id)
            shown = visible(s, actor, Permission.VIEW_PROGRESS, student=BadgeAward.student_id,
                            activity=Badge.activity_id)
            awards = award_infos(s, and_(BadgeAward.student_id == student_id, shown))
            held = set(s.scalars(select(BadgeAward.badge_id).where(BadgeAward.student_id == student_id)))
            places = select(ActivityProgress.activity_id).where(ActivityProgress.user_id == student_id,
                                                                ActivityProgress.status.in_(PLACED))
            candidates = badge_infos(s, and_(
                Badge.archived.is_(False), ~Badge.id.in_(held) if held else Badge.id.is_not(None),
                or_(Badge.activity_id.is_(None), Badge.activity_id.in_(places)),
                visible(s, actor, Permission.VIEW_PROGRESS, student=concerning(student_id),
                        activity=Badge.activity_id)))
            candidates = [info for info in candidates if not info.criterion.manual]
            names = rule_names(s, [(info.criterion, info.activity_id) for info in candidates])
            reach = [r for info, n in zip(candidates, names, strict=True)
                     if (r := within_reach(s, info, n, student_id)) is not None]
        reach.sort(key=lambda r: (-badge_rules.fraction(r.have, r.need), r.badge.name.lower()))
        return StudentBadges(student_id, name, [a for a in awards if not a.revoked],
                             reach[:WITHIN_REACH_SHOWN], [a for a in awards if a.revoked])

    def activity_badges(self, actor: Actor, activity_id: int) -> ActivityBadges:
        """Who has what: the activity's badges and the school-wide ones × its students."""
        with read_only(self.db) as s:
            activity_or_404(s, activity_id)
            require(s, actor, Permission.VIEW_PROGRESS, activity_id=activity_id)
            badges = badge_infos(s, or_(Badge.activity_id == activity_id, Badge.activity_id.is_(None)))
            students = [(i, n) for i, n in s.execute(
                select(User.id, User.display_name).join(ActivityProgress, ActivityProgress.user_id == User.id)
                .where(ActivityProgress.activity_id == activity_id, ActivityProgress.status.in_(PLACED))
                .order_by(func.lower(User.display_name), User.id))]
            awards = award_infos(s, and_(BadgeAward.badge_id.in_([b.id for b in badges]),
                                     BadgeAward.student_id.in_(select(ActivityProgress.user_id).where(
                                         ActivityProgress.activity_id == activity_id,
                                         ActivityProgress.status.in_(PLACED))))) if badges else []
            return ActivityBadges(activity_id, badges, students, {(a.student_id, a.badge_id): a for a in awards})

    def award_counts(self, actor: Actor, activity_id: int) -> dict[int, int]:
        """Badges each student of the activity holds from it (its own badges and school-wide ones
        earned there), for the roster's column; revoked ones do not count."""
        with read_only(self.db) as s:
            activity_or_404(s, activity_id)
            require(s, actor, Permission.VIEW_PROGRESS, activity_id=activity_id)
            q = (select(BadgeAward.student_id, func.count())
                 .join(Badge, Badge.id == BadgeAward.badge_id)
                 .where(BadgeAward.revoked_at.is_(None),
                        or_(Badge.activity_id == activity_id, BadgeAward.activity_id == activity_id))
                 .group_by(BadgeAward.student_id))
            return {student: int(n) for student, n in s.execute(q)}

    # ------------------------------------------------------------------ Open Badges exports

    def credential_facts(self, actor: Actor, award_id: int) -> AwardFacts:
        """What the award's credential says (the recipient only as given to the hash)."""
        with read_only(self.db) as s:
            award = _exportable(s, actor, award_id)
            return badge_exports.award_facts(s, award)

    def export_png(self, actor: Actor, award_id: int) -> bytes:
        """The badge as a PNG baked with its signed OpenBadgeCredential (OB 3.0)."""
        badge, jwt = self._signed(actor, award_id)
        return badge_exports.baked_png(badge, jwt)

    def export_svg(self, actor: Actor, award_id: int) -> str:
        badge, jwt = self._signed(actor, award_id)
        return badge_exports.baked_svg(badge, jwt)

    def export_all(self, actor: Actor, student_id: int) -> bytes:
        """A zip of every badge the student holds (and the actor may follow), each as a baked PNG
        and SVG named ``<badge>-<date>``."""
        with read_only(self.db) as s:
            _student(s, student_id)
            require(s, actor, Permission.VIEW_PROGRESS, student_id=student_id)
            shown = visible(s, actor, Permission.VIEW_PROGRESS, student=BadgeAward.student_id,
                            activity=Badge.activity_id)
            ids = list(s.scalars(select(BadgeAward.id).join(Badge, Badge.id == BadgeAward.badge_id)
                                 .where(BadgeAward.student_id == student_id, BadgeAward.revoked_at.is_(None), shown)
                                 .order_by(BadgeAward.awarded_at, BadgeAward.id)))
        files: list[tuple[str, bytes]] = []
        for award_id in ids:
            badge, jwt = self._signed(actor, award_id)
            with read_only(self.db) as s:
                awarded_at = s.scalar(select(BadgeAward.awarded_at).where(BadgeAward.id == award_id))
            stem = badge_exports.file_stem(badge.name, awarded_at or utcnow())
            files.append((f"{stem}.png", badge_exports.baked_png(badge, jwt)))
            files.append((f"{stem}.svg", badge_exports.baked_svg(badge, jwt).encode("utf-8")))
        return badge_exports.zip_of(files)

    def _signed(self, actor: Actor, award_id: int) -> tuple[Badge, str]:
        """The award's badge (detached) and its credential signed with the school's active key
        (made on first use, as for certificates)."""
        from tracker.services.certificates import CertificateService, _active_key

        with read_only(self.db) as s:
            award = _exportable(s, actor, award_id)
            facts = badge_exports.award_facts(s, award)
            badge = _badge(s, award.badge_id)
            key = _active_key(s)
            s.expunge(badge)
            pem, did = (key.private_pem.encode("ascii"), key.did) if key is not None else (b"", "")
        if key is None:
            did = CertificateService(self.db).public_key().did
            with read_only(self.db) as s:
                active = _active_key(s)
                assert active is not None
                pem = active.private_pem.encode("ascii")
        return badge, badge_exports.signed(facts, pem, did)


# --------------------------------------------------------------------------- helpers



def _badge(s: Session, badge_id: int) -> Badge:
    badge = s.get(Badge, badge_id)
    if badge is None:
        raise NotFound(f"No badge with id {badge_id}.")
    return badge


def _student(s: Session, student_id: int) -> User:
    user = s.get(User, student_id)
    if user is None or user.role is not Role.STUDENT:
        raise NotFound(f"No student with id {student_id}.")
    return user


def _visible_badge(s: Session, actor: Actor, badge_id: int) -> Badge:
    """A school-wide badge is everyone's to see; an activity's, whoever may see the activity."""
    badge = _badge(s, badge_id)
    if badge.activity_id is None:
        require_active(s, actor)
    else:
        require(s, actor, Permission.VIEW_ACTIVITY, activity_id=badge.activity_id)
    return badge


def _exportable(s: Session, actor: Actor, award_id: int) -> BadgeAward:
    """The award, if the actor may follow the student's progress there and it is not revoked."""
    award = s.get(BadgeAward, award_id)
    if award is None:
        raise NotFound(f"No badge award with id {award_id}.")
    badge = _badge(s, award.badge_id)
    require(s, actor, Permission.VIEW_PROGRESS, student_id=award.student_id, activity_id=badge.activity_id)
    if award.revoked_at is not None:
        raise ValidationError.field("award", f"The badge {badge.name!r} was revoked on {award.revoked_at:%d %b %Y}"
                                             f" ({award.revoke_reason}); a revoked badge cannot be saved or shared.")
    return award


def _awardable_student(s: Session, badge: Badge, student_id: int) -> User:
    student = s.get(User, student_id)
    if student is None or student.role is not Role.STUDENT or not student.active:
        raise ValidationError.field("student", f"User {student_id} is not an active student.")
    if badge.activity_id is not None and s.scalar(select(ActivityProgress.id).where(
            ActivityProgress.user_id == student_id, ActivityProgress.activity_id == badge.activity_id,
            ActivityProgress.status.in_(PLACED))) is None:
        name = s.scalar(select(Activity.name).where(Activity.id == badge.activity_id))
        raise ValidationError.field("student", f"{student.display_name} is not enrolled in {name}.")
    return student


def _criterion_problems(s: Session, c: Criterion, activity_id: int | None) -> list[Problem]:
    problems = badge_rules.check(c, activity_id)
    if activity_id is not None and s.get(Activity, activity_id) is None:
        problems.append(Problem(f"No activity with id {activity_id}.", field="activity"))
    if c.milestone_ids:
        mine = set(s.scalars(select(Milestone.id).where(Milestone.activity_id == activity_id)))
        if set(c.milestone_ids) - mine:
            problems.append(Problem("Choose milestones of the badge's own activity.", field="milestone_ids"))
    if c.skill_id is not None:
        if s.get(Skill, c.skill_id) is None:
            problems.append(Problem(f"No skill with id {c.skill_id}.", field="skill_id"))
        elif c.level is not None:
            from tracker.services.skills import rubrics_for

            levels = [r.level for r in rubrics_for(s, [c.skill_id])[c.skill_id]]
            if levels and c.level > max(levels):
                problems.append(Problem(f"The skill's rubric goes up to level {max(levels)}.", field="level"))
    return problems


def _validate(s: Session, data: BadgeInput, badge: Badge | None) -> str | None:
    """Every problem with the input, or the type of a new custom picture ("png" / "svg")."""
    from tracker.reports import badge_image

    problems: list[Problem] = []
    name = (data.name or "").strip()
    if not name:
        problems.append(Problem("A badge needs a name.", field="name"))
    elif len(name) > 120:
        problems.append(Problem("The name is longer than 120 characters.", field="name"))
    check_name(name, "badge name", "name", problems)
    if len(data.description or "") > 2000:
        problems.append(Problem("The description is longer than 2,000 characters.", field="description"))
    if isinstance(data.points, bool) or not isinstance(data.points, int) or not 0 <= data.points <= 1000:
        problems.append(Problem("Points are a whole number from 0 to 1,000.", field="points"))
    problems += _criterion_problems(s, data.criterion, data.activity_id)
    image_type = None
    if data.custom_image is not None:
        try:
            image_type = badge_image.check_custom_image(data.custom_image)
        except ValidationError as exc:
            problems += exc.problems or [Problem(exc.message, field="image")]
    elif data.keep_custom_image and (badge is None or badge.image_data is None):
        problems.append(Problem("There is no picture to keep; choose a design or a file.", field="image"))
    if data.design not in badge_image.DESIGNS:
        problems.append(Problem(f"Unknown design {data.design!r}; choose one of {', '.join(badge_image.DESIGNS)}.",
                                field="design"))
    for key in ("primary_colour", "secondary_colour"):
        if not _HEX.fullmatch(getattr(data, key) or ""):
            problems.append(Problem("A colour is written #rrggbb, like #1f5fbf.", field=key))
    if problems:
        raise ValidationError("The badge was not saved.", problems)
    return image_type


def _apply(badge: Badge, data: BadgeInput, image_type: str | None, wording: str) -> None:
    badge.name = data.name.strip()
    badge.description = (data.description or "").strip()
    badge.activity_id = data.activity_id
    badge.points = data.points
    badge.rule = badge_rules.to_json(data.criterion)
    badge.criteria = wording
    badge.design, badge.primary_colour, badge.secondary_colour = (data.design, data.primary_colour.lower(),
                                                                  data.secondary_colour.lower())
    if data.custom_image is not None:
        badge.image_data, badge.image_type = data.custom_image, image_type
    elif not data.keep_custom_image:
        badge.image_data, badge.image_type = None, None


def _snapshot(badge: Badge) -> dict[str, object]:
    return {"name": badge.name, "activity_id": badge.activity_id, "points": badge.points, "rule": badge.rule,
            "design": badge.design, "custom_image": badge.image_type, "archived": badge.archived}


__all__ = ["ActivityBadges", "AwardInfo", "BadgeInfo", "BadgeInput", "BadgeService", "StudentBadges",
           "WithinReach"]

"""Opt-in leaderboards: one per activity (its leads switch it on) and one for the whole school
(administrators), friendly by design.

Points are milestone points earned (completed milestones × their points) plus the points of the
badges held (not revoked): in one activity for its board, everywhere for the school's. The whole
board is one query (two grouped subqueries joined to the students), however large the school.
How rows are named, ranked and hidden is :mod:`tracker.domain.leaderboard`: an opted-out student
is on no row, for anyone (exports included), and still sees where they stand.
"""

from __future__ import annotations

import json

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from tracker.db.models import (
    ActivityProgress,
    Badge,
    BadgeAward,
    GuardianLink,
    LeaderboardOptOut,
    Milestone,
    Setting,
    User,
    UserMilestone,
)
from tracker.db.uow import read_only, unit_of_work
from tracker.domain.changes import ChangeKind
from tracker.domain.enums import ProgressStatus, Role
from tracker.domain.leaderboard import (
    YOU,
    Entry,
    Leaderboard,
    LeaderRow,
    build_rows,
    check_privacy,
    first_and_initial,
)
from tracker.domain.policy import Actor, Permission
from tracker.errors import NotFound, ValidationError
from tracker.services.base import Service, activity_or_404, permits, require, require_active
from tracker.services.settings import LEADERBOARD_DEFAULT, LEADERBOARD_SETTING

__all__ = ["LeaderRow", "Leaderboard", "LeaderboardService"]

_ON_BOARD = (ProgressStatus.ACTIVE, ProgressStatus.COMPLETED)
SCHOOL_TITLE = "Whole school"


class LeaderboardService(Service):
    def leaderboard(self, actor: Actor, activity_id: int | None = None, *, for_student: int | None = None,
                    limit: int | None = None) -> Leaderboard:
        """The board of an activity (whoever may see the activity) or of the school (``None``:
        everyone signed in). A parent sees it from their child's point of view (``for_student``
        when several children are on it); ``limit`` keeps the best rows, ``my_row`` stays."""
        with read_only(self.db) as s:
            if activity_id is None:
                require_active(s, actor)
                enabled, privacy, title = *_school_switch(s), SCHOOL_TITLE
            else:
                require(s, actor, Permission.VIEW_ACTIVITY, activity_id=activity_id)
                activity = activity_or_404(s, activity_id)
                enabled, privacy, title = activity.leaderboard_enabled, activity.leaderboard_privacy, activity.name
            if for_student is not None:
                require(s, actor, Permission.VIEW_PROGRESS, student_id=for_student)
            can_manage = permits(s, actor, Permission.MANAGE_LEADERBOARD, activity_id=activity_id)
            entries = _entries(s, activity_id)
            me = for_student if for_student is not None else _viewpoint(s, actor, {e.student_id for e in entries})
            opted_out_me = me is not None and _opted_out(s, me)
            own = YOU if me == actor.id else _own_label(entries, me)
        if not enabled and not can_manage:
            return Leaderboard(activity_id, title, False, privacy, [], None, opted_out_me, False,
                               f"The leaderboard of {title} is off." if activity_id is not None
                               else "The school leaderboard is off.")
        rows, my_row = build_rows(entries, privacy, board=_board_key(activity_id), me=me, identify=can_manage,
                                  own_label=own)
        reason = "" if rows else "Nobody is on this leaderboard yet."
        shown = rows if limit is None else rows[:max(limit, 0)]
        return Leaderboard(activity_id, title, enabled, privacy, shown, my_row, opted_out_me, can_manage,
                           reason, len(rows))

    def export_rows(self, actor: Actor, activity_id: int | None = None) -> list[LeaderRow]:
        """Every row the viewer is shown, for the board's export: an opted-out student never."""
        return self.leaderboard(actor, activity_id).rows

    def set_leaderboard(self, actor: Actor, activity_id: int | None, *, enabled: bool,
                        privacy: str) -> Leaderboard:
        """Switch a board on or off and choose how it names students: an activity's leads (and
        admins); the school's board (``None``) admins only. Audited."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            require(s, actor, Permission.MANAGE_LEADERBOARD, activity_id=activity_id)
            if not isinstance(enabled, bool):
                raise ValidationError.field("enabled", "Say whether the leaderboard is on (true or false).")
            mode = check_privacy(privacy)
            after = {"enabled": enabled, "privacy": mode}
            if activity_id is None:
                before = dict(zip(("enabled", "privacy"), _school_switch(s), strict=True))
                row = s.scalar(select(Setting).where(Setting.key == LEADERBOARD_SETTING))
                if row is None:
                    s.add(Setting(key=LEADERBOARD_SETTING, value=json.dumps(after)))
                else:
                    row.value = json.dumps(after)
                entity, entity_id, changed = "setting", None, ChangeKind.SETTING
            else:
                activity = activity_or_404(s, activity_id)
                before = {"enabled": activity.leaderboard_enabled, "privacy": activity.leaderboard_privacy}
                activity.leaderboard_enabled, activity.leaderboard_privacy = enabled, mode
                entity, entity_id, changed = "activity", activity_id, ChangeKind.ACTIVITY
            if before != after:
                tx.audit(actor, "leaderboard", entity, entity_id, before, after)
                tx.changes.add(changed, entity_id or 0)
        return self.leaderboard(actor, activity_id)

    def set_opt_out(self, actor: Actor, student_id: int, opted_out: bool) -> bool:
        """Keep a student off every leaderboard (or back on): the student, a linked parent, an
        admin. Audited; returns the state now."""
        with unit_of_work(self.db) as tx:
            s = tx.session
            require(s, actor, Permission.LEADERBOARD_OPT_OUT, student_id=student_id)
            if s.scalar(select(User.role).where(User.id == student_id)) is not Role.STUDENT:
                raise NotFound(f"No student with id {student_id}.")
            row = s.scalar(select(LeaderboardOptOut).where(LeaderboardOptOut.student_id == student_id))
            if bool(opted_out) == (row is not None):
                return bool(opted_out)
            if row is None:
                s.add(LeaderboardOptOut(student_id=student_id, set_by=actor.id))
            else:
                s.delete(row)
            tx.audit(actor, "opt_out" if opted_out else "opt_in", "leaderboard", student_id,
                     {"opted_out": not opted_out}, {"opted_out": bool(opted_out)})
            tx.changes.add(ChangeKind.USER, student_id)
        return bool(opted_out)

    def opt_out_state(self, actor: Actor, student_id: int) -> bool:
        """Whether the student keeps off the leaderboards (whoever may change it reads it)."""
        with read_only(self.db) as s:
            require(s, actor, Permission.LEADERBOARD_OPT_OUT, student_id=student_id)
            return _opted_out(s, student_id)


# --------------------------------------------------------------------------- helpers



def _school_switch(s: Session) -> tuple[bool, str]:
    raw = s.scalar(select(Setting.value).where(Setting.key == LEADERBOARD_SETTING))
    stored = json.loads(raw) if raw else {}
    value = {**LEADERBOARD_DEFAULT, **(stored if isinstance(stored, dict) else {})}
    return bool(value["enabled"]), str(value["privacy"])


def _board_key(activity_id: int | None) -> str:
    return "school" if activity_id is None else f"activity:{activity_id}"


def _opted_out(s: Session, student_id: int) -> bool:
    return s.scalar(select(exists().where(LeaderboardOptOut.student_id == student_id))) or False


def _entries(s: Session, activity_id: int | None) -> list[Entry]:
    """Everyone on the board with their points, in one query: an activity's active and
    completed students (points earned there), or every active student with such a place
    (points earned anywhere). In enrollment order, for the stable anonymous numbers."""
    milestones = select(UserMilestone.user_id.label("student"), func.sum(Milestone.points).label("points")) \
        .join(Milestone, Milestone.id == UserMilestone.milestone_id).group_by(UserMilestone.user_id)
    badges = select(BadgeAward.student_id.label("student"), func.sum(Badge.points).label("points")) \
        .join(Badge, Badge.id == BadgeAward.badge_id).where(BadgeAward.revoked_at.is_(None)) \
        .group_by(BadgeAward.student_id)
    place = ActivityProgress
    if activity_id is not None:
        milestones = milestones.where(Milestone.activity_id == activity_id)
        badges = badges.where(BadgeAward.activity_id == activity_id)
    m, b = milestones.subquery(), badges.subquery()
    points = func.coalesce(m.c.points, 0) + func.coalesce(b.c.points, 0)
    query = select(User.id, points, User.display_name, func.coalesce(User.preferred_name, User.first_name),
                   User.last_name, User.uid, LeaderboardOptOut.id.is_not(None))
    if activity_id is not None:
        query = query.select_from(place).join(User, User.id == place.user_id) \
            .where(place.activity_id == activity_id, place.status.in_(_ON_BOARD)).order_by(place.id)
    else:
        query = query.where(exists().where(place.user_id == User.id, place.status.in_(_ON_BOARD))) \
            .order_by(User.id)
    query = query.outerjoin(m, m.c.student == User.id).outerjoin(b, b.c.student == User.id) \
        .outerjoin(LeaderboardOptOut, LeaderboardOptOut.student_id == User.id).where(User.active.is_(True))
    return [Entry(sid, int(pts or 0), name, first, last, uid, bool(out))
            for sid, pts, name, first, last, uid, out in s.execute(query)]


def _viewpoint(s: Session, actor: Actor, on_board: set[int]) -> int | None:
    """Whose standing the viewer follows: their own when they are on the board, else their one
    child on it (several: the caller names one with ``for_student``)."""
    if actor.id in on_board:
        return actor.id
    children = [c for c in s.scalars(select(GuardianLink.student_id).where(GuardianLink.guardian_id == actor.id))
                if c in on_board]
    return children[0] if len(children) == 1 else None


def _own_label(entries: list[Entry], me: int | None) -> str:
    """How a parent's child is named on the anonymous board their parent looks at."""
    mine = next((e for e in entries if e.student_id == me), None)
    return YOU if mine is None else first_and_initial(mine.first_name, mine.last_name, mine.display_name)

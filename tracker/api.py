"""The stable Python façade used by outside scripts, the CLI and acceptance tests.

    from tracker.api import TrackerAPI
    api = TrackerAPI.open("school.db")      # path or SQLAlchemy URL; runs migrations
    actor = api.login("username", "password")
    api.list_activities(actor)

Every result is a JSON-serialisable dict (ids, names, ISO dates). Errors are the exceptions of
:mod:`tracker.errors`: PermissionDenied, NotFound, ValidationError, ConflictError, AuthError.
"""

from __future__ import annotations

import dataclasses
import enum
import os
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import URL

from tracker.db.engine import Database
from tracker.domain.enums import ProgressStatus, Role
from tracker.domain.policy import Actor
from tracker.errors import ValidationError
from tracker.services import Services
from tracker.services.bootstrap import open_database


def to_json(value: Any) -> Any:
    """Dataclasses, enums and dates to plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json(v) for v in value]
    return value


class TrackerAPI:
    def __init__(self, services: Services) -> None:
        self.services = services

    @classmethod
    def open(cls, path_or_url: str | os.PathLike[str] | URL | None = None) -> "TrackerAPI":
        db, _ = open_database(path_or_url)
        return cls(Services(db))

    @property
    def db(self) -> Database:
        return self.services.db

    def close(self) -> None:
        self.services.db.dispose()

    def __enter__(self) -> "TrackerAPI":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ the contract

    def login(self, username: str, password: str) -> Actor:
        return self.services.auth.login(username, password)

    def list_activities(self, actor: Actor) -> list[dict[str, Any]]:
        return [_activity(a) for a in self.services.activities.list_activities(actor)]

    def find_users(
        self, actor: Actor, role: Role | str | None = None, name: str | None = None
    ) -> list[dict[str, Any]]:
        return [_user(u) for u in self.services.people.find_users(actor, role=role, name=name)]

    def get_user_progress(self, actor: Actor, user_id: int) -> list[dict[str, Any]]:
        return [_progress(r) for r in self.services.progress.get_user_progress(actor, user_id)]

    def update_progress(
        self,
        actor: Actor,
        activity_id: int,
        user_id: int,
        *,
        status: ProgressStatus | str | None = None,
        progress_percentage: float | None = None,
        note: str | None = None,
    ) -> dict[str, Any]:
        row = self.services.progress.update_progress(
            actor, activity_id, user_id, status=status,
            progress_percentage=progress_percentage, note=note,
        )
        return _progress(row)

    def create_milestone(
        self,
        actor: Actor,
        activity_id: int,
        *,
        title: str,
        description: str = "",
        points: int = 0,
        order_index: int | None = None,
        required: bool = True,
        due_date: date | None = None,
    ) -> dict[str, Any]:
        m = self.services.milestones.create_milestone(
            actor, activity_id, title=title, description=description, points=points,
            order_index=order_index, required=required, due_date=due_date,
        )
        return to_json(m)  # type: ignore[no-any-return]

    def complete_milestone(
        self, actor: Actor, milestone_id: int, user_id: int, *, notes: str = ""
    ) -> dict[str, Any]:
        c = self.services.milestones.complete_milestone(actor, milestone_id, user_id, notes=notes)
        return to_json(c)  # type: ignore[no-any-return]

    def get_activity_analytics(self, actor: Actor, activity_id: int) -> dict[str, Any]:
        """The activity's figures, with the analytics page's series: ``weekly_attendance``,
        ``progress_histogram``, ``milestone_funnel``, ``drop_reasons``, ``median_days_to_completion``,
        ``standing_over_time``, ``participation_trend``, ``skills_now_vs_start`` (dates as ISO text)."""
        a = self.services.analytics.activity_analytics(actor, activity_id)
        return to_json(a)  # type: ignore[no-any-return]

    def get_school_analytics(
        self, actor: Actor, *, start: date | str | None = None, end: date | str | None = None,
        category: str | None = None, grade: str | None = None,
    ) -> dict[str, Any]:
        """Participation by category, grade and activity, the weekly attendance trend and the
        effectiveness of each activity (see docs/analytics.md). Administrators see the school, a
        teacher their own activities; students and parents are refused (PermissionDenied)."""
        a = self.services.analytics.school_analytics(
            actor, start=_day(start, "start"), end=_day(end, "end"), category=category, grade=grade)
        return to_json(a)  # type: ignore[no-any-return]

    def get_progress_history(self, actor: Actor, student_id: int) -> dict[str, Any]:
        """A student's progress over time in each activity, with the expected line, attendance per
        month, points and badges (whoever may see the student's progress)."""
        return to_json(self.services.analytics.progress_history(actor, student_id))  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ certificates

    def issue_certificates(
        self, actor: Actor, activity_id: int, student_ids: list[int] | None = None, *,
        template: str | None = None, out_dir: str | os.PathLike[str] | None = None,
    ) -> list[dict[str, Any]]:
        """One certificate per completed student (or the ones named): serial, code, student_id, path.
        With ``out_dir`` the PDFs are written there before this returns; without, into the school's
        certificate folder after the commit."""
        issued = self.services.certificates.issue(actor, activity_id, student_ids, template=template,
                                                  out_dir=out_dir)
        return [{"serial": c.serial, "code": c.code, "student_id": c.student_id, "path": c.path} for c in issued]

    def verify_certificate(self, text: str) -> dict[str, Any]:
        """The QR text, the short code or a PDF's path -> status (VALID, REVOKED, SUPERSEDED,
        UNKNOWN, INVALID), serial, student, activity, completed_on, issued_at, reason. No account
        needed."""
        return to_json(self.services.certificates.verify(text))  # type: ignore[no-any-return]

    def revoke_certificate(self, actor: Actor, serial: str, *, reason: str) -> dict[str, Any]:
        c = self.services.certificates.revoke(actor, serial, reason=reason)
        return {"serial": c.serial, "code": c.code, "student_id": c.student_id, "status": c.status.value,
                "reason": c.reason, "path": c.path}

    # ------------------------------------------------------------------ badges

    def list_badges(self, actor: Actor, activity_id: int | None = None) -> list[dict[str, Any]]:
        """The badges the actor may see (an activity's and the school-wide ones, with
        ``activity_id``): id, name, criteria_text, criterion {kind, params...}, points, awarded_count…"""
        return [_badge(b) for b in self.services.badges.list_badges(actor, activity_id)]

    def student_badges(self, actor: Actor, student_id: int) -> dict[str, Any]:
        """A student's badges: ``earned`` and ``revoked`` (awards), ``within_reach`` (badge, have,
        need, missing, progress)."""
        sb = self.services.badges.student_badges(actor, student_id)
        return {"student_id": sb.student_id, "student_name": sb.student_name,
                "earned": [to_json(a) for a in sb.earned], "revoked": [to_json(a) for a in sb.revoked],
                "within_reach": [{"badge": _badge(r.badge), "have": r.have, "need": r.need, "missing": r.missing,
                                  "progress": r.progress} for r in sb.within_reach]}

    def award_badge(self, actor: Actor, badge_id: int, student_id: int, *, note: str) -> dict[str, Any]:
        """Award a badge by hand (a note is required); the award as a dict."""
        return to_json(self.services.badges.award(actor, badge_id, student_id, note=note))  # type: ignore[no-any-return]

    def revoke_badge(self, actor: Actor, award_id: int, *, reason: str) -> dict[str, Any]:
        """Revoke an award (a reason is required); the award as a dict, with revoked_at."""
        return to_json(self.services.badges.revoke(actor, award_id, reason=reason))  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ leaderboards and portfolios

    def leaderboard(self, actor: Actor, activity_id: int | None = None) -> list[dict[str, Any]]:
        """The rows of an activity's board (or the school's, ``None``) as the actor sees them:
        rank, display_name, points, is_me. Empty while the board is off (except for whoever may
        switch it on); a student who opted out is on nobody's rows but their own (is_me)."""
        board = self.services.leaderboards.leaderboard(actor, activity_id)
        rows = list(board.rows)
        if board.my_row is not None and not any(r.is_me for r in rows):
            # a student always sees their own rank, also when they chose to be hidden from others
            rows = sorted([*rows, board.my_row], key=lambda r: (r.rank, not r.is_me))
        return [{"rank": r.rank, "display_name": r.display_name, "points": r.points, "is_me": r.is_me}
                for r in rows]

    def portfolio(self, actor: Actor, student_id: int) -> dict[str, Any]:
        """A student's portfolio: activities (dates, status, attendance, milestones, skills,
        badges, certificates, reflection, ``featured``), school-wide badges, ``editable``."""
        return to_json(self.services.portfolios.portfolio(actor, student_id))  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ notifications

    def notifications(self, actor: Actor, *, unread_only: bool = False) -> list[dict[str, Any]]:
        """The actor's own notifications, newest first: id, kind, title, body, student_id,
        activity_id (what it is about; student_id None for a grouped notice), created_at, read."""
        return [{"id": n.id, "kind": n.kind, "title": n.title, "body": n.body, "student_id": n.student_id,
                 "activity_id": n.activity_id, "created_at": to_json(n.created_at), "read": n.read}
                for n in self.services.notifications.inbox(actor, unread_only=unread_only)]

    def mark_notifications_read(self, actor: Actor, ids: list[int]) -> int:
        """Mark the actor's own notifications read; how many changed (someone else's: PermissionDenied)."""
        return self.services.notifications.mark_read(actor, ids)


def _badge(b: Any) -> dict[str, Any]:
    d: dict[str, Any] = to_json(b)
    d["criterion"] = {"kind": b.criterion.kind.value, **b.criterion.params}
    return d


def _activity(a: Any) -> dict[str, Any]:
    d: dict[str, Any] = to_json(a)
    d["leads"] = list(a.leads)
    d["lead_ids"] = list(a.lead_ids)
    return d


def _user(u: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": u.id,
        "username": u.username,
        "display_name": u.display_name,
        "role": u.role.value,
        "active": u.active,
        "grade": u.grade,
        "class_name": u.class_name,
        "student_number": u.student_number,
        "email": u.email,
    }
    if u.role is Role.PARENT:
        d["children"] = list(u.children)
    if u.role is Role.STUDENT:
        d["guardians"] = list(u.guardians)
    if u.role in (Role.TEACHER, Role.ADMIN):
        d["activities"] = list(u.activities)
    return d


def _day(value: date | str | None, field: str) -> date | None:
    """A date given as a date or as ISO text (``2026-09-01``)."""
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError.field(field, f"{value!r} is not a date like 2026-09-01.") from None


def _progress(r: Any) -> dict[str, Any]:
    d: dict[str, Any] = to_json(r)
    d["missing"] = list(r.missing)
    return d

"""Reading the records of an export: a handful of SQL queries over the activities in scope,
plain column tuples (never an ORM object per attendance mark), laid out as the tables of
:mod:`tracker.reports.records_data`.

The date range narrows what happened on a day (sessions, milestone completions, assessments,
awards, certificates issued) and keeps the enrollments that overlap it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, select, true
from sqlalchemy.orm import Session, aliased

from tracker.db.models import (
    Activity,
    ActivityProgress,
    ActivitySession,
    AttendanceRecord,
    AttendanceStatus,
    Badge,
    BadgeAward,
    Certificate,
    Milestone,
    Skill,
    SkillAssessment,
    User,
    UserMilestone,
)
from tracker.domain.enums import ProgressStatus
from tracker.reports.records_data import AttendanceGrid, Column, Kind, StatusColour, Table
from tracker.services.certificates import file_name
from tracker.services.progress_rows import ProgressRow, progress_rows


@dataclass(frozen=True)
class Scope:
    """What an export covers: activity ids (None: every activity, an admin's whole school), an
    optional student, and the date range."""

    activity_ids: list[int] | None
    student_id: int | None = None
    start: date | None = None
    end: date | None = None

    def activity(self, column: SQLColumnExpression[Any]) -> ColumnElement[bool]:
        return true() if self.activity_ids is None else column.in_(self.activity_ids)

    def student(self, column: SQLColumnExpression[Any]) -> ColumnElement[bool]:
        return true() if self.student_id is None else column == self.student_id

    def day(self, column: SQLColumnExpression[Any]) -> ColumnElement[bool]:
        """The moment in ``column`` falls on a day of the range (both ends included)."""
        clauses: list[ColumnElement[bool]] = []
        if self.start is not None:
            clauses.append(column >= datetime.combine(self.start, time.min))
        if self.end is not None:
            clauses.append(column < datetime.combine(self.end + timedelta(days=1), time.min))
        return and_(true(), *clauses)

    def overlaps(self, row: ProgressRow) -> bool:
        """An enrollment that was open some day of the range."""
        if self.end is not None and row.enrolled_on is not None and row.enrolled_on > self.end:
            return False
        return not (self.start is not None and row.dropped_on is not None and row.dropped_on < self.start)


PROGRESS_COLUMNS = (
    Column("Student", width=24), Column("Student number"), Column("Grade", width=7),
    Column("Activity", width=24), Column("Status", width=11), Column("Standing", width=11),
    Column("Standing reasons", width=40), Column("Progress %", Kind.PCT, 11),
    Column("Attendance %", Kind.PCT, 13), Column("Enrolled on", Kind.DATE, 12),
    Column("Completed on", Kind.DATE, 13), Column("Dropped on", Kind.DATE, 12),
    Column("Drop reason", width=30),
)
MILESTONE_COLUMNS = (
    Column("Activity", width=24), Column("Milestone", width=30), Column("Required", width=9),
    Column("Points", Kind.INT, 8), Column("Due", Kind.DATE, 12), Column("Student", width=24),
    Column("Student number"), Column("Completed on", Kind.DATE, 13), Column("Notes", width=40),
)
SKILL_COLUMNS = (
    Column("Activity", width=24), Column("Student", width=24), Column("Student number"),
    Column("Skill", width=24), Column("Category", width=16), Column("Level", Kind.INT, 7),
    Column("Assessed on", Kind.DATE, 12), Column("Assessed by", width=20), Column("Evidence", width=40),
)
BADGE_COLUMNS = (
    Column("Badge", width=24), Column("Activity", width=24), Column("Student", width=24),
    Column("Student number"), Column("Points", Kind.INT, 8), Column("Awarded on", Kind.DATE, 12),
    Column("Awarded by", width=20), Column("Evidence", width=30), Column("Revoked on", Kind.DATE, 12),
    Column("Revoke reason", width=30),
)
CERTIFICATE_COLUMNS = (
    Column("Serial", width=16), Column("Student", width=24), Column("Student number"),
    Column("Activity", width=24), Column("Issued on", Kind.DATE, 12), Column("Status", width=11),
    Column("Reason", width=30), Column("File", width=40),
)


def _day(value: datetime | None) -> date | None:
    return None if value is None else value.date()


def _fraction(percent: float | None) -> float | None:
    return None if percent is None else round(percent / 100, 6)


def progress_table(s: Session, scope: Scope) -> Table:
    rows = [r for r in progress_rows(s, activity_ids=scope.activity_ids,
                                     student_ids=None if scope.student_id is None else [scope.student_id])
            if scope.overlaps(r)]
    people = _people(s, {r.user_id for r in rows})
    out = []
    for r in rows:
        number, grade = people.get(r.user_id, (None, None))
        out.append((r.student, number, grade, r.activity, r.status.label, r.standing.label
                    if r.standing.value != "none" else None, r.standing_reason or None,
                    _fraction(r.progress_percentage), _fraction(r.attendance_rate), r.enrolled_on,
                    _day(r.completed_at), r.dropped_on, r.drop_reason))
    return Table("progress", "Progress", PROGRESS_COLUMNS, out)


def _people(s: Session, ids: Iterable[int]) -> dict[int, tuple[str | None, str | None]]:
    wanted = list(ids)
    found: dict[int, tuple[str | None, str | None]] = {}
    for at in range(0, len(wanted), 900):  # under SQLite's bound-parameter limit
        for uid, number, grade in s.execute(select(User.id, User.student_number, User.grade)
                                            .where(User.id.in_(wanted[at:at + 900]))):
            found[uid] = (number, grade)
    return found


def statuses(s: Session) -> tuple[StatusColour, ...]:
    return tuple(StatusColour(code, label, colour) for code, label, colour in s.execute(
        select(AttendanceStatus.code, AttendanceStatus.label, AttendanceStatus.colour)
        .order_by(AttendanceStatus.sort_order, AttendanceStatus.id)))


def attendance_grids(s: Session, scope: Scope) -> tuple[AttendanceGrid, ...]:
    """Each activity's roster × held sessions (cancelled ones left out), from three queries."""
    acts = s.execute(select(Activity.id, Activity.name).where(scope.activity(Activity.id))
                     .order_by(Activity.name, Activity.id)).all()
    sessions: dict[int, list[tuple[int, datetime]]] = {a: [] for a, _ in acts}
    for sid, aid, starts in s.execute(
            select(ActivitySession.id, ActivitySession.activity_id, ActivitySession.starts_at)
            .where(scope.activity(ActivitySession.activity_id), ActivitySession.cancelled.is_(False),
                   scope.day(ActivitySession.starts_at))
            .order_by(ActivitySession.starts_at, ActivitySession.id)):
        sessions[aid].append((sid, starts))
    roster: dict[int, list[tuple[int, str, str]]] = {a: [] for a, _ in acts}
    for aid, uid, name, number in s.execute(
            select(ActivityProgress.activity_id, User.id, User.display_name, User.student_number)
            .join(User, User.id == ActivityProgress.user_id)
            .where(scope.activity(ActivityProgress.activity_id), scope.student(User.id),
                   ActivityProgress.status != ProgressStatus.WAITLISTED)
            .order_by(User.display_name, User.id)):
        roster[aid].append((uid, name, number or ""))
    column = {sid: i for rows in sessions.values() for i, (sid, _) in enumerate(rows)}
    line = {(aid, uid): i for aid, rows in roster.items() for i, (uid, _, _) in enumerate(rows)}
    codes: dict[int, list[list[str | None]]] = {
        aid: [[None] * len(sessions[aid]) for _ in roster[aid]] for aid, _ in acts}
    marks = (select(ActivitySession.activity_id, AttendanceRecord.session_id, AttendanceRecord.student_id,
                    AttendanceStatus.code)
             .join(ActivitySession, ActivitySession.id == AttendanceRecord.session_id)
             .join(AttendanceStatus, AttendanceStatus.id == AttendanceRecord.status_id)
             .where(scope.activity(ActivitySession.activity_id), ActivitySession.cancelled.is_(False),
                    scope.day(ActivitySession.starts_at), scope.student(AttendanceRecord.student_id)))
    for aid, sid, uid, code in s.execute(marks.execution_options(yield_per=5000)):
        i = line.get((aid, uid))
        if i is not None:  # a mark of someone no longer on the roster stays out of the grid
            codes[aid][i][column[sid]] = code
    return tuple(AttendanceGrid(name, tuple(t for _, t in sessions[aid]),
                                tuple((n, num) for _, n, num in roster[aid]), codes[aid])
                 for aid, name in acts if roster[aid] or sessions[aid])


def milestone_table(s: Session, scope: Scope) -> Table:
    rows = s.execute(
        select(Activity.name, Milestone.title, Milestone.required, Milestone.points, Milestone.due_date,
               User.display_name, User.student_number, UserMilestone.completed_at, UserMilestone.notes)
        .join(Milestone, Milestone.id == UserMilestone.milestone_id)
        .join(Activity, Activity.id == Milestone.activity_id)
        .join(User, User.id == UserMilestone.user_id)
        .where(scope.activity(Milestone.activity_id), scope.student(UserMilestone.user_id),
               scope.day(UserMilestone.completed_at))
        .order_by(Activity.name, Milestone.order_index, Milestone.id, User.display_name))
    return Table("milestones", "Milestones", MILESTONE_COLUMNS,
                 [(a, t, "Yes" if req else "No", pts, due, n, num, _day(at), notes or None)
                  for a, t, req, pts, due, n, num, at, notes in rows])


def skill_table(s: Session, scope: Scope) -> Table:
    assessor = aliased(User)
    rows = s.execute(
        select(Activity.name, User.display_name, User.student_number, Skill.name, Skill.category,
               SkillAssessment.level, SkillAssessment.assessed_at, assessor.display_name, SkillAssessment.evidence)
        .join(Skill, Skill.id == SkillAssessment.skill_id)
        .join(User, User.id == SkillAssessment.student_id)
        .outerjoin(Activity, Activity.id == SkillAssessment.activity_id)
        .outerjoin(assessor, assessor.id == SkillAssessment.assessed_by)
        .where(scope.activity(SkillAssessment.activity_id), scope.student(SkillAssessment.student_id),
               scope.day(SkillAssessment.assessed_at))
        .order_by(Activity.name, User.display_name, Skill.name, SkillAssessment.assessed_at))
    return Table("skills", "Skills", SKILL_COLUMNS,
                 [(a, n, num, sk, cat or None, lvl, _day(at), by, ev or None)
                  for a, n, num, sk, cat, lvl, at, by, ev in rows])


def badge_table(s: Session, scope: Scope) -> Table:
    giver = aliased(User)
    rows = s.execute(
        select(Badge.name, Activity.name, User.display_name, User.student_number, Badge.points,
               BadgeAward.awarded_at, BadgeAward.awarded_by, giver.display_name, BadgeAward.evidence,
               BadgeAward.revoked_at, BadgeAward.revoke_reason)
        .join(Badge, Badge.id == BadgeAward.badge_id)
        .join(User, User.id == BadgeAward.student_id)
        .outerjoin(Activity, Activity.id == BadgeAward.activity_id)
        .outerjoin(giver, giver.id == BadgeAward.awarded_by)
        .where(scope.activity(BadgeAward.activity_id), scope.student(BadgeAward.student_id),
               scope.day(BadgeAward.awarded_at))
        .order_by(Badge.name, User.display_name))
    return Table("badges", "Badges", BADGE_COLUMNS,
                 [(b, a or "School-wide", n, num, pts, _day(at), by_name if by is not None else "The rules",
                   ev or None, _day(rev), why) for b, a, n, num, pts, at, by, by_name, ev, rev, why in rows],
                 optional=True)


def certificate_table(s: Session, scope: Scope) -> tuple[Table, tuple[tuple[str, str | None], ...]]:
    """The certificates' rows and their files (name in an archive, path on disk)."""
    rows = s.execute(
        select(Certificate.serial, User.display_name, User.student_number, Activity.name, Certificate.issued_at,
               Certificate.revoked, Certificate.superseded_by_id, Certificate.revoke_reason,
               Certificate.supersede_reason, Certificate.file_path)
        .join(User, User.id == Certificate.student_id)
        .join(Activity, Activity.id == Certificate.activity_id)
        .where(scope.activity(Certificate.activity_id), scope.student(Certificate.student_id),
               scope.day(Certificate.issued_at))
        .order_by(Certificate.serial)).all()
    table, files = [], []
    for serial, n, num, a, at, revoked, newer, why_revoked, why_superseded, path in rows:
        status = "Revoked" if revoked else "Superseded" if newer is not None else "Valid"
        name = Path(path).name if path else file_name(a, n, serial)
        table.append((serial, n, num, a, _day(at), status,
                      why_revoked if revoked else why_superseded if newer is not None else None, name))
        files.append((name, path))
    return Table("certificates", "Certificates", CERTIFICATE_COLUMNS, table, optional=True), tuple(files)

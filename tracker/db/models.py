"""ORM models: the whole data model, SQLAlchemy 2 typed style.

Every table has an integer primary key, a UUID ``uid`` (stable across databases, used by
imports, exports and merges), ``created_at`` and ``updated_at``. Rows that people edit carry a
``version`` column used as the mapper's ``version_id_col`` so that two workstations editing the
same row get a :class:`~tracker.errors.ConflictError` instead of a silent overwrite.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from tracker.domain.enums import LeadRole, ProgressStatus, Role

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Naive UTC timestamp (stored the same way on SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_uid() -> str:
    return str(uuid.uuid4())


def _enum(cls: type[Any], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), default=new_uid, unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class Versioned:
    """Mixin for mutable rows: optimistic concurrency through a version counter."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- people


class User(Versioned, Base):
    """Every person: admins, teachers, students and parents/guardians share one table."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), nullable=False, index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))  # None: cannot sign in
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # student profile (also usable for staff where it makes sense)
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    preferred_name: Mapped[str | None] = mapped_column(String(100))
    grade: Mapped[str | None] = mapped_column(String(20))
    class_name: Mapped[str | None] = mapped_column(String(40))
    student_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    email: Mapped[str | None] = mapped_column(String(200))
    # records and privacy: the day a student left (deactivated), and when their personal details
    # were erased (the row stays so that counts and analytics do not change)
    left_on: Mapped[date | None] = mapped_column(Date)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)


class GuardianLink(Base):
    __tablename__ = "guardian_links"
    __table_args__ = (UniqueConstraint("guardian_id", "student_id"),)

    guardian_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    student_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    relationship: Mapped[str] = mapped_column(String(40), nullable=False, default="guardian")


# --------------------------------------------------------------------------- activities


class Activity(Versioned, Base):
    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_nonneg"),
        CheckConstraint(
            "min_attendance_pct IS NULL OR (min_attendance_pct >= 0 AND min_attendance_pct <= 100)",
            name="min_attendance_range",
        ),
    )

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    category: Mapped[str] = mapped_column(String(80), nullable=False, default="Club")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    capacity: Mapped[int | None] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    archived: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # completion rule
    require_milestones: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    min_attendance_pct: Mapped[float | None] = mapped_column()
    requires_signoff: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # a certificate is issued (row + PDF) when a student completes
    certificate_on_completion: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True,
                                                            server_default=sa_true())
    # an opt-in leaderboard (off by default); privacy: "full" / "initial" / "anonymous"
    leaderboard_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                      server_default=sa_false())
    leaderboard_privacy: Mapped[str] = mapped_column(String(12), nullable=False, default="initial",
                                                     server_default="initial")


class ActivityLead(Base):
    __tablename__ = "activity_leads"
    __table_args__ = (UniqueConstraint("activity_id", "user_id"),)

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    lead_role: Mapped[LeadRole] = mapped_column(
        _enum(LeadRole, "lead_role"), nullable=False, default=LeadRole.LEAD
    )


class ActivityProgress(Versioned, Base):
    """Enrollment and progress: one row per student and activity (seed model)."""

    __tablename__ = "activity_progress"
    __table_args__ = (
        UniqueConstraint("user_id", "activity_id"),
        CheckConstraint(
            "progress_percentage >= 0 AND progress_percentage <= 100", name="progress_range"
        ),
        # covering for the analytics' GROUP BYs over enrollments (migration 0010)
        Index("ix_activity_progress_activity_status", "activity_id", "status", "user_id", "progress_percentage",
              "completed_at", "enrolled_on", "started_at"),
        # each student's places by status, from the index alone: participation by grade (migration 0012)
        Index("ix_activity_progress_user_status", "user_id", "status", "activity_id"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), nullable=False
    )
    status: Mapped[ProgressStatus] = mapped_column(
        _enum(ProgressStatus, "progress_status"), nullable=False, default=ProgressStatus.ACTIVE
    )
    progress_percentage: Mapped[float] = mapped_column(nullable=False, default=0.0)
    progress_manual: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status_manual: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    enrolled_on: Mapped[date | None] = mapped_column(Date)
    dropped_on: Mapped[date | None] = mapped_column(Date)
    drop_reason: Mapped[str | None] = mapped_column(String(500))
    waitlist_position: Mapped[int | None] = mapped_column(Integer)
    signed_off_at: Mapped[datetime | None] = mapped_column(DateTime)
    signed_off_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    # a teacher's hand-set status or progress: why, who and when (cleared with the override)
    override_note: Mapped[str | None] = mapped_column(Text)
    override_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    override_at: Mapped[datetime | None] = mapped_column(DateTime)


class ProgressStatusHistory(Base):
    __tablename__ = "progress_status_history"

    progress_id: Mapped[int] = mapped_column(
        ForeignKey("activity_progress.id", ondelete="CASCADE"), nullable=False, index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)


# --------------------------------------------------------------------------- calendar


class Holiday(Base):
    """A school-wide closed day, shared by every activity's schedule."""

    __tablename__ = "holidays"

    day: Mapped[date] = mapped_column(Date, nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")


class Schedule(Versioned, Base):
    """A weekly pattern between two dates; sessions are generated from it."""

    __tablename__ = "schedules"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), nullable=False, index=True
    )
    weekdays: Mapped[str] = mapped_column(String(20), nullable=False)  # "0,2" = Mon, Wed
    start_time: Mapped[time] = mapped_column(Time, nullable=False)
    end_time: Mapped[time] = mapped_column(Time, nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False)
    location: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    timezone: Mapped[str | None] = mapped_column(String(64))


class ActivitySession(Versioned, Base):
    """One meeting of an activity."""

    __tablename__ = "activity_sessions"
    # covering for the analytics' weekly attendance (migration 0010)
    __table_args__ = (Index("ix_activity_sessions_activity_start", "activity_id", "starts_at", "cancelled"),)

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), nullable=False
    )
    schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedules.id", ondelete="SET NULL"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    original_starts_at: Mapped[datetime | None] = mapped_column(DateTime)  # when moved
    location: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    cancelled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class AttendanceStatus(Versioned, Base):
    """Configurable attendance status (defaults: Present, Late, Excused, Absent)."""

    __tablename__ = "attendance_statuses"

    code: Mapped[str] = mapped_column(String(4), nullable=False, unique=True)
    label: Mapped[str] = mapped_column(String(60), nullable=False)
    counts_as_present: Mapped[bool] = mapped_column(Boolean, nullable=False)
    counts_in_rate: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    colour: Mapped[str] = mapped_column(String(9), nullable=False, default="#888888")
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class AttendanceRecord(Versioned, Base):
    __tablename__ = "attendance_records"
    __table_args__ = (
        UniqueConstraint("session_id", "student_id"),
        CheckConstraint(
            "participation IS NULL OR (participation >= 1 AND participation <= 5)",
            name="participation_range",
        ),
        Index("ix_attendance_records_student", "student_id"),
        # covers the reads that need each mark's status by session (absences in a row, migration 0005)
        Index("ix_attendance_records_session_status", "session_id", "student_id", "status_id"),
    )

    session_id: Mapped[int] = mapped_column(
        ForeignKey("activity_sessions.id", ondelete="CASCADE"), nullable=False
    )
    student_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    status_id: Mapped[int] = mapped_column(
        ForeignKey("attendance_statuses.id", ondelete="RESTRICT"), nullable=False
    )
    participation: Mapped[int | None] = mapped_column(Integer)
    remark: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class EnrollmentAttendance(Versioned, Base):
    """Maintained counts of an enrollment's marks on sessions that are not cancelled and fall in
    its period (enrolled on, before the drop day): kept exact in the transaction of every write
    that changes them by :mod:`tracker.services.attendance_aggregates`, so that rates are read
    from one row per enrollment instead of every attendance record. A missing row means zeros;
    marks of sessions not started yet are in it (the reader takes them off: time moves, rows don't)."""

    __tablename__ = "enrollment_attendance"

    progress_id: Mapped[int] = mapped_column(
        ForeignKey("activity_progress.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    marks: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    counted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # status counts in the rate
    present: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # counts, and as present


class SessionAttendance(Versioned, Base):
    """Maintained counts of one session's marks (every mark, whoever it is for), for the weekly
    trends; kept like :class:`EnrollmentAttendance`."""

    __tablename__ = "session_attendance"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("activity_sessions.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    marks: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    counted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    present: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


# --------------------------------------------------------------------------- milestones


class Milestone(Versioned, Base):
    """A goal within an activity (seed model)."""

    __tablename__ = "milestones"
    __table_args__ = (CheckConstraint("points >= 0", name="points_nonneg"),)

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    order_index: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    points: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    due_date: Mapped[date | None] = mapped_column(Date)


class UserMilestone(Versioned, Base):
    """A student's completion of a milestone (seed model)."""

    __tablename__ = "user_milestones"
    __table_args__ = (
        UniqueConstraint("user_id", "milestone_id"),
        # who did each milestone, read from the index alone (migration 0011)
        Index("ix_user_milestones_milestone_user", "milestone_id", "user_id"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    milestone_id: Mapped[int] = mapped_column(
        ForeignKey("milestones.id", ondelete="CASCADE"), nullable=False
    )
    completed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


# --------------------------------------------------------------------------- skills


class Skill(Versioned, Base):
    __tablename__ = "skills"

    name: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    category: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")


class RubricLevel(Versioned, Base):
    """A level of a rubric; ``skill_id`` NULL is the school-wide default rubric."""

    __tablename__ = "rubric_levels"
    __table_args__ = (UniqueConstraint("skill_id", "level"),)

    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skills.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")


class ActivitySkill(Base):
    __tablename__ = "activity_skills"
    __table_args__ = (UniqueConstraint("activity_id", "skill_id"),)

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), nullable=False
    )
    skill_id: Mapped[int] = mapped_column(
        ForeignKey("skills.id", ondelete="CASCADE"), nullable=False, index=True
    )
    target_level: Mapped[int | None] = mapped_column(Integer)


class SkillAssessment(Base):
    """One assessment; history is kept (rows are never overwritten)."""

    __tablename__ = "skill_assessments"
    __table_args__ = (Index("ix_skill_assessments_student_skill", "student_id", "skill_id"),)

    student_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    skill_id: Mapped[int] = mapped_column(
        ForeignKey("skills.id", ondelete="CASCADE"), nullable=False
    )
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activities.id", ondelete="SET NULL"), index=True
    )
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    evidence: Mapped[str] = mapped_column(Text, nullable=False, default="")
    assessed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assessed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


# --------------------------------------------------------------------------- achievements


class Badge(Versioned, Base):
    """A badge definition: school-wide (no activity; admins) or one activity's (its leads).

    ``rule`` is the JSON of a :class:`tracker.domain.badge_rules.Criterion` ("manual" when only a
    person awards it); ``criteria`` is its wording for people. The picture is a bundled design
    recoloured (``design``, ``primary_colour``, ``secondary_colour``) or a custom PNG/SVG
    (``image_data`` + ``image_type``).
    """

    __tablename__ = "badges"

    name: Mapped[str] = mapped_column(String(120), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    criteria: Mapped[str] = mapped_column(Text, nullable=False, default="")
    image: Mapped[str | None] = mapped_column(String(500))
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activities.id", ondelete="SET NULL"), index=True
    )
    points: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    rule: Mapped[str] = mapped_column(Text, nullable=False, default='{"kind": "manual"}',
                                      server_default='{"kind": "manual"}')
    design: Mapped[str | None] = mapped_column(String(40))
    primary_colour: Mapped[str | None] = mapped_column(String(7))
    secondary_colour: Mapped[str | None] = mapped_column(String(7))
    image_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    image_type: Mapped[str | None] = mapped_column(String(8))  # "png" | "svg"
    archived: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                           server_default=sa_false())
    # who made it, for the record (no foreign key: users are deactivated, never deleted)
    created_by: Mapped[int | None] = mapped_column(Integer)


def new_salt() -> str:
    """The salt of an award's recipient hash (Open Badges ``IdentityObject``): fixed per award,
    so that every export of one award names the recipient by the same hash."""
    return secrets.token_hex(16)


class BadgeAward(Versioned, Base):
    """One student's badge: one row per student and badge, ever (the rule engine and a person
    awarding by hand both meet this constraint). Revoking keeps the row, with who, when and why;
    ``activity_id`` is the activity it was earned in (for a school-wide badge, the one whose
    event earned it), ``awarded_by`` NULL when the rules awarded it. Revoking and reinstating edit
the row, so it carries a version like every edited row."""

    __tablename__ = "badge_awards"
    __table_args__ = (UniqueConstraint("badge_id", "student_id"),)

    badge_id: Mapped[int] = mapped_column(
        ForeignKey("badges.id", ondelete="CASCADE"), nullable=False
    )
    student_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    awarded_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    awarded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    evidence: Mapped[str] = mapped_column(Text, nullable=False, default="")
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activities.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    salt: Mapped[str] = mapped_column(String(32), nullable=False, default=new_salt)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str | None] = mapped_column(String(500))


class LeaderboardOptOut(Base):
    """A student (or their parent for them) keeps them off every leaderboard: table, chart and
    export, whoever looks."""

    __tablename__ = "leaderboard_opt_outs"

    student_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    set_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class PortfolioFeature(Base):
    """An item a student chose to feature in their portfolio and transcript: ``kind`` is
    activity / milestone / skill / badge / certificate, ``ref_id`` that record's id."""

    __tablename__ = "portfolio_features"
    __table_args__ = (UniqueConstraint("student_id", "kind", "ref_id"),)

    student_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    ref_id: Mapped[int] = mapped_column(Integer, nullable=False)


class PortfolioReflection(Versioned, Base):
    """A student's short reflection on one activity (at most 2,000 characters; audited)."""

    __tablename__ = "portfolio_reflections"
    __table_args__ = (UniqueConstraint("student_id", "activity_id"),)

    student_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), nullable=False
    )
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Certificate(Versioned, Base):
    __tablename__ = "certificates"

    serial: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    verification_code: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), nullable=False, index=True
    )
    template: Mapped[str] = mapped_column(String(120), nullable=False, default="classic")
    issued_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    file_path: Mapped[str | None] = mapped_column(String(1000))
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="SET NULL")
    )
    revoked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoke_reason: Mapped[str | None] = mapped_column(String(500))
    # why it was superseded (a reissue's reason); the signed compact JWS of the QR code
    supersede_reason: Mapped[str | None] = mapped_column(String(500))
    token: Mapped[str | None] = mapped_column(Text)


class SigningKey(Versioned, Base):
    """The school's Ed25519 certificate signing key, shared by every workstation of the database.
    A rotated key stays (inactive, with ``retired_at``) so that certificates it signed verify."""

    __tablename__ = "signing_keys"

    private_pem: Mapped[str] = mapped_column(Text, nullable=False)  # PKCS8
    public_raw: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    did: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)


# --------------------------------------------------------------------------- system


class Notification(Versioned, Base):
    """One item in a person's inbox: about a student and an activity (when it is), raised by a
    rule of :mod:`tracker.services.notifications` (``kind``) or by hand. ``count`` > 1: one
    grouped notice for a bulk change (the body lists what it groups)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    link: Mapped[str | None] = mapped_column(String(200))
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"))
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")


class NotificationCondition(Base):
    """A condition that has been notified and has not cleared yet (attendance below the minimum,
    absences in a row, at risk…): while its row exists the rule does not notify again; when the
    condition clears, the row goes, so the next time it holds it is news again."""

    __tablename__ = "notification_conditions"

    key: Mapped[str] = mapped_column(String(160), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))


class NotificationPreference(Versioned, Base):
    """A person's choice per kind of notification (``kind`` "*": their defaults, and whether
    e-mail comes as one daily digest): in the inbox, on the desktop, by e-mail."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    inbox: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    desktop: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    email: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    digest: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class OutboxMessage(Versioned, Base):
    """An e-mail waiting to go (or gone): written in the transaction that raised its
    notification, sent after the commit by the background sender, retried with back-off while
    the network is down. ``message_id`` is fixed when queued, so a retry after a cut connection
    is the same message, and a message marked sent is never sent again."""

    __tablename__ = "email_outbox"
    __table_args__ = (Index("ix_email_outbox_status_next", "status", "next_attempt_at"),)

    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(254), nullable=False)
    subject: Mapped[str] = mapped_column(String(250), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    message_id: Mapped[str] = mapped_column(String(250), nullable=False, unique=True)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="queued")  # queued/sending/sent/failed
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    digest: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class AuditEntry(Base):
    """Append-only log of every write: who, when, what, before and after (JSON text)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60), nullable=False)
    entity: Mapped[str] = mapped_column(String(60), nullable=False)
    entity_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)


class Setting(Versioned, Base):
    """Key/value settings (school name, logo path, idle lock minutes, …), JSON values."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


class PendingJob(Versioned, Base):
    """Work on the outside world (a PDF to write, a message to deliver) queued by a committed
    change and not done yet: written in the change's own transaction, deleted once done, kept
    with its last error when it fails so that it is retried on the next start or on demand."""

    __tablename__ = "pending_jobs"

    kind: Mapped[str] = mapped_column(String(60), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False, default="{}")  # JSON object
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_tried_at: Mapped[datetime | None] = mapped_column(DateTime)


# --------------------------------------------------------------------------- offline work (issue 17)


class SyncApplied(Base):
    """On the school database: a change made offline on a workstation and applied here, by its
    idempotency key (the queued change's ``uid``). Written in the change's own transaction, so a
    retry after a cut connection finds it and never applies the change twice."""

    __tablename__ = "sync_applied"

    key: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    outcome: Mapped[str] = mapped_column(String(20), nullable=False)  # applied / same / decided


class SyncQueue(Base):
    """On a workstation's replica: a change made offline, waiting to be sent (oldest first).

    Written in the same transaction as the change to the replica, so that what the user sees as
    saved is stored; ``uid`` is the idempotency key; ``base`` what the record was when the change
    was made (its version and value), to tell a change made by someone else meanwhile."""

    __tablename__ = "sync_queue"

    kind: Mapped[str] = mapped_column(String(30), nullable=False)  # mark / milestone
    payload: Mapped[str] = mapped_column(Text, nullable=False)  # JSON: the operation's arguments
    base: Mapped[str] = mapped_column(Text, nullable=False, default="{}")  # JSON
    user_id: Mapped[int] = mapped_column(Integer, nullable=False)
    made_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class SyncDecision(Versioned, Base):
    """On a workstation's replica: a change made offline whose record someone else changed
    meanwhile. Both values are kept until the user keeps theirs or uses mine."""

    __tablename__ = "sync_decisions"

    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    key: Mapped[str] = mapped_column(String(36), nullable=False)  # the first queued change's uid
    payload: Mapped[str] = mapped_column(Text, nullable=False)  # JSON: mine, as queued (latest)
    subject: Mapped[str] = mapped_column(String(300), nullable=False)  # "Ada Lovelace · Chess, 3 Mar 15:30"
    mine: Mapped[str] = mapped_column(String(300), nullable=False)
    mine_by: Mapped[str] = mapped_column(String(200), nullable=False)
    mine_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    theirs: Mapped[str] = mapped_column(String(300), nullable=False)
    theirs_by: Mapped[str] = mapped_column(String(200), nullable=False)
    theirs_at: Mapped[datetime | None] = mapped_column(DateTime)
    theirs_version: Mapped[int | None] = mapped_column(Integer)  # the server's, to "use mine" over it
    user_id: Mapped[int] = mapped_column(Integer, nullable=False)


class ReplicaInfo(Base):
    """On a workstation's replica (one row): whose it is, of which school database, which
    activities it holds and when it was last brought up to date."""

    __tablename__ = "replica_info"

    server: Mapped[str] = mapped_column(String(64), nullable=False)  # a digest of the database address
    server_label: Mapped[str] = mapped_column(String(300), nullable=False)  # the address, password left out
    user_id: Mapped[int] = mapped_column(Integer, nullable=False)
    activity_ids: Mapped[str] = mapped_column(Text, nullable=False, default="[]")  # JSON list
    everything: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    revision: Mapped[str] = mapped_column(String(40), nullable=False)
    synced_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

"""Tables of the staff dashboard (activity figures, students at risk) and the wording of the
learners' "what is next" lists (sessions, milestones due soon)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tracker.domain.standing import HOW_JUDGED
from tracker.services.analytics import ActivityCard
from tracker.services.calendar import SessionInfo
from tracker.services.milestones import DueMilestone
from tracker.services.progress_rows import ProgressRow
from ui.models.activities import places
from ui.models.base import RIGHT, Column, SnapshotModel, number_key
from ui.widgets.style import pct, when


def completed_text(c: ActivityCard) -> str:
    """Completed students with the completion rate: '29 (8%)'."""
    if c.analytics.completion_rate is None:
        return str(c.analytics.completed)
    return f"{c.analytics.completed} ({pct(c.analytics.completion_rate)})"


class ActivityFiguresModel(SnapshotModel[ActivityCard]):
    NAME, CATEGORY, LEADS, ENROLLED, ACTIVE, COMPLETED, ATTENDANCE, PROGRESS, NEXT_SESSION = range(9)

    columns = (
        Column("Activity", lambda c: c.summary.name, width=190,
               sort=lambda c: c.summary.name.lower(), tooltip=lambda c: c.summary.name),
        Column("Category", lambda c: c.summary.category, width=88),
        Column("Leads", lambda c: ", ".join(c.summary.leads) or "—", width=124,
               tooltip=lambda c: ", ".join(c.summary.leads)),
        Column("Enrolled", lambda c: places(c.summary), width=84, align=RIGHT,
               sort=lambda c: c.analytics.enrolled,
               tooltip=lambda c: "enrolled / capacity" if c.summary.capacity else "enrolled"),
        Column("Active", lambda c: str(c.analytics.active), value=lambda c: c.analytics.active,
               width=66, align=RIGHT),
        Column("Completed", completed_text, value=lambda c: number_key(c.analytics.completion_rate),
               width=112, align=RIGHT,
               tooltip=lambda c: "students who completed (completion rate of those enrolled)"),
        Column("Attendance", lambda c: pct(c.analytics.average_attendance_rate),
               value=lambda c: number_key(c.analytics.average_attendance_rate), width=108,
               align=RIGHT, tooltip=lambda c: "average attendance rate"),
        Column("Progress", lambda c: pct(c.analytics.average_progress),
               value=lambda c: c.analytics.average_progress,
               sort=lambda c: number_key(c.analytics.average_progress), width=112,
               tooltip=lambda c: "Average progress of active and completed students"),
        Column("Next session", lambda c: when(c.summary.next_session), width=134,
               sort=lambda c: (c.summary.next_session or datetime.max).isoformat()),
    )


def risk_reason(r: ProgressRow) -> str:
    """Why the student needs attention: the reasons of the standing rule."""
    return r.standing_reason or "—"


class AtRiskModel(SnapshotModel[ProgressRow]):
    STUDENT, ACTIVITY, STANDING, ATTENDANCE, PROGRESS, REASON = range(6)

    columns = (
        Column("Student", lambda r: r.student, width=170),
        Column("Activity", lambda r: r.activity, width=160),
        Column("Standing", lambda r: r.standing.label, value=lambda r: r.standing.value, width=96,
               sort=lambda r: (r.standing.severity, r.student.lower()), header_tooltip=HOW_JUDGED),
        Column("Attendance", lambda r: r.attendance_shown,
               value=lambda r: number_key(r.attendance_rate), width=108, align=RIGHT),
        Column("Progress", lambda r: pct(r.progress_percentage), value=lambda r: r.progress_percentage,
               width=120),
        Column("Why", risk_reason, width=260, tooltip=lambda r: "\n".join(r.standing_reasons)),
    )


def day_word(day: date, today: date) -> str:
    """A day as people say it on a home page: 'Today', 'Tomorrow', else 'Wed 2 Dec'."""
    if day == today:
        return "Today"
    if day == today + timedelta(days=1):
        return "Tomorrow"
    return f"{day:%a} {day.day} {day:%b}"


def session_when(s: SessionInfo, today: date) -> str:
    """'Today, 15:30–16:30'."""
    return f"{day_word(s.starts_at.date(), today)}, {s.starts_at:%H:%M}–{s.ends_at:%H:%M}"


def session_what(s: SessionInfo) -> str:
    """'Chess Club · Room 3', with 'Cancelled: why' when it will not take place."""
    parts = [s.activity_name, s.location]
    if s.cancelled:
        parts.append("Cancelled" + (f": {s.note}" if s.note else ""))
    elif s.moved and s.original_starts_at is not None:
        parts.append(f"moved from {s.original_starts_at:%a %d %b %H:%M}")
    return " · ".join(p for p in parts if p)


def due_when(m: DueMilestone, today: date) -> str:
    """'Due today', 'Due tomorrow', 'Due Fri 4 Dec (in 3 days)'."""
    days = (m.due_date - today).days
    if days <= 1:
        return f"Due {day_word(m.due_date, today).lower()}"
    return f"Due {day_word(m.due_date, today)} (in {days} days)"


def due_what(m: DueMilestone) -> str:
    """'Openings · Chess Club · required, 5 points'."""
    kind = "required" if m.required else "optional"
    points = f", {m.points} point{'' if m.points == 1 else 's'}" if m.points else ""
    return f"{m.title} · {m.activity} · {kind}{points}"

"""The roster of one activity: students with their status, enrollment date and figures."""

from __future__ import annotations

from datetime import date

from tracker.services.enrollment import RosterRow
from ui.models.base import CENTER, RIGHT, Column, SnapshotModel, number_key
from ui.widgets.style import day, pct

_STATUS_ORDER = {"active": 0, "completed": 1, "waitlisted": 2, "dropped": 3}


def status_text(r: RosterRow) -> str:
    if r.waitlist_position:
        return f"Waitlisted #{r.waitlist_position}"
    return r.status.label + (" (by hand)" if r.status_manual and r.status.value == "completed" else "")


def status_tip(r: RosterRow) -> str:
    if r.status.value == "dropped":
        return f"Dropped on {day(r.dropped_on)}: {r.drop_reason or 'no reason given'}"
    if r.status.value == "waitlisted":
        return f"Position {r.waitlist_position} on the waitlist"
    if r.status.value == "completed" and r.status_manual:
        return f"Marked completed by a teacher: {r.note or ''}"
    if r.missing:
        return "Still needed: " + "; ".join(r.missing)
    return r.status.label


class RosterModel(SnapshotModel[RosterRow]):
    NAME, GRADE, CLASS, STATUS, ENROLLED, ATTENDANCE, PROGRESS = range(7)

    columns = (
        Column("Student", lambda r: r.name, width=158, sort=lambda r: r.name.lower(),
               tooltip=lambda r: f"{r.name} · {r.student_number}" if r.student_number else r.name),
        Column("Grade", lambda r: r.grade or "", width=64, align=CENTER,
               sort=lambda r: (len(r.grade or ""), r.grade or "")),
        Column("Class", lambda r: r.class_name or "", width=58),
        Column("Status", status_text, value=lambda r: r.status.value, width=122,
               sort=lambda r: (_STATUS_ORDER.get(r.status.value, 9), r.waitlist_position or 0),
               tooltip=status_tip),
        Column("Enrolled on", lambda r: day(r.enrolled_on), width=104,
               sort=lambda r: (r.enrolled_on or date.min).isoformat()),
        Column("Attendance", lambda r: pct(r.attendance_rate), value=lambda r: number_key(r.attendance_rate),
               width=104, align=RIGHT,
               tooltip=lambda r: f"over {r.sessions_held} session{'s' if r.sessions_held != 1 else ''} "
                                 "since enrolling"),
        Column("Progress", lambda r: pct(r.progress_percentage), value=lambda r: r.progress_percentage,
               width=130),
    )

    def search_text(self, r: RosterRow) -> str:
        return " ".join(filter(None, (r.name, r.grade, r.class_name, r.student_number, r.status.value)))

    def muted(self, r: RosterRow) -> bool:
        return r.status.value == "dropped"

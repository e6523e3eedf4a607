"""The roster of one activity: students with their status, standing, figures and participation.

The model holds three snapshots loaded together: the roster rows and, keyed by student id, the
participation summaries and the badges held from the activity (each empty when the user may not
see them). ``data()`` only formats them. ``load_roster`` reads them (and who is signed off) on a
worker thread, as a ``RosterSnapshot``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFont

from tracker.domain.completion_text import COMPLETED, CompletionText, completion_text
from tracker.domain.enums import ProgressStatus
from tracker.domain.participation import HOW_COMPUTED, ParticipationSummary
from tracker.domain.progress import CompletionRule
from tracker.domain.standing import HOW_JUDGED, Standing, format_attendance
from tracker.errors import PermissionDenied
from tracker.services import Services
from tracker.services.activities import ActivitySummary
from tracker.services.enrollment import RosterRow
from ui.models.base import CENTER, RIGHT, Column, Index, SnapshotModel, SortRole, ValueRole, number_key
from ui.models.skills import participation_tooltip, rating_text
from ui.widgets.style import day, pct, standing_colour

_STATUS_ORDER = {"active": 0, "completed": 1, "waitlisted": 2, "dropped": 3}
ACTIVE_OR_COMPLETED = (ProgressStatus.ACTIVE, ProgressStatus.COMPLETED)
OVERRIDE_MARK = "✎"
PROGRESS_HEADER_TIP = (f"Progress from the milestones done. {OVERRIDE_MARK} marks progress or status set by hand.\n"
                       "A completed student reads “Completed”: the completion rule need not ask for every "
                       "point (the tooltip says why, and the points earned).")
BADGES_HEADER_TIP = ("Badges held from this activity: its own, and school-wide ones earned here (revoked ones "
                     "do not count). The Badges tab shows which.")


def class_text(r: RosterRow) -> str:
    """The class ("9A"); the grade first when the class name does not already say it."""
    if r.class_name and r.grade and not r.class_name.startswith(r.grade):
        return f"{r.grade} · {r.class_name}"
    return r.class_name or r.grade or ""


def class_tip(r: RosterRow) -> str:
    return " · ".join(filter(None, (f"Grade {r.grade}" if r.grade else "",
                                    f"class {r.class_name}" if r.class_name else ""))) or "No grade or class"


def status_text(r: RosterRow) -> str:
    if r.waitlist_position:
        return f"Waitlisted #{r.waitlist_position}"
    return r.status.label + (f" {OVERRIDE_MARK}" if r.status_manual and r.status.value == "completed" else "")


def status_tip(r: RosterRow) -> str:
    if r.status.value == "dropped":
        return f"Dropped on {day(r.dropped_on)}: {r.drop_reason or 'no reason given'}"
    if r.status.value == "waitlisted":
        return f"Position {r.waitlist_position} on the waitlist"
    if r.status.value == "completed" and r.status_manual:
        return override_line(r) or f"Marked completed by a teacher: {r.note or ''}"
    if r.missing:
        return "Still needed: " + "; ".join(r.missing)
    return r.status.label


def standing_tip(r: RosterRow) -> str:
    if r.standing is Standing.NONE:
        return f"No standing while {r.status.label.lower()}"
    return "\n".join(r.standing_reasons) or r.standing.label


def override_line(r: RosterRow) -> str:
    """'Set by hand by Sami Bennett on 3 Nov 2026: reason' (empty when nothing was set by hand)."""
    if not r.overridden:
        return ""
    by = f" by {r.override_by}" if r.override_by else ""
    on = f" on {day(r.override_at)}" if r.override_at else ""
    note = r.override_note or (r.note if r.status_manual else None)
    return f"Set by hand{by}{on}" + (f": {note}" if note else "")


def completion_rule(a: ActivitySummary) -> CompletionRule:
    """The activity's completion rule, as the rules of :mod:`tracker.domain.progress` take it."""
    return CompletionRule(a.require_milestones, a.min_attendance_pct, a.requires_signoff)


def completion_of(r: RosterRow, rule: CompletionRule | None) -> CompletionText | None:
    """What a completed student's progress reads instead of the figure (None when not completed)."""
    if r.status is not ProgressStatus.COMPLETED:
        return None
    return completion_text(r.progress_percentage, rule, by_hand=r.status_manual)


def progress_text(r: RosterRow) -> str:
    """'41%', '60% ✎', or 'Completed' (a completed student's bare percentage would contradict it)."""
    figure = COMPLETED if r.status is ProgressStatus.COMPLETED else pct(r.progress_percentage)
    return figure + (f" {OVERRIDE_MARK}" if r.overridden else "")


def progress_tip(r: RosterRow, rule: CompletionRule | None = None) -> str:
    """Why a completed student is completed and the points earned; what was set by hand."""
    done = completion_of(r, rule)
    lines = [done.tooltip] if done else []
    if r.overridden:
        lines.append(override_line(r))
    return "\n".join(lines) or "Computed from the milestones done"


class RosterModel(SnapshotModel[RosterRow]):
    NAME, CLASS, STATUS, STANDING, ENROLLED, ATTENDANCE, PROGRESS, PARTICIPATION, BADGES = range(9)

    columns = (
        Column("Student", lambda r: r.name, width=128, sort=lambda r: r.name.lower(),
               tooltip=lambda r: f"{r.name} · {r.student_number}" if r.student_number else r.name),
        # grade and class share a column (the class name usually starts with the grade): room
        # for standing and participation in a 1280-pixel window
        Column("Class", class_text, width=54, tooltip=class_tip,
               sort=lambda r: (len(r.grade or ""), r.grade or "", r.class_name or "")),
        Column("Status", status_text, value=lambda r: r.status.value, width=108,
               sort=lambda r: (_STATUS_ORDER.get(r.status.value, 9), r.waitlist_position or 0),
               tooltip=status_tip),
        Column("Standing", lambda r: r.standing.label, value=lambda r: r.standing.value, width=84,
               sort=lambda r: (r.standing.severity, r.progress_percentage), tooltip=standing_tip,
               header_tooltip=HOW_JUDGED),
        Column("Enrolled", lambda r: day(r.enrolled_on), width=92,
               sort=lambda r: (r.enrolled_on or date.min).isoformat()),
        Column("Attendance", lambda r: pct(r.attendance_rate), value=lambda r: number_key(r.attendance_rate),
               width=100, align=RIGHT,
               tooltip=lambda r: f"over {r.sessions_held} session{'s' if r.sessions_held != 1 else ''} "
                                 "since enrolling"),
        # completed students sort above the rest (they read "Completed", not their figure)
        Column("Progress", progress_text, value=lambda r: r.progress_percentage, width=100,
               sort=lambda r: (r.status is ProgressStatus.COMPLETED, r.progress_percentage),
               tooltip=progress_tip, header_tooltip=PROGRESS_HEADER_TIP),
        # filled from the participation snapshot (see data/sort_key)
        Column("Participation", lambda r: "—", width=108, align=CENTER, header_tooltip=HOW_COMPUTED),
        # filled from the badge counts (see data/sort_key)
        Column("Badges", lambda r: "", width=70, align=CENTER, header_tooltip=BADGES_HEADER_TIP),
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._participation: dict[int, ParticipationSummary] = {}
        self._participation_known = False
        self._badges: dict[int, int] | None = None
        self._bold: QFont | None = None
        self.rule: CompletionRule | None = None

    def set_rows(self, rows: Sequence[RosterRow],
                 participation: Mapping[int, ParticipationSummary] | None = None,
                 rule: CompletionRule | None = None, badges: Mapping[int, int] | None = None) -> None:
        """Swap the snapshots (the participation and badges first: sorting may use them).
        ``participation`` or ``badges`` None (not loaded, or not for this user) leaves that
        column empty; ``rule`` (the activity's completion rule) says why completed students are
        completed."""
        self._participation = dict(participation or {})
        self._participation_known = participation is not None
        self._badges = dict(badges) if badges is not None else None
        self.rule = rule
        super().set_rows(rows)

    def participation(self, student_id: int) -> ParticipationSummary | None:
        return self._participation.get(student_id)

    def badges(self, student_id: int) -> int | None:
        """Badges the student holds from the activity (None: not known to this user)."""
        return None if self._badges is None else self._badges.get(student_id, 0)

    def sort_key(self, column: int, record: RosterRow) -> Any:
        if column == self.BADGES:
            return (True, self.badges(record.student_id) or 0)
        if column == self.PARTICIPATION:
            p = self._participation.get(record.student_id)
            return (True, -1.0 if p is None or p.average_rating is None else p.average_rating)
        return super().sort_key(column, record)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < self.rowCount()):
            return None
        column = index.column()
        if column == self.PROGRESS and role == Qt.ItemDataRole.ToolTipRole:
            return progress_tip(self.record(index.row()), self.rule)
        if column == self.ATTENDANCE and role == Qt.ItemDataRole.DisplayRole:
            # on the same side of the activity's minimum as the standing's reason says
            return format_attendance(self.record(index.row()).attendance_rate,
                                     self.rule.min_attendance_pct if self.rule else None)
        if column == self.PARTICIPATION and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                                                      ValueRole, SortRole):
            p = self._participation.get(self.record(index.row()).student_id)
            if role == Qt.ItemDataRole.ToolTipRole:
                return participation_tooltip(p) if p is not None else None
            if role == SortRole:
                return self.sort_key(column, self.record(index.row()))[1]
            return rating_text(p) if self._participation_known else ""
        if column == self.BADGES and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                                               ValueRole, SortRole):
            count = self.badges(self.record(index.row()).student_id)
            if role == Qt.ItemDataRole.ToolTipRole:
                return None if count is None else f"{count} badge{'s' if count != 1 else ''} from this activity"
            if role in (ValueRole, SortRole):
                return count or 0
            return "" if count is None else str(count) if count else "—"
        if column == self.STANDING and role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.FontRole):
            standing = self.record(index.row()).standing
            if role == Qt.ItemDataRole.ForegroundRole:
                return standing_colour(standing)
            if standing is Standing.AT_RISK:
                if self._bold is None:
                    self._bold = QFont()
                    self._bold.setBold(True)
                return self._bold
        return super().data(index, role)

    def search_text(self, r: RosterRow) -> str:
        standing = r.standing.label if r.standing is not Standing.NONE else ""
        return " ".join(filter(None, (r.name, r.grade, r.class_name, r.student_number, r.status.value,
                                      standing)))

    def muted(self, r: RosterRow) -> bool:
        return r.status.value == "dropped"


@dataclass(frozen=True)
class RosterSnapshot:
    """What one background read brings back for the tab."""

    rows: list[RosterRow]
    participation: dict[int, ParticipationSummary] | None  # None: not for this user
    requires_signoff: bool
    signed: frozenset[int] | None  # students signed off; None: not known (no roster yet)
    rule: CompletionRule | None = None  # the activity's completion rule (None: not known)
    badges: dict[int, int] | None = None  # badges each student holds from the activity (None: not for this user)


def load_roster(services: Services, actor: Any, activity_id: int) -> RosterSnapshot:
    """The roster plus what the other columns and actions need (runs on a worker thread)."""
    rows = services.enrollment.roster(actor, activity_id)
    participation: dict[int, ParticipationSummary] | None
    try:
        participation = {p.student_id: p.summary
                         for p in services.skills.participation_summary(actor, activity_id)}
    except PermissionDenied:
        participation = None
    rule: CompletionRule | None
    try:
        rule = completion_rule(services.activities.get_activity(actor, activity_id))
    except PermissionDenied:
        rule = None
    badges: dict[int, int] | None
    try:
        badges = services.badges.award_counts(actor, activity_id)
    except PermissionDenied:
        badges = None
    signed = frozenset(r.student_id for r in rows if r.signed_off_at is not None)
    return RosterSnapshot(rows, participation, rule is not None and rule.requires_signoff, signed, rule, badges)

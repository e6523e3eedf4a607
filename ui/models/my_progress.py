"""The data of the Progress page of students and parents: who can be shown (:class:`Learner`),
one student's milestones of an activity (:class:`MilestoneItem`), and the two table models of
the page: the student's activities and the selected activity's milestones.

Built from ``analytics.dashboard`` and ``milestones.checklist`` results; ``data()`` does no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QObject, Qt

from tracker.domain.enums import ProgressStatus, Role
from tracker.domain.policy import Permission, Scope, scopes
from tracker.domain.standing import HOW_JUDGED
from tracker.services.analytics import Dashboard
from tracker.services.milestones import Checklist, MilestoneRow
from tracker.services.progress_rows import ProgressRow
from ui.models.base import CENTER, RIGHT, Column, Index, SnapshotModel, number_key
from ui.widgets.style import colour, day, pct, standing_colour


@dataclass(frozen=True)
class Learner:
    """A student the page can show: the signed-in student, or one of a parent's children."""

    id: int
    name: str
    rows: tuple[ProgressRow, ...]
    where: str = ""  # grade and class, when known


@dataclass(frozen=True)
class MilestoneItem:
    """One milestone of an activity and whether the shown student has done it."""

    milestone: MilestoneRow
    done_at: datetime | None
    notes: str = ""

    @property
    def done(self) -> bool:
        return self.done_at is not None

    def overdue(self, today: date) -> bool:
        """A required milestone past its due date and not done (what puts a student behind; an
        optional one never does)."""
        due = self.milestone.due_date
        return self.milestone.required and not self.done and due is not None and due < today


def follows_own_progress(role: Role) -> bool:
    """Whether the policy lets the role follow its own progress (a student)."""
    return Scope.SELF in scopes(role, Permission.VIEW_PROGRESS)


def follows_children(role: Role) -> bool:
    """Whether the policy lets the role follow its linked children's progress (a parent)."""
    return Scope.CHILD in scopes(role, Permission.VIEW_PROGRESS)


def learners_of(d: Dashboard, student_id: int, student_name: str) -> list[Learner]:
    """The students shown: the student themself, or a parent's children (in dashboard order)."""
    if follows_own_progress(d.role):
        return [Learner(student_id, student_name, tuple(d.own))]
    return [Learner(c.student_id, c.name, tuple(c.rows),
                    " · ".join(x for x in (f"Grade {c.grade}" if c.grade else "",
                                           f"Class {c.class_name}" if c.class_name else "") if x))
            for c in d.children]


def own_milestones(checklist: Checklist, student_id: int) -> list[MilestoneItem]:
    """The activity's milestones, in order, with the student's own completions only."""
    items = []
    for m in checklist.milestones:
        done = checklist.done.get((student_id, m.id))
        items.append(MilestoneItem(m, done[0] if done else None, done[1] if done else ""))
    return items


def attendance_text(r: ProgressRow) -> str:
    return r.attendance_shown


def progress_value(r: ProgressRow) -> float | str:
    """The progress cell: the figure, or for a completed student the word that says so (the
    bar delegate paints text as text) — never a partial bar next to "Completed"."""
    c = r.completion
    return c.label if c is not None else r.progress_percentage


def progress_text(r: ProgressRow) -> str:
    c = r.completion
    return c.label if c is not None else pct(r.progress_percentage)


def progress_tooltip(r: ProgressRow) -> str:
    c = r.completion
    if c is not None:
        return c.tooltip
    return f"{r.points} of {r.points_total} milestone points earned" if r.points_total else ""


class EnrollmentsModel(SnapshotModel[ProgressRow]):
    """The shown student's activities, one row each."""

    ACTIVITY, STATUS, PROGRESS, STANDING, ATTENDANCE, MILESTONES = range(6)

    columns = (
        Column("Activity", lambda r: r.activity, width=200, sort=lambda r: r.activity.lower(),
               tooltip=lambda r: f"{r.activity} ({r.category})" if r.category else r.activity),
        Column("Status", lambda r: r.status.label, value=lambda r: r.status.value, width=118),
        Column("Progress", progress_text, value=progress_value, sort=lambda r: r.progress_percentage, width=150,
               tooltip=progress_tooltip),
        Column("Standing", lambda r: r.standing.label, value=lambda r: r.standing.severity, width=100,
               tooltip=lambda r: "\n".join(r.standing_reasons) or HOW_JUDGED),
        Column("Attendance", attendance_text, value=lambda r: number_key(r.attendance_rate), width=100,
               align=RIGHT, tooltip=lambda r: f"{r.sessions_held} sessions held"),
        Column("Milestones", lambda r: f"{r.milestones_done}/{r.milestones_total}",
               value=lambda r: r.milestones_done, width=100, align=RIGHT,
               tooltip=lambda r: "milestones done / milestones of the activity"),
    )

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal
                and section == self.STANDING):
            return HOW_JUDGED
        return super().headerData(section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.ForegroundRole and index.isValid() and index.column() == self.STANDING
                and 0 <= index.row() < self.rowCount()):
            return standing_colour(self.record(index.row()).standing)
        return super().data(index, role)

    def muted(self, record: ProgressRow) -> bool:
        return record.status is ProgressStatus.DROPPED


class MilestonesModel(SnapshotModel[MilestoneItem]):
    DONE, TITLE, DUE, DONE_ON, POINTS = range(5)

    columns = (
        Column("Done", lambda i: "✓" if i.done else "", value=lambda i: i.done, width=52, align=CENTER,
               tooltip=lambda i: "Done" if i.done else "Not done yet"),
        Column("Milestone", lambda i: i.milestone.title + ("" if i.milestone.required else " (optional)"),
               width=220, sort=lambda i: i.milestone.order_index,
               tooltip=lambda i: "\n\n".join(x for x in (i.milestone.title, i.milestone.description,
                                                          i.notes and f"Note: {i.notes}") if x)),
        Column("Due", lambda i: day(i.milestone.due_date),
               sort=lambda i: (i.milestone.due_date or date.max).isoformat(), width=100),
        Column("Done on", lambda i: day(i.done_at) if i.done else "not yet",
               sort=lambda i: i.done_at.isoformat() if i.done_at else "", width=100),
        Column("Points", lambda i: str(i.milestone.points), value=lambda i: i.milestone.points,
               width=64, align=RIGHT),
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.today = date.today()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.ForegroundRole and index.isValid()
                and 0 <= index.row() < self.rowCount()):
            item = self.record(index.row())
            if index.column() == self.DONE and item.done:
                return colour("OK")
            if index.column() == self.DUE and item.overdue(self.today):
                return colour("RISK")
        if (role == Qt.ItemDataRole.ToolTipRole and index.isValid() and index.column() == self.DUE
                and 0 <= index.row() < self.rowCount() and self.record(index.row()).overdue(self.today)):
            return "A required milestone past its due date and not done yet"
        return super().data(index, role)

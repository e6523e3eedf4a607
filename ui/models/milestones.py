"""Models of the Milestones tab: the ordered milestone list (drag and drop / moveRows reorder)
and the students × milestones checklist over a snapshot (``data()`` does no I/O).

The checklist also knows which students completed the activity (``load_checklist`` reads it with
the snapshot): their "done" count is marked ✓ and its tooltip says why they completed, since the
completion rule need not ask for every milestone ("4 / 8" alone reads as not finished).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)

from tracker.domain.completion_text import CompletionText
from tracker.errors import PermissionDenied
from tracker.services import Services
from tracker.services.milestones import Checklist, ChecklistStudent, MilestoneRow
from ui.models.base import CENTER, RecordRole, ValueRole
from ui.models.roster import completion_of, completion_rule
from ui.widgets.style import day

Index = QModelIndex | QPersistentModelIndex
MIME = "application/x-activity-tracker-milestone-row"
MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_PLAIN = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_CHECKABLE = _PLAIN | Qt.ItemFlag.ItemIsUserCheckable


DONE_MARK = "✓"
DONE_HEADER_TIP = ("Milestones done out of all the activity's milestones.\n"
                   f"{DONE_MARK}: completed the activity (its rule need not ask for every milestone: "
                   "the tooltip says why).")


@dataclass(frozen=True)
class ChecklistSnapshot:
    """What one background read brings back for the tab: the checklist and, by student id, the
    wording of those who completed the activity (empty when the user may not read the roster)."""

    checklist: Checklist
    completed: dict[int, CompletionText] = field(default_factory=dict)


def load_checklist(services: Services, actor: Any, activity_id: int) -> ChecklistSnapshot:
    """The checklist and who completed the activity, and why (runs on a worker thread)."""
    checklist = services.milestones.checklist(actor, activity_id)
    try:
        rows = services.enrollment.roster(actor, activity_id)
        rule = completion_rule(services.activities.get_activity(actor, activity_id))
    except PermissionDenied:  # students and parents: their own checklist, no roster
        return ChecklistSnapshot(checklist)
    completed = {r.student_id: done for r in rows if (done := completion_of(r, rule)) is not None}
    return ChecklistSnapshot(checklist, completed)


def milestone_meta(m: MilestoneRow) -> str:
    """'15 pt · optional · due 5 Oct 2026' (the editor list's second line)."""
    bits = [f"{m.points} pt" if m.points else "", "optional" if not m.required else "required",
            f"due {day(m.due_date)}" if m.due_date else ""]
    return " · ".join(b for b in bits if b)


def milestone_text(m: MilestoneRow) -> str:
    bits = [f"{m.points} pt" if m.points else "", "optional" if not m.required else "",
            f"due {day(m.due_date)}" if m.due_date else ""]
    extra = " · ".join(b for b in bits if b)
    return m.title + (f"   ({extra})" if extra else "")


def milestone_tooltip(m: MilestoneRow, number: int) -> str:
    """The full title, required or optional, points, due date, description and how many did it."""
    lines = [f"{number}. {m.title}", ("Required" if m.required else "Optional")
             + (f" · {m.points} point{'s' if m.points != 1 else ''}" if m.points else "")
             + (f" · due {day(m.due_date)}" if m.due_date else "")]
    if m.description:
        lines.append(m.description)
    lines.append(f"{m.completed} student{'s' if m.completed != 1 else ''} completed it")
    return "\n".join(lines)


class MilestoneListModel(QAbstractListModel):
    """The activity's milestones in order. Moving rows (keys, drag and drop, ``moveRows``)
    changes the order here and emits ``reordered`` with the new id order for the service."""

    reordered = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[MilestoneRow] = []
        self._texts: dict[int, str] = {}
        self.movable = True
        self.item_height = 0  # set by the view: rows of one height, as wide as the view

    def set_rows(self, rows: Sequence[MilestoneRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._texts = {m.id: milestone_text(m) for m in self._rows}
        self.endResetModel()

    def record(self, row: int) -> MilestoneRow:
        return self._rows[row]

    def ids(self) -> list[int]:
        return [m.id for m in self._rows]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        m = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{index.row() + 1}.  {self._texts.get(m.id) or milestone_text(m)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return milestone_tooltip(m, index.row() + 1)
        if role == RecordRole:
            return m
        if role == Qt.ItemDataRole.SizeHintRole and self.item_height:
            return QSize(1, self.item_height)  # as wide as the view: long titles are elided
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self.movable:
            return base if index.isValid() else Qt.ItemFlag.NoItemFlags
        if index.isValid():
            return base | Qt.ItemFlag.ItemIsDragEnabled
        return Qt.ItemFlag.ItemIsDropEnabled

    def supportedDropActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:  # noqa: N802
        data = QMimeData()
        rows = sorted({i.row() for i in indexes if i.isValid()})
        data.setData(MIME, QByteArray(",".join(map(str, rows)).encode()))
        return data

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,  # noqa: N802
                     parent: Index) -> bool:
        if action != Qt.DropAction.MoveAction or not data.hasFormat(MIME):
            return False
        text = bytes(data.data(MIME).data()).decode()
        rows = [int(r) for r in text.split(",") if r]
        if len(rows) != 1:
            return False
        if row < 0:
            row = parent.row() if parent.isValid() else len(self._rows)
        self.moveRows(QModelIndex(), rows[0], 1, QModelIndex(), row)
        return False  # moved here already: the view must not remove the source row

    def moveRows(self, source_parent: Index, source_row: int, count: int,  # noqa: N802
                 destination_parent: Index, destination_child: int) -> bool:
        n = len(self._rows)
        if (not self.movable or source_parent.isValid() or destination_parent.isValid() or count < 1
                or source_row < 0 or source_row + count > n or not 0 <= destination_child <= n
                or source_row <= destination_child <= source_row + count):
            return False
        if not self.beginMoveRows(QModelIndex(), source_row, source_row + count - 1, QModelIndex(),
                                  destination_child):
            return False
        moving = self._rows[source_row:source_row + count]
        rest = self._rows[:source_row] + self._rows[source_row + count:]
        at = destination_child if destination_child < source_row else destination_child - count
        self._rows = rest[:at] + moving + rest[at:]
        self.endMoveRows()
        if n:
            self.dataChanged.emit(self.index(0), self.index(n - 1))  # the numbers change
        self.reordered.emit(self.ids())
        return True

    def move(self, row: int, delta: int) -> bool:
        """Move one row up (-1) or down (+1)."""
        if delta < 0:
            return row > 0 and self.moveRows(QModelIndex(), row, 1, QModelIndex(), row - 1)
        return row < len(self._rows) - 1 and self.moveRows(QModelIndex(), row, 1, QModelIndex(), row + 2)


class ChecklistModel(QAbstractTableModel):
    """Rows: students; column 0 the student, column 1 how many done, then one per milestone.

    A milestone cell is checkable (when the user may tick); checking it emits ``toggled``
    (student id, milestone id, done) and shows the change at once; the tab writes it and reloads.
    The view paints cells with :meth:`cell` (one Python call per visible cell, see
    ``ui.views.activity_milestones.ChecklistDelegate``); ``data()`` answers the same from memory
    for tooltips, accessibility and tests. Texts are formatted once and cached."""

    FIXED = 2
    toggled = Signal(int, int, bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.students: tuple[ChecklistStudent, ...] = ()
        self.milestones: tuple[MilestoneRow, ...] = ()
        self.done: dict[tuple[int, int], tuple[datetime, str]] = {}
        self._sids: list[int] = []
        self._mids: list[int] = []
        self._day_text: dict[tuple[int, int], str] = {}
        self._counts: list[int] = []
        self._count_text: list[str] = []
        self._completed_rows: list[bool] = []
        self.completed: dict[int, CompletionText] = {}
        self.editable = True

    def set_snapshot(self, snap: Checklist, completed: Mapping[int, CompletionText] | None = None) -> None:
        """Swap the snapshot; ``completed`` (who completed the activity, and why) None keeps what
        is known."""
        self.beginResetModel()
        if completed is not None:
            self.completed = dict(completed)
        self.students, self.milestones = snap.students, snap.milestones
        self.done = dict(snap.done)
        self._sids = [s.id for s in self.students]
        self._mids = [m.id for m in self.milestones]
        self._reindex()
        self.endResetModel()

    def _reindex(self) -> None:
        mids = set(self._mids)
        per: dict[int, int] = {}
        for (sid, mid) in self.done:
            if mid in mids:
                per[sid] = per.get(sid, 0) + 1
        total = f" / {len(self.milestones)}"
        self._counts = [per.get(sid, 0) for sid in self._sids]
        self._completed_rows = [sid in self.completed for sid in self._sids]
        self._count_text = [f"{DONE_MARK} {n}{total}" if done else f"{n}{total}"
                            for n, done in zip(self._counts, self._completed_rows, strict=True)]

    def date_text(self, at: datetime) -> str:
        """'05 Oct' (cached per day: a checklist has few distinct completion days)."""
        key = (at.month, at.day)
        text = self._day_text.get(key)
        if text is None:
            text = self._day_text[key] = f"{at.day:02d} {MONTHS[at.month]}"
        return text

    def student(self, row: int) -> ChecklistStudent:
        return self.students[row]

    def milestone(self, column: int) -> MilestoneRow | None:
        i = column - self.FIXED
        return self.milestones[i] if 0 <= i < len(self.milestones) else None

    def row_of(self, student_id: int) -> int:
        """The row of a student, -1 when not in the checklist."""
        try:
            return self._sids.index(student_id)
        except ValueError:
            return -1

    def cell(self, row: int, column: int) -> tuple[bool, str]:
        """(done, date text) of a milestone cell; (False, name) for column 0; (completed the
        activity, count) for column 1."""
        if column >= self.FIXED:
            got = self.done.get((self._sids[row], self._mids[column - self.FIXED]))
            return (False, "") if got is None else (True, self.date_text(got[0]))
        if column == 0:
            return False, self.students[row].name
        return self._completed_rows[row], self._count_text[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.students)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self.FIXED + len(self.milestones)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if section == 0:
                return "Student"
            if section == 1:
                return "Done"
            m = self.milestone(section)
            return f"{section - self.FIXED + 1}. {m.title}" if m else None
        if role == Qt.ItemDataRole.ToolTipRole:
            m = self.milestone(section)
            if m is not None:
                return milestone_tooltip(m, section - self.FIXED + 1)
            if section == 1:
                return DONE_HEADER_TIP
            if section == 0:
                return "Double-click a student for their checklist with notes and evidence"
        if role == RecordRole:
            return self.milestone(section)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        r, c = index.row(), index.column()
        if not (0 <= r < len(self._sids) and 0 <= c < self.FIXED + len(self._mids)) or not index.isValid():
            return None
        if c >= self.FIXED:
            key = (self._sids[r], self._mids[c - self.FIXED])
            if role == Qt.ItemDataRole.CheckStateRole:
                return Qt.CheckState.Checked if key in self.done else Qt.CheckState.Unchecked
            if role == Qt.ItemDataRole.DisplayRole:
                got = self.done.get(key)
                return "" if got is None else self.date_text(got[0])
            if role == ValueRole:
                return key in self.done
            if role == Qt.ItemDataRole.ToolTipRole:
                s, m = self.students[r], self.milestones[c - self.FIXED]
                got = self.done.get(key)
                if got is None:
                    return f"{s.name}: {m.title} — not done yet"
                return f"{s.name}: {m.title} — done {self.date_text(got[0])}" + (f"\n“{got[1]}”" if got[1] else "")
            return None
        if c == 0:
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                return self.students[r].name
            if role == RecordRole:
                return self.students[r]
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._count_text[r]
        if role == Qt.ItemDataRole.ToolTipRole:
            done = self.completed.get(self._sids[r])
            count = f"{self._counts[r]} of {len(self._mids)} milestones done"
            return f"{done.tooltip}\n{count}" if done else count
        if role == ValueRole:
            return self._counts[r]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return CENTER
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.column() >= self.FIXED and self.editable:
            return _CHECKABLE
        return _PLAIN

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if (role != Qt.ItemDataRole.CheckStateRole or not index.isValid() or not self.editable
                or index.column() < self.FIXED or index.row() >= len(self.students)):
            return False
        state = value if isinstance(value, Qt.CheckState) else Qt.CheckState(value)
        done = state == Qt.CheckState.Checked
        s, m = self.students[index.row()], self.milestones[index.column() - self.FIXED]
        self.set_done(index.row(), index.column(), done)
        self.toggled.emit(s.id, m.id, done)
        return True

    def set_done(self, row: int, column: int, done: bool, notes: str | None = None) -> None:
        """Show a change at once (before the reload brings the stored one)."""
        s, m = self.students[row], self.milestones[column - self.FIXED]
        key = (s.id, m.id)
        if done:
            before = self.done.get(key)
            self.done[key] = (before[0] if before else datetime.now(),
                              notes if notes is not None else (before[1] if before else ""))
        else:
            self.done.pop(key, None)
        self._reindex()
        self.dataChanged.emit(self.index(row, 1), self.index(row, column))

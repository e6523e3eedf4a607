"""Models of the Milestones tab: the ordered milestone list (drag and drop / moveRows reorder)
and the students × milestones checklist over a snapshot (``data()`` does no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
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
    Qt,
    Signal,
)

from tracker.services.milestones import Checklist, ChecklistStudent, MilestoneRow
from ui.models.base import CENTER, RecordRole, ValueRole
from ui.widgets.style import day

Index = QModelIndex | QPersistentModelIndex
MIME = "application/x-activity-tracker-milestone-row"
_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def milestone_text(m: MilestoneRow) -> str:
    bits = [f"{m.points} pt" if m.points else "", "optional" if not m.required else "",
            f"due {day(m.due_date)}" if m.due_date else ""]
    extra = " · ".join(b for b in bits if b)
    return m.title + (f"   ({extra})" if extra else "")


class MilestoneListModel(QAbstractListModel):
    """The activity's milestones in order. Moving rows (keys, drag and drop, ``moveRows``)
    changes the order here and emits ``reordered`` with the new id order for the service."""

    reordered = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[MilestoneRow] = []
        self.movable = True

    def set_rows(self, rows: Sequence[MilestoneRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
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
            return f"{index.row() + 1}.  {milestone_text(m)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            done = f"{m.completed} student{'s' if m.completed != 1 else ''} completed it"
            return f"{m.description}\n{done}" if m.description else done
        if role == RecordRole:
            return m
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
    (student id, milestone id, done) and shows the change at once; the tab writes it and reloads."""

    FIXED = 2
    toggled = Signal(int, int, bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.students: tuple[ChecklistStudent, ...] = ()
        self.milestones: tuple[MilestoneRow, ...] = ()
        self.done: dict[tuple[int, int], tuple[datetime, str]] = {}
        self._dates: dict[tuple[int, int], str] = {}
        self._counts: list[int] = []
        self.editable = True

    def set_snapshot(self, snap: Checklist) -> None:
        self.beginResetModel()
        self.students, self.milestones = snap.students, snap.milestones
        self.done = dict(snap.done)
        self._reindex()
        self.endResetModel()

    def _reindex(self) -> None:
        self._dates = {k: f"{v[0].day:02d} {_MONTHS[v[0].month]}" for k, v in self.done.items()}
        mids = {m.id for m in self.milestones}
        per: dict[int, int] = {}
        for (sid, mid) in self.done:
            if mid in mids:
                per[sid] = per.get(sid, 0) + 1
        self._counts = [per.get(s.id, 0) for s in self.students]

    def student(self, row: int) -> ChecklistStudent:
        return self.students[row]

    def milestone(self, column: int) -> MilestoneRow | None:
        i = column - self.FIXED
        return self.milestones[i] if 0 <= i < len(self.milestones) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.students)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self.FIXED + len(self.milestones)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        m = self.milestone(section)
        if role == Qt.ItemDataRole.DisplayRole:
            if section == 0:
                return "Student"
            if section == 1:
                return "Done"
            return f"{section - self.FIXED + 1}. {m.title}" if m else None
        if role == Qt.ItemDataRole.ToolTipRole and m is not None:
            return milestone_text(m)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if not (0 <= r < len(self.students) and 0 <= c < self.columnCount()):
            return None
        s = self.students[r]
        if c == 0:
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                return s.name
            if role == RecordRole:
                return s
            return None
        if c == 1:
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{self._counts[r]} / {len(self.milestones)}"
            if role == ValueRole:
                return self._counts[r]
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return CENTER
            return None
        m = self.milestones[c - self.FIXED]
        key = (s.id, m.id)
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if key in self.done else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DisplayRole:
            return self._dates.get(key, "")
        if role == ValueRole:
            return key in self.done
        if role == Qt.ItemDataRole.ToolTipRole:
            got = self.done.get(key)
            if got is None:
                return f"{s.name}: {m.title} — not done yet"
            return f"{s.name}: {m.title} — done {self._dates[key]}" + (f"\n“{got[1]}”" if got[1] else "")
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() >= self.FIXED and self.editable:
            f |= Qt.ItemFlag.ItemIsUserCheckable
        return f

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

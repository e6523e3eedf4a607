"""The students of one session with their marks, for the take-attendance screen (a snapshot).

:class:`SheetModel` holds what :class:`~tracker.services.attendance.AttendanceSheet` read, plus
what is shown while it is being saved, and two things the service does not store: whether the
session can be marked yet (a later session is shown greyed, its cells saying from when), and the
remarks typed for a student who has no status yet (kept here, in italics, until a status is
marked: a remark never marks anyone). The delegates paint the status as a pill and participation
as five dots.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRectF,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from tracker.services.attendance import AttendanceSheet, Mark, StatusInfo
from ui.models.attendance_grid import ink, tint
from ui.widgets.delegates import _background

Index = QModelIndex | QPersistentModelIndex
StatusRole = Qt.ItemDataRole.UserRole + 30
NAME_POINT_SIZE = 15.0


def folded(text: str) -> str:
    """Text for matching names as people type them: no case, no accents ("Zoë" ~ "zoe")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class SheetModel(QAbstractTableModel):
    """The students of one session with their marks (a snapshot; no I/O)."""

    NUMBER, NAME, STATUS, PARTICIPATION, REMARK = range(5)
    HEADERS = ("#", "Student", "Status", "Participation", "Remark")

    #: the remark of a row was edited in place (row, text)
    remark_edited = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.sheet: AttendanceSheet | None = None
        self.marks: dict[int, Mark] = {}
        self._status: dict[int, StatusInfo] = {}
        self._font = QFont()
        self._font.setPointSizeF(NAME_POINT_SIZE)
        self._italic = QFont()
        self._italic.setItalic(True)
        self._muted = QColor("#5f6b7a")
        self._greyed = QColor("#9aa5b1")
        #: why the session cannot be marked yet ("" when it can)
        self.not_yet = ""
        #: remarks typed for students without a status: saved with their first status
        self.waiting_remarks: dict[int, str] = {}

    def set_sheet(self, sheet: AttendanceSheet, *, not_yet: str = "") -> None:
        """Show a sheet as read. Remarks still waiting for a status stay (same session only)."""
        same = self.sheet is not None and self.sheet.session.id == sheet.session.id
        self.beginResetModel()
        self.sheet = sheet
        self.marks = dict(sheet.marks)
        self._status = {s.id: s for s in sheet.statuses}
        self.not_yet = not_yet
        if not same:
            self.waiting_remarks = {}
        for sid, text in self.waiting_remarks.items():
            base = self.marks.get(sid) or Mark(sheet.session.id, sid, None, None, "", None, None, None)
            self.marks[sid] = replace(base, remark=text)
        self.endResetModel()

    def set_not_yet(self, not_yet: str) -> None:
        """The session became markable (""), or the reason it is not: every row repaints."""
        if not_yet != self.not_yet:
            self.not_yet = not_yet
            if self.rowCount():
                self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.REMARK))

    def student_id(self, row: int) -> int:
        assert self.sheet is not None
        return self.sheet.students[row].id

    def mark(self, row: int) -> Mark | None:
        return self.marks.get(self.student_id(row))

    def status_of(self, row: int) -> StatusInfo | None:
        m = self.mark(row)
        return self._status.get(m.status_id) if m and m.status_id is not None else None

    def rows_matching(self, text: str) -> list[int]:
        """The rows whose student's name contains ``text`` (case and accents ignored)."""
        wanted = folded(text.strip())
        if self.sheet is None or not wanted:
            return []
        return [i for i, s in enumerate(self.sheet.students) if wanted in folded(s.name)]

    def update_marks(self, marks: list[Mark]) -> None:
        if self.sheet is None:
            return
        rows = {s.id: i for i, s in enumerate(self.sheet.students)}
        for m in marks:
            if m.session_id != self.sheet.session.id or m.student_id not in rows:
                continue
            self.marks[m.student_id] = m
            r = rows[m.student_id]
            self.dataChanged.emit(self.index(r, 0), self.index(r, self.REMARK))

    def show_pending(self, row: int, status_id: int | None, participation: int | None = None,
                     remark: str | None = None) -> None:
        """Show a change at once while it is being saved (the stored Mark replaces it)."""
        sid = self.student_id(row)
        old = self.marks.get(sid)
        assert self.sheet is not None
        base = old or Mark(self.sheet.session.id, sid, None, None, "", None, None, None)
        self.marks[sid] = replace(
            base, status_id=status_id,
            participation=base.participation if participation is None else participation,
            remark=base.remark if remark is None else remark)
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.REMARK))

    def counts(self) -> dict[int | None, int]:
        out: dict[int | None, int] = {}
        if self.sheet is None:
            return out
        for s in self.sheet.students:
            m = self.marks.get(s.id)
            key = m.status_id if m else None
            out[key] = out.get(key, 0) + 1
        return out

    # ------------------------------------------------------------------ Qt model API
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.sheet is None else len(self.sheet.students)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
        if index.column() == self.REMARK and not self.not_yet:
            f |= Qt.ItemFlag.ItemIsEditable
        return f

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self.sheet is None or not index.isValid():
            return None
        row, col = index.row(), index.column()
        if not 0 <= row < len(self.sheet.students):
            return None
        student = self.sheet.students[row]
        m = self.marks.get(student.id)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == self.NUMBER:
                return str(row + 1)
            if col == self.NAME:
                return student.name
            if col == self.STATUS:
                st = self.status_of(row)
                return st.label if st else ("Not held yet" if self.not_yet else "Not marked")
            if col == self.PARTICIPATION:
                return f"{m.participation} / 5" if m and m.participation else ""
            if col == self.REMARK:
                return m.remark if m else ""
        if role == StatusRole and col == self.STATUS:
            return self.status_of(row)
        if role == Qt.ItemDataRole.FontRole:
            if col == self.NAME:
                return self._font
            if col == self.REMARK and student.id in self.waiting_remarks:
                return self._italic
        if role == Qt.ItemDataRole.ForegroundRole:
            if self.not_yet:
                return self._greyed
            if col in (self.NUMBER, self.REMARK):
                return self._muted
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (self.NUMBER, self.PARTICIPATION):
            return Qt.AlignmentFlag.AlignCenter
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, col, m)
        return None

    def _tooltip(self, row: int, col: int, m: Mark | None) -> str | None:
        assert self.sheet is not None
        student = self.sheet.students[row]
        if self.not_yet and col != self.NAME:
            return self.not_yet
        if col == self.NAME:
            bits = [student.name]
            if student.class_name:
                bits.append(f"class {student.class_name}")
            if m and m.recorded_by:
                bits.append(f"marked by {m.recorded_by}")
            return " · ".join(bits)
        if col == self.REMARK:
            if student.id in self.waiting_remarks:
                return (f"{self.waiting_remarks[student.id]}\n\nNot saved yet: it is saved with "
                        f"{student.name}'s mark (a remark does not mark anyone)")
            return m.remark if m and m.remark else None
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() != self.REMARK or self.sheet is None:
            return False
        text = str(value or "").strip()
        m = self.mark(index.row())
        if text == (m.remark if m else ""):
            return False
        self.remark_edited.emit(index.row(), text)
        return True


class StatusCellDelegate(QStyledItemDelegate):
    """The status as a pill in the status's own colour, with its label (colour AND text)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        _background(painter, option, index)
        status: StatusInfo | None = index.data(StatusRole)
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(option.font)
        font.setPointSizeF(max(11.0, font.pointSizeF() + 1))
        font.setBold(status is not None)
        painter.setFont(font)
        fm = painter.fontMetrics()
        h = fm.height() + 8
        label = f"{status.code}  {text}" if status else text
        r = option.rect
        pill = QRectF(r.left() + 8, r.center().y() - h / 2 + 1,
                      min(fm.horizontalAdvance(label) + 28, r.width() - 16), h)
        if status is None:
            painter.setPen(QColor("#9aa5b1"))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(pill, h / 2, h / 2)
            painter.setPen(QColor("#5f6b7a"))
        else:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(tint(status.colour, 0.35))
            painter.drawRoundedRect(pill, h / 2, h / 2)
            painter.setPen(ink(status.colour))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter,
                         fm.elidedText(label, Qt.TextElideMode.ElideRight, int(pill.width()) - 12))
        painter.restore()


class ParticipationDelegate(QStyledItemDelegate):
    """Five dots, the first N filled."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        _background(painter, option, index)
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        n = int(text.split("/")[0]) if text else 0
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        d, gap = 11.0, 6.0
        r = option.rect
        x = r.left() + (r.width() - (5 * d + 4 * gap)) / 2
        y = r.center().y() - d / 2 + 1
        for i in range(5):
            if i < n:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor("#0072B2"))
            else:
                painter.setPen(QColor("#c5ccd4"))
                painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QRectF(x + i * (d + gap), y, d, d))
        painter.restore()

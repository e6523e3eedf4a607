"""The term grid's table: the frozen student column with its titles, the session dates, and
the cells painted straight from the snapshot.

The student column is the table's vertical header (:class:`StudentHeader`): name, attendance
rate (next to the activity's minimum, never contradicting it) and absences in a row as a "3×"
badge, under :class:`StudentTitles` in the corner that say what those figures are. The view
(:mod:`ui.views.attendance_grid`) adds the editing.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractButton,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from tracker.domain.percent import format_threshold
from ui.models.attendance_grid import (
    AbsencesRole,
    AttendanceGridModel,
    BelowMinimumRole,
    DroppedRole,
    RateTextRole,
)

ROW_HEIGHT = 26
COLUMN_WIDTH = 64
NAME_WIDTH = 270
RATE_WIDTH = 50  # the attendance rate, right-aligned
STREAK_WIDTH = 68  # the "3×" badge: absences in a row (its two-line title clear of "Rate")
HEADER_HEIGHT = 46
RATE_TIP = ("Attendance rate: present ÷ the held sessions that count (excused and unmarked ones do not). "
            "Red: below the activity's minimum attendance ({minimum}).")
STREAK_TIP = ("Absences in a row, up to the latest session: 3× = absent the last 3 sessions "
              "(excused and unmarked sessions do not break the run). Red from 2.")
_SELECTED = QStyle.StateFlag.State_Selected
_FOCUS = QStyle.StateFlag.State_HasFocus
_CENTER = Qt.AlignmentFlag.AlignCenter


class StudentHeader(QHeaderView):
    """The frozen student column: name, attendance rate and trailing absences."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.setMinimumSectionSize(ROW_HEIGHT)
        self.setDefaultSectionSize(ROW_HEIGHT)
        self.setFixedWidth(NAME_WIDTH)
        self.setHighlightSections(True)
        self._risk = QColor("#b3261e")
        self._muted = QColor("#5f6b7a")
        self._line = QColor("#e6eaee")
        self._fill = QColor("#f7f9fb")
        self._current = QColor("#e5f1f8")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(NAME_WIDTH, ROW_HEIGHT * max(1, self.count()))

    def paintSection(self, painter: QPainter, rect: QRect, section: int) -> None:  # noqa: N802 - Qt API
        model = self.model()
        if model is None:
            return
        painter.save()
        selected = self.selectionModel() is not None and self.selectionModel().isRowSelected(section, QModelIndex())
        painter.fillRect(rect, self._current if selected else self._fill)
        painter.setPen(self._line)
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        painter.drawLine(rect.topRight(), rect.bottomRight())
        name = model.headerData(section, Qt.Orientation.Vertical) or ""
        dropped = model.headerData(section, Qt.Orientation.Vertical, DroppedRole)
        streak = model.headerData(section, Qt.Orientation.Vertical, AbsencesRole) or 0
        text_rect = rect.adjusted(10, 0, -(RATE_WIDTH + STREAK_WIDTH + 4), 0)
        fm = painter.fontMetrics()
        totals = section == model.rowCount() - 1
        if totals:
            font = painter.font()
            font.setBold(True)
            painter.setFont(font)
        painter.setPen(self._muted if dropped else QColor("#1f2933"))
        if dropped:
            font = painter.font()
            font.setItalic(True)
            painter.setFont(font)
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         fm.elidedText(name, Qt.TextElideMode.ElideRight, text_rect.width()))
        if not totals:
            rate_rect = rect.adjusted(rect.width() - STREAK_WIDTH - RATE_WIDTH, 0, -STREAK_WIDTH, 0)
            low = model.headerData(section, Qt.Orientation.Vertical, BelowMinimumRole)
            painter.setPen(self._risk if low else self._muted)
            painter.drawText(rate_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                             model.headerData(section, Qt.Orientation.Vertical, RateTextRole) or "—")
            if streak:
                inset = (STREAK_WIDTH - 30) // 2
                badge = rect.adjusted(rect.width() - STREAK_WIDTH + inset, 5, -inset, -5)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor("#fde8e4") if streak >= 2 else QColor("#f0f3f6"))
                painter.drawRoundedRect(badge, 8, 8)
                painter.setPen(self._risk if streak >= 2 else self._muted)
                painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, f"{streak}×")
        painter.restore()


class SessionHeader(QHeaderView):
    """Session dates on two lines; a fixed size hint (no measuring of every section's text)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.setDefaultSectionSize(COLUMN_WIDTH)
        self.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFixedHeight(HEADER_HEIGHT)
        self.setHighlightSections(True)
        self.setStyleSheet("QHeaderView::section { padding: 2px 2px; }")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(COLUMN_WIDTH * max(1, self.count()), HEADER_HEIGHT)


class CellDelegate(QStyledItemDelegate):
    """Paints a cell straight from the snapshot: the status tint, the code, selection and focus.

    One Python call per visible cell instead of a data() call per role plus the styled item
    drawing: this is what keeps a 2,000 × 200 grid as quick to paint as a bare table."""

    def __init__(self, model: AttendanceGridModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._selected = QColor("#cfe3f1")
        self._focus = QColor("#0072B2")
        self._ink = QPen(QColor("#1f2933"))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        brush, pen, text = self.model.paint_info(index.row(), index.column())
        rect = option.rect
        state = option.state
        if state & _SELECTED:
            painter.fillRect(rect, self._selected)
        elif brush is not None:
            painter.fillRect(rect, brush)
        if text:
            painter.setPen(pen or self._ink)
            painter.drawText(rect, _CENTER, text)
        if state & _FOCUS:
            painter.setPen(self._focus)
            painter.drawRect(rect.adjusted(1, 1, -2, -2))
            painter.drawRect(rect.adjusted(0, 0, -1, -1))


class StudentTitles(QFrame):
    """The titles over the frozen student column ("Student", "Rate", "Absent in a row"), in the
    table's corner, each with a tooltip saying what its figure is."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("studentTitles")
        self.setStyleSheet("QFrame#studentTitles { background: #f0f3f6; border-bottom: 1px solid #dfe3e8;"
                           " border-right: 1px solid #e6eaee; }"
                           " QLabel { color: #3e4c59; font-weight: 600; background: transparent; }")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 0, 0, 1)
        lay.setSpacing(0)
        self.student = QLabel("Student")
        self.student.setToolTip("Students of the activity; in italics: left the activity")
        self.rate = QLabel("Rate")
        self.rate.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.rate.setFixedWidth(RATE_WIDTH)
        self.streak = QLabel("Absent\nin a row")
        self.streak.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.streak.setFixedWidth(STREAK_WIDTH)
        self.streak.setToolTip(STREAK_TIP)
        lay.addWidget(self.student, 1)
        lay.addWidget(self.rate)
        lay.addWidget(self.streak)
        self.set_minimum(75.0)

    def set_minimum(self, minimum: float) -> None:
        self.rate.setToolTip(RATE_TIP.format(minimum=format_threshold(minimum)))


class GridTable(QTableView):
    key_pressed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.titles = StudentTitles(self)

    def updateGeometries(self) -> None:  # noqa: N802 - Qt API
        """The titles take the corner over the student column (the corner button hides, so
        that nothing lies under them)."""
        super().updateGeometries()
        for corner in self.findChildren(QAbstractButton, options=Qt.FindChildOption.FindDirectChildrenOnly):
            corner.hide()
        f = self.frameWidth()
        self.titles.setGeometry(f, f, self.verticalHeader().width(), self.horizontalHeader().height())
        self.titles.raise_()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        event.setAccepted(False)
        self.key_pressed.emit(event)
        if not event.isAccepted():
            super().keyPressEvent(event)

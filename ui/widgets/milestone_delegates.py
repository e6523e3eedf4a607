"""The delegate of the Milestones tab's editor list: one milestone per row, painted in one
Python call."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ui.models.milestones import MilestoneListModel, milestone_meta

_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def row_height(font: QFont) -> int:
    """The height of a row: two lines and a little air."""
    return 2 * line_height(font) + 6


def line_height(font: QFont) -> int:
    """The height of one of a row's two lines."""
    return QFontMetrics(font).height() + 2


class MilestoneListDelegate(QStyledItemDelegate):
    """The editor list's rows on two lines: the number and title, then points, required /
    optional and the due date, each elided to the row (the tooltip has it all); selection and
    focus. One Python call per row (the styled item drawing asks the model for a dozen roles per
    row and paint)."""

    def __init__(self, model: MilestoneListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._selected = QColor("#e5f1f8")
        self._ink = QPen(QColor("#1f2933"))
        self._muted = QPen(QColor("#5f6b7a"))
        self._focus = QPen(QColor("#0072B2"))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        rect = option.rect
        marked = option.state & (QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus)
        if marked and marked & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, self._selected)
        if 0 <= index.row() < self.model.rowCount():
            m = self.model.record(index.row())
            fm = option.fontMetrics
            inner = rect.adjusted(6, 3, -6, -3)
            line = line_height(option.font)
            first = QRect(inner.left(), inner.top(), inner.width(), line)
            second = QRect(inner.left(), inner.top() + line, inner.width(), line)
            painter.setPen(self._ink)
            painter.drawText(first, _LEFT, fm.elidedText(f"{index.row() + 1}. {m.title}",
                                                         Qt.TextElideMode.ElideRight, inner.width()))
            painter.setPen(self._muted)
            painter.drawText(second, _LEFT, fm.elidedText(milestone_meta(m), Qt.TextElideMode.ElideRight,
                                                          inner.width()))
        if marked and marked & QStyle.StateFlag.State_HasFocus:
            painter.setPen(self._focus)
            painter.drawRect(rect.adjusted(0, 0, -1, -1))

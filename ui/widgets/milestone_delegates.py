"""The delegate of the Milestones tab's editor list: one milestone per row, painted in one
Python call."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ui.models.milestones import MilestoneListModel


class MilestoneListDelegate(QStyledItemDelegate):
    """The editor list's rows: the text elided to the row, selection and focus; one Python call
    per row (the styled item drawing asks the model for a dozen roles per row and paint)."""

    def __init__(self, model: MilestoneListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._selected = QColor("#e5f1f8")
        self._ink = QPen(QColor("#1f2933"))
        self._focus = QPen(QColor("#0072B2"))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        rect = option.rect
        marked = option.state & (QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus)
        if marked and marked & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, self._selected)
        text = self.model.data(index, Qt.ItemDataRole.DisplayRole) or ""
        inner = rect.adjusted(4, 0, -4, 0)
        painter.setPen(self._ink)
        painter.drawText(inner, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         option.fontMetrics.elidedText(text, Qt.TextElideMode.ElideRight, inner.width()))
        if marked and marked & QStyle.StateFlag.State_HasFocus:
            painter.setPen(self._focus)
            painter.drawRect(rect.adjusted(0, 0, -1, -1))

"""Delegates of the roster table: the status pill with the row's own text and the progress bar
with the mark of progress or status set by hand."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

from ui.models.base import RecordRole
from ui.models.roster import OVERRIDE_MARK
from ui.widgets.delegates import ProgressBarDelegate, StatusPillDelegate, _background
from ui.widgets.style import colour


class RosterStatusDelegate(StatusPillDelegate):
    """The status pill with the row's own text ("Waitlisted #2", "Completed ✎")."""

    def pill_text(self, index: QModelIndex | QPersistentModelIndex, value: str) -> str:
        return str(index.data(Qt.ItemDataRole.DisplayRole) or "")


class RosterProgressDelegate(ProgressBarDelegate):
    """The progress bar, with a ✎ after the figure when progress or status was set by hand."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        record = index.data(RecordRole)
        if record is None or not record.overridden:
            super().paint(painter, option, index)
            return
        _background(painter, option, index)
        mark = option.fontMetrics.horizontalAdvance(OVERRIDE_MARK) + 6
        bar = QStyleOptionViewItem(option)
        bar.rect = option.rect.adjusted(0, 0, -mark, 0)
        super().paint(painter, bar, index)
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setPen(option.palette.color(QPalette.ColorRole.HighlightedText) if selected
                       else colour("ACCENT"))
        r = option.rect
        painter.drawText(QRect(r.right() - mark - 2, r.top(), mark, r.height()),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, OVERRIDE_MARK)
        painter.restore()

"""Delegates of the roster table: the status pill with the row's own text and the progress bar
with the mark of progress or status set by hand; a completed student's progress reads
"Completed" (their figure need not be 100%: the rule may not ask for every point)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

from tracker.domain.completion_text import COMPLETED
from tracker.domain.enums import ProgressStatus
from ui.models.base import RecordRole
from ui.models.roster import OVERRIDE_MARK
from ui.widgets.delegates import ProgressBarDelegate, StatusPillDelegate, _background
from ui.widgets.style import colour


class RosterStatusDelegate(StatusPillDelegate):
    """The status pill with the row's own text ("Waitlisted #2", "Completed ✎")."""

    def pill_text(self, index: QModelIndex | QPersistentModelIndex, value: str) -> str:
        return str(index.data(Qt.ItemDataRole.DisplayRole) or "")


class RosterProgressDelegate(ProgressBarDelegate):
    """The progress bar, with a ✎ after the figure when progress or status was set by hand;
    "Completed" (with its ✎) instead of the bar for a completed student."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        record = index.data(RecordRole)
        completed = record is not None and record.status is ProgressStatus.COMPLETED
        if record is None or not (record.overridden or completed):
            super().paint(painter, option, index)
            return
        _background(painter, option, index)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        mark = option.fontMetrics.horizontalAdvance(OVERRIDE_MARK) + 6 if record.overridden else 0
        if completed:
            self._completed(painter, option, option.rect.adjusted(8, 0, -mark - 4, 0), selected)
        else:
            bar = QStyleOptionViewItem(option)
            bar.rect = option.rect.adjusted(0, 0, -mark, 0)
            super().paint(painter, bar, index)
        if mark:
            painter.save()
            painter.setPen(option.palette.color(QPalette.ColorRole.HighlightedText) if selected
                           else colour("ACCENT"))
            r = option.rect
            painter.drawText(QRect(r.right() - mark - 2, r.top(), mark, r.height()),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, OVERRIDE_MARK)
            painter.restore()

    @staticmethod
    def _completed(painter: QPainter, option: QStyleOptionViewItem, rect: QRect, selected: bool) -> None:
        """'✓ Completed' in the colour of done, elided to the cell (the tooltip says why)."""
        painter.save()
        painter.setPen(option.palette.color(QPalette.ColorRole.HighlightedText) if selected
                       else colour("OK").darker(125))
        text = option.fontMetrics.elidedText(f"✓ {COMPLETED}", Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
        painter.restore()

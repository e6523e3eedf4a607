"""Painted cells: a progress bar and a status pill (both read the model's ValueRole), and a
two-line list entry."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ui.models.base import ValueRole
from ui.widgets.style import colour, elide_text, status_colour, status_label

Index = QModelIndex | QPersistentModelIndex


def _background(painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
    opt = QStyleOptionViewItem(option)
    opt.text = ""
    style = opt.widget.style() if opt.widget else None
    if style is not None:
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)


class ProgressBarDelegate(QStyledItemDelegate):
    """A slim bar with the percentage beside it; '—' when there is no value; a word instead of
    the bar when the value is text (a completed student reads "Completed", not a partial bar)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        _background(painter, option, index)
        value = index.data(ValueRole)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text_colour = option.palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect.adjusted(8, 0, -8, 0)
        if isinstance(value, str):
            painter.setPen(text_colour if selected else colour("OK").darker(125))
            painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                             elide_text(option.fontMetrics, "✓ " + value, rect.width()))
            painter.restore()
            return
        text_width = option.fontMetrics.horizontalAdvance("100%") + 6
        if value is None or (isinstance(value, float) and value < 0):
            painter.setPen(text_colour)
            painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, "—")
            painter.restore()
            return
        fraction = max(0.0, min(1.0, float(value) / 100.0))
        bar_h = 6.0
        track = QRectF(rect.left(), rect.center().y() - bar_h / 2 + 1,
                       max(10.0, rect.width() - text_width), bar_h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 28) if not selected else QColor(255, 255, 255, 70))
        painter.drawRoundedRect(track, 3, 3)
        if fraction > 0:
            fill = QRectF(track)
            fill.setWidth(max(bar_h, track.width() * fraction))
            painter.setBrush(colour("OK") if fraction >= 1.0 else colour("ACCENT"))
            painter.drawRoundedRect(fill, 3, 3)
        painter.setPen(text_colour)
        text_rect = rect.adjusted(rect.width() - text_width, 0, 0, 0)
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                         f"{float(value):.0f}%")
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(120, option.fontMetrics.height() + 10)


class StatusPillDelegate(QStyledItemDelegate):
    """The status as a coloured rounded label (active, completed, dropped, waitlisted…)."""

    def pill_text(self, index: Index, value: str) -> str:
        return status_label(value)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        _background(painter, option, index)
        value = index.data(ValueRole)
        if not value:
            return
        text = self.pill_text(index, value)
        base = status_colour(value)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = option.fontMetrics
        w = fm.horizontalAdvance(text) + 16
        h = fm.height() + 4
        r = option.rect
        pill = QRectF(r.left() + 8, r.center().y() - h / 2 + 1, min(w, r.width() - 12), h)
        fill = QColor(base)
        fill.setAlpha(36)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(pill, h / 2, h / 2)
        painter.setPen(base.darker(115))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


class TwoLineDelegate(QStyledItemDelegate):
    """A list entry as a bold first line (when) over a muted second (what), each cut with "…" to
    the width on its own; a struck-out font (a cancelled session) strikes both lines."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        _background(painter, option, index)
        first, _, second = str(index.data(Qt.ItemDataRole.DisplayRole) or "").partition("\n")
        font = index.data(Qt.ItemDataRole.FontRole) or option.font
        bold = QFont(font)
        bold.setWeight(QFont.Weight.DemiBold)
        rect = option.rect.adjusted(8, 3, -8, -3)
        half = rect.height() // 2
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text = option.palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        for line, line_font, colour_, top in ((first, bold, text, rect.top()),
                                              (second, font, text if selected else colour("MUTED"),
                                               rect.top() + half)):
            painter.setFont(line_font)
            painter.setPen(colour_)
            fm = QFontMetrics(line_font)
            painter.drawText(QRect(rect.left(), top, rect.width(), half),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                             elide_text(fm, line, rect.width()))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(120, 2 * option.fontMetrics.height() + 12)

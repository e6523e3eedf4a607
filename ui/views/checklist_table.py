"""The milestone checklist's table: a painted cell delegate and a two-part milestone header.

Opening a 200 × 30 checklist must cost about what a bare table costs, so the table does no work
per cell beyond one Python call: ``ChecklistDelegate.paint`` reads ``ChecklistModel.cell`` and
draws the tick box and date with pens and brushes made once (no ``data()`` call per role, no
styled item drawing, no index widgets). Sections have fixed sizes (no sizing to contents) and
the header has a fixed height with its own ``sizeHint`` (no measuring of every title).

The header shows each milestone's number and title on up to three lines (elided on the last),
then "Required" / "Optional" with the points, and the due date; its tooltip has the full title,
the full date, the description and how many students completed it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPen, QPixmap, QStaticText
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from ui.models.milestones import MONTHS, ChecklistModel

Index = QModelIndex | QPersistentModelIndex

ROW_HEIGHT = 26
# narrow enough for three milestones beside the editor on a 1024-pixel screen: titles wrap on up
# to three lines, long names are elided (the whole name in the tooltip)
COLUMN_WIDTH = 112
TITLE_LINES = 3
NAME_WIDTH = 160
DONE_WIDTH = 76
BOX = 14
_SELECTED = QStyle.StateFlag.State_Selected
_FOCUS = QStyle.StateFlag.State_HasFocus
_MARKED = _SELECTED | _FOCUS
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_CENTER = Qt.AlignmentFlag.AlignCenter
_TOP_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop


def box_rect(cell: QRect) -> QRect:
    """Where a milestone cell's tick box is drawn (and where a click toggles it)."""
    return QRect(cell.left() + 8, cell.top() + (cell.height() - BOX) // 2, BOX, BOX)


class ChecklistDelegate(QStyledItemDelegate):
    """Paints every cell of the checklist straight from the model's snapshot; a click on the box
    or Space toggles a milestone cell through ``model.setData`` (the model emits ``toggled``)."""

    def __init__(self, model: ChecklistModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._selected = QColor("#e5f1f8")
        self._alternate = QColor("#f7f9fb")
        self._focus = QPen(QColor("#0072B2"))
        self._ink = QPen(QColor("#1f2933"))
        self._muted = QPen(QColor("#5f6b7a"))
        self._completed = QPen(QColor("#00795a"))  # the green of done, dark enough for text
        self._boxes: dict[tuple[bool, bool, float], QPixmap] = {}
        self._texts: dict[tuple[str, int], QStaticText] = {}
        self._fm = QFontMetrics(parent.font() if parent is not None else QFont())
        self._text_h = self._fm.height()

    def static(self, text: str, width: int) -> QStaticText:
        """The text laid out once (elided to the width): the same dates and names repaint often."""
        key = (text, width)
        got = self._texts.get(key)
        if got is None:
            got = QStaticText(self._fm.elidedText(text, Qt.TextElideMode.ElideRight, width))
            got.setTextFormat(Qt.TextFormat.PlainText)
            got.setPerformanceHint(QStaticText.PerformanceHint.AggressiveCaching)
            self._texts[key] = got
        return got

    def box_pixmap(self, done: bool, enabled: bool, ratio: float) -> QPixmap:
        """The tick box, drawn once (antialiased) per state and device pixel ratio."""
        key = (done, enabled, ratio)
        pix = self._boxes.get(key)
        if pix is not None:
            return pix
        pix = QPixmap(round(BOX * ratio), round(BOX * ratio))
        pix.setDevicePixelRatio(ratio)
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if done:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor("#009E73") if enabled else QColor("#7fcfb9"))
            p.drawRoundedRect(QRectF(0, 0, BOX, BOX), 3, 3)
            tick = QPen(QColor("#ffffff"))
            tick.setWidthF(2.0)
            tick.setCapStyle(Qt.PenCapStyle.RoundCap)
            tick.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            p.setPen(tick)
            p.drawPolyline([QPointF(3.2, 7.2), QPointF(6.0, 10.0), QPointF(10.8, 4.2)])
        else:
            p.setPen(QPen(QColor("#8a94a3") if enabled else QColor("#c5ccd4")))
            p.setBrush(QColor("#ffffff"))
            p.drawRoundedRect(QRectF(0.5, 0.5, BOX - 1, BOX - 1), 3, 3)
        p.end()
        self._boxes[key] = pix
        return pix

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        row, column = index.row(), index.column()
        done, text = self.model.cell(row, column)
        rect = option.rect
        marked = option.state & _MARKED
        if marked and marked & _SELECTED:
            painter.fillRect(rect, self._selected)
        elif row & 1:
            painter.fillRect(rect, self._alternate)
        if column >= ChecklistModel.FIXED:
            painter.drawPixmap(rect.left() + 8, rect.top() + (rect.height() - BOX) // 2,
                               self.box_pixmap(done, self.model.editable, painter.device().devicePixelRatioF()))
            if text:
                painter.setPen(self._muted)
                painter.drawStaticText(rect.left() + 8 + BOX + 6, rect.top() + (rect.height() - self._text_h) // 2,
                                       self.static(text, rect.width() - 8 - BOX - 8))
        elif column == 0:
            painter.setPen(self._ink)
            painter.drawStaticText(rect.left() + 8, rect.top() + (rect.height() - self._text_h) // 2,
                                   self.static(text, rect.width() - 12))
        else:  # the count; ✓ and green when the student completed the activity
            painter.setPen(self._completed if done else self._ink)
            painter.drawText(rect, _CENTER, text)
        if marked and marked & _FOCUS:
            painter.setPen(self._focus)
            painter.drawRect(rect.adjusted(0, 0, -1, -1))

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802 - Qt API
        return QSize(COLUMN_WIDTH, ROW_HEIGHT)

    def editorEvent(self, event: QEvent, model, option: QStyleOptionViewItem, index: Index) -> bool:  # type: ignore[no-untyped-def]  # noqa: N802
        if index.column() < ChecklistModel.FIXED or not model.flags(index) & Qt.ItemFlag.ItemIsUserCheckable:
            return False
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick):
            assert isinstance(event, QMouseEvent)
            if event.button() != Qt.MouseButton.LeftButton:
                return False
            if not box_rect(option.rect).adjusted(-5, -5, 5, 5).contains(event.position().toPoint()):
                return False
            if kind == QEvent.Type.MouseButtonRelease:
                self._toggle(model, index)
            return True
        if kind == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Space, Qt.Key.Key_Select):  # type: ignore[attr-defined]
            self._toggle(model, index)
            return True
        return False

    @staticmethod
    def _toggle(model, index: Index) -> None:  # type: ignore[no-untyped-def]
        checked = model.data(index, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
        model.setData(index, Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked,
                      Qt.ItemDataRole.CheckStateRole)


class MilestoneHeader(QHeaderView):
    """Milestone titles on up to two lines, then required / optional, points and due date."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.setDefaultSectionSize(COLUMN_WIDTH)
        self.setMinimumSectionSize(40)
        self.setSectionsClickable(True)  # a click selects the column: every student for that milestone
        self._bold = QFont(self.font())
        self._bold.setWeight(QFont.Weight.DemiBold)
        self._small = QFont(self.font())
        self._small.setPointSizeF(max(7.5, self.font().pointSizeF() * 0.88))
        self._bold_fm = QFontMetrics(self._bold)
        self._small_fm = QFontMetrics(self._small)
        self._line = self._bold_fm.height()
        self._small_line = self._small_fm.height()
        self._height = 6 + TITLE_LINES * self._line + 2 + 2 * self._small_line + 6
        self.setFixedHeight(self._height)
        self._fill = QColor("#f0f3f6")
        self._border = QColor("#dfe3e8")
        self._divider = QColor("#e6eaee")
        self._ink = QColor("#3e4c59")
        self._muted = QColor("#5f6b7a")
        self._required = QColor("#b3261e")
        self._wrapped: dict[tuple[str, int], tuple[str, ...]] = {}

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(COLUMN_WIDTH * max(1, self.count()), self._height)

    def wrap(self, title: str, width: int) -> tuple[str, ...]:
        """A title on up to TITLE_LINES lines: whole words per line (a word too long for a line
        is cut), the last line elided."""
        key = (title, width)
        got = self._wrapped.get(key)
        if got is not None:
            return got
        fm = self._bold_fm
        lines: list[str] = []
        rest = title.strip()
        while rest and len(lines) < TITLE_LINES - 1 and fm.horizontalAdvance(rest) > width:
            words = rest.split(" ")
            n = 0
            while n < len(words) and fm.horizontalAdvance(" ".join(words[:n + 1])) <= width:
                n += 1
            if n == 0:  # one word longer than the line
                cut = 1
                while cut < len(rest) and fm.horizontalAdvance(rest[:cut + 1]) <= width:
                    cut += 1
                lines.append(rest[:cut])
                rest = rest[cut:].lstrip()
            else:
                lines.append(" ".join(words[:n]))
                rest = " ".join(words[n:])
        if rest:
            lines.append(fm.elidedText(rest, Qt.TextElideMode.ElideRight, width))
        got = tuple(lines)
        self._wrapped[key] = got
        return got

    def paintSection(self, painter: QPainter, rect: QRect, section: int) -> None:  # noqa: N802 - Qt API
        model = self.model()
        if not isinstance(model, ChecklistModel):
            return
        painter.save()
        painter.fillRect(rect, self._fill)
        painter.setPen(self._border)
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        painter.setPen(self._divider)
        painter.drawLine(rect.topRight(), rect.bottomRight())
        inner = rect.adjusted(8, 6, -6, -4)
        m = model.milestone(section)
        painter.setFont(self._bold)
        painter.setPen(self._ink)
        if m is None:
            label = "Student" if section == 0 else "Done"
            align = _LEFT if section == 0 else _CENTER
            painter.drawText(inner, align, label)
            painter.restore()
            return
        y = inner.top()
        for line in self.wrap(f"{section - model.FIXED + 1}. {m.title}", inner.width()):
            painter.drawText(QRect(inner.left(), y, inner.width(), self._line), _TOP_LEFT, line)
            y += self._line
        y = inner.top() + TITLE_LINES * self._line + 2
        painter.setFont(self._small)
        fm = self._small_fm
        kind = "Required" if m.required else "Optional"
        painter.setPen(self._required if m.required else self._muted)
        painter.drawText(QRect(inner.left(), y, inner.width(), self._small_line), _TOP_LEFT, kind)
        if m.points:
            x = inner.left() + fm.horizontalAdvance(kind)
            painter.setPen(self._muted)
            painter.drawText(QRect(x, y, inner.right() - x, self._small_line), _TOP_LEFT,
                             fm.elidedText(f" · {m.points} pt", Qt.TextElideMode.ElideRight, inner.right() - x))
        if m.due_date is not None:
            painter.setPen(self._muted)
            painter.drawText(QRect(inner.left(), y + self._small_line, inner.width(), self._small_line), _TOP_LEFT,
                             fm.elidedText(f"due {m.due_date.day} {MONTHS[m.due_date.month]}",
                                           Qt.TextElideMode.ElideRight, inner.width()))
        painter.restore()


def checklist_table(model: ChecklistModel, parent: QWidget | None = None) -> QTableView:
    """The checklist's table: cells selectable one by one, fixed sizes (no sizing to contents)."""
    table = QTableView(parent)
    table.setHorizontalHeader(MilestoneHeader(table))
    table.setItemDelegate(ChecklistDelegate(model, table))
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.setTabKeyNavigation(False)  # Tab leaves the table (arrows move in it)
    table.setCornerButtonEnabled(False)
    table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    vh = table.verticalHeader()
    vh.hide()
    vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vh.setMinimumSectionSize(ROW_HEIGHT)
    vh.setDefaultSectionSize(ROW_HEIGHT)
    table.setAccessibleName("Milestone checklist")
    return table


def size_fixed_columns(table: QTableView) -> None:
    """The student and 'done' columns' widths (after every model reset)."""
    hh = table.horizontalHeader()
    if hh.count() > 1:
        hh.resizeSection(0, NAME_WIDTH)
        hh.resizeSection(1, DONE_WIDTH)

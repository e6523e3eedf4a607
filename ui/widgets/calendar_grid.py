"""Painted calendar views: a month grid of days with session chips, and a week of time columns.

Both show :class:`tracker.services.calendar.SessionInfo` snapshots; they do no I/O. A current
day (keyboard focus) moves with the arrow keys; Enter or a double click activates a session.
Cancelled sessions are struck through, moved ones marked with an arrow, holidays tinted.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from tracker.domain.schedule import WEEKDAY_SHORT
from tracker.services.calendar import SessionInfo
from ui.widgets.style import elide_text

ACCENT = QColor("#0072B2")
TEXT = QColor("#1f2933")
MUTED = QColor("#5f6b7a")
BORDER = QColor("#dfe3e8")
SURFACE = QColor("#ffffff")
OUTSIDE = QColor("#f7f9fb")
HOLIDAY = QColor("#fdf3e1")
TODAY = QColor("#e5f1f8")
CANCELLED = QColor("#8a94a3")
#: Okabe-Ito colours for activities (colour-blind safe)
ACTIVITY_COLOURS = ("#0072B2", "#009E73", "#D55E00", "#CC79A7", "#E69F00", "#56B4E9", "#7a5195", "#3e4c59")


def activity_colour(activity_id: int) -> QColor:
    return QColor(ACTIVITY_COLOURS[activity_id % len(ACTIVITY_COLOURS)])


def session_label(s: SessionInfo, *, with_name: bool = True) -> str:
    text = f"{s.starts_at:%H:%M}"
    if with_name:
        text += f" {s.activity_name}"
    return ("↷ " if s.moved else "") + text


def chip_text(s: SessionInfo, fm: QFontMetrics, width: int) -> str:
    """What a month cell's chip says in ``width`` pixels: the time and the name; when the cell is
    too narrow for both, the name alone (the time is in the tooltip and the day's list) — never
    a time followed by a bare "…"."""
    full = session_label(s)
    if fm.horizontalAdvance(full) <= width:
        return full
    time_part = session_label(s, with_name=False) + " "
    if width - fm.horizontalAdvance(time_part) >= fm.horizontalAdvance(s.activity_name[:5] + "…"):
        return elide_text(fm, full, width)
    return elide_text(fm, ("↷ " if s.moved else "") + s.activity_name, width)


def session_tooltip(s: SessionInfo) -> str:
    lines = [f"<b>{s.activity_name}</b>",
             f"{s.starts_at:%a %d %b}, {s.starts_at:%H:%M}–{s.ends_at:%H:%M}"]
    if s.location:
        lines.append(s.location)
    if s.cancelled:
        lines.append("<i>Cancelled</i>" + (f": {s.note}" if s.note else ""))
    elif s.note:
        lines.append(s.note)
    if s.moved and s.original_starts_at:
        lines.append(f"Moved from {s.original_starts_at:%a %d %b, %H:%M}")
    if s.extra:
        lines.append("Extra session")
    if s.has_attendance:
        lines.append("Attendance taken")
    return "<br>".join(lines)


def _chip(p: QPainter, rect: QRectF, s: SessionInfo, font: QFont, *, selected: bool) -> None:
    base = CANCELLED if s.cancelled else activity_colour(s.activity_id)
    fill = QColor(base)
    fill.setAlpha(40 if not selected else 90)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(fill)
    p.drawRoundedRect(rect, 4, 4)
    p.setBrush(base)
    p.drawRoundedRect(QRectF(rect.left(), rect.top(), 3.5, rect.height()), 1.5, 1.5)
    f = QFont(font)
    f.setStrikeOut(s.cancelled)
    f.setItalic(s.moved)
    p.setFont(f)
    p.setPen(MUTED if s.cancelled else base.darker(150))
    inner = rect.adjusted(7, 0, -3, 0)
    p.drawText(inner, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
               chip_text(s, QFontMetrics(f), int(inner.width())))
    if selected:
        p.setPen(QPen(base.darker(130), 1.2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)


class _CalendarBase(QWidget):
    currentDateChanged = Signal(object)  # date
    sessionActivated = Signal(object)  # SessionInfo
    sessionSelected = Signal(object)  # SessionInfo | None
    dayActivated = Signal(object)  # date

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.sessions: list[SessionInfo] = []
        self.by_day: dict[date, list[SessionInfo]] = {}
        self.holidays: dict[date, str] = {}
        self.current = date.today()
        self.today = date.today()
        self.selected_id: int | None = None
        self._hits: list[tuple[QRectF, SessionInfo]] = []

    def set_sessions(self, sessions: list[SessionInfo], holidays: dict[date, str] | None = None) -> None:
        self.sessions = sorted(sessions, key=lambda s: (s.starts_at, s.activity_name))
        grouped: dict[date, list[SessionInfo]] = defaultdict(list)
        for s in self.sessions:
            grouped[s.starts_at.date()].append(s)
        self.by_day = dict(grouped)
        if holidays is not None:
            self.holidays = holidays
        if self.selected_id is not None and not any(s.id == self.selected_id for s in self.sessions):
            self.selected_id = None
        self.update()

    def set_current(self, day: date) -> None:
        if day != self.current:
            self.current = day
            self.currentDateChanged.emit(day)
        self.update()

    def first_day(self) -> date:
        raise NotImplementedError

    def last_day(self) -> date:
        """Exclusive end of what the view shows."""
        raise NotImplementedError

    def selected_session(self) -> SessionInfo | None:
        return next((s for s in self.sessions if s.id == self.selected_id), None)

    def select_session(self, s: SessionInfo | None) -> None:
        self.selected_id = s.id if s else None
        self.sessionSelected.emit(s)
        self.update()

    def _hit(self, pos: QPointF) -> SessionInfo | None:
        for rect, s in self._hits:
            if rect.contains(pos):
                return s
        return None

    def _day_at(self, pos: QPointF) -> date | None:
        raise NotImplementedError

    # ------------------------------------------------------------------ input
    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        day = self._day_at(pos)
        if day is not None:
            self.set_current(day)
        self.select_session(self._hit(pos))
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        s = self._hit(event.position())
        if s is not None:
            self.sessionActivated.emit(s)
        else:
            day = self._day_at(event.position())
            if day is not None:
                self.dayActivated.emit(day)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        s = self._hit(event.position())
        if s is not None:
            QToolTip.showText(event.globalPosition().toPoint(), session_tooltip(s), self)
        else:
            QToolTip.hideText()
        super().mouseMoveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        moves: dict[int, int] = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -7, Qt.Key.Key_Down: 7}
        if key in moves and not (event.modifiers() & Qt.KeyboardModifier.AltModifier):
            self.set_current(self.current + timedelta(days=moves[key]))
            self.select_session(None)
        elif key == Qt.Key.Key_Tab and self.by_day.get(self.current):
            day = self.by_day[self.current]
            sel = self.selected_session()
            i = day.index(sel) + 1 if sel in day else 0
            if i < len(day):
                self.select_session(day[i])
            else:
                super().keyPressEvent(event)
                return
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            sel = self.selected_session()
            if sel is not None:
                self.sessionActivated.emit(sel)
            else:
                self.dayActivated.emit(self.current)
        else:
            super().keyPressEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: A002 - Qt's name
        if next and self.by_day.get(self.current):
            day = self.by_day[self.current]
            sel = self.selected_session()
            if sel is None or (sel in day and day.index(sel) + 1 < len(day)):
                return False  # Tab walks through the day's sessions (keyPressEvent)
        return super().focusNextPrevChild(next)


class MonthGrid(_CalendarBase):
    """Six weeks of days (Monday first) around the current day's month."""

    HEADER = 28

    def sizeHint(self) -> QSize:
        return QSize(840, 600)

    def minimumSizeHint(self) -> QSize:
        return QSize(420, 320)

    def first_day(self) -> date:
        first = self.current.replace(day=1)
        return first - timedelta(days=first.weekday())

    def last_day(self) -> date:
        return self.first_day() + timedelta(days=42)

    def _cell(self, i: int) -> QRectF:
        w = (self.width() - 1) / 7
        h = (self.height() - self.HEADER - 1) / 6
        return QRectF(i % 7 * w, self.HEADER + i // 7 * h, w, h)

    def _day_at(self, pos: QPointF) -> date | None:
        if pos.y() < self.HEADER:
            return None
        for i in range(42):
            if self._cell(i).contains(pos):
                return self.first_day() + timedelta(days=i)
        return None

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), SURFACE)
        font = QFont(self.font())
        small = QFont(font)
        small.setPointSizeF(max(7.5, font.pointSizeF() - 1.5))
        bold = QFont(font)
        bold.setBold(True)
        fm = QFontMetrics(small)
        w = (self.width() - 1) / 7
        p.setFont(bold)
        p.setPen(MUTED)
        for i, name in enumerate(WEEKDAY_SHORT):
            p.drawText(QRectF(i * w, 0, w, self.HEADER), int(Qt.AlignmentFlag.AlignCenter), name)
        self._hits = []
        first = self.first_day()
        month = self.current.month
        chip_h = fm.height() + 4
        for i in range(42):
            day = first + timedelta(days=i)
            cell = self._cell(i)
            bg = SURFACE if day.month == month else OUTSIDE
            if day in self.holidays:
                bg = HOLIDAY
            p.fillRect(cell, bg)
            p.setPen(QPen(BORDER, 1))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(cell)
            # the day number, today in a filled circle
            num_rect = QRectF(cell.left() + 4, cell.top() + 3, 24, 20)
            p.setFont(bold if day == self.today else font)
            if day == self.today:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(ACCENT)
                p.drawEllipse(num_rect.center(), 11, 10)
                p.setPen(QColor("white"))
            else:
                p.setPen(TEXT if day.month == month else MUTED)
            p.drawText(num_rect, int(Qt.AlignmentFlag.AlignCenter), str(day.day))
            if day in self.holidays:
                p.setFont(small)
                p.setPen(QColor("#9a6400"))
                label = QRectF(num_rect.right() + 2, cell.top() + 3, cell.width() - 34, 20)
                p.drawText(label, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight),
                           elide_text(fm, self.holidays[day], int(label.width())))
            sessions = self.by_day.get(day, [])
            top = cell.top() + 25
            room = int((cell.bottom() - 3 - top) // (chip_h + 2))
            shown = sessions if len(sessions) <= room else sessions[:max(0, room - 1)]
            for s in shown:
                rect = QRectF(cell.left() + 3, top, cell.width() - 6, chip_h)
                _chip(p, rect, s, small, selected=s.id == self.selected_id)
                self._hits.append((rect, s))
                top += chip_h + 2
            if len(shown) < len(sessions):
                p.setFont(small)
                p.setPen(MUTED)
                p.drawText(QRectF(cell.left() + 6, top, cell.width() - 8, chip_h),
                           int(Qt.AlignmentFlag.AlignVCenter), f"+{len(sessions) - len(shown)} more")
            if day == self.current and self.hasFocus():
                p.setPen(QPen(ACCENT, 2))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(cell.adjusted(1, 1, -1, -1))
            elif day == self.current:
                p.setPen(QPen(QColor("#8fb9d6"), 1.5))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(cell.adjusted(1, 1, -1, -1))
        p.end()


class WeekGrid(_CalendarBase):
    """The current day's week (Monday to Sunday), hours down the side, sessions as blocks."""

    HEADER = 44
    GUTTER = 52

    def sizeHint(self) -> QSize:
        return QSize(840, 600)

    def minimumSizeHint(self) -> QSize:
        return QSize(420, 320)

    def first_day(self) -> date:
        return self.current - timedelta(days=self.current.weekday())

    def last_day(self) -> date:
        return self.first_day() + timedelta(days=7)

    def hours(self) -> tuple[int, int]:
        """The hours shown: 7:00 to 19:00, widened to fit every session of the week."""
        lo, hi = 7, 19
        first = self.first_day()
        for s in self.sessions:
            if first <= s.starts_at.date() < first + timedelta(days=7):
                lo = min(lo, s.starts_at.hour)
                end_hour = s.ends_at.hour + (1 if s.ends_at.minute or s.ends_at.second else 0)
                hi = max(hi, min(24, end_hour if s.ends_at.date() == s.starts_at.date() else 24))
        return lo, hi

    def _column(self, i: int) -> QRectF:
        w = (self.width() - self.GUTTER - 1) / 7
        return QRectF(self.GUTTER + i * w, self.HEADER, w, self.height() - self.HEADER - 1)

    def _day_at(self, pos: QPointF) -> date | None:
        for i in range(7):
            col = self._column(i)
            if col.left() <= pos.x() < col.right():
                return self.first_day() + timedelta(days=i)
        return None

    def _y(self, moment: datetime, lo: int, hi: int) -> float:
        col = self._column(0)
        hours = moment.hour + moment.minute / 60
        return col.top() + (hours - lo) / (hi - lo) * col.height()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), SURFACE)
        font = QFont(self.font())
        small = QFont(font)
        small.setPointSizeF(max(7.5, font.pointSizeF() - 1.5))
        bold = QFont(font)
        bold.setBold(True)
        lo, hi = self.hours()
        first = self.first_day()
        self._hits = []
        # day headers and columns
        for i in range(7):
            day = first + timedelta(days=i)
            col = self._column(i)
            head = QRectF(col.left(), 0, col.width(), self.HEADER)
            if day in self.holidays:
                p.fillRect(col, HOLIDAY)
            elif day == self.today:
                p.fillRect(col, TODAY)
            if day == self.current:
                p.fillRect(head, QColor("#eef4f9"))
            p.setFont(small)
            p.setPen(MUTED)
            p.drawText(head.adjusted(0, 4, 0, -head.height() / 2), int(Qt.AlignmentFlag.AlignCenter),
                       WEEKDAY_SHORT[day.weekday()].upper())
            p.setFont(bold)
            p.setPen(ACCENT if day == self.today else TEXT)
            label = f"{day.day} {day:%b}"
            if day in self.holidays:
                label += f" · {self.holidays[day]}"
            fm = QFontMetrics(bold)
            p.drawText(head.adjusted(2, head.height() / 2 - 2, -2, 0), int(Qt.AlignmentFlag.AlignHCenter),
                       elide_text(fm, label, int(head.width() - 4)))
            p.setPen(QPen(BORDER, 1))
            p.drawLine(QPointF(col.left(), 0), QPointF(col.left(), col.bottom()))
        p.setPen(QPen(BORDER, 1))
        p.drawLine(QPointF(0, self.HEADER), QPointF(self.width(), self.HEADER))
        # hour lines and labels
        p.setFont(small)
        for h in range(lo, hi + 1):
            y = self._y(datetime(2000, 1, 1, h % 24), lo, hi) if h < 24 else self._column(0).bottom()
            p.setPen(QPen(QColor("#edf0f3"), 1))
            p.drawLine(QPointF(self.GUTTER, y), QPointF(self.width(), y))
            if h < hi:
                p.setPen(MUTED)
                box = QRectF(0, y + 1, self.GUTTER - 8, 16) if h == lo else QRectF(0, y - 8, self.GUTTER - 8, 16)
                p.drawText(box, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), f"{h:02d}:00")
        # sessions, side by side where they overlap
        fm = QFontMetrics(small)
        for i in range(7):
            day = first + timedelta(days=i)
            col = self._column(i)
            for s, lane, lanes in _lanes(self.by_day.get(day, [])):
                top = self._y(s.starts_at, lo, hi)
                end = s.ends_at if s.ends_at.date() == day else datetime.combine(day, datetime.max.time())
                bottom = max(top + fm.height() + 4, self._y(end, lo, hi) if end.hour or end.minute else col.bottom())
                width = (col.width() - 6) / lanes
                rect = QRectF(col.left() + 3 + lane * width, top + 1, width - 2, bottom - top - 2)
                self._block(p, rect, s, small, fm)
                self._hits.append((rect, s))
        if self.hasFocus():
            col = self._column((self.current - first).days)
            p.setPen(QPen(ACCENT, 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(col.left() + 1, 1, col.width() - 2, self.height() - 3))
        p.end()

    def _block(self, p: QPainter, rect: QRectF, s: SessionInfo, font: QFont, fm: QFontMetrics) -> None:
        selected = s.id == self.selected_id
        base = CANCELLED if s.cancelled else activity_colour(s.activity_id)
        fill = QColor(base)
        fill.setAlpha(45 if not selected else 95)
        p.setPen(QPen(base, 1) if selected else Qt.PenStyle.NoPen)
        p.setBrush(fill)
        p.drawRoundedRect(rect, 5, 5)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(base)
        p.drawRoundedRect(QRectF(rect.left(), rect.top(), 4, rect.height()), 2, 2)
        lines = [(f"{s.starts_at:%H:%M}–{s.ends_at:%H:%M}", False), (s.activity_name, True)]
        if s.location:
            lines.append((s.location, False))
        if s.cancelled:
            lines.append(("Cancelled" + (f": {s.note}" if s.note else ""), False))
        elif s.moved and s.original_starts_at:
            lines.append((f"↷ from {s.original_starts_at:%a %H:%M}", False))
        inner = rect.adjusted(8, 3, -3, -2)
        y = inner.top()
        for text, strong in lines:
            if y + fm.height() > inner.bottom() + 1:
                break
            f = QFont(font)
            f.setBold(strong)
            f.setStrikeOut(s.cancelled and strong)
            f.setItalic(s.moved)
            p.setFont(f)
            p.setPen(MUTED if s.cancelled else base.darker(160))
            p.drawText(QRect(int(inner.left()), int(y), int(inner.width()), fm.height()),
                       int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                       elide_text(QFontMetrics(f), text, int(inner.width())))
            y += fm.height()


def _lanes(sessions: list[SessionInfo]) -> list[tuple[SessionInfo, int, int]]:
    """Place overlapping sessions side by side: (session, lane, lanes in its cluster)."""
    out: list[tuple[SessionInfo, int, int]] = []
    cluster: list[tuple[SessionInfo, int]] = []
    lane_ends: list[datetime] = []
    cluster_end: datetime | None = None

    def flush() -> None:
        n = max((lane for _, lane in cluster), default=-1) + 1
        out.extend((s, lane, n) for s, lane in cluster)

    for s in sorted(sessions, key=lambda x: (x.starts_at, x.ends_at)):
        if cluster_end is not None and s.starts_at >= cluster_end:
            flush()
            cluster, lane_ends, cluster_end = [], [], None
        for lane, end in enumerate(lane_ends):
            if end <= s.starts_at:
                lane_ends[lane] = s.ends_at
                break
        else:
            lane = len(lane_ends)
            lane_ends.append(s.ends_at)
        cluster.append((s, lane))
        cluster_end = max(cluster_end or s.ends_at, s.ends_at)
    flush()
    return out

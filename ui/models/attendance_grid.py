"""The term grid: students × sessions over an :class:`AttendanceGrid` snapshot.

The snapshot keeps its cells in compact arrays; ``data()`` reads one array slot and returns
precomputed strings and brushes, so a repaint allocates almost nothing and never queries.
The last row holds the totals (present per session); per-student figures (rate, trailing
absences) are shown by the vertical header (:class:`ui.views.attendance_grid_table.StudentHeader`),
which stays put while the sessions scroll. Sessions that cannot be marked yet (more than 15
minutes ahead, :func:`tracker.domain.attendance.can_mark`) are a suffix of the columns: shown
greyed with a tooltip saying from when they can be marked, and not editable.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPen

from tracker.domain.attendance import MARK_AHEAD, markable_count, opens_at
from tracker.domain.percent import format_percent_against, format_threshold
from tracker.services.attendance import NO_MARK, NOT_APPLICABLE, AttendanceGrid, Mark, StatusInfo

Index = QModelIndex | QPersistentModelIndex

#: the cell's status index (or NO_MARK / NOT_APPLICABLE); -3 on the totals row
CellRole = Qt.ItemDataRole.UserRole + 20
#: the student's rate (float or None) and trailing absences, on the vertical header
RateRole = Qt.ItemDataRole.UserRole + 21
AbsencesRole = Qt.ItemDataRole.UserRole + 22
#: True when the student has left the activity (shown muted)
DroppedRole = Qt.ItemDataRole.UserRole + 23
#: the student's rate as shown next to the activity's minimum ("69.8%"), and whether it is below
RateTextRole = Qt.ItemDataRole.UserRole + 24
BelowMinimumRole = Qt.ItemDataRole.UserRole + 25
TOTALS_CELL = -3

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_CELL = int(CellRole)
_CENTER = Qt.AlignmentFlag.AlignCenter
_NA_BRUSH = QBrush(QColor("#e3e7ec"), Qt.BrushStyle.BDiagPattern)
_NA_FILL = QBrush(QColor("#eef1f4"))
_TOTALS_BRUSH = QBrush(QColor("#f0f3f6"))
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_CELL_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_TOTALS_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren
_MUTED = QBrush(QColor("#8a94a3"))
_FUTURE_FILL = QBrush(QColor("#d5dbe2"), Qt.BrushStyle.BDiagPattern)  # hatched: not held yet
_FUTURE_PAINT: tuple[QBrush | None, QPen | None, str] = (_FUTURE_FILL, None, "")


def tint(colour: str, strength: float = 0.30) -> QColor:
    """The status colour mixed with white: readable dark text stays legible on it."""
    c = QColor(colour if QColor.isValidColorName(colour) else "#888888")
    return QColor(round(255 - (255 - c.red()) * strength), round(255 - (255 - c.green()) * strength),
                  round(255 - (255 - c.blue()) * strength))


def ink(colour: str) -> QColor:
    """A darker shade of the status colour for text on its tint (contrast on white-ish)."""
    c = QColor(colour if QColor.isValidColorName(colour) else "#888888")
    return c.darker(170) if c.lightness() > 110 else c.darker(120)


def session_header(starts_at: Any) -> str:
    return f"{starts_at:%a}\n{starts_at.day} {starts_at:%b}"


def session_headers(sessions: Any) -> list[str]:
    """'Mon / 3 Nov'; on a day with two sessions the time replaces the weekday ('15:30 / 3 Nov')."""
    days: dict[Any, int] = {}
    for s in sessions:
        days[s.starts_at.date()] = days.get(s.starts_at.date(), 0) + 1
    return [f"{s.starts_at:%H:%M}\n{s.starts_at.day} {s.starts_at:%b}" if days[s.starts_at.date()] > 1
            else session_header(s.starts_at) for s in sessions]


class AttendanceGridModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.grid: AttendanceGrid | None = None
        self._rows = 0
        self._cols = 0
        self._codes: tuple[str, ...] = ()
        self._brushes: tuple[QBrush, ...] = ()
        self._inks: tuple[QBrush, ...] = ()
        self._headers: list[str] = []
        self._row_of: dict[int, int] = {}
        self._col_of: dict[int, int] = {}
        self._status_index: dict[int, int] = {}
        self._by_role: dict[int, tuple[Any, ...]] = {}
        self._paint: tuple[tuple[QBrush | None, QPen | None, str], ...] = ()
        self._bold = QFont()
        self._bold.setBold(True)
        self._open = 0  # the first columns that can be marked now; later ones are future sessions

    # ------------------------------------------------------------------ snapshot
    def set_grid(self, grid: AttendanceGrid) -> None:
        """Swap the snapshot. Same students and sessions: cells change in place (selection and
        scroll position stay); otherwise the model resets."""
        same = (self.grid is not None
                and [s.id for s in self.grid.students] == [s.id for s in grid.students]
                and [s.id for s in self.grid.sessions] == [s.id for s in grid.sessions])
        if not same:
            self.beginResetModel()
        self.grid = grid
        self._rows = len(grid.students)
        self._cols = len(grid.sessions)
        self._set_statuses(grid.statuses)
        self._headers = session_headers(grid.sessions)
        self._row_of = {s.id: i for i, s in enumerate(grid.students)}
        self._col_of = {s.id: i for i, s in enumerate(grid.sessions)}
        self._open = markable_count([s.starts_at for s in grid.sessions], datetime.now())
        if not same:
            self.endResetModel()
        elif self._rows and self._cols:
            self.dataChanged.emit(self.index(0, 0), self.index(self._rows, self._cols - 1))
            self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, self._rows)

    def _set_statuses(self, statuses: tuple[StatusInfo, ...]) -> None:
        self._codes = tuple(s.code for s in statuses)
        self._brushes = tuple(QBrush(tint(s.colour)) for s in statuses)
        self._inks = tuple(QBrush(ink(s.colour)) for s in statuses)
        self._status_index = {s.id: i for i, s in enumerate(statuses)}
        # per role, what a cell shows for each value: [NOT_APPLICABLE, NO_MARK, status 0, 1, …]
        pens = tuple(QPen(ink(s.colour)) for s in statuses)
        self._paint = ((_NA_FILL, None, ""), (None, None, ""),
                       *zip(self._brushes, pens, self._codes, strict=True))
        self._by_role = {
            _DISPLAY: ("", "", *self._codes),
            _BACKGROUND: (_NA_FILL, None, *self._brushes),
            _FOREGROUND: (_MUTED, _MUTED, *self._inks),
            _ALIGN: (_CENTER,) * (len(statuses) + 2),
            _FONT: (None,) * (len(statuses) + 2),
        }

    @property
    def statuses(self) -> tuple[StatusInfo, ...]:
        return self.grid.statuses if self.grid else ()

    def student_rows(self) -> int:
        return self._rows

    def is_totals(self, row: int) -> bool:
        return row == self._rows

    def row_of(self, student_id: int) -> int:
        return self._row_of.get(student_id, -1)

    def col_of(self, session_id: int) -> int:
        return self._col_of.get(session_id, -1)

    def cell(self, row: int, col: int) -> int:
        assert self.grid is not None
        return self.grid.cells[row * self._cols + col]

    def version(self, row: int, col: int) -> int | None:
        assert self.grid is not None
        return self.grid.versions[row * self._cols + col] or None

    def status_id(self, row: int, col: int) -> int | None:
        value = self.cell(row, col)
        return self.grid.statuses[value].id if value >= 0 and self.grid else None

    def status_index(self, status_id: int | None) -> int:
        return NO_MARK if status_id is None else self._status_index.get(status_id, NO_MARK)

    def editable(self, row: int, col: int) -> bool:
        return 0 <= row < self._rows and 0 <= col < self._open and self.cell(row, col) != NOT_APPLICABLE

    def is_future(self, col: int) -> bool:
        """Whether the session of a column cannot be marked yet."""
        return self._open <= col < self._cols

    def next_opening(self) -> datetime | None:
        """When the first session that cannot be marked yet becomes markable."""
        if self.grid is None or self._open >= self._cols:
            return None
        return opens_at(self.grid.sessions[self._open].starts_at)

    def update_markable(self, now: datetime) -> None:
        """Sessions that have become markable since the snapshot was shown: repaint their columns."""
        if self.grid is None:
            return
        opened = markable_count([s.starts_at for s in self.grid.sessions], now)
        if opened == self._open:
            return
        first, last = sorted((self._open, opened))
        self._open = opened
        self.dataChanged.emit(self.index(0, first), self.index(self._rows, last - 1))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, first, last - 1)

    def set_cell(self, row: int, col: int, status_id: int | None) -> None:
        """Show a status at once (the write follows); versions change only with stored marks."""
        assert self.grid is not None
        self.grid.cells[row * self._cols + col] = self.status_index(status_id)
        index = self.index(row, col)
        self.dataChanged.emit(index, index)

    def apply_marks(self, marks: list[Mark]) -> list[tuple[int, int]]:
        """Put stored marks into the snapshot; dataChanged for those cells only."""
        g = self.grid
        if g is None:
            return []
        done = []
        for m in marks:
            row, col = self._row_of.get(m.student_id, -1), self._col_of.get(m.session_id, -1)
            if row < 0 or col < 0:
                continue
            i = row * self._cols + col
            g.cells[i] = self.status_index(m.status_id)
            g.versions[i] = m.version or 0
            g.participation[i] = m.participation or 0
            index = self.index(row, col)
            self.dataChanged.emit(index, index)
            done.append((row, col))
        return done

    # ------------------------------------------------------------------ Qt model API
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.grid is None else self._rows + 1

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._cols

    def paint_info(self, row: int, col: int) -> tuple[QBrush | None, QPen | None, str]:
        """(background, text colour, text) of a cell, for the grid's delegate."""
        if row >= self._rows:
            counts = self.grid.present_per_session if self.grid else []
            return _TOTALS_BRUSH, None, (str(counts[col]) if 0 <= col < len(counts) else "")
        assert self.grid is not None
        value = self.grid.cells[row * self._cols + col]
        if value == NO_MARK and col >= self._open:
            return _FUTURE_PAINT
        return self._paint[value + 2]

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return _NO_FLAGS
        return _CELL_FLAGS if index.row() < self._rows else _TOTALS_FLAGS

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        """One dict lookup by role, one array read, one tuple read: repaints stay cheap."""
        table = self._by_role.get(role)
        if table is None:
            if role == _TOOLTIP or role == _CELL:
                return self._rare(index, role)
            return None
        row = index.row()
        if row < 0 or self.grid is None:
            return None
        col = index.column()
        if row >= self._rows:
            return self._totals(col, role)
        value = self.grid.cells[row * self._cols + col]
        if role == _BACKGROUND and value == NO_MARK and col >= self._open:
            return _FUTURE_FILL
        return table[value + 2]

    def _rare(self, index: Index, role: int) -> Any:
        g = self.grid
        row, col = index.row(), index.column()
        if g is None or not (0 <= col < self._cols and 0 <= row <= self._rows):
            return None
        if row == self._rows:
            if role == _CELL:
                return TOTALS_CELL
            counts = g.present_per_session
            n = counts[col] if col < len(counts) else 0
            return f"{n} present on {self._headers[col].replace(chr(10), ' ')}"
        value = g.cells[row * self._cols + col]
        return value if role == _CELL else self._tooltip(row, col, value)

    def _totals(self, col: int, role: int) -> Any:
        if role == _DISPLAY:
            counts = self.grid.present_per_session if self.grid else []
            return str(counts[col]) if 0 <= col < len(counts) else ""
        if role == _BACKGROUND:
            return _TOTALS_BRUSH
        if role == _ALIGN:
            return _CENTER
        if role == _FONT:
            return self._bold
        return None

    def _tooltip(self, row: int, col: int, value: int) -> str:
        g = self.grid
        assert g is not None
        student = g.students[row].name
        when = self._headers[col].replace("\n", " ")
        if value == NOT_APPLICABLE:
            session = g.sessions[col]
            why = "cancelled" if session.cancelled else "not enrolled then"
            return f"{student} · {when}: {why} (does not count)"
        if value < 0:
            if col >= self._open:
                return f"{student} · {when}: {self._not_yet(col)}"
            return f"{student} · {when}: not marked"
        parts = [f"{student} · {when}: {g.statuses[value].label}"]
        p = g.participation[row * self._cols + col]
        if p:
            parts.append(f"participation {p}/5")
        return ", ".join(parts)

    def _not_yet(self, col: int) -> str:
        assert self.grid is not None
        start = self.grid.sessions[col].starts_at
        minutes = int(MARK_AHEAD.total_seconds() // 60)
        return f"not held yet — can be marked from {minutes} minutes before it starts ({opens_at(start):%H:%M})"

    def rate_text(self, row: int) -> str:
        """The student's rate as shown next to the activity's minimum (never contradicting it)."""
        g = self.grid
        rate = g.rates[row] if g is not None and row < len(g.rates) else None
        return "—" if g is None or rate is None else format_percent_against(rate, g.min_attendance)

    def below_minimum(self, row: int) -> bool:
        g = self.grid
        rate = g.rates[row] if g is not None and row < len(g.rates) else None
        return g is not None and rate is not None and rate < g.min_attendance

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = _DISPLAY) -> Any:
        g = self.grid
        if g is None:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < self._cols:
                return None
            if role == _DISPLAY:
                return self._headers[section]
            if role == _TOOLTIP:
                session = g.sessions[section]
                start = session.starts_at
                text = f"{start:%A} {start.day} {start:%B %Y}, {start:%H:%M}"
                if session.cancelled:
                    text += " (cancelled)"
                elif section >= self._open:
                    text += f": {self._not_yet(section)}"
                return text
            if role == _FOREGROUND and (g.sessions[section].cancelled or section >= self._open):
                return _MUTED
            return None
        if not 0 <= section <= self._rows:
            return None
        if section == self._rows:
            if role == _DISPLAY:
                return "Present (total)"
            if role == _FONT:
                return self._bold
            return None
        if role == _DISPLAY:
            return g.students[section].name
        if role == RateRole:
            return g.rates[section] if section < len(g.rates) else None
        if role == RateTextRole:
            return self.rate_text(section)
        if role == BelowMinimumRole:
            return self.below_minimum(section)
        if role == DroppedRole:
            return g.students[section].status == "dropped"
        if role == AbsencesRole:
            return g.consecutive_absences[section] if section < len(g.consecutive_absences) else 0
        if role == _TOOLTIP:
            s = g.students[section]
            bits = [s.name]
            if s.status == "dropped":
                bits.append(f"left on {s.dropped_on:%d %b %Y}" if s.dropped_on else "left the activity")
            if s.class_name:
                bits.append(f"class {s.class_name}")
            rate = g.rates[section] if section < len(g.rates) else None
            if rate is None:
                bits.append("no sessions counted yet")
            else:
                minimum = format_threshold(g.min_attendance)
                bits.append(f"attendance {self.rate_text(section)}, below the minimum of {minimum}"
                            if self.below_minimum(section) else
                            f"attendance {self.rate_text(section)} (minimum {minimum})")
            streak = g.consecutive_absences[section] if section < len(g.consecutive_absences) else 0
            if streak:
                bits.append(f"absent the last {streak} session{'s' if streak != 1 else ''} in a row")
            return " · ".join(bits)
        return None

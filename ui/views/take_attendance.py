"""Take attendance for one session, keyboard first.

One row per enrolled student, big names, the status as a coloured pill with its label.
Keys (shown in the hint bar): a status code (P, L, E, A… whatever the statuses are) marks the
current student and moves to the next; ↑/↓ move; Space cycles the status; Ctrl+Enter marks
everyone not yet marked Present (never overwrites); 1–5 set participation (an unmarked
student is marked Present with it); Enter or F2 edits the remark (Esc cancels).
Every mark is saved as it is made; the status line says "Saving…" / "All changes saved".
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QKeyEvent, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tracker.services.attendance import AttendanceSheet, Mark, MarkChange, SessionRef, StatusInfo
from tracker.services.settings import SettingsService
from ui.context import AppContext
from ui.documents import Delivery, Document, produce
from ui.models.attendance_grid import ink, tint
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.attendance_writer import MarkWriter, status_labels
from ui.widgets import EmptyState
from ui.widgets.delegates import _background
from ui.widgets.style import set_style_flag, when

Index = QModelIndex | QPersistentModelIndex
StatusRole = Qt.ItemDataRole.UserRole + 30
NAME_POINT_SIZE = 15.0


def session_text(s: SessionRef) -> str:
    text = when(s.starts_at) + f"–{s.ends_at:%H:%M}"
    if s.cancelled:
        text += " (cancelled)"
    return text


def pdf_reports_available() -> bool:
    return importlib.util.find_spec("tracker.reports.attendance_pdf") is not None


def school_name(settings: SettingsService) -> str:
    """The school's name for paper (read off the GUI thread, with the document)."""
    try:
        return settings.get().school_name
    except Exception:  # noqa: BLE001 - a name on paper is not worth failing for
        return ""


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
        self._muted = QColor("#5f6b7a")

    def set_sheet(self, sheet: AttendanceSheet) -> None:
        self.beginResetModel()
        self.sheet = sheet
        self.marks = dict(sheet.marks)
        self._status = {s.id: s for s in sheet.statuses}
        self.endResetModel()

    def student_id(self, row: int) -> int:
        assert self.sheet is not None
        return self.sheet.students[row].id

    def mark(self, row: int) -> Mark | None:
        return self.marks.get(self.student_id(row))

    def status_of(self, row: int) -> StatusInfo | None:
        m = self.mark(row)
        return self._status.get(m.status_id) if m and m.status_id is not None else None

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
        if index.column() == self.REMARK:
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
                return st.label if st else "Not marked"
            if col == self.PARTICIPATION:
                return f"{m.participation} / 5" if m and m.participation else ""
            if col == self.REMARK:
                return m.remark if m else ""
        if role == StatusRole and col == self.STATUS:
            return self.status_of(row)
        if role == Qt.ItemDataRole.FontRole and col == self.NAME:
            return self._font
        if role == Qt.ItemDataRole.ForegroundRole and col in (self.NUMBER, self.REMARK):
            return self._muted
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (self.NUMBER, self.PARTICIPATION):
            return Qt.AlignmentFlag.AlignCenter
        if role == Qt.ItemDataRole.ToolTipRole and col == self.NAME:
            bits = [student.name]
            if student.class_name:
                bits.append(f"class {student.class_name}")
            if m and m.recorded_by:
                bits.append(f"marked by {m.recorded_by}")
            return " · ".join(bits)
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
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, label)
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


class SheetTable(QTableView):
    """The table of students; keys go to the screen first (see TakeAttendanceView.handle_key)."""

    key_pressed = Signal(object)  # QKeyEvent; the handler sets accepted

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if self.state() == QAbstractItemView.State.EditingState:
            super().keyPressEvent(event)
            return
        event.setAccepted(False)
        self.key_pressed.emit(event)
        if not event.isAccepted():
            super().keyPressEvent(event)


class TakeAttendanceView(QWidget):
    """Take attendance for a session of an activity (today's or the latest, unless given)."""

    #: the sheet shown changed (loaded, or another session chosen)
    loaded = Signal()

    def __init__(self, ctx: AppContext, activity_id: int, session_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.activity_id = activity_id
        self.session_id = session_id
        self.sheet: AttendanceSheet | None = None
        self.sessions: list[SessionRef] = []
        self._codes: dict[str, StatusInfo] = {}
        self._statuses: list[StatusInfo] = []
        self._stored: dict[int, Mark] = {}  # as last stored: the versions writes expect
        self._pending: dict[int, int] = {}  # student id -> writes not yet stored
        self.reloader = Reloader(ctx, self._load, self._loaded, self._load_failed, label="Loading attendance")
        self.writer = MarkWriter(ctx, self)
        self.writer.state_changed.connect(self._show_state)
        self.writer.saved.connect(self._saved)
        self.writer.failed.connect(lambda _e: self.reload())

        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        outer.setSpacing(8)
        head = QHBoxLayout()
        self.title = QLabel("Take attendance")
        set_style_flag(self.title, "heading", "1")
        head.addWidget(self.title)
        head.addStretch(1)
        self.session_box = QComboBox()
        self.session_box.setAccessibleName("Session")
        self.session_box.setMinimumWidth(230)
        self.session_box.setToolTip("The session to take attendance for")
        self.session_box.activated.connect(self._session_chosen)
        head.addWidget(QLabel("Session"))
        head.addWidget(self.session_box)
        outer.addLayout(head)

        bar = QHBoxLayout()
        self.summary = QLabel("")
        set_style_flag(self.summary, "muted")
        bar.addWidget(self.summary, 1)
        self.rest_button = QPushButton("Mark the rest Present  (Ctrl+Enter)")
        set_style_flag(self.rest_button, "primary")
        self.rest_button.setToolTip("Everyone not marked yet becomes Present; marks already made stay")
        self.rest_button.clicked.connect(self.mark_rest_present)
        self.rest_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        bar.addWidget(self.rest_button)
        self.sign_in_button = self.register_button = self.print_button = None
        if pdf_reports_available():
            self.sign_in_button = QPushButton("Sign-in sheet PDF…")
            self.sign_in_button.setToolTip("Save a printable sign-in sheet for this session and open it")
            self.sign_in_button.clicked.connect(self.save_sign_in_sheet)
            self.register_button = QPushButton("Register…")
            self.register_button.setToolTip("The attendance register for a date range: save as PDF or print")
            self.register_button.clicked.connect(self.save_register)
            self.print_button = QPushButton("Print…")
            self.print_button.setToolTip("Choose a printer and print this session's sign-in sheet")
            self.print_button.clicked.connect(self.print_sign_in_sheet)
            for b in (self.sign_in_button, self.register_button, self.print_button):
                b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                bar.addWidget(b)
        outer.addLayout(bar)

        self.model = SheetModel(self)
        self.model.remark_edited.connect(self._remark_edited)
        self.table = SheetTable()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Students")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        vh = self.table.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(46)
        hh = self.table.horizontalHeader()
        hh.setHighlightSections(False)
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for col, width in ((SheetModel.NUMBER, 44), (SheetModel.NAME, 280), (SheetModel.STATUS, 170),
                           (SheetModel.PARTICIPATION, 130)):
            hh.resizeSection(col, width)
        hh.setStretchLastSection(True)
        self.table.setItemDelegateForColumn(SheetModel.STATUS, StatusCellDelegate(self.table))
        self.table.setItemDelegateForColumn(SheetModel.PARTICIPATION, ParticipationDelegate(self.table))
        self.table.key_pressed.connect(self.handle_key)
        self.table.doubleClicked.connect(self._double_clicked)
        self.empty = EmptyState("Loading…", "")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        self.stack.setCurrentWidget(self.empty)
        outer.addWidget(self.stack, 1)

        self.hint = QLabel("")
        self.hint.setObjectName("attendanceHint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("QLabel#attendanceHint { background: #eef2f6; border-radius: 6px;"
                                " padding: 6px 10px; color: #3e4c59; }")
        outer.addWidget(self.hint)
        self.status_line = QLabel("")
        self.status_line.setAccessibleName("Save status")
        outer.addWidget(self.status_line)
        self._show_state("Every mark is saved as you make it", "idle")

        rest = QShortcut(QKeySequence("Ctrl+Return"), self)
        rest.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        rest.activated.connect(self.mark_rest_present)
        rest2 = QShortcut(QKeySequence("Ctrl+Enter"), self)
        rest2.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        rest2.activated.connect(self.mark_rest_present)
        self.reload()

    # ------------------------------------------------------------------ loading
    def reload(self) -> None:
        """Read the sessions and the chosen (or current) session's sheet in the background."""
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], tuple[list[SessionRef], AttendanceSheet | None]]:
        service, actor, aid, sid = self.ctx.services.attendance, self.ctx.user, self.activity_id, self.session_id

        def load(_state: TaskState) -> tuple[list[SessionRef], AttendanceSheet | None]:
            sessions = service.sessions(actor, aid)
            chosen = sid
            if chosen is None:
                current = service.current_session(actor, aid)
                chosen = current.id if current else None
            return sessions, (service.sheet(actor, chosen) if chosen is not None else None)

        return load

    def _load_failed(self, exc: BaseException) -> None:
        self.empty.set_text("Attendance could not be loaded", str(exc))
        self.stack.setCurrentWidget(self.empty)

    def _loaded(self, result: tuple[list[SessionRef], AttendanceSheet | None]) -> None:
        sessions, sheet = result
        self.sessions = sessions
        self.session_box.blockSignals(True)
        self.session_box.clear()
        for s in sessions:
            self.session_box.addItem(session_text(s), s.id)
        self.session_box.blockSignals(False)
        if sheet is None:
            self.empty.set_text("No session to take attendance for",
                                "Add a weekly schedule or a session on the Schedule tab first.")
            self.stack.setCurrentWidget(self.empty)
            self.rest_button.setEnabled(False)
            return
        self.show_sheet(sheet)

    def show_sheet(self, sheet: AttendanceSheet) -> None:
        """Show a sheet (also used by tests and screenshots with a hand-built sheet)."""
        keep_row = self.table.currentIndex().row() if self.sheet and self.sheet.session.id == sheet.session.id else 0
        self.sheet = sheet
        self.session_id = sheet.session.id
        self._stored = dict(sheet.marks)
        self._pending = {}
        self._statuses = sorted((s for s in sheet.statuses if s.active), key=lambda s: s.sort_order)
        self._codes = {s.code.upper(): s for s in self._statuses}
        self.writer.status_labels = status_labels(sheet.statuses)
        self.writer.student_names = {s.id: s.name for s in sheet.students}
        self.model.set_sheet(sheet)
        i = self.session_box.findData(sheet.session.id)
        if i < 0:
            self.session_box.addItem(session_text(sheet.session), sheet.session.id)
            i = self.session_box.count() - 1
        self.session_box.setCurrentIndex(i)
        self.title.setText(sheet.activity_name)
        self.rest_button.setEnabled(not sheet.session.cancelled and bool(sheet.students))
        keys = "  ·  ".join(f"<b>{s.code}</b> {s.label}" for s in self._statuses)
        self.hint.setText(
            f"{keys} — mark and go to the next &nbsp;|&nbsp; <b>↑ ↓</b> move &nbsp;|&nbsp; "
            "<b>Space</b> next status &nbsp;|&nbsp; <b>1–5</b> participation &nbsp;|&nbsp; "
            "<b>Enter</b> remark (Esc cancels) &nbsp;|&nbsp; <b>Ctrl+Enter</b> the rest Present")
        if not sheet.students:
            self.empty.set_text("Nobody is enrolled on this day",
                                "Students enrolled in the activity on the session's day appear here.")
            self.stack.setCurrentWidget(self.empty)
        else:
            self.stack.setCurrentWidget(self.table)
            row = min(max(keep_row, 0), len(sheet.students) - 1)
            self.table.setCurrentIndex(self.model.index(row, SheetModel.NAME))
            self.table.setFocus()
        self._update_summary()
        self.loaded.emit()

    def _session_chosen(self, i: int) -> None:
        sid = self.session_box.itemData(i)
        if sid is not None and sid != self.session_id:
            self.session_id = sid
            self.reload()

    # ------------------------------------------------------------------ keys
    def current_row(self) -> int:
        row = self.table.currentIndex().row()
        return row if row >= 0 else 0

    def _go(self, row: int) -> None:
        n = self.model.rowCount()
        if n:
            row = max(0, min(n - 1, row))
            self.table.setCurrentIndex(self.model.index(row, SheetModel.NAME))

    def handle_key(self, event: QKeyEvent) -> None:
        if self.sheet is None or not self.sheet.students:
            return
        key, mods, text = event.key(), event.modifiers(), event.text()
        plain = not (mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                             | Qt.KeyboardModifier.MetaModifier))
        row = self.current_row()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and mods & Qt.KeyboardModifier.ControlModifier:
            self.mark_rest_present()
        elif plain and text and text.upper() in self._codes:
            self.mark(row, self._codes[text.upper()])
            self._go(row + 1)
        elif plain and text in ("1", "2", "3", "4", "5"):
            self.set_participation(row, int(text))
        elif key == Qt.Key.Key_Space and plain:
            self.cycle(row)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2) and plain:
            self.edit_remark(row)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Tab):
            pass  # the row is the unit here: keep the cursor on the name
        else:
            return
        event.accept()

    def _double_clicked(self, index: QModelIndex) -> None:
        """For the mouse: a double-click on the status cycles it; on the remark edits it."""
        if index.column() == SheetModel.STATUS:
            self.cycle(index.row())
        elif index.column() == SheetModel.REMARK:
            self.edit_remark(index.row())

    # ------------------------------------------------------------------ writes
    def _writable(self) -> bool:
        if self.sheet is None:
            return False
        if self.sheet.session.cancelled:
            self._show_state("This session is cancelled: nothing to mark", "error")
            return False
        return True

    def _change(self, row: int, status_id: int | None, participation: int | None = None,
                remark: str | None = None) -> None:
        assert self.sheet is not None
        session_id, student_id = self.sheet.session.id, self.model.student_id(row)
        self.model.show_pending(row, status_id, participation, remark)
        self._update_summary()

        self._pending[student_id] = self._pending.get(student_id, 0) + 1

        def build() -> list[MarkChange]:
            stored = self._stored.get(student_id)
            return [MarkChange(session_id, student_id, status_id,
                               expected_version=stored.version if stored else None,
                               participation=participation, remark=remark)]

        def stored(_marks: list[Mark]) -> None:
            left = self._pending.get(student_id, 1) - 1
            if left > 0:
                self._pending[student_id] = left
            else:
                self._pending.pop(student_id, None)

        self.writer.submit(build, stored)

    def mark(self, row: int, status: StatusInfo) -> None:
        if self._writable():
            self._change(row, status.id)

    def cycle(self, row: int) -> None:
        if not self._writable() or not self._statuses:
            return
        current = self.model.status_of(row)
        ids = [s.id for s in self._statuses]
        nxt = self._statuses[(ids.index(current.id) + 1) % len(ids)] if current and current.id in ids \
            else self._statuses[0]
        self._change(row, nxt.id)

    def _present_status(self) -> StatusInfo | None:
        return next((s for s in self._statuses if s.counts_as_present and s.counts_in_rate), None)

    def set_participation(self, row: int, value: int) -> None:
        if not self._writable():
            return
        st = self.model.status_of(row)
        if st is None:
            st = self._present_status()
            if st is None:
                return
        self._change(row, st.id, participation=value)

    def edit_remark(self, row: int) -> None:
        if self._writable():
            index = self.model.index(row, SheetModel.REMARK)
            self.table.setCurrentIndex(index)
            self.table.edit(index)

    def _remark_edited(self, row: int, text: str) -> None:
        st = self.model.status_of(row) or self._present_status()
        if st is not None and self._writable():
            self._change(row, st.id, remark=text)
        self.table.setCurrentIndex(self.model.index(row, SheetModel.NAME))
        self.table.setFocus()

    def mark_rest_present(self) -> None:
        if not self._writable() or self._present_status() is None:
            return
        assert self.sheet is not None
        present = self._present_status()
        assert present is not None
        for row in range(self.model.rowCount()):
            if self.model.status_of(row) is None:
                self.model.show_pending(row, present.id)
        self._update_summary()
        self.writer.submit(lambda: [], rest_present=self.sheet.session.id)

    def _saved(self, marks: list[Mark]) -> None:
        if self.sheet is None:
            return
        mine = [m for m in marks if m.session_id == self.sheet.session.id]
        for m in mine:
            self._stored[m.student_id] = m
        # a mark made after this batch stays shown until it is stored too
        self.model.update_marks([m for m in mine if not self._pending.get(m.student_id)])
        self._update_summary()

    def _show_state(self, text: str, kind: str) -> None:
        colour = {"saving": "#5f6b7a", "saved": "#007a5a", "error": "#c0392b"}.get(kind, "#5f6b7a")
        mark = {"saved": "✓ ", "error": "⚠ "}.get(kind, "")
        self.status_line.setText(mark + text)
        self.status_line.setStyleSheet(f"color: {colour}; font-weight: 600;")
        self.status_line.setProperty("state", kind)

    def _update_summary(self) -> None:
        if self.sheet is None:
            return
        counts = self.model.counts()
        parts = [f"{counts.get(s.id, 0)} {s.label.lower()}" for s in self._statuses if counts.get(s.id)]
        left = counts.get(None, 0)
        self.rest_button.setEnabled(bool(left) and not self.sheet.session.cancelled)
        parts.append(f"{left} not marked" if left else "everyone marked")
        self.summary.setText(f"{len(self.sheet.students)} students · " + ", ".join(parts))

    # ------------------------------------------------------------------ paper
    def save_sign_in_sheet(self) -> None:
        """Save this session's sign-in sheet as a PDF where the user says, then open it."""
        self._sign_in_sheet(Delivery.SAVE)

    def print_sign_in_sheet(self) -> None:
        """Write this session's sign-in sheet in the background, then pick a printer."""
        self._sign_in_sheet(Delivery.PRINT)

    def _sign_in_sheet(self, delivery: Delivery) -> None:
        if self.sheet is None:
            return
        sheet, settings = self.sheet, self.ctx.services.settings

        def write(_state: TaskState, path: Path) -> None:
            from tracker.reports.attendance_pdf import sign_in_sheet

            sign_in_sheet(sheet, school_name(settings), path)

        stem = f"sign-in {sheet.activity_name} {sheet.session.starts_at:%Y-%m-%d}"
        self._deliver(Document("Sign-in sheet", f"{stem}.pdf", write), delivery)

    def save_register(self) -> None:
        """Ask for the date range, then save (and open) or print the register."""
        if self.sheet is None:
            return
        from datetime import datetime

        from ui.dialogs.register_dialog import RegisterRangeDialog

        now = datetime.now()
        dates = [self.sheet.session.starts_at.date()] + [
            s.starts_at.date() for s in self.sessions if not s.cancelled and s.starts_at <= now]
        dialog = RegisterRangeDialog(min(dates), max(dates), self)  # default: the term so far
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        start, end = dialog.range()
        service, settings, actor, aid = (self.ctx.services.attendance, self.ctx.services.settings, self.ctx.user,
                                         self.activity_id)

        def write(_state: TaskState, path: Path) -> None:
            from tracker.reports.attendance_pdf import attendance_register

            attendance_register(service.grid(actor, aid), school_name(settings), path, start, end)

        stem = f"register {self.sheet.activity_name} {start:%Y-%m-%d} to {end:%Y-%m-%d}"
        self._deliver(Document("Attendance register", f"{stem}.pdf", write),
                      Delivery.PRINT if dialog.choice == RegisterRangeDialog.PRINT else Delivery.SAVE)

    def _deliver(self, document: Document, delivery: Delivery) -> None:
        produce(self, self.ctx, document, delivery, done=lambda text: self._show_state(text, "saved"))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(940, 680)


class TakeAttendanceDialog(QDialog):
    """The take-attendance screen in its own window (from the dashboard and the grid)."""

    def __init__(self, ctx: AppContext, activity_id: int, session_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Take attendance")
        self.setSizeGripEnabled(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.view = TakeAttendanceView(ctx, activity_id, session_id, self)
        lay.addWidget(self.view)
        close = QPushButton("Done")
        close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.setContentsMargins(16, 0, 16, 12)
        row.addStretch(1)
        row.addWidget(close)
        lay.addLayout(row)
        self.resize(960, 720)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        # Enter belongs to the remark editor, not to the dialog's default button
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)


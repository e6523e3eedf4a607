"""The term at a glance: students × sessions, edited in place with the keyboard.

Keys: a status code marks the selected cell(s) and moves down; Delete clears; Ctrl+C copies the
selection as tab-separated codes; Ctrl+V pastes tab-separated codes or labels (validated by
``tracker.services.attendance.parse_paste``: a wrong value refuses the whole paste);
Ctrl+Z / Ctrl+Shift+Z undo and redo every edit, bulk ones included (an undo writes the
previous values back through the service). The student column (the vertical header: name,
rate, trailing absences) stays put while the sessions scroll. Rates and totals come from the
service: the grid is re-read in the background once the writes have settled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPen,
    QResizeEvent,
    QShowEvent,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import ChangeKind, Changes
from tracker.domain.policy import Permission
from tracker.errors import ValidationError
from tracker.services.attendance import AttendanceGrid, Mark, MarkChange, parse_paste
from ui.context import AppContext
from ui.models.attendance_grid import AbsencesRole, AttendanceGridModel, DroppedRole, RateRole
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.attendance_writer import MarkWriter, status_labels
from ui.views.base import Refreshing
from ui.widgets import EmptyState
from ui.widgets.style import set_style_flag

ROW_HEIGHT = 26
COLUMN_WIDTH = 64
NAME_WIDTH = 250
HEADER_HEIGHT = 46
_SELECTED = QStyle.StateFlag.State_Selected
_FOCUS = QStyle.StateFlag.State_HasFocus
_CENTER = Qt.AlignmentFlag.AlignCenter


@dataclass(frozen=True)
class CellEdit:
    """One cell before and after an edit (status ids; None = no record)."""

    row: int
    col: int
    before: int | None
    after: int | None


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
        rate = model.headerData(section, Qt.Orientation.Vertical, RateRole)
        streak = model.headerData(section, Qt.Orientation.Vertical, AbsencesRole) or 0
        text_rect = rect.adjusted(10, 0, -96, 0)
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
            rate_rect = rect.adjusted(rect.width() - 92, 0, -44, 0)
            painter.setPen(self._risk if rate is not None and rate < 80 else self._muted)
            painter.drawText(rate_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                             "—" if rate is None else f"{rate:.0f}%")
            if streak:
                badge = rect.adjusted(rect.width() - 38, 5, -8, -5)
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


class GridTable(QTableView):
    key_pressed = Signal(object)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        event.setAccepted(False)
        self.key_pressed.emit(event)
        if not event.isAccepted():
            super().keyPressEvent(event)


class MarkCommand(QUndoCommand):
    """A grid edit (one cell or many): redo writes ``after``, undo writes ``before``."""

    def __init__(self, view: AttendanceGridView, edits: list[CellEdit], text: str) -> None:
        super().__init__(text)
        self.view = view
        self.edits = edits

    def redo(self) -> None:
        self.view.write_cells([(e.row, e.col, e.after) for e in self.edits])

    def undo(self) -> None:
        self.view.write_cells([(e.row, e.col, e.before) for e in self.edits])


class AttendanceGridView(Refreshing):
    """The Attendance tab of an activity: the term grid with its toolbar. It is read when first
    shown (a big term need not load behind the roster) and re-read once writes, here or
    elsewhere, have settled."""

    watches = frozenset({ChangeKind.ENROLLMENT, ChangeKind.SESSION, ChangeKind.ATTENDANCE, ChangeKind.SETTING})

    #: "Take attendance" pressed (the activity page opens the screen)
    take_attendance = Signal()

    def __init__(self, ctx: AppContext, activity_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.activity_id = activity_id
        self.grid: AttendanceGrid | None = None
        self._scroll_to_column: int | None = None
        self._writes = 0  # batches stored by this view (a read older than a write is dropped)
        self._read_at_write = 0
        self.reloader = Reloader(ctx, self._load, self._loaded, self._failed, label="Loading the attendance grid")
        self.undo_stack = QUndoStack(self)
        self.writer = MarkWriter(ctx, self)
        self.writer.state_changed.connect(self._show_state)
        self.writer.saved.connect(self._saved)
        self.writer.failed.connect(self._write_failed)
        self._settle_timer = QTimer(self)
        self._settle_timer.setSingleShot(True)
        self._settle_timer.setInterval(600)
        self._settle_timer.timeout.connect(self._reload_when_settled)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 10, 12, 10)
        outer.setSpacing(8)
        bar = QHBoxLayout()
        self.take_button = QPushButton("Take attendance…")
        set_style_flag(self.take_button, "primary")
        self.take_button.setToolTip("Mark today's session student by student (Ctrl+T)")
        self.take_button.clicked.connect(self.take_attendance.emit)
        bar.addWidget(self.take_button)
        self.undo_button = QPushButton("Undo")
        self.redo_button = QPushButton("Redo")
        self.undo_button.clicked.connect(self.undo_stack.undo)
        self.redo_button.clicked.connect(self.undo_stack.redo)
        self.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_stack.undoTextChanged.connect(lambda t: self.undo_button.setToolTip(f"Undo {t} (Ctrl+Z)"))
        self.undo_stack.redoTextChanged.connect(lambda t: self.redo_button.setToolTip(f"Redo {t} (Ctrl+Shift+Z)"))
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        for b in (self.undo_button, self.redo_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            bar.addWidget(b)
        self.statuses_button: QPushButton | None = None
        if ctx.can(Permission.MANAGE_SETTINGS):
            self.statuses_button = QPushButton("Statuses…")
            self.statuses_button.setToolTip("Attendance statuses: codes, labels, colours, what counts")
            self.statuses_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.statuses_button.clicked.connect(self.edit_statuses)
            bar.addWidget(self.statuses_button)
        bar.addStretch(1)
        self.legend = QLabel("")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        bar.addWidget(self.legend)
        outer.addLayout(bar)

        self.model = AttendanceGridModel(self)
        self.table = GridTable()
        self.table.setVerticalHeader(StudentHeader(self.table))
        self.table.setHorizontalHeader(SessionHeader(self.table))
        self.table.setItemDelegate(CellDelegate(self.model, self.table))
        self.table.setModel(self.model)
        self.table.setAccessibleName("Attendance grid")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setCornerButtonEnabled(False)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.key_pressed.connect(self.handle_key)
        self.empty = EmptyState("Loading…", "")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        self.stack.setCurrentWidget(self.empty)
        outer.addWidget(self.stack, 1)

        foot = QHBoxLayout()
        self.hint = QLabel("")
        set_style_flag(self.hint, "muted")
        self.hint.setTextFormat(Qt.TextFormat.RichText)
        self.hint.setWordWrap(True)
        foot.addWidget(self.hint, 1)
        self.status_line = QLabel("")
        self.status_line.setAccessibleName("Save status")
        foot.addWidget(self.status_line)
        outer.addLayout(foot)

        def act(text: str, keys: QKeySequence | str | list[QKeySequence], slot: Callable[[], object]) -> QAction:
            a = QAction(text, self)
            a.setShortcuts(keys if isinstance(keys, list) else [QKeySequence(keys)])
            a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            a.triggered.connect(slot)
            self.addAction(a)
            return a

        self.copy_action = act("Copy", QKeySequence(QKeySequence.StandardKey.Copy), self.copy_selection)
        self.paste_action = act("Paste", QKeySequence(QKeySequence.StandardKey.Paste), lambda: self.paste())
        self.undo_action = act("Undo", [QKeySequence("Ctrl+Z")], self.undo_stack.undo)
        self.redo_action = act("Redo", [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")],
                               self.undo_stack.redo)
        self.clear_action = act("Clear marks", [QKeySequence(Qt.Key.Key_Delete)], lambda: self.set_selection(None))
        self.take_action = act("Take attendance", "Ctrl+T", self.take_attendance.emit)

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self.reloader.request()

    def on_changed(self, changes: Changes, initiator: object) -> None:
        self._settle_timer.start()  # one re-read once writes (here or elsewhere) settle

    def _load(self) -> Callable[[TaskState], AttendanceGrid]:
        self._read_at_write = self._writes
        service, actor, aid = self.ctx.services.attendance, self.ctx.user, self.activity_id
        return lambda _s: service.grid(actor, aid)

    def _failed(self, exc: BaseException) -> None:
        self.empty.set_text("The attendance grid could not be loaded", str(exc))
        self.stack.setCurrentWidget(self.empty)

    def _loaded(self, grid: AttendanceGrid) -> None:
        if self.writer.busy or self._read_at_write != self._writes:
            # marks are on their way, or were stored while this was read: read again after
            self._settle_timer.start()
            return
        self.show_grid(grid)

    def show_grid(self, grid: AttendanceGrid) -> None:
        """Show a snapshot (also used by tests and the benchmark with a synthetic grid)."""
        first = self.grid is None
        self.grid = grid
        self.model.set_grid(grid)
        self.writer.status_labels = status_labels(grid.statuses)
        self.writer.student_names = {s.id: s.name for s in grid.students}
        active = [s for s in sorted(grid.statuses, key=lambda s: s.sort_order) if s.active]
        self.legend.setText("&nbsp;&nbsp;".join(
            f"<span style='background:{s.colour}; color:{s.colour}'>&nbsp;&nbsp;</span>&nbsp;"
            f"<b>{s.code}</b> {s.label}" for s in active))
        codes = "/".join(s.code for s in active)
        self.hint.setText(f"<b>{codes}</b> mark the selected cells and move down · <b>Del</b> clear · "
                          "<b>Ctrl+C / Ctrl+V</b> copy, paste from a spreadsheet · "
                          "<b>Ctrl+Z / Ctrl+Shift+Z</b> undo, redo · grey: not enrolled then or cancelled")
        if not grid.sessions or not grid.students:
            self.empty.set_text(
                "No sessions yet" if not grid.sessions else "Nobody enrolled yet",
                "Add a schedule on the Schedule tab; its sessions appear here as columns."
                if not grid.sessions else "Enroll students on the Roster tab.")
            self.stack.setCurrentWidget(self.empty)
            return
        self.stack.setCurrentWidget(self.table)
        if first:
            self._focus_today()

    def _focus_today(self) -> None:
        """Start on the first student at the latest session that has begun (or the first one)."""
        assert self.grid is not None
        from datetime import datetime

        now = datetime.now()
        col = 0
        for i, s in enumerate(self.grid.sessions):
            if s.starts_at <= now:
                col = i
        self.table.setCurrentIndex(self.model.index(0, col))
        self._scroll_to_column = col
        self._scroll_once()

    def _scroll_once(self) -> None:
        """The latest session a few columns from the right edge, the weeks before it in view
        (once the table has its real width)."""
        col = self._scroll_to_column
        width = self.table.viewport().width()
        if col is None or width < 200 or not self.table.isVisible():
            return
        self._scroll_to_column = None
        offset = max(0, (col + 4) * COLUMN_WIDTH - width)
        offset = -(-offset // COLUMN_WIDTH) * COLUMN_WIDTH  # whole columns at the left edge
        self.table.horizontalScrollBar().setValue(offset)
        self.table.verticalScrollBar().setValue(0)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)  # reads the grid when first shown, or when it changed meanwhile
        QTimer.singleShot(0, self._scroll_once)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if self._scroll_to_column is not None:
            QTimer.singleShot(0, self._scroll_once)

    def _reload_when_settled(self) -> None:
        if self.writer.busy:
            self._settle_timer.start()
        else:
            self.refresh()

    # ------------------------------------------------------------------ keys
    def selected_cells(self) -> list[tuple[int, int]]:
        rows = self.model.student_rows()
        cells = {(i.row(), i.column()) for i in self.table.selectionModel().selectedIndexes() if i.row() < rows}
        if not cells:
            cur = self.table.currentIndex()
            if cur.isValid() and cur.row() < rows:
                cells = {(cur.row(), cur.column())}
        return sorted(cells)

    def handle_key(self, event: QKeyEvent) -> None:
        if self.grid is None:
            return
        mods = event.modifiers()
        text = event.text().upper()
        plain = not (mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                             | Qt.KeyboardModifier.MetaModifier))
        codes = {s.code.upper(): s for s in self.grid.statuses if s.active}
        if plain and text and text in codes:
            self.set_selection(codes[text].id, move_down=True)
            event.accept()
        elif plain and event.key() == Qt.Key.Key_Space:
            self.cycle_current()
            event.accept()

    def cycle_current(self) -> None:
        cur = self.table.currentIndex()
        if self.grid is None or not cur.isValid() or not self.model.editable(cur.row(), cur.column()):
            return
        active = [s for s in sorted(self.grid.statuses, key=lambda s: s.sort_order) if s.active]
        now = self.model.status_id(cur.row(), cur.column())
        ids = [s.id for s in active]
        nxt = active[(ids.index(now) + 1) % len(active)] if now in ids else active[0]
        self.edit_cells([(cur.row(), cur.column(), nxt.id)], f"set {nxt.label}")

    def set_selection(self, status_id: int | None, *, move_down: bool = False) -> None:
        cells = self.selected_cells()
        if not cells:
            return
        label = "clear" if status_id is None else next(
            (f"set {s.label}" for s in self.model.statuses if s.id == status_id), "set")
        self.edit_cells([(r, c, status_id) for r, c in cells], label)
        if move_down and len(cells) == 1:
            r, c = cells[0]
            if r + 1 < self.model.student_rows():
                index = self.model.index(r + 1, c)
                self.table.setCurrentIndex(index)

    def edit_cells(self, wanted: list[tuple[int, int, int | None]], text: str) -> bool:
        """Push one undoable edit for the cells that change; refuse not-applicable cells."""
        refused = [(r, c) for r, c, _ in wanted if not self.model.editable(r, c)]
        edits = [CellEdit(r, c, self.model.status_id(r, c), sid) for r, c, sid in wanted
                 if self.model.editable(r, c) and self.model.status_id(r, c) != sid]
        if refused:
            self._show_state(f"{len(refused)} cell{'s' if len(refused) != 1 else ''} not applicable "
                             "(not enrolled then, or cancelled): left as they are", "error")
        if not edits:
            return False
        n = len(edits)
        self.undo_stack.push(MarkCommand(self, edits, text if n == 1 else f"{text} on {n} cells"))
        return True

    def write_cells(self, cells: list[tuple[int, int, int | None]]) -> None:
        """Show the values now and queue the write; versions are read when it is sent."""
        g = self.grid
        if g is None:
            return
        for r, c, sid in cells:
            self.model.set_cell(r, c, sid)
        keys = [(g.students[r].id, g.sessions[c].id, r, c, sid) for r, c, sid in cells]

        def build() -> list[MarkChange]:
            return [MarkChange(session_id, student_id, sid, expected_version=self.model.version(r, c))
                    for student_id, session_id, r, c, sid in keys]

        self.writer.submit(build)

    def _saved(self, marks: list[Mark]) -> None:
        self._writes += 1
        self.model.apply_marks(marks)
        self._settle_timer.start()  # rates and totals: read again once the writes settle

    def _write_failed(self, _exc: BaseException) -> None:
        """A refused write: what is shown is re-read, and the edit history (which no longer
        matches what is stored) starts afresh, so an undo never overwrites someone else's mark."""
        self.undo_stack.clear()
        self.refresh()

    def _show_state(self, text: str, kind: str) -> None:
        colour = {"saving": "#5f6b7a", "saved": "#007a5a", "error": "#c0392b"}.get(kind, "#5f6b7a")
        mark = {"saved": "✓ ", "error": "⚠ "}.get(kind, "")
        self.status_line.setText(mark + text)
        self.status_line.setStyleSheet(f"color: {colour}; font-weight: 600;")
        self.status_line.setProperty("state", kind)

    # ------------------------------------------------------------------ clipboard
    def selection_tsv(self) -> str:
        cells = self.selected_cells()
        if not cells or self.grid is None:
            return ""
        rows = sorted({r for r, _ in cells})
        cols = sorted({c for _, c in cells})
        chosen = set(cells)
        lines = []
        for r in range(rows[0], rows[-1] + 1):
            values = []
            for c in range(cols[0], cols[-1] + 1):
                v = self.model.cell(r, c) if (r, c) in chosen else -1
                values.append(self.grid.statuses[v].code if v >= 0 else "")
            lines.append("\t".join(values))
        return "\n".join(lines)

    def copy_selection(self) -> None:
        text = self.selection_tsv()
        if text:
            QGuiApplication.clipboard().setText(text)
            n = len(self.selected_cells())
            self._show_state(f"Copied {n} cell{'s' if n != 1 else ''}", "saved")

    def paste(self, text: str | None = None) -> bool:
        if self.grid is None:
            return False
        text = QGuiApplication.clipboard().text() if text is None else text
        cells = self.selected_cells()
        if not text.strip() or not cells:
            return False
        top, left = cells[0]
        try:
            changes = parse_paste(self.grid, top, left, text)
        except ValidationError as exc:
            QMessageBox.warning(self, "Nothing pasted", f"Nothing was pasted.\n\n{exc}")
            return False
        wanted = [(self.model.row_of(c.student_id), self.model.col_of(c.session_id), c.status_id)
                  for c in changes]
        return self.edit_cells([w for w in wanted if w[0] >= 0 and w[1] >= 0], "paste")

    # ------------------------------------------------------------------ menu, statuses
    def _context_menu(self, pos: QPoint) -> None:
        if self.grid is None:
            return
        index = self.table.indexAt(pos)
        if index.isValid() and not self.table.selectionModel().isSelected(index):
            self.table.setCurrentIndex(index)
        menu = QMenu(self)
        for s in sorted(self.grid.statuses, key=lambda s: s.sort_order):
            if s.active:
                a = menu.addAction(f"{s.label}\t{s.code}")
                a.triggered.connect(lambda _c=False, sid=s.id: self.set_selection(sid))
        menu.addAction(self.clear_action)
        menu.addSeparator()
        menu.addAction(self.copy_action)
        menu.addAction(self.paste_action)
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def edit_statuses(self) -> None:
        from ui.dialogs.status_dialog import StatusDialog

        dialog = StatusDialog(self.ctx, self)
        dialog.exec()  # what it saves is published: the grid reads the statuses again

"""The term at a glance: students × sessions, edited in place with the keyboard.

Keys: a status code marks the selected cell(s) and moves down; Delete clears; Ctrl+C copies the
selection as tab-separated codes; Ctrl+V pastes tab-separated codes or labels (validated by
``tracker.services.attendance.parse_paste``: a wrong value refuses the whole paste);
Ctrl+Z / Ctrl+Shift+Z undo and redo every edit, bulk ones included (an undo writes the
previous values back through the service). The student column (the vertical header: name,
attendance rate, absences in a row) stays put while the sessions scroll, under titles that say
what its figures are. Rates and totals come from the service: the grid is re-read in the
background once the writes have settled. Sessions more than 15 minutes ahead are greyed and
refuse marks; a timer opens each one when its time comes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QResizeEvent,
    QShowEvent,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.attendance import MARK_AHEAD
from tracker.domain.changes import ChangeKind, Changes
from tracker.domain.percent import format_threshold
from tracker.domain.policy import Permission
from tracker.errors import ValidationError
from tracker.services.attendance import AttendanceGrid, Mark, MarkChange, parse_paste
from ui.context import AppContext
from ui.models.attendance_grid import AttendanceGridModel
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.attendance_grid_table import (
    COLUMN_WIDTH,
    HEADER_HEIGHT,
    NAME_WIDTH,
    ROW_HEIGHT,
    CellDelegate,
    GridTable,
    SessionHeader,
    StudentHeader,
)
from ui.views.attendance_writer import MarkWriter, status_labels
from ui.views.base import Refreshing
from ui.widgets import EmptyState
from ui.widgets.elided import ElidedLabel
from ui.widgets.style import set_style_flag

# the table's sizes, for the benchmark that builds a grid of the same shape
__all__ = ["COLUMN_WIDTH", "HEADER_HEIGHT", "NAME_WIDTH", "ROW_HEIGHT", "AttendanceGridView"]


@dataclass(frozen=True)
class CellEdit:
    """One cell before and after an edit (status ids; None = no record)."""

    row: int
    col: int
    before: int | None
    after: int | None


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
        self._left_alone = ""  # what the last edit could not change, and why
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
        self._opening_timer = QTimer(self)  # the next future session becomes markable
        self._opening_timer.setSingleShot(True)
        self._opening_timer.timeout.connect(self._open_sessions)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 10, 12, 10)
        outer.setSpacing(8)
        bar = QHBoxLayout()
        self.take_button = QPushButton("Take attendance…")
        set_style_flag(self.take_button, "primary")
        self.take_button.setToolTip("Mark today's session student by student (Ctrl+Shift+T)")
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
        notes = QVBoxLayout()  # what the colours and figures mean, and the keys
        notes.setSpacing(2)
        self.legend = QLabel("")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)  # wraps between statuses rather than widen a small screen
        notes.addWidget(self.legend)
        self.hint = QLabel("")
        set_style_flag(self.hint, "muted")
        self.hint.setTextFormat(Qt.TextFormat.RichText)
        self.hint.setWordWrap(True)
        notes.addWidget(self.hint)
        foot.addLayout(notes, 1)
        self.status_line = ElidedLabel("")  # a long refusal never widens the tab
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
        # Ctrl+T is the window's "Take attendance now" (any activity); here: this activity's session
        self.take_action = act("Take attendance", "Ctrl+Shift+T", self.take_attendance.emit)

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
        self.legend.setText(" &nbsp;".join(
            f"<span style='background:{s.colour}; color:{s.colour}'>&nbsp;&nbsp;</span>&nbsp;"
            f"<b>{s.code}</b>&nbsp;{s.label}" for s in active)
            + " &nbsp;· grey:&nbsp;not&nbsp;enrolled&nbsp;then or&nbsp;cancelled · hatched:&nbsp;not&nbsp;held&nbsp;yet")
        codes = "/".join(s.code for s in active)
        self.table.titles.set_minimum(grid.min_attendance)
        self.hint.setText(
            f"<b>Rate</b> attendance rate, red below {format_threshold(grid.min_attendance)} · "
            "<b>3×</b> absent the last 3 sessions in a row · a session opens for marks "
            f"{int(MARK_AHEAD.total_seconds() // 60)} minutes before it starts<br>"
            f"<b>{codes}</b> mark and move down · <b>Del</b> clear · <b>Ctrl+C / Ctrl+V</b> copy, paste · "
            "<b>Ctrl+Z / Ctrl+Shift+Z</b> undo, redo")
        self._schedule_opening()
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

    def _schedule_opening(self) -> None:
        """Wake up when the next session that cannot be marked yet opens (checked again then,
        so a long wait or a clock change only delays it)."""
        opening = self.model.next_opening()
        if opening is None:
            self._opening_timer.stop()
            return
        wait = (opening - datetime.now()).total_seconds()
        self._opening_timer.start(int(min(max(wait, 0.0) * 1000, 3_600_000)) + 50)

    def _open_sessions(self) -> None:
        self.model.update_markable(datetime.now())
        self._schedule_opening()

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
        """Push one undoable edit for the cells that change; refuse not-applicable cells and
        sessions that cannot be marked yet, and say so."""
        refused = [(r, c) for r, c, _ in wanted if not self.model.editable(r, c)]
        edits = [CellEdit(r, c, self.model.status_id(r, c), sid) for r, c, sid in wanted
                 if self.model.editable(r, c) and self.model.status_id(r, c) != sid]
        self._left_alone = self._why_left_alone(refused)
        if refused:
            self._show_state(self._left_alone, "error")
        if not edits:
            return False
        n = len(edits)
        self.undo_stack.push(MarkCommand(self, edits, text if n == 1 else f"{text} on {n} cells"))
        return True

    def _why_left_alone(self, refused: list[tuple[int, int]]) -> str:
        """How many cells an edit could not change, and why ("" when none)."""
        future = sum(1 for _r, c in refused if self.model.is_future(c))
        other = len(refused) - future
        said = []
        if future:
            said.append(f"{future} cell{'s' if future != 1 else ''} of sessions not held yet "
                        f"(marks open {int(MARK_AHEAD.total_seconds() // 60)} minutes before the start)")
        if other:
            said.append(f"{other} cell{'s' if other != 1 else ''} not applicable (not enrolled then, or cancelled)")
        return " and ".join(said) + ": left as they are" if said else ""

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
        """The status line; "All changes saved" after an edit that left some cells alone keeps
        saying which (the refusal is not lost behind the success of the rest)."""
        if kind == "saved" and text == "All changes saved" and self._left_alone:
            text = f"{text} · {self._left_alone}"
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

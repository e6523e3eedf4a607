"""Take attendance for one session, keyboard first.

One row per enrolled student, big names, the status as a coloured pill with its label.
Keys (shown in the hint bar): a status code (P, L, E, A… whatever the statuses are) marks the
current student and moves to the next; ↑/↓ move; Space cycles the status; Ctrl+Enter marks
everyone not yet marked Present (never overwrites); 1–5 set participation (an unmarked
student is marked Present with it); Enter or F2 edits the remark (Esc cancels); Ctrl+F or "/"
finds a student by name (Enter goes to them, and the keys mark again).
Every mark is saved as it is made; the status line says "Saving…" / "All changes saved", or
why a mark was refused. A remark typed for a student who has no status yet does not mark them:
it waits (in italics) and is saved with their first status. A session that has not started
(more than 15 minutes ahead) is shown greyed and cannot be marked until then.

The screen fits 1024×768 whatever it says: the title, summary and status line are cut with "…"
(whole text in the tooltip), the paper actions sit at the bottom beside Done.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.attendance import can_mark, not_yet_markable, opens_at
from tracker.services.attendance import AttendanceSheet, Mark, MarkChange, SessionRef, StatusInfo
from ui.context import AppContext
from ui.models.attendance_sheet import ParticipationDelegate, SheetModel, StatusCellDelegate
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.attendance_paper import PaperActions
from ui.views.attendance_writer import MarkWriter, status_labels
from ui.views.student_finder import StudentFinder
from ui.widgets import EmptyState
from ui.widgets.elided import ElidedLabel
from ui.widgets.style import set_style_flag, when

__all__ = ["SheetModel", "TakeAttendanceDialog", "TakeAttendanceView", "session_text"]

_GREYED = QColor("#8a94a3")


def session_text(s: SessionRef) -> str:
    text = when(s.starts_at) + f"–{s.ends_at:%H:%M}"
    if s.cancelled:
        text += " (cancelled)"
    return text


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
        self.writer.state_changed.connect(self.show_state)
        self.writer.saved.connect(self._saved)
        self.writer.failed.connect(lambda _e: self.reload())
        self._opening_timer = QTimer(self)  # a session shown before it can be marked opens
        self._opening_timer.setSingleShot(True)
        self._opening_timer.timeout.connect(self._check_markable)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        outer.setSpacing(8)
        head = QHBoxLayout()
        self.title = ElidedLabel("Take attendance")
        set_style_flag(self.title, "heading", "1")
        head.addWidget(self.title, 1)
        self.session_box = QComboBox()
        self.session_box.setAccessibleName("Session")
        self.session_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.session_box.setMinimumContentsLength(26)
        self.session_box.setToolTip("The session to take attendance for")
        self.session_box.activated.connect(self._session_chosen)
        self.session_box.currentTextChanged.connect(  # the whole text, should the box cut it
            lambda text: self.session_box.setToolTip(f"The session to take attendance for: {text}"))
        head.addWidget(QLabel("Session"))
        head.addWidget(self.session_box)
        outer.addLayout(head)

        bar = QHBoxLayout()
        self.summary = ElidedLabel("")
        set_style_flag(self.summary, "muted")
        bar.addWidget(self.summary, 1)
        self.rest_button = QPushButton("Mark the rest Present  (Ctrl+Enter)")
        set_style_flag(self.rest_button, "primary")
        self.rest_button.setToolTip("Everyone not marked yet becomes Present; marks already made stay")
        self.rest_button.clicked.connect(self.mark_rest_present)
        self.rest_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        bar.addWidget(self.rest_button)
        outer.addLayout(bar)

        self.model = SheetModel(self)
        self.find_bar = StudentFinder(self.model.rows_matching, self._go)
        self.find_bar.finished.connect(self._back_to_table)
        self.find_field, self.find_count = self.find_bar.field, self.find_bar.count
        outer.addWidget(self.find_bar)

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
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
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

        #: the status line and the paper actions; the dialog adds Done at the end
        self.footer = QHBoxLayout()
        self.status_line = ElidedLabel("")
        self.status_line.setAccessibleName("Save status")
        self.footer.addWidget(self.status_line, 1)
        self.paper = PaperActions(self)
        for b in self.paper.buttons:
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.footer.addWidget(b)
        self.sign_in_button, self.register_button, self.print_button = self.paper.sign_in, \
            self.paper.register, self.paper.print
        outer.addLayout(self.footer)
        self.show_state("Every mark is saved as you make it", "idle")

        for keys, slot in (("Ctrl+Return", self.mark_rest_present), ("Ctrl+Enter", self.mark_rest_present),
                           (QKeySequence.StandardKey.Find, self.open_find)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
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
            self._add_session(s)
        self.session_box.blockSignals(False)
        if sheet is None:
            self.empty.set_text("No session to take attendance for",
                                "Add a weekly schedule or a session on the Schedule tab first.")
            self.stack.setCurrentWidget(self.empty)
            self.rest_button.setEnabled(False)
            return
        self.show_sheet(sheet)

    def _add_session(self, s: SessionRef) -> int:
        """A session in the picker; one that cannot be marked yet is greyed and says why."""
        self.session_box.addItem(session_text(s), s.id)
        i = self.session_box.count() - 1
        if not s.cancelled and not can_mark(s.starts_at, datetime.now()):
            self.session_box.setItemData(i, _GREYED, Qt.ItemDataRole.ForegroundRole)
            self.session_box.setItemData(i, not_yet_markable(s.starts_at), Qt.ItemDataRole.ToolTipRole)
        return i

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
        self.model.set_sheet(sheet, not_yet=self._not_yet(sheet.session))
        i = self.session_box.findData(sheet.session.id)
        if i < 0:
            i = self._add_session(sheet.session)
        self.session_box.setCurrentIndex(i)
        self.title.setText(sheet.activity_name)
        keys = "  ·  ".join(f"<b>{s.code}</b> {s.label}" for s in self._statuses)
        self.hint.setText(
            f"{keys} — mark and go to the next &nbsp;|&nbsp; <b>↑ ↓</b> move &nbsp;|&nbsp; "
            "<b>Space</b> next status &nbsp;|&nbsp; <b>1–5</b> participation &nbsp;|&nbsp; "
            "<b>Enter</b> remark (Esc cancels) &nbsp;|&nbsp; <b>Ctrl+F</b> or <b>/</b> find a student "
            "&nbsp;|&nbsp; <b>Ctrl+Enter</b> the rest Present")
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
        self._announce_not_yet()
        self._flush_waiting_remarks()
        self.loaded.emit()

    def _session_chosen(self, i: int) -> None:
        sid = self.session_box.itemData(i)
        if sid is not None and sid != self.session_id:
            self.session_id = sid
            self.reload()

    # ------------------------------------------------------------------ a session not held yet
    @staticmethod
    def _not_yet(session: SessionRef) -> str:
        """Why the session cannot be marked yet ("" when it can, or when it is cancelled)."""
        if session.cancelled or can_mark(session.starts_at, datetime.now()):
            return ""
        return not_yet_markable(session.starts_at)

    def _announce_not_yet(self) -> None:
        """Say it on the status line and wake up when the session opens."""
        self._opening_timer.stop()
        if self.sheet is None or not self.model.not_yet:
            return
        self.show_state(self.model.not_yet, "error")
        wait = (opens_at(self.sheet.session.starts_at) - datetime.now()).total_seconds()
        self._opening_timer.start(int(min(max(wait, 0.0) * 1000, 3_600_000)) + 50)

    def _check_markable(self) -> None:
        if self.sheet is None:
            return
        self.model.set_not_yet(self._not_yet(self.sheet.session))
        if self.model.not_yet:
            self._announce_not_yet()
        else:
            self.show_state("The session has opened: every mark is saved as you make it", "idle")
            self._update_summary()

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
        elif plain and text == "/":
            self.open_find()
        elif plain and text and text.upper() in self._codes:
            if self.mark(row, self._codes[text.upper()]):
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

    def _back_to_table(self) -> None:
        self.table.setFocus()

    def open_find(self) -> None:
        """Ctrl+F or "/": find a student by name (Enter goes to them; the keys mark again)."""
        if self.sheet is not None and self.sheet.students:
            self.find_bar.open_finder()

    # ------------------------------------------------------------------ writes
    def _writable(self) -> bool:
        if self.sheet is None:
            return False
        if self.sheet.session.cancelled:
            self.show_state("This session is cancelled: nothing to mark", "error")
            return False
        if self.model.not_yet:
            self.show_state(self.model.not_yet, "error")
            return False
        return True

    def _change(self, row: int, status_id: int | None, participation: int | None = None,
                remark: str | None = None) -> None:
        """Show a change at once and queue its write. A remark waiting for this student's first
        status goes with it (and stops waiting once stored)."""
        assert self.sheet is not None
        session_id, student_id = self.sheet.session.id, self.model.student_id(row)
        if remark is None and status_id is not None:
            remark = self.model.waiting_remarks.get(student_id)
        self.model.show_pending(row, status_id, participation, remark)
        self._update_summary()

        self._pending[student_id] = self._pending.get(student_id, 0) + 1

        def build() -> list[MarkChange]:
            stored = self._stored.get(student_id)
            return [MarkChange(session_id, student_id, status_id,
                               expected_version=stored.version if stored else None,
                               participation=participation, remark=remark)]

        def stored(marks: list[Mark]) -> None:
            left = self._pending.get(student_id, 1) - 1
            if left > 0:
                self._pending[student_id] = left
            else:
                self._pending.pop(student_id, None)
            if any(m.student_id == student_id and m.status_id is not None for m in marks):
                self.model.waiting_remarks.pop(student_id, None)

        self.writer.submit(build, stored)

    def mark(self, row: int, status: StatusInfo) -> bool:
        """Mark a student; False when the session cannot be marked (the status line says why)."""
        if not self._writable():
            return False
        self._change(row, status.id)
        return True

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
        """A remark of a marked student is saved now; one of a student without a status waits
        for their status (a remark never marks anyone)."""
        if self._writable():
            st = self.model.status_of(row)
            if st is not None:
                self._change(row, st.id, remark=text)
            else:
                self._wait_with_remark(row, text)
        self.table.setCurrentIndex(self.model.index(row, SheetModel.NAME))
        self.table.setFocus()

    def _wait_with_remark(self, row: int, text: str) -> None:
        student = self.model.student_id(row)
        if text:
            self.model.waiting_remarks[student] = text
        else:
            self.model.waiting_remarks.pop(student, None)
        self.model.show_pending(row, None, remark=text)
        self._update_summary()
        if text:
            name = self.writer.student_names.get(student, "this student")
            self.show_state(f"Remark kept: it is saved when {name} is marked (a remark does not mark anyone)",
                             "idle")

    def _flush_waiting_remarks(self) -> None:
        """A student marked meanwhile (elsewhere) gets the remark waiting for them now."""
        for row in range(self.model.rowCount()):
            student = self.model.student_id(row)
            st = self.model.status_of(row)
            if student in self.model.waiting_remarks and st is not None and not self.model.not_yet:
                self._change(row, st.id)

    def mark_rest_present(self) -> None:
        if not self._writable() or self._present_status() is None:
            return
        assert self.sheet is not None
        present = self._present_status()
        assert present is not None
        for row in range(self.model.rowCount()):
            if self.model.status_of(row) is None:
                if self.model.student_id(row) in self.model.waiting_remarks:
                    self._change(row, present.id)  # written with the remark waiting for it
                else:
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

    def show_state(self, text: str, kind: str) -> None:
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
        self.rest_button.setEnabled(bool(left) and not self.sheet.session.cancelled and not self.model.not_yet)
        parts.append(f"{left} not marked" if left else "everyone marked")
        waiting = len(self.model.waiting_remarks)
        head = f"{len(self.sheet.students)} students · "
        if waiting:  # first: it is what still needs doing
            head += f"{waiting} remark{'s' if waiting != 1 else ''} waiting for a status · "
        self.summary.setText(head + ", ".join(parts))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(940, 680)


class TakeAttendanceDialog(QDialog):
    """The take-attendance screen in its own window (from the dashboard and the grid), sized
    to fit its screen."""

    def __init__(self, ctx: AppContext, activity_id: int, session_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Take attendance")
        self.setSizeGripEnabled(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.view = TakeAttendanceView(ctx, activity_id, session_id, self)
        lay.addWidget(self.view)
        self.done_button = QPushButton("Done")
        self.done_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.done_button.clicked.connect(self.accept)
        self.view.footer.addWidget(self.done_button)
        room = self.screen().availableGeometry()
        self.resize(min(960, room.width() - 24), min(720, room.height() - 48))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        # Enter belongs to the remark editor, not to the dialog's default button
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    def done(self, result: int) -> None:
        """Closing with remarks still waiting for a status asks first: they are not saved."""
        waiting = self.view.model.waiting_remarks
        if waiting:
            names = ", ".join(self.view.writer.student_names.get(s, "?") for s in list(waiting)[:3])
            more = f" and {len(waiting) - 3} more" if len(waiting) > 3 else ""
            answer = QMessageBox.question(
                self, "Remarks not saved",
                f"{len(waiting)} remark{'s' if len(waiting) != 1 else ''} ({names}{more}) "
                "wait for a status and are not saved.\n\nClose and discard them?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Discard:
                return
            waiting.clear()
        super().done(result)

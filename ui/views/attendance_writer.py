"""Saving attendance marks as they are made, one batch after the other, and the conflict dialog.

Both the take-attendance screen and the term grid queue their writes here. A batch is *built*
when it is sent (not when it is queued), so its ``expected_version`` values come from the
snapshot after every earlier batch has been stored: quick successive marks on the same cell
never conflict with themselves. Each batch is a write operation (``ui/ops.py``): it runs on the
writer thread and publishes the attendance it changed, with the view that made it as initiator.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from tracker.services.attendance import AttendanceConflict, Mark, MarkChange, StatusInfo
from ui.context import AppContext
from ui.ops import WriteOp
from ui.tasks import TaskState
from ui.widgets.style import set_style_flag

Build = Callable[[], list[MarkChange]]
Done = Callable[[list[Mark]], None]


class MarkWriter(QObject):
    """A queue of attendance writes; reports "Saving…", "Saved" or the error as text."""

    #: human text for a status line; kind is "saving", "saved" or "error"
    state_changed = Signal(str, str)
    #: stored marks after each successful batch
    saved = Signal(object)
    #: a batch failed (the exception); the view reloads its snapshot
    failed = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.widget = parent
        self._queue: deque[tuple[Build, Done | None, int | None]] = deque()
        self._busy = False
        self._refused = False  # the last batch was refused: its message stays until the next write
        self.status_labels: dict[int, str] = {}
        self.student_names: dict[int, str] = {}

    @property
    def busy(self) -> bool:
        return self._busy or bool(self._queue)

    def submit(self, build: Build, on_done: Done | None = None, *, rest_present: int | None = None) -> None:
        """Queue a batch; ``rest_present`` = a session id for mark_rest_present instead."""
        self._queue.append((build, on_done, rest_present))
        self._next()

    def _next(self) -> None:
        if self._busy or not self._queue:
            if not self._busy and not self._refused:
                self.state_changed.emit("All changes saved", "saved")
            return
        build, on_done, rest = self._queue.popleft()
        service, actor = self.ctx.services.attendance, self.ctx.user
        changes: list[MarkChange] = []
        if rest is not None:
            session_id = rest
            fn: Callable[[TaskState], list[Mark]] = lambda _state: service.mark_rest_present(actor, session_id)  # noqa: E731
            text = "Saving…"
        else:
            changes = build()
            if not changes:
                self._next()
                return
            fn = lambda _state: service.apply(actor, changes)  # noqa: E731
            text = "Saving…" if len(changes) == 1 else f"Saving {len(changes)} marks…"
        self._busy = True
        self.state_changed.emit(text, "saving")

        def done(marks: list[Mark]) -> None:
            self._busy = False
            self._refused = False
            if on_done:
                on_done(marks)
            self.saved.emit(marks)
            self._next()

        def error(exc: BaseException) -> bool:
            self._busy = False
            if isinstance(exc, AttendanceConflict) and rest is None:
                self._conflict(exc, changes, on_done)
            else:
                self._refused = True
                self.state_changed.emit(refusal_text(exc), "error")
                self.failed.emit(exc)
                self._next()
            return True  # said on the status line; the view shows what is stored again

        WriteOp(self.widget, self.ctx, fn, label="Saving attendance", idempotent=True).success(done).failure(error) \
            .run_in_background()

    def _conflict(self, exc: AttendanceConflict, changes: list[MarkChange], on_done: Done | None) -> None:
        """Someone else changed the cells: show what is there now, let the user choose."""
        self.state_changed.emit("Not saved yet: someone else changed these marks", "error")
        dialog = ConflictDialog(exc.current, changes, self.status_labels, self.widget,
                                names=self.student_names)
        if dialog.exec() == QDialog.DialogCode.Accepted:  # use mine
            forced = [replace(c, check_version=False) for c in changes]
            self._queue.appendleft((lambda: forced, on_done, None))
        else:  # keep theirs: show what is stored
            self.saved.emit(list(exc.current))
            self.failed.emit(exc)
        self._next()


class ConflictDialog(QDialog):
    """'Someone else already marked …': keep their value or use mine."""

    def __init__(self, current: list[Mark], mine: list[MarkChange], labels: dict[int, str],
                 parent: QWidget | None = None, *, names: dict[int, str] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Attendance changed meanwhile")
        self.setMinimumWidth(440)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 16, 20, 16)
        lay.setSpacing(10)
        head = QLabel("Someone else changed these marks while you were working.")
        set_style_flag(head, "heading", "2")
        head.setWordWrap(True)
        lay.addWidget(head)
        wanted = {(c.session_id, c.student_id): c for c in mine}
        lines = []
        for m in current[:12]:
            theirs = labels.get(m.status_id, "no mark") if m.status_id is not None else "no mark"
            who = m.recorded_by or "someone"
            at = f" at {m.recorded_at:%H:%M}" if m.recorded_at else ""
            c = wanted.get((m.session_id, m.student_id))
            yours = (labels.get(c.status_id, "no mark") if c and c.status_id is not None else "no mark")
            name = (names or {}).get(m.student_id, "")
            lines.append(f"• {name + ': ' if name else ''}<b>{theirs}</b> set by {who}{at} "
                         f"— you want <b>{yours}</b>")
        if len(current) > 12:
            lines.append(f"… and {len(current) - 12} more")
        self.details = QLabel("<br>".join(lines) or "The stored values differ from yours.")
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setWordWrap(True)
        lay.addWidget(self.details)
        note = QLabel("“Use mine” overwrites their values; “Keep theirs” shows what is stored now.")
        set_style_flag(note, "muted")
        note.setWordWrap(True)
        lay.addWidget(note)
        buttons = QDialogButtonBox()
        self.keep = buttons.addButton("Keep theirs", QDialogButtonBox.ButtonRole.RejectRole)
        self.mine = buttons.addButton("Use mine", QDialogButtonBox.ButtonRole.AcceptRole)
        self.keep.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)


def refusal_text(exc: BaseException) -> str:
    """A refused write as one line for a status line (its problems joined; the line elides)."""
    lines = [line.strip().removeprefix("- ") for line in str(exc).splitlines() if line.strip()]
    return "Not saved: " + " · ".join(lines)


def status_labels(statuses: tuple[StatusInfo, ...] | list[StatusInfo]) -> dict[int, str]:
    return {s.id: s.label for s in statuses}

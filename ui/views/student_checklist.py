"""One student's checklist in an activity, with notes / evidence for each milestone.

Opened from the Milestones tab (double-click a student, "Student checklist…", or the table's
context menu) by staff who may tick milestones. Every milestone of the activity is listed with
a done box, the completion date and a notes / evidence text. Ticking and unticking write at once
through the same service calls as the checklist grid (``complete_milestone`` /
``uncomplete_milestone``: progress and completion are recomputed); notes are kept with a
completion, so they can be written once a milestone is ticked, and "Save notes" stores every
changed note in one unit of work (``set_completion_notes``). Each write is an operation
(``ui/ops.py``) whose published changes reload the panel and the Milestones tab. The panel shows a
snapshot (``services.milestones.checklist``) and re-reads it when milestones or progress change
while it is open; notes being typed are kept across such reloads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import ChangeKind, Changes
from tracker.domain.completion_text import CompletionText
from tracker.domain.policy import Permission
from tracker.services.milestones import MAX_NOTES, Checklist, MilestoneRow
from ui.context import AppContext
from ui.models.milestones import ChecklistSnapshot, load_checklist
from ui.ops import WriteOp
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.widgets.style import day, styled_label

WATCHED = frozenset({ChangeKind.MILESTONE, ChangeKind.ENROLLMENT, ChangeKind.PROGRESS, ChangeKind.USER,
                     ChangeKind.ACTIVITY})
NOTES_HINT = "Notes or evidence: what the student showed, where the work can be found…"
LOCKED_HINT = "Tick the milestone to keep notes or evidence with it"


def _meta(m: MilestoneRow) -> str:
    bits = ["Required" if m.required else "Optional",
            f"{m.points} point{'s' if m.points != 1 else ''}" if m.points else "",
            f"due {day(m.due_date)}" if m.due_date else ""]
    return " · ".join(b for b in bits if b)


class MilestoneEntry(QFrame):
    """One milestone of the panel: done box and title, details, completion date, notes."""

    def __init__(self, number: int, milestone: MilestoneRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.milestone = milestone
        self.stored_notes = ""
        self.is_done = False
        self.setObjectName("milestoneEntry")
        self.setStyleSheet("QFrame#milestoneEntry { border-bottom: 1px solid #e6eaee; }")
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 8, 4, 10)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        self.done = QCheckBox()
        self.done.setAccessibleName(f"Done: {milestone.title}")
        self.done.setToolTip("Ticked: the student completed this milestone")
        grid.addWidget(self.done, 0, 0, Qt.AlignmentFlag.AlignTop)
        self.title = QLabel(f"{number}. {milestone.title}")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: 600;")
        self.title.setToolTip(milestone.description or milestone.title)
        grid.addWidget(self.title, 0, 1)
        self.when = styled_label("", muted=True)
        self.when.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.when, 0, 2)
        self.meta = styled_label(_meta(milestone), muted=True)
        self.meta.setWordWrap(True)
        grid.addWidget(self.meta, 1, 1, 1, 2)
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName(f"Notes or evidence: {milestone.title}")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(58)
        grid.addWidget(self.notes, 2, 1, 1, 2)
        grid.setColumnStretch(1, 1)

    def text(self) -> str:
        return self.notes.toPlainText().strip()

    def dirty(self) -> bool:
        return self.is_done and self.text() != self.stored_notes

    def show_state(self, done: bool, when: str, notes: str, editable: bool) -> None:
        """The stored state; a note being edited (changed and not saved) is kept."""
        keep = self.text() if self.dirty() and done else None
        self.is_done = done
        self.stored_notes = notes if done else ""
        self.done.blockSignals(True)
        self.done.setChecked(done)
        self.done.blockSignals(False)
        self.done.setEnabled(editable)
        self.when.setText(f"Done {when}" if done else "Not done yet")
        self.notes.blockSignals(True)
        self.notes.setPlainText(keep if keep is not None else self.stored_notes)
        self.notes.blockSignals(False)
        self.notes.setReadOnly(not (editable and done))
        self.notes.setEnabled(done)
        self.notes.setPlaceholderText(NOTES_HINT if done else LOCKED_HINT)


class StudentChecklistDialog(QDialog):
    """A student's checklist in one activity (non-modal: the grid stays usable beside it)."""

    def __init__(self, ctx: AppContext, activity_id: int, student_id: int, snapshot: Checklist | None = None,
                 parent: QWidget | None = None, *, completed: dict[int, CompletionText] | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.activity_id = activity_id
        self.student_id = student_id
        self.editable = ctx.can(Permission.COMPLETE_MILESTONE)
        self.snapshot: Checklist | None = None
        self.entries: list[MilestoneEntry] = []
        self.completion: CompletionText | None = None  # why the student completed the activity
        self.question: QMessageBox | None = None
        self.pending = 0  # writes not answered yet
        self.reloader = Reloader(ctx, self._load, self._loaded, self._failed, label="Loading the checklist")
        self._enrolled = True
        self.setWindowTitle("Student checklist")
        self.resize(620, 680)
        lay = QVBoxLayout(self)
        self.heading = styled_label("", heading="2")
        lay.addWidget(self.heading)
        self.summary = styled_label("", muted=True)
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body = QWidget()
        self.body.setObjectName("checklistBody")
        self.body.setStyleSheet("QWidget#checklistBody { background: #ffffff; }")
        self.list = QVBoxLayout(self.body)
        self.list.setContentsMargins(10, 4, 10, 4)
        self.list.setSpacing(0)
        self.list.addStretch(1)
        self.scroller.setWidget(self.body)
        lay.addWidget(self.scroller, 1)
        self.message = styled_label("", muted=True)
        self.message.setWordWrap(True)
        lay.addWidget(self.message)
        foot = QHBoxLayout()
        self.unsaved = styled_label("", muted=True)
        foot.addWidget(self.unsaved, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("Save notes")
        self.save_button.setToolTip(f"Store the changed notes (Ctrl+S); at most {MAX_NOTES} characters each")
        self.save_button.setVisible(self.editable)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        foot.addWidget(self.buttons)
        lay.addLayout(foot)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, self.save)
        ctx.events.changed.connect(self._on_changed)
        if snapshot is not None:
            self.show_snapshot(snapshot, completed)
        else:
            self.refresh()
        self._update_buttons()

    # ------------------------------------------------------------------ reading
    def _on_changed(self, changes: Changes, initiator: object) -> None:
        """A dialog, not a page or tab (``ui.views.base.Refreshing``): it is on screen whenever it
        is open, and a closed one is not shown again."""
        if self.isVisible() and changes.touches(*WATCHED):
            self.refresh()

    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], ChecklistSnapshot]:
        services, actor, aid = self.ctx.services, self.ctx.user, self.activity_id
        return lambda state: load_checklist(services, actor, aid)

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(str(exc))

    def _loaded(self, snap: ChecklistSnapshot) -> None:
        self.show_snapshot(snap.checklist, snap.completed)

    def show_snapshot(self, snap: Checklist, completed: dict[int, CompletionText] | None = None) -> None:
        """Show a checklist; ``completed`` (who completed the activity, and why) None keeps what
        is known."""
        self.snapshot = snap
        if completed is not None:
            self.completion = completed.get(self.student_id)
        student = next((s for s in snap.students if s.id == self.student_id), None)
        self._enrolled = student is not None
        if student is not None:
            self.setWindowTitle(f"Checklist — {student.name}")
            self.heading.setText(student.name)
        elif not self.heading.text():
            self.heading.setText("Student")
        shape = [(m.id, m.title, m.points, m.required, m.due_date, m.description) for m in snap.milestones]
        if shape != [(e.milestone.id, e.milestone.title, e.milestone.points, e.milestone.required,
                      e.milestone.due_date, e.milestone.description) for e in self.entries]:
            self._rebuild(snap.milestones)
        editable = self.editable and self._enrolled
        done_count = required_left = 0
        for e in self.entries:
            got = snap.done.get((self.student_id, e.milestone.id))
            done = got is not None and self._enrolled
            e.show_state(done, day(got[0]) if got else "", got[1] if got else "", editable)
            done_count += done
            required_left += e.milestone.required and not done
        if not self._enrolled:
            self.summary.setText("This student is no longer enrolled in the activity.")
        elif not self.entries:
            self.summary.setText("The activity has no milestones yet.")
        else:
            left = (f"{required_left} required still to do" if required_left
                    else "every required milestone done")
            self.summary.setText(f"{done_count} of {len(self.entries)} milestones done · {left}"
                                 + (f"\n{self.completion.tooltip}" if self.completion else ""))
        self._update_buttons()

    def _rebuild(self, milestones: tuple[MilestoneRow, ...]) -> None:
        typed = {e.milestone.id: e.text() for e in self.entries if e.dirty()}
        for e in self.entries:
            self.list.removeWidget(e)
            e.deleteLater()
        self.entries = []
        for n, m in enumerate(milestones, start=1):
            e = MilestoneEntry(n, m, self.body)
            self.list.insertWidget(self.list.count() - 1, e)
            e.done.clicked.connect(lambda checked, entry=e: self._toggle(entry, checked))
            e.notes.textChanged.connect(self._update_buttons)
            if m.id in typed:
                e.is_done = True
                e.notes.setPlainText(typed[m.id])
            self.entries.append(e)

    def entry(self, milestone_id: int) -> MilestoneEntry:
        return next(e for e in self.entries if e.milestone.id == milestone_id)

    def dirty(self) -> list[MilestoneEntry]:
        return [e for e in self.entries if e.dirty()]

    def _update_buttons(self) -> None:
        changed = self.dirty()
        self.save_button.setEnabled(self.editable and bool(changed) and self._enrolled)
        self.unsaved.setText(f"{len(changed)} changed note{'s' if len(changed) != 1 else ''} not saved yet"
                             if changed else "")

    # ------------------------------------------------------------------ writes
    def _write(self, work: Callable[[], Any], label: str, done: Callable[[Any], str],
               failed: Callable[[BaseException], None] | None = None) -> None:
        """Run ``work`` as a write operation; what it did, or why not, goes to the message line."""
        self.pending += 1

        def finished(out: Any) -> None:
            self.pending -= 1
            self.message.setText(done(out))

        def refused(exc: BaseException) -> bool:
            self.pending -= 1
            if failed is not None:
                failed(exc)
            self.message.setText(f"{label}: {exc}")
            self.refresh()  # show what is stored
            return True

        WriteOp(self, self.ctx, lambda state: work(), label=label).success(finished).failure(refused) \
            .run_in_background()

    def _toggle(self, entry: MilestoneEntry, checked: bool) -> None:
        """A click on a done box: the same service calls as the checklist grid."""
        if not self.editable or not self._enrolled:
            entry.done.setChecked(not checked)
            return
        service, actor, sid, m = self.ctx.services.milestones, self.ctx.user, self.student_id, entry.milestone
        had_notes = bool(entry.stored_notes or entry.text())
        entry.show_state(checked, "today" if checked else "", entry.stored_notes, True)
        if checked:
            self._write(lambda: service.complete_milestone(actor, m.id, sid), "Tick milestone",
                        lambda _r: f"Ticked “{m.title}”.")
        else:
            self._write(lambda: service.uncomplete_milestone(actor, m.id, sid), "Untick milestone",
                        lambda _r: f"Unticked “{m.title}”." + (" Its note was removed (the audit log keeps it)."
                                                              if had_notes else ""))

    def save(self) -> None:
        """Store every changed note in one unit of work."""
        changed = self.dirty()
        if not changed or not self.editable or not self._enrolled:
            return
        notes = {e.milestone.id: e.text() for e in changed}
        service, actor, aid, sid = self.ctx.services.milestones, self.ctx.user, self.activity_id, self.student_id
        self.save_button.setEnabled(False)

        def saved(_out: Any) -> str:
            for e in self.entries:
                if e.milestone.id in notes and e.text() == notes[e.milestone.id]:
                    e.stored_notes = notes[e.milestone.id]
            self._update_buttons()
            n = len(notes)
            return f"Saved {n} note{'s' if n != 1 else ''}."

        self._write(lambda: service.set_completion_notes(actor, aid, sid, notes), "Save notes", saved,
                    lambda _exc: self._update_buttons())

    # ------------------------------------------------------------------ closing
    def reject(self) -> None:
        """Close; with notes not saved yet, ask first (Save / Discard / Cancel)."""
        if not self.dirty() or not self.editable:
            super().reject()
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved notes",
                          "Some notes or evidence have not been saved. Save them before closing?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        self.question = box

        def answered(code: int) -> None:
            self.question = None
            box.deleteLater()
            if code == QMessageBox.StandardButton.Save:
                self.save()
                QDialog.reject(self)
            elif code == QMessageBox.StandardButton.Discard:
                for e in self.entries:
                    if e.dirty():
                        e.show_state(True, e.when.text().removeprefix("Done "), e.stored_notes, self.editable)
                QDialog.reject(self)

        box.finished.connect(answered)
        box.open()

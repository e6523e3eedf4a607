"""The writes of the Milestones tab (:class:`ui.views.activity_milestones.MilestonesTab`
inherits them): the editor's add / edit (``ui.dialogs.milestone_dialog``), delete (asks first
when students completed the milestone), reorder and copy from another activity, and the
checklist's tick / untick, for one cell or for every selected student, and the note of a tick.

Each is a write operation (``ui/ops.py``) on the writer thread; the milestone and progress
changes it commits are published, which reloads the tab and every page showing progress. A
refused write reloads the tab, so that it shows what is stored (a tick shown at once goes again).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QComboBox, QInputDialog, QLabel, QLineEdit, QMessageBox, QWidget

from tracker.errors import ValidationError
from tracker.services.activities import ActivitySummary
from tracker.services.milestones import MilestoneRow
from ui.context import AppContext
from ui.models.milestones import ChecklistModel, MilestoneListModel
from ui.ops import ReadOp, WriteOp


class MilestoneWrites(QWidget):
    """The Milestones tab's write actions; the tab supplies the attributes and lookups below."""

    ctx: AppContext
    activity_id: int
    can_manage: bool
    can_tick: bool
    dialog: Any
    message: QLabel
    list_model: MilestoneListModel
    model: ChecklistModel
    bulk_milestone: QComboBox
    note: QLineEdit
    current_milestone: Callable[[], MilestoneRow | None]
    select_milestone: Callable[[int], bool]
    selected_students: Callable[[], list[int]]
    _current_cell: Callable[[], tuple[int, int] | None]
    refresh: Callable[[], None]

    def _write(self, work: Callable[[], Any], label: str, done: Callable[[Any], str] | None = None,
               on_error: Callable[[BaseException], bool] | None = None) -> None:
        """Run ``work`` as a write operation; ``done`` says what it did on the message line.
        ``on_error`` may take a refusal over (True: handled); otherwise the tab shows what is
        stored again and the error is shown the standard way."""

        def failed(exc: BaseException) -> bool:
            if on_error is not None and on_error(exc):
                return True
            self.refresh()
            return False

        WriteOp(self, self.ctx, lambda state: work(), label=label) \
            .success(lambda out: self.message.setText(done(out) if done else "")).failure(failed) \
            .run_in_background()

    # ------------------------------------------------------------------ editor
    def add(self) -> Any:
        from ui.dialogs.milestone_dialog import MilestoneDialog

        if not self.can_manage:
            return None
        return self._open(MilestoneDialog(None, self), None)

    def edit(self) -> Any:
        from ui.dialogs.milestone_dialog import MilestoneDialog

        m = self.current_milestone()
        if m is None or not self.can_manage:
            return None
        return self._open(MilestoneDialog(m, self), m)

    def _open(self, dialog: Any, m: MilestoneRow | None) -> Any:
        self.dialog = dialog
        service, actor, aid = self.ctx.services.milestones, self.ctx.user, self.activity_id

        def finished(code: int) -> None:
            if code:
                v = dialog.values()
                if m is None:
                    self._write(lambda: service.create_milestone(actor, aid, **v), "Add milestone",
                                lambda r: f"Added “{r.title}”.")
                else:
                    self._write(lambda: service.update_milestone(actor, m.id, expected_version=m.version, **v),
                                "Edit milestone", lambda r: f"Saved “{r.title}”.")
            dialog.deleteLater()
            self.dialog = None

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def delete(self, confirmed: bool = False) -> None:
        m = self.current_milestone()
        if m is None or not self.can_manage:
            return
        service, actor = self.ctx.services.milestones, self.ctx.user

        def refused(exc: BaseException) -> bool:
            if not (isinstance(exc, ValidationError) and any(p.field == "confirm" for p in exc.problems)):
                return False
            self.confirm_delete(m, str(exc))
            return True

        self._write(lambda: service.delete_milestone(actor, m.id, confirm=confirmed), "Delete milestone",
                    lambda _r: f"Deleted “{m.title}”.", refused)

    def confirm_delete(self, m: MilestoneRow, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, "Delete milestone", text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.button(QMessageBox.StandardButton.Yes).setText("Delete")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.dialog = box

        def answered(code: int) -> None:
            self.dialog = None
            box.deleteLater()
            if code == QMessageBox.StandardButton.Yes and self.select_milestone(m.id):
                self.delete(confirmed=True)

        box.finished.connect(answered)
        box.open()

    def move_milestone(self, delta: int) -> None:
        m = self.current_milestone()
        if m is None or not self.can_manage:
            return
        row = self.list_model.ids().index(m.id)
        if self.list_model.move(row, delta):
            self.select_milestone(m.id)

    def _save_order(self, ids: list[int]) -> None:
        if not self.can_manage:
            return
        service, actor, aid = self.ctx.services.milestones, self.ctx.user, self.activity_id
        self._write(lambda: service.reorder_milestones(actor, aid, ids), "Reorder milestones",
                    lambda _r: "Order saved.")

    def choose_copy_source(self) -> None:
        """Read the other activities in the background, then ask which one to copy from."""
        if not self.can_manage:
            return
        service, actor = self.ctx.services.activities, self.ctx.user
        ReadOp(self, self.ctx, lambda state: service.list_activities(actor), label="Copy milestones") \
            .success(self._choose_from).run_in_background()

    def _choose_from(self, activities: list[ActivitySummary]) -> None:
        others = [a for a in activities if a.id != self.activity_id]
        if not others:
            self.message.setText("There is no other activity to copy from.")
            return
        names = [a.name for a in others]
        name, ok = QInputDialog.getItem(self, "Copy milestones", "Copy the milestones of:", names, 0, False)
        if ok and name in names:
            self.copy_from(others[names.index(name)].id)

    def copy_from(self, source_id: int) -> None:
        service, actor, aid = self.ctx.services.milestones, self.ctx.user, self.activity_id
        self._write(lambda: service.copy_milestones(actor, source_id, aid), "Copy milestones",
                    lambda made: f"Copied {len(made)} milestone{'s' if len(made) != 1 else ''}.")

    # ------------------------------------------------------------------ ticking
    def _toggle(self, student_id: int, milestone_id: int, done: bool) -> None:
        service, actor = self.ctx.services.milestones, self.ctx.user
        if done:
            self._write(lambda: service.complete_milestone(actor, milestone_id, student_id), "Tick milestone")
        else:
            self._write(lambda: service.uncomplete_milestone(actor, milestone_id, student_id),
                        "Untick milestone")

    def _bulk(self, done: bool) -> None:
        mid = self.bulk_milestone.currentData()
        ids = self.selected_students()
        if mid is None or not ids or not self.can_tick:
            return
        service, actor = self.ctx.services.milestones, self.ctx.user
        title = self.bulk_milestone.currentText()
        if done:
            self._write(lambda: service.complete_for_students(actor, mid, ids), "Tick milestone",
                        lambda n: f"Ticked “{title}” for {n} more student{'s' if n != 1 else ''}.")
        else:
            self._write(lambda: service.uncomplete_for_students(actor, mid, ids), "Untick milestone",
                        lambda n: f"Unticked “{title}” for {n} student{'s' if n != 1 else ''}.")

    def tick_selected(self) -> None:
        self._bulk(True)

    def untick_selected(self) -> None:
        self._bulk(False)

    def save_note(self) -> None:
        cell = self._current_cell()
        if cell is None or not self.can_tick:
            return
        s, m = self.model.student(cell[0]), self.model.milestone(cell[1])
        assert m is not None
        text = self.note.text().strip()
        ticked = (s.id, m.id) in self.model.done
        self.model.set_done(cell[0], cell[1], True, text)
        service, actor, aid = self.ctx.services.milestones, self.ctx.user, self.activity_id
        if ticked:  # replace (or clear) the note of the tick
            self._write(lambda: service.set_completion_notes(actor, aid, s.id, {m.id: text}), "Save note",
                        lambda _r: f"Note saved for {s.name}.")
        else:  # a note on an open milestone ticks it
            self._write(lambda: service.complete_milestone(actor, m.id, s.id, notes=text), "Save note",
                        lambda _r: f"Ticked and noted for {s.name}.")

"""Award a badge by hand: the badge, the students (of the activity) and the note that says why.

Built from the Badges tab's snapshot (no read of its own): the badges the user may award, the
activity's students with those who already hold the chosen badge greyed out. The note is
required (the service refuses an award without one, and keeps it with the award). Awarding runs
as one write on the writer thread, one award per student; a student the service refuses (enrolled
meanwhile elsewhere, already awarded by a colleague) is named in the result and the others are
awarded all the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from tracker.errors import ValidationError
from tracker.services.badges import AwardInfo, BadgeInfo
from ui.context import AppContext
from ui.dialogs import WaitingDialog, alive
from ui.models.badges import BadgesSnapshot
from ui.ops import WriteOp
from ui.tasks import TaskState
from ui.widgets import SearchBox
from ui.widgets.forms import error_label
from ui.widgets.style import set_style_flag, styled_label

ID_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class AwardResult:
    awarded: list[AwardInfo]
    refused: list[str]  # the service's message for each student not awarded


class AwardDialog(WaitingDialog):
    """Pick a badge and students, write the note, Award."""

    def __init__(self, ctx: AppContext, snapshot: BadgesSnapshot, parent: QWidget | None = None, *,
                 badge_id: int | None = None, student_ids: tuple[int, ...] = ()) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.snapshot = snapshot
        self.result_value: AwardResult | None = None
        self.setWindowTitle("Award a badge")
        self.setMinimumWidth(460)
        lay = QVBoxLayout(self)
        lay.setSpacing(6)

        badge_label = QLabel("&Badge")
        lay.addWidget(badge_label)
        self.badge = QComboBox()
        self.badge.setAccessibleName("Badge")
        for b in snapshot.columns():
            if not b.archived and snapshot.may_award_badge(b):
                self.badge.addItem(b.name, b.id)
                self.badge.setItemData(self.badge.count() - 1, b.criteria_text, Qt.ItemDataRole.ToolTipRole)
        badge_label.setBuddy(self.badge)
        lay.addWidget(self.badge)

        students_label = QLabel("&Students")
        lay.addWidget(students_label)
        self.search = SearchBox("Filter students…")
        self.search.search.connect(self._filter)
        lay.addWidget(self.search)
        self.students = QListWidget()
        self.students.setAccessibleName("Students")
        self.students.setTextElideMode(Qt.TextElideMode.ElideRight)
        for student_id, name in snapshot.data.students:
            item = QListWidgetItem(name)
            item.setData(ID_ROLE, student_id)
            item.setCheckState(Qt.CheckState.Checked if student_id in student_ids else Qt.CheckState.Unchecked)
            self.students.addItem(item)
        students_label.setBuddy(self.students)
        self.search.move_down.connect(self.students.setFocus)
        lay.addWidget(self.students, 1)

        note_label = QLabel("&Note (why it is awarded)")
        lay.addWidget(note_label)
        self.note = QPlainTextEdit()
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("e.g. Led the team at the regional tournament")
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 14)
        note_label.setBuddy(self.note)
        lay.addWidget(self.note)
        self.hint = styled_label("", muted=True)
        self.hint.setWordWrap(True)
        lay.addWidget(self.hint)
        self.error = error_label()
        lay.addWidget(self.error)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Award")
        set_style_flag(self.ok, "primary")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)

        if badge_id is not None and self.badge.findData(badge_id) >= 0:
            self.badge.setCurrentIndex(self.badge.findData(badge_id))
        self.badge.currentIndexChanged.connect(lambda _i: self._badge_changed())
        self.students.itemChanged.connect(lambda _item: self._update())
        self.note.textChanged.connect(self._update)
        self._badge_changed()
        self.resize(480, 520)

    def chosen_badge(self) -> BadgeInfo | None:
        badge_id = self.badge.currentData()
        return next((b for b in self.snapshot.data.badges if b.id == badge_id), None)

    def chosen_students(self) -> list[int]:
        return [int(self.students.item(i).data(ID_ROLE)) for i in range(self.students.count())
                if self.students.item(i).checkState() == Qt.CheckState.Checked
                and self.students.item(i).flags() & Qt.ItemFlag.ItemIsEnabled]

    def _badge_changed(self) -> None:
        """Those who already hold the badge cannot be ticked (their name says since when)."""
        badge = self.chosen_badge()
        self.students.blockSignals(True)
        for i in range(self.students.count()):
            item = self.students.item(i)
            student_id = int(item.data(ID_ROLE))
            name = next(n for s, n in self.snapshot.data.students if s == student_id)
            held = self.snapshot.data.awards.get((student_id, badge.id)) if badge else None
            has_it = held is not None and not held.revoked
            item.setText(f"{name}  (has it)" if has_it else name)
            flags = item.flags() | Qt.ItemFlag.ItemIsUserCheckable
            item.setFlags(flags & ~Qt.ItemFlag.ItemIsEnabled if has_it else flags | Qt.ItemFlag.ItemIsEnabled)
        self.students.blockSignals(False)
        self._update()

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        for i in range(self.students.count()):
            item = self.students.item(i)
            item.setHidden(not all(w in item.text().lower() for w in words))

    def _update(self) -> None:
        badge, chosen, note = self.chosen_badge(), self.chosen_students(), self.note.toPlainText().strip()
        if badge is None:
            hint = "There is no badge here you may award." if not self.badge.count() else "Choose a badge."
        elif not chosen:
            hint = "Tick the students who receive it."
        elif not note:
            hint = "Write a note saying why: it is kept with the award and shown to the student."
        else:
            hint = f"{badge.name} for {len(chosen)} student{'s' if len(chosen) != 1 else ''}."
        self.hint.setText(hint)
        self.ok.setEnabled(badge is not None and bool(chosen) and bool(note) and not self.waiting)

    def accept(self) -> None:
        badge, chosen, note = self.chosen_badge(), self.chosen_students(), self.note.toPlainText().strip()
        if self.waiting or badge is None or not chosen or not note:
            return
        service, actor, badge_id = self.ctx.services.badges, self.ctx.user, badge.id

        def award_each(state: TaskState) -> AwardResult:
            awarded: list[AwardInfo] = []
            refused: list[str] = []
            for student_id in chosen:
                try:
                    awarded.append(service.award(actor, badge_id, student_id, note=note))
                except ValidationError as exc:
                    refused.append(exc.problems[0].message if exc.problems else exc.message)
            return AwardResult(awarded, refused)

        self.error.hide()
        self.start_waiting(self.ok)
        WriteOp(self, self.ctx, award_each, label="Awarding the badge").success(self._done) \
            .failure(self._failed).run_in_background()

    def _done(self, result: AwardResult) -> None:
        if not self.finish_waiting() or not alive(self):
            return
        self.result_value = result
        if result.awarded or not result.refused:
            super().accept()
            return
        self.error.setText("\n".join(result.refused))
        self.error.show()
        self._update()

    def _failed(self, exc: BaseException) -> bool:
        return self.refused(exc, self._say)

    def _say(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self._update()

"""Letters to parents (issue 14): choose the students, write a note, see the first letter, then
open, save or print them all as one PDF.

Opened from the activity's Roster tab ("Letters to parents…"). Everything the letters say is
read once in the background (``letters.students_for`` and ``letters.letter_data``), so ticking
students and typing the note redraw the preview without the database (the preview renders the
first ticked letter off the GUI thread, newest request wins). The standing filter ticks the
students in that standing; the list stays whole so a teacher can add or remove one by hand.
Open / Save as… / Print… go through :func:`ui.documents.produce`, which asks the service for
the combined PDF again (the figures as they are when it is written).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.standing import Standing
from tracker.reports.parent_letter import MAX_NOTE, LetterData
from tracker.services.letters import STANDINGS, LetterBatch, LetterStudent
from ui.context import AppContext
from ui.documents import Delivery, Document, produce
from ui.ops import ReadOp
from ui.tasks import TaskState
from ui.widgets.elided import ElidedLabel
from ui.widgets.pdf_preview import PdfPreview
from ui.widgets.style import colour, styled_label

ID_ROLE = Qt.ItemDataRole.UserRole + 1
STANDING_ROLE = Qt.ItemDataRole.UserRole + 2


def counter_text(length: int) -> str:
    """"1,234 / 2,000"."""
    return f"{length:,} / {MAX_NOTE:,}"


class LettersDialog(QDialog):
    def __init__(self, ctx: AppContext, activity_id: int, activity: str, *, standing: str | None = None,
                 chosen: list[int] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.activity_id, self.activity = ctx, activity_id, activity
        self.batch: LetterBatch | None = None
        self.loaded = False
        self.status = ""
        self._chosen = list(chosen or [])
        self.setWindowTitle(f"Letters to parents — {activity}")
        self.resize(900, 600)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 14, 16, 12)
        body = QHBoxLayout()
        body.setSpacing(14)
        outer.addLayout(body, 1)
        left = QVBoxLayout()
        body.addLayout(left, 2)

        row = QHBoxLayout()
        row.addWidget(QLabel("Tick:"))
        self.standing = QComboBox()
        self.standing.setAccessibleName("Standing filter")
        self.standing.setToolTip("Ticks the students in this standing; tick or untick anyone by hand")
        self.standing.addItem("Every student", None)
        for key, st in STANDINGS.items():
            self.standing.addItem(st.label, key)
        if standing is not None:
            self.standing.setCurrentIndex(max(0, self.standing.findData(standing.replace("_", "-"))))
        self.standing.currentIndexChanged.connect(lambda _i: self._tick_by_standing())
        row.addWidget(self.standing, 1)
        left.addLayout(row)

        self.students = QListWidget()
        self.students.setAccessibleName("Students to write to")
        self.students.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.students.setUniformItemSizes(True)
        self.students.itemChanged.connect(lambda _item: self._chosen_changed())
        left.addWidget(self.students, 3)
        self.summary = ElidedLabel("Loading the students…")
        self.summary.setAccessibleName("Letters chosen")
        left.addWidget(self.summary)

        left.addWidget(styled_label("Note from the teacher (printed in every letter)", muted=True))
        self.note = QPlainTextEdit()
        self.note.setAccessibleName("Note to parents")
        self.note.setPlaceholderText("e.g. Practice is on Tuesdays at 3:30; please encourage …")
        self.note.setTabChangesFocus(True)
        self.note.textChanged.connect(self._note_changed)
        left.addWidget(self.note, 2)
        self.counter = QLabel(counter_text(0))
        self.counter.setAccessibleName("Characters used")
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight)
        left.addWidget(self.counter)

        self.preview = PdfPreview(ctx)
        self.preview.setAccessibleName("Letter preview")
        self.preview.show_message("Loading…")
        body.addWidget(self.preview, 3)

        buttons = QHBoxLayout()
        self.said = ElidedLabel("")
        self.said.setAccessibleName("Status")
        buttons.addWidget(self.said, 1)
        self.open_button = QPushButton("Open")
        self.open_button.setToolTip("Open the letters in the PDF viewer")
        self.save_button = QPushButton("Save as…")
        self.save_button.setToolTip("Save the letters as one PDF")
        self.print_button = QPushButton("Print…")
        self.print_button.setToolTip("Print the letters (one print job)")
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        for button, delivery in ((self.open_button, Delivery.OPEN), (self.save_button, Delivery.SAVE),
                                 (self.print_button, Delivery.PRINT)):
            button.clicked.connect(lambda _=False, d=delivery: self.deliver(d))
            buttons.addWidget(button)
        buttons.addWidget(close)
        outer.addLayout(buttons)
        self._update_buttons()
        self._load()

    # ------------------------------------------------------------------ loading
    def _load(self) -> None:
        service, actor, aid = self.ctx.services.letters, self.ctx.user, self.activity_id

        def read(_state: TaskState) -> tuple[list[LetterStudent], LetterBatch | None]:
            students = service.students_for(actor, aid)
            ids = [st.student_id for st in students]
            return students, service.letter_data(actor, aid, ids) if ids else None

        ReadOp(self, self.ctx, read, label="Reading the letters").success(self._loaded).run_in_background()

    def _loaded(self, result: tuple[list[LetterStudent], LetterBatch | None]) -> None:
        students, self.batch = result
        self.students.blockSignals(True)
        for st in students:
            item = QListWidgetItem(f"{st.name} — {st.standing.label}")
            item.setToolTip(f"{st.name}: {st.standing.label.lower()}")
            item.setData(ID_ROLE, st.student_id)
            item.setData(STANDING_ROLE, st.standing.value)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.students.addItem(item)
        self.students.blockSignals(False)
        self.loaded = True
        if self._chosen:
            self.set_chosen(self._chosen)
        else:
            self._tick_by_standing()
        self.students.setFocus()

    # ------------------------------------------------------------------ choosing
    def chosen(self) -> list[int]:
        """The ticked students, in the list's (name) order."""
        return [int(item.data(ID_ROLE)) for item in self._items() if item.checkState() == Qt.CheckState.Checked]

    def set_chosen(self, ids: list[int]) -> None:
        wanted = set(ids)
        self._set_ticks(lambda item: int(item.data(ID_ROLE)) in wanted)

    def _tick_by_standing(self) -> None:
        key = self.standing.currentData()
        wanted = STANDINGS[key].value if key else None
        self._set_ticks(lambda item: wanted is None or item.data(STANDING_ROLE) == wanted)

    def _set_ticks(self, ticked: Callable[[QListWidgetItem], bool]) -> None:
        self.students.blockSignals(True)
        for item in self._items():
            item.setCheckState(Qt.CheckState.Checked if ticked(item) else Qt.CheckState.Unchecked)
        self.students.blockSignals(False)
        self._chosen_changed()
        self._show_first_ticked()

    def _show_first_ticked(self) -> None:
        """The keyboard and the scroll bar on the first letter chosen (the one previewed)."""
        items = self._items()
        first = next((i for i in items if i.checkState() == Qt.CheckState.Checked), items[0] if items else None)
        if first is not None:
            self.students.setCurrentItem(first)
            self.students.scrollToItem(first, QListWidget.ScrollHint.PositionAtTop)

    def _items(self) -> list[QListWidgetItem]:
        return [self.students.item(i) for i in range(self.students.count())]

    def _chosen_changed(self) -> None:
        n, total = len(self.chosen()), self.students.count()
        if not self.loaded:
            return
        self.summary.setText("Nobody is enrolled to write to." if not total else
                             f"{n} of {total} letter{'s' if total != 1 else ''} chosen")
        self._update_buttons()
        self._update_preview()

    def note_text(self) -> str:
        return self.note.toPlainText()

    def _note_changed(self) -> None:
        length = len(self.note_text())
        over = length > MAX_NOTE
        self.counter.setText(counter_text(length))
        self.counter.setStyleSheet(f"color: {colour('RISK').name()}; font-weight: 600;" if over else "")
        self.counter.setToolTip(f"{length - MAX_NOTE:,} characters too many" if over else
                                f"At most {MAX_NOTE:,} characters")
        self._update_buttons()
        self._update_preview()

    def _update_buttons(self) -> None:
        ready = self.loaded and bool(self.chosen()) and len(self.note_text()) <= MAX_NOTE
        for button in (self.open_button, self.save_button, self.print_button):
            button.setEnabled(ready)

    # ------------------------------------------------------------------ preview
    def first_letter(self) -> LetterData | None:
        ids = self.chosen()
        if self.batch is None or not ids:
            return None
        return next((letter for letter in self.batch.letters if letter.student_id == ids[0]), None)

    def _update_preview(self) -> None:
        letter, batch = self.first_letter(), self.batch
        if letter is None or batch is None:
            self.preview.show_message("Tick a student to see their letter." if self.students.count() else
                                      "Nobody is enrolled in this activity yet.")
            return
        if len(self.note_text()) > MAX_NOTE:
            self.preview.show_message(f"The note is longer than {MAX_NOTE:,} characters.")
            return
        note, head = self.note_text(), batch.head

        def build() -> bytes:
            from tracker.reports.parent_letter import letters_bytes

            return letters_bytes(head, [letter], note=note)

        self.preview.show_pdf(build)

    # ------------------------------------------------------------------ delivery
    def deliver(self, delivery: Delivery) -> bool:
        """All the ticked letters as one PDF, written off the GUI thread, then opened, saved or
        printed."""
        ids, note = self.chosen(), self.note_text()
        if not ids or len(note) > MAX_NOTE:
            return False
        service, actor, aid = self.ctx.services.letters, self.ctx.user, self.activity_id
        document = Document("Letters to parents", f"Letters to parents {self.activity} {date.today():%Y-%m-%d}.pdf",
                            lambda state, path: path.write_bytes(service.letters_pdf(actor, aid, ids, note=note)),
                            noun="letters")
        return produce(self, self.ctx, document, delivery, done=self._said)

    def _said(self, text: str) -> None:
        self.status = text
        self.said.setText(text)


def open_letters_dialog(parent: QWidget, ctx: AppContext, activity_id: int, activity: str, *,
                        standing: str | Standing | None = None, chosen: list[int] | None = None) -> LettersDialog:
    """The dialog, window-modal, deleted when closed."""
    key = standing.value if isinstance(standing, Standing) else standing
    dialog = LettersDialog(ctx, activity_id, activity, standing=key, chosen=chosen, parent=parent)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog

"""Attendance statuses (administrators): code, label, colour and what each one counts as.

Left: the statuses (inactive ones greyed); right: the selected one's form. "New status" starts
an empty form; Save writes through ``services.attendance.save_status`` (codes are one letter,
unique; the service says so when they are not). Reads and the save run in the background; the
save publishes what the service changed (the statuses are settings that every attendance view
shows).
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tracker.services.attendance import StatusInfo
from ui.context import AppContext
from ui.dialogs import WaitingDialog
from ui.ops import ReadOp, WriteOp
from ui.widgets.forms import error_label
from ui.widgets.style import set_style_flag


def swatch(colour: str, size: int = 14) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(colour) if QColor.isValidColorName(colour) else QColor("#888888"))
    return QIcon(pixmap)


class StatusDialog(WaitingDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.statuses: list[StatusInfo] = []
        self.editing: int | None = None
        self.changed = False
        self._colour = "#0072B2"
        self.setWindowTitle("Attendance statuses")
        self.resize(640, 400)
        lay = QVBoxLayout(self)
        note = QLabel("The statuses teachers mark with one key. A status that counts as present raises "
                      "the rate; one that does not count in the rate (Excused) leaves it alone.")
        note.setWordWrap(True)
        set_style_flag(note, "muted")
        lay.addWidget(note)
        body = QHBoxLayout()
        left = QVBoxLayout()
        self.list = QListWidget()
        self.list.setAccessibleName("Statuses")
        self.list.currentRowChanged.connect(self._selected)
        left.addWidget(self.list, 1)
        self.new_button = QPushButton("New status")
        self.new_button.clicked.connect(self.new_status)
        left.addWidget(self.new_button)
        body.addLayout(left, 2)

        form = QFormLayout()
        self.code = QLineEdit()
        self.code.setMaxLength(1)
        self.code.setAccessibleName("Code")
        self.code.setPlaceholderText("one letter, e.g. P")
        self.label = QLineEdit()
        self.label.setAccessibleName("Label")
        self.label.setPlaceholderText("e.g. Present")
        self.colour_button = QPushButton("Choose…")
        self.colour_button.setAccessibleName("Colour")
        self.colour_button.clicked.connect(self.choose_colour)
        self.present = QCheckBox("Counts as present")
        self.in_rate = QCheckBox("Counts in the attendance rate")
        self.active = QCheckBox("Active (offered when marking)")
        form.addRow("Code", self.code)
        form.addRow("Label", self.label)
        form.addRow("Colour", self.colour_button)
        form.addRow("", self.present)
        form.addRow("", self.in_rate)
        form.addRow("", self.active)
        self.error = error_label()
        form.addRow("", self.error)
        self.save_button = QPushButton("Save status")
        set_style_flag(self.save_button, "primary")
        self.save_button.clicked.connect(self.save)
        form.addRow("", self.save_button)
        body.addLayout(form, 3)
        lay.addLayout(body, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.load()

    def load(self, select: int | None = None) -> None:
        """Read the statuses in the background, then show them with ``select`` current."""
        service, actor = self.ctx.services.attendance, self.ctx.user
        ReadOp(self, self.ctx, lambda state: service.statuses(actor, include_inactive=True),
               label="Attendance statuses") \
            .success(lambda statuses: self._loaded(statuses, select)).run_in_background()

    def _loaded(self, statuses: list[StatusInfo], select: int | None) -> None:
        self.statuses = sorted(statuses, key=lambda s: s.sort_order)
        self.list.blockSignals(True)
        self.list.clear()
        for s in self.statuses:
            item = QListWidgetItem(swatch(s.colour), f"{s.code}  {s.label}" + ("" if s.active else "  (inactive)"))
            if not s.active:
                item.setForeground(QColor("#8a94a3"))
            self.list.addItem(item)
        self.list.blockSignals(False)
        row = next((i for i, s in enumerate(self.statuses) if s.id == select), 0)
        if self.statuses:
            self.list.setCurrentRow(row)
            self._selected(row)
        else:
            self.new_status()

    def _set_colour(self, colour: str) -> None:
        self._colour = colour
        self.colour_button.setIcon(swatch(colour))
        self.colour_button.setText(colour.upper())

    def _selected(self, row: int) -> None:
        if not 0 <= row < len(self.statuses):
            return
        s = self.statuses[row]
        self.editing = s.id
        self.code.setText(s.code)
        self.label.setText(s.label)
        self._set_colour(s.colour)
        self.present.setChecked(s.counts_as_present)
        self.in_rate.setChecked(s.counts_in_rate)
        self.active.setChecked(s.active)
        self.error.hide()

    def new_status(self) -> None:
        self.editing = None
        self.list.clearSelection()
        self.code.clear()
        self.label.clear()
        self._set_colour("#56B4E9")
        self.present.setChecked(False)
        self.in_rate.setChecked(True)
        self.active.setChecked(True)
        self.code.setFocus()

    def choose_colour(self) -> None:
        chosen = QColorDialog.getColor(QColor(self._colour), self, "Status colour")
        if chosen.isValid():
            self._set_colour(chosen.name())

    def save(self) -> bool:
        """Save the form in the background (Save is disabled meanwhile). False when a save is
        already running."""
        if self.waiting:
            return False
        service, actor, editing = self.ctx.services.attendance, self.ctx.user, self.editing
        code, label, colour = self.code.text().strip().upper(), self.label.text().strip(), self._colour
        present, in_rate, active = self.present.isChecked(), self.in_rate.isChecked(), self.active.isChecked()
        self.start_waiting(self.save_button)
        WriteOp(self, self.ctx, lambda state: service.save_status(
            actor, editing, code=code, label=label, colour=colour, counts_as_present=present,
            counts_in_rate=in_rate, active=active), label="Attendance statuses") \
            .success(self._saved).failure(self._refused).run_in_background()
        return True

    def _saved(self, saved: StatusInfo) -> None:
        if not self.finish_waiting():
            return
        self.changed = True
        self.error.hide()
        self.load(select=saved.id)

    def _refused(self, exc: BaseException) -> bool:
        return self.refused(exc, self._show_error)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

"""Choosing the date range of an attendance register before it is saved or printed."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from ui.widgets.style import set_style_flag


class RegisterRangeDialog(QDialog):
    """From / To dates (default: the activity's sessions so far), then Save PDF… or Print…."""

    SAVE, PRINT = 1, 2

    def __init__(self, first: date, last: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Attendance register")
        self.choice = 0
        self.setMinimumWidth(400)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 18, 20, 16)
        outer.setSpacing(12)
        hint = QLabel("Sessions in this range go on the register, with each student's rate over it.")
        hint.setWordWrap(True)
        set_style_flag(hint, "muted")
        outer.addWidget(hint)
        form = QFormLayout()
        self.start = QDateEdit(QDate(first.year, first.month, first.day))
        self.end = QDateEdit(QDate(last.year, last.month, last.day))
        for edit, name in ((self.start, "From"), (self.end, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("ddd d MMM yyyy")
            edit.setAccessibleName(name)
            form.addRow(name, edit)
        outer.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton("Save PDF…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.print_button = buttons.addButton("Print…", QDialogButtonBox.ButtonRole.AcceptRole)
        set_style_flag(self.save_button, "primary")
        self.save_button.clicked.connect(lambda: self._choose(self.SAVE))
        self.print_button.clicked.connect(lambda: self._choose(self.PRINT))
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        self.start.dateChanged.connect(self._check)
        self.end.dateChanged.connect(self._check)

    def _check(self) -> None:
        ok = self.start.date() <= self.end.date()
        self.save_button.setEnabled(ok)
        self.print_button.setEnabled(ok)

    def _choose(self, choice: int) -> None:
        self.choice = choice
        self.accept()

    def range(self) -> tuple[date, date]:
        return self.start.date().toPython(), self.end.date().toPython()  # type: ignore[return-value]

"""Add or edit a milestone: title, description, points, required, optional due date.

The dialog only collects the values (``values()``); the Milestones tab writes them through the
milestone service and shows what the service says when they are refused."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tracker.services.milestones import MilestoneRow
from ui.widgets.forms import error_label


class MilestoneDialog(QDialog):
    def __init__(self, milestone: MilestoneRow | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.milestone = milestone
        self.setWindowTitle("Edit milestone" if milestone else "New milestone")
        self.resize(440, 320)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.title = QLineEdit(milestone.title if milestone else "")
        self.title.setMaxLength(200)
        self.title.setAccessibleName("Title")
        self.title.setPlaceholderText("e.g. Opening principles")
        form.addRow("&Title", self.title)
        self.description = QPlainTextEdit(milestone.description if milestone else "")
        self.description.setAccessibleName("Description")
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(80)
        form.addRow("&Description", self.description)
        self.points = QSpinBox()
        self.points.setRange(0, 10_000)
        self.points.setValue(milestone.points if milestone else 0)
        self.points.setAccessibleName("Points")
        self.points.setToolTip("Progress counts points; with no points set anywhere it counts milestones")
        form.addRow("&Points", self.points)
        self.required = QCheckBox("Required to complete the activity")
        self.required.setChecked(milestone.required if milestone else True)
        form.addRow("", self.required)
        due = QHBoxLayout()
        self.has_due = QCheckBox("Due on")
        self.due = QDateEdit()
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("d MMM yyyy")
        self.due.setAccessibleName("Due date")
        when = milestone.due_date if milestone and milestone.due_date else None
        self.has_due.setChecked(when is not None)
        self.due.setDate(QDate(when.year, when.month, when.day) if when else QDate.currentDate().addDays(28))
        self.due.setEnabled(when is not None)
        self.has_due.toggled.connect(self.due.setEnabled)
        due.addWidget(self.has_due)
        due.addWidget(self.due, 1)
        form.addRow("Due date", due)
        lay.addLayout(form)
        self.error = error_label()
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def values(self) -> dict[str, Any]:
        due: date | None = self.due.date().toPython() if self.has_due.isChecked() else None  # type: ignore[assignment]
        return {"title": self.title.text().strip(), "description": self.description.toPlainText().strip(),
                "points": self.points.value(), "required": self.required.isChecked(), "due_date": due}

    def accept(self) -> None:
        if not self.title.text().strip():
            self.error.setText("A milestone needs a title.")
            self.error.show()
            self.title.setFocus()
            return
        super().accept()

"""Assess one student or a selection on one skill: skill, level (from its rubric), date, evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from tracker.services.skills import ActivitySkillRow, RubricLevelRow


@dataclass(frozen=True)
class AssessInput:
    skill_id: int
    level: int
    assessed_on: date
    evidence: str


class AssessDialog(QDialog):
    def __init__(self, skills: list[ActivitySkillRow], rubrics: dict[int, tuple[RubricLevelRow, ...]],
                 students: list[str], parent: QWidget | None = None, *, skill_id: int | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Assess skill")
        self.rubrics = rubrics
        layout = QVBoxLayout(self)
        who = ", ".join(students[:3]) + (f" and {len(students) - 3} more" if len(students) > 3 else "")
        self.who = QLabel(f"Assessing {len(students)} student{'s' if len(students) != 1 else ''}: {who}")
        self.who.setWordWrap(True)
        layout.addWidget(self.who)
        form = QFormLayout()
        self.skill = QComboBox()
        self.skill.setAccessibleName("Skill")
        for k in skills:
            self.skill.addItem(k.name, k.skill_id)
        self.level = QComboBox()
        self.level.setAccessibleName("Level")
        self.day = QDateEdit(QDate.currentDate())
        self.day.setCalendarPopup(True)
        self.day.setMaximumDate(QDate.currentDate())
        self.day.setAccessibleName("Date")
        self.evidence = QPlainTextEdit()
        self.evidence.setPlaceholderText("What did you see? (optional)")
        self.evidence.setAccessibleName("Evidence")
        self.evidence.setFixedHeight(90)
        form.addRow("&Skill", self.skill)
        form.addRow("&Level", self.level)
        form.addRow("&Date", self.day)
        form.addRow("&Evidence", self.evidence)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Assess")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.skill.currentIndexChanged.connect(lambda _i: self._fill_levels())
        if skill_id is not None and (i := self.skill.findData(skill_id)) >= 0:
            self.skill.setCurrentIndex(i)
        self._fill_levels()

    def _fill_levels(self) -> None:
        self.level.clear()
        skill_id = self.skill.currentData()
        for lv in self.rubrics.get(skill_id, ()) if skill_id is not None else ():
            self.level.addItem(f"{lv.level} · {lv.name}", lv.level)
            self.level.setItemData(self.level.count() - 1, lv.description, 3)  # ToolTipRole
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(self.level.count() > 0)

    def value(self) -> AssessInput:
        return AssessInput(int(self.skill.currentData()), int(self.level.currentData()),
                           self.day.date().toPython(), self.evidence.toPlainText().strip())  # type: ignore[arg-type]

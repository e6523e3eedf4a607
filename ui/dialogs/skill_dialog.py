"""Create or edit a catalog skill: name, category, description. Problems appear under their fields."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCompleter,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from tracker.services.skills import CatalogRow
from ui.context import AppContext
from ui.widgets.forms import FormDialog


def _field(widget: QWidget, error: QWidget) -> QWidget:
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(2)
    lay.addWidget(widget)
    lay.addWidget(error)
    return box


class SkillDialog(FormDialog):
    """New skill (skill is None) or edit; saving calls services.skills in the background."""

    def __init__(self, ctx: AppContext, skill: CatalogRow | None = None, *,
                 categories: Sequence[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.skill = skill
        self.setWindowTitle(f"Edit {skill.name}" if skill else "New skill")
        self.setMinimumWidth(460)
        outer = QVBoxLayout(self)
        outer.addWidget(self.general_error)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        outer.addLayout(form)

        self.name = QLineEdit(skill.name if skill else "")
        self.name.setPlaceholderText("e.g. Teamwork, Public speaking, Coding")
        self.name.setAccessibleName("Skill name")
        self.name.setMaxLength(200)  # the service says what is too long, under the field
        form.addRow("Name:", _field(self.name, self.field_error("name", self.name)))

        self.category = QLineEdit(skill.category if skill else "")
        self.category.setPlaceholderText("optional, e.g. Social, Communication, Technical")
        self.category.setAccessibleName("Category")
        known = sorted({c for c in categories if c}, key=str.lower)
        if known:
            completer = QCompleter(known, self.category)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            self.category.setCompleter(completer)
        form.addRow("Category:", _field(self.category, self.field_error("category", self.category)))

        self.description = QPlainTextEdit(skill.description if skill else "")
        self.description.setPlaceholderText("What the skill means at this school (optional)")
        self.description.setAccessibleName("Description")
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(96)
        form.addRow("Description:", _field(self.description,
                                           self.field_error("description", self.description)))
        outer.addStretch(1)
        outer.addWidget(self.buttons)
        self.ok_button.setText("Save" if skill else "Create")
        self.name.setFocus()

    def submit(self) -> Callable[[], Any] | None:
        name, category = self.name.text(), self.category.text()
        description = self.description.toPlainText()
        skills, actor = self.ctx.services.skills, self.ctx.user
        if self.skill is None:
            return lambda: skills.create_skill(actor, name, category, description)
        skill_id = self.skill.id
        return lambda: skills.update_skill(actor, skill_id, name, category, description)


__all__ = ["SkillDialog"]

"""Edit a rubric: the school default (every skill without levels of its own uses it) or one
skill's own levels, with "use the school default" to go back to it.

Level numbers are what assessments store, so they are shown and kept as they are: adding a level
takes the next number, removing one drops that number (the service refuses to drop a level that
assessments use, and the message appears under the table).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tracker.services.skills import CatalogRow, RubricLevelRow
from ui.context import AppContext
from ui.ops import ReadOp
from ui.tasks import TaskState
from ui.widgets.forms import FormDialog
from ui.widgets.style import styled_label

LEVEL, NAME, DESCRIPTION = range(3)
Levels = list[tuple[int, str, str]]


class RubricDialog(FormDialog):
    """skill None: the school default rubric; else that skill's rubric."""

    def __init__(self, ctx: AppContext, skill: CatalogRow | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.skill = skill
        self.default_levels: Levels = []
        self.own_levels: Levels = []
        self.loaded = False
        self.setWindowTitle(f"Rubric of {skill.name}" if skill else "School default rubric")
        self.setMinimumWidth(640)
        outer = QVBoxLayout(self)
        if skill is None:
            text = ("The levels every skill is assessed on unless it has a rubric of its own. "
                    "A level that assessments already use cannot be removed.")
        else:
            text = (f"The levels <b>{skill.name}</b> is assessed on. A skill uses the school "
                    "default rubric unless it has levels of its own.")
        intro = QLabel(text)
        intro.setWordWrap(True)
        outer.addWidget(intro)
        outer.addWidget(self.general_error)

        self.use_default = QCheckBox("Use the school default rubric")
        self.use_default.setToolTip("Untick to give this skill levels of its own")
        self.use_default.setVisible(skill is not None)
        self.use_default.setEnabled(False)
        self.use_default.toggled.connect(self._use_default_toggled)
        outer.addWidget(self.use_default)

        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Level", "Name", "Description"])
        self.table.setAccessibleName("Rubric levels")
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        header = self.table.horizontalHeader()
        header.resizeSection(LEVEL, 64)
        header.resizeSection(NAME, 170)
        header.setSectionResizeMode(DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(200)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        outer.addWidget(self.table, 1)
        outer.addWidget(self.field_error("level", self.table, "name", "description"))

        row = QHBoxLayout()
        self.add_button = QPushButton("Add level")
        self.add_button.setToolTip("Add a level after the highest one")
        self.add_button.clicked.connect(self.add_level)
        row.addWidget(self.add_button)
        self.remove_button = QPushButton("Remove level")
        self.remove_button.setToolTip("Remove the selected levels")
        self.remove_button.clicked.connect(self.remove_selected)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        self.hint = styled_label("Double-click or type to edit a cell.", muted=True)
        row.addWidget(self.hint)
        outer.addLayout(row)
        outer.addWidget(self.buttons)
        self.ok_button.setText("Save")
        self.ok_button.setEnabled(False)
        self._set_editable(False)
        self.resize(680, 420)
        self._load()

    # ------------------------------------------------------------------ loading
    def _load(self) -> None:
        skills, actor = self.ctx.services.skills, self.ctx.user
        skill_id = self.skill.id if self.skill else None

        def work(state: TaskState) -> tuple[list[RubricLevelRow], list[RubricLevelRow]]:
            default = skills.rubric(actor, None)
            return default, (skills.rubric(actor, skill_id) if skill_id is not None else default)

        ReadOp(self, self.ctx, work, label="Loading the rubric") \
            .success(self._loaded).failure(self._failed_to_load).run_in_background()

    def _loaded(self, result: tuple[list[RubricLevelRow], list[RubricLevelRow]]) -> None:
        default, levels = result
        self.default_levels = [(r.level, r.name, r.description) for r in default]
        self.loaded = True
        self.ok_button.setEnabled(True)
        if self.skill is None:
            self.set_levels(self.default_levels)
            self._set_editable(True)
            return
        own = self.skill.own_levels > 0
        self.own_levels = [(r.level, r.name, r.description) for r in levels] if own else []
        self.use_default.setEnabled(True)
        self.use_default.blockSignals(True)
        self.use_default.setChecked(not own)
        self.use_default.blockSignals(False)
        self._use_default_toggled(not own)

    def _failed_to_load(self, exc: BaseException) -> bool:
        self.general_error.setText(f"The rubric could not be loaded: {exc}")
        self.general_error.show()
        return True

    # ------------------------------------------------------------------ editing
    def set_levels(self, levels: Sequence[tuple[int, str, str]]) -> None:
        self.table.setRowCount(0)
        for level, name, description in levels:
            self._append(level, name, description)
        self._update_buttons()

    def _append(self, level: int, name: str, description: str) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        number = QTableWidgetItem()
        number.setData(Qt.ItemDataRole.EditRole, level)
        number.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table.setItem(row, LEVEL, number)
        self.table.setItem(row, NAME, QTableWidgetItem(name))
        self.table.setItem(row, DESCRIPTION, QTableWidgetItem(description))
        return row

    def levels(self) -> Levels:
        """The levels as the table shows them: (level, name, description)."""
        out: Levels = []
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, c) for c in (LEVEL, NAME, DESCRIPTION)]
            level = cells[0].data(Qt.ItemDataRole.EditRole) if cells[0] else None
            out.append((int(level) if level is not None else 0,
                        cells[1].text() if cells[1] else "", cells[2].text() if cells[2] else ""))
        return out

    def add_level(self) -> int:
        numbers = [lv for lv, _n, _d in self.levels()]
        row = self._append(max(numbers, default=0) + 1, "", "")
        self.table.setCurrentCell(row, NAME)
        item = self.table.item(row, NAME)
        if item is not None:
            self.table.editItem(item)
        self._update_buttons()
        return row

    def remove_selected(self) -> None:
        for row in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)
        self._update_buttons()

    def _use_default_toggled(self, on: bool) -> None:
        if on:
            if self.table.isEnabled():  # keep what was typed in case it is unticked again
                self.own_levels = self.levels()
            self.set_levels(self.default_levels)
        else:
            self.set_levels(self.own_levels or self.default_levels)  # start from the default
        self._set_editable(not on)

    def _set_editable(self, on: bool) -> None:
        self.table.setEnabled(on)
        self.add_button.setEnabled(on)
        self.hint.setVisible(on)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.table.isEnabled() and bool(self.table.selectedIndexes()))

    # ------------------------------------------------------------------ saving
    def submit(self) -> Callable[[], Any] | None:
        if not self.loaded:
            return None
        editor = QApplication.focusWidget()
        if editor is not None and self.table.isAncestorOf(editor):  # the cell being typed in
            self.table.commitData(editor)
            self.table.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
        skills, actor = self.ctx.services.skills, self.ctx.user
        skill_id = self.skill.id if self.skill else None
        levels: Levels = [] if skill_id is not None and self.use_default.isChecked() else self.levels()
        return lambda: skills.set_rubric(actor, skill_id, levels)


__all__ = ["RubricDialog"]

"""Choose an activity's target skills from the school catalog, each with an optional target level."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tracker.services.skills import ActivitySkillRow, RubricLevelRow


class TargetSkillsDialog(QDialog):
    def __init__(self, catalog: list[ActivitySkillRow], rubrics: dict[int, tuple[RubricLevelRow, ...]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Target skills")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Tick the skills this activity works on, and the level to aim for."))
        self.table = QTableWidget(len(catalog), 2)
        self.table.setHorizontalHeaderLabels(["Skill", "Target level"])
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().hide()
        self.table.setColumnWidth(0, 260)
        self.table.setColumnWidth(1, 200)
        self.table.setAccessibleName("Target skills")
        self.combos: list[QComboBox] = []
        for row, k in enumerate(catalog):
            item = QTableWidgetItem(k.name + (f"  ({k.category})" if k.category else ""))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if k.target else Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, k.skill_id)
            self.table.setItem(row, 0, item)
            combo = QComboBox()
            combo.setAccessibleName(f"Target level for {k.name}")
            combo.addItem("No particular level", None)
            for lv in rubrics.get(k.skill_id, ()):
                combo.addItem(f"{lv.level} · {lv.name}", lv.level)
            i = combo.findData(k.target_level) if k.target_level is not None else 0
            combo.setCurrentIndex(max(i, 0))
            self.table.setCellWidget(row, 1, combo)
            self.combos.append(combo)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, 420)

    def set_checked(self, skill_id: int, checked: bool, level: int | None = None) -> None:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == skill_id:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                combo = self.combos[row]
                combo.setCurrentIndex(max(combo.findData(level), 0) if level is not None else 0)

    def value(self) -> list[tuple[int, int | None]]:
        out: list[tuple[int, int | None]] = []
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                out.append((int(item.data(Qt.ItemDataRole.UserRole)), self.combos[row].currentData()))
        return out

"""About Activity Tracker: what it is, which version, which database, which Qt and Python."""

from __future__ import annotations

import platform

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from tracker import __version__
from ui import resources
from ui.context import AppContext
from ui.widgets.elided import ElidedLabel

DESCRIPTION = (
    "Track students' progress in extracurricular activities: enrollment, milestones, "
    "attendance and completion, for staff, students and parents."
)


class AboutDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Activity Tracker")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(26, 24, 26, 20)
        layout.setSpacing(14)

        top = QHBoxLayout()
        top.setSpacing(16)
        picture = QLabel()
        picture.setPixmap(resources.pixmap("app", 64))
        picture.setFixedSize(68, 68)
        top.addWidget(picture, 0, Qt.AlignmentFlag.AlignTop)
        names = QVBoxLayout()
        names.setSpacing(4)
        title = QLabel("Activity Tracker")
        title.setProperty("heading", "1")
        names.addWidget(title)
        self.version_label = QLabel(f"Version {__version__}")
        self.version_label.setProperty("muted", True)
        names.addWidget(self.version_label)
        text = QLabel(DESCRIPTION)
        text.setWordWrap(True)
        names.addWidget(text)
        top.addLayout(names, 1)
        layout.addLayout(top)

        facts = QFormLayout()
        facts.setHorizontalSpacing(14)
        facts.setVerticalSpacing(6)
        facts.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.database_label = ElidedLabel(ctx.db_description or "—", mode=Qt.TextElideMode.ElideMiddle)
        self.database_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        facts.addRow(self._muted("Database"), self.database_label)
        facts.addRow(self._muted("Qt"), QLabel(f"{qVersion()} (PySide6 {PySide6.__version__})"))
        facts.addRow(self._muted("Python"), QLabel(f"{platform.python_version()} on {platform.system()}"))
        layout.addLayout(facts)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)

    @staticmethod
    def _muted(text: str) -> QLabel:
        label = QLabel(text)
        label.setProperty("muted", True)
        return label

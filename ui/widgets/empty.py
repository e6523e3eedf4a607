"""A friendly empty state: a title and a sentence saying what to do, centred."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.widgets.style import set_style_flag


class EmptyState(QWidget):
    def __init__(self, title: str = "", message: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 32, 24, 32)
        lay.addStretch(1)
        self.title_label = QLabel(title)
        set_style_flag(self.title_label, "heading", "2")
        self.message_label = QLabel(message)
        set_style_flag(self.message_label, "muted")
        self.message_label.setWordWrap(True)
        for label in (self.title_label, self.message_label):
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            lay.addWidget(label)
        lay.addStretch(2)

    def set_text(self, title: str, message: str = "") -> None:
        self.title_label.setText(title)
        self.message_label.setText(message)
        self.message_label.setVisible(bool(message))

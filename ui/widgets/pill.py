"""A status pill as a label (for cards; tables use StatusPillDelegate)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from ui.widgets.style import status_colour, status_label


class StatusPill(QLabel):
    def __init__(self, status: object = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusPill")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.set_status(status)

    def set_status(self, status: object) -> None:
        self.status = str(getattr(status, "value", status) or "")
        self.setText(status_label(status))
        base = status_colour(status)
        self.setStyleSheet(  # the pill's colour depends on the data, so it cannot be a theme rule
            f"QLabel#statusPill {{ color: {base.darker(115).name()};"
            f" background: rgba({base.red()},{base.green()},{base.blue()},36);"
            " border-radius: 9px; padding: 1px 10px; font-weight: 600; }")
        self.setAccessibleName(f"Status: {self.text()}")

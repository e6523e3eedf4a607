"""A KPI card: a big number over a short caption, on a themed card.

Cards share a row, so on a small screen each gets little width: the caption and the hint are
cut with "…" (the whole text in the tooltip) rather than widening the row or being clipped.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ui.widgets.elided import ElidedLabel
from ui.widgets.style import set_style_flag


class KpiCard(QFrame):
    def __init__(self, caption: str, value: str = "—", hint: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_style_flag(self, "card")
        self.setObjectName("kpiCard")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(110)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 12, 16, 12)
        lay.setSpacing(2)
        self.value_label = QLabel(value)
        set_style_flag(self.value_label, "kpi")
        self.value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.value_label.font()
        if font.pointSizeF() < 18:  # before the theme styles it
            font.setPointSizeF(20)
            font.setBold(True)
            self.value_label.setFont(font)
        self.caption_label = ElidedLabel(caption)
        set_style_flag(self.caption_label, "kpiCaption")
        self.hint_label = ElidedLabel(hint or "\u00a0")  # always there: cards in a row stay level
        set_style_flag(self.hint_label, "muted")
        lay.addWidget(self.value_label)
        lay.addWidget(self.caption_label)
        lay.addWidget(self.hint_label)
        self.setAccessibleName(caption)

    def set_value(self, value: str, hint: str | None = None) -> None:
        self.value_label.setText(value)
        self.setAccessibleDescription(f"{self.caption_label.full_text()}: {value}")
        if hint is not None:
            self.hint_label.setText(hint or "\u00a0")

    def value(self) -> str:
        return self.value_label.text()

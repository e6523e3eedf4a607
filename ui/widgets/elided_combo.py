"""A combo box whose current text is elided with "…" when it does not fit.

A plain QComboBox cuts the current text off mid-letter ("Safety and warr") when its row is
squeezed; this one shows "Safety and w…" and has the whole text in its tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox, QStylePainter, QWidget


class ElidedComboBox(QComboBox):
    """Paints its current text elided to the edit field; the tooltip is the whole text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.currentTextChanged.connect(self.setToolTip)

    def shown_text(self) -> str:
        """The current text as painted (elided to the field's width)."""
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        field = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                            QStyle.SubControl.SC_ComboBoxEditField, self)
        return self.fontMetrics().elidedText(opt.currentText, Qt.TextElideMode.ElideRight, max(field.width() - 4, 0))

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:  # hovered before a paint caught up with the text
            self._sync_tooltip()
        return super().event(event)

    def _sync_tooltip(self) -> None:
        if self.toolTip() != self.currentText():  # filled with its signals blocked
            self.setToolTip(self.currentText())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QStylePainter(self)
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, opt)
        opt.currentText = self.shown_text()
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, opt)
        self._sync_tooltip()

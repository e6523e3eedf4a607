"""A label for text that may not fit its room: elided with "…", the whole text in its tooltip.

A plain QLabel asks for the width of its whole text, so a long caption or summary widens the page
(or, in a squeezed row, overlaps its neighbours). This one asks only for a little room and shows
what fits; ``text()`` is what is shown (ending with "…" when elided), :meth:`full_text` the whole.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

ELLIPSIS = "…"


class ElidedLabel(QLabel):
    """One line of text, elided to the label's width (on the right, or in the middle for a
    path); while it is elided, the tooltip has the whole text."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *,
                 mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight) -> None:
        super().__init__(parent)
        self._mode = mode  # ElideMiddle for paths: both the folder's start and the file name show
        self._full = ""
        self._tipped = False  # the tooltip is ours (the whole text), not one set from outside
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._full = text
        self._elide()
        self.updateGeometry()

    def full_text(self) -> str:
        return self._full

    def is_elided(self) -> bool:
        return super().text() != self._full

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        m = self.contentsMargins()
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + m.left() + m.right() + 2,
                     super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        width = self.fontMetrics().horizontalAdvance("xxxxxx" + ELLIPSIS)
        return QSize(min(width, self.sizeHint().width()), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = self.contentsRect().width()
        shown = self.fontMetrics().elidedText(self._full, self._mode, width) \
            if width > 0 else self._full
        if shown != super().text():
            super().setText(shown)
        if shown != self._full:
            self.setToolTip(self._full)
            self._tipped = True
        elif self._tipped:
            self.setToolTip("")
            self._tipped = False

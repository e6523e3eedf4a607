"""A search box that reports its text after a short pause in typing."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget


class SearchBox(QLineEdit):
    #: the text to search for, emitted ``delay_ms`` after the last keystroke (at once on Enter)
    search = Signal(str)
    #: Down arrow pressed: the page moves the focus to its list
    move_down = Signal()

    def __init__(self, placeholder: str = "Search…", *, delay_ms: int = 150,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.setClearButtonEnabled(True)
        self.setAccessibleName(placeholder.rstrip("…."))
        self.setMinimumWidth(260)
        self.setMaximumWidth(420)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._emit)
        self.textChanged.connect(lambda _t: self._timer.start())
        self.returnPressed.connect(self._emit)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self._emit()
            self.move_down.emit()
            return
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            self._emit()
            return
        super().keyPressEvent(event)

    def _emit(self) -> None:
        self._timer.stop()
        self.search.emit(self.text().strip())

    def flush(self) -> None:
        """Emit now (tests, or when a page wants the filter applied immediately)."""
        self._emit()

    def focus_all(self) -> None:
        """Focus the box with its text selected (the pages' Find shortcut, Ctrl+F)."""
        self.setFocus()
        self.selectAll()

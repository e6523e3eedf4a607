"""Find a student by name in a long list without leaving the keyboard.

A field shown on demand (Ctrl+F or "/" in the take-attendance screen): typing goes to the first
name that contains the text (case and accents ignored), ↓/↑ to the next/previous match, Enter
stays on the match and gives the keys back to the list, Esc closes. The list is reached only
through two callables, so the finder knows nothing of models.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget

from ui.widgets.style import set_style_flag


class FindField(QLineEdit):
    """The name to find: ↓/↑ go to the next/previous match, Esc closes (Enter: returnPressed)."""

    step = Signal(int)
    closed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() == Qt.Key.Key_Down:
            self.step.emit(1)
        elif event.key() == Qt.Key.Key_Up:
            self.step.emit(-1)
        elif event.key() == Qt.Key.Key_Escape:
            self.closed.emit()  # accepted here: Esc closes the finder, not the dialog around it
        else:
            super().keyPressEvent(event)


class StudentFinder(QWidget):
    """The find bar. ``matches(text)`` gives the rows whose name matches; ``go(row)`` makes a row
    current. ``finished`` is emitted when it closes (Enter or Esc): the list takes the keys back."""

    finished = Signal()

    def __init__(self, matches: Callable[[str], list[int]], go: Callable[[int], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._matches_of = matches
        self._go = go
        self._matches: list[int] = []
        self._at = 0
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("Find student"))
        self.field = FindField()
        self.field.setAccessibleName("Find student")
        self.field.setPlaceholderText("Type a name · ↓ ↑ next match · Enter goes to it · Esc closes")
        self.field.textChanged.connect(self._find)
        self.field.step.connect(self._step)
        self.field.returnPressed.connect(self._found)
        self.field.closed.connect(self.close_finder)
        lay.addWidget(self.field, 1)
        self.count = QLabel("")
        self.count.setMinimumWidth(self.count.fontMetrics().horizontalAdvance("No match") + 8)
        set_style_flag(self.count, "muted")
        lay.addWidget(self.count)
        self.hide()

    def open_finder(self) -> None:
        """Show the field with what was typed last selected, and go to its match again."""
        self.show()
        self.field.setFocus()
        self.field.selectAll()
        self._find(self.field.text())

    def close_finder(self) -> None:
        self.hide()
        self.finished.emit()

    def _find(self, text: str) -> None:
        self._matches = self._matches_of(text)
        self._at = 0
        self._show()

    def _step(self, delta: int) -> None:
        if self._matches:
            self._at = (self._at + delta) % len(self._matches)
            self._show()

    def _show(self) -> None:
        if not self.field.text().strip():
            self.count.setText("")
        elif not self._matches:
            self.count.setText("No match")
        else:
            self.count.setText(f"{self._at + 1} of {len(self._matches)}")
            self._go(self._matches[self._at])

    def _found(self) -> None:
        """Enter: on the match, and the list takes the keys back."""
        if self._matches:
            self._go(self._matches[self._at])
        self.close_finder()

"""A search box that reports its text after a short pause in typing, and what a list page does
with it from the keyboard: Down goes to the list, Enter opens the one match."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QWidget


class SearchBox(QLineEdit):
    #: the text to search for, emitted ``delay_ms`` after the last keystroke (at once on Enter)
    search = Signal(str)
    #: Down arrow pressed: the page moves the focus to its list
    move_down = Signal()
    #: Enter pressed (after ``search`` was emitted): the page opens the match when only one is left
    submitted = Signal()

    def __init__(self, placeholder: str = "Search…", *, delay_ms: int = 150,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.setClearButtonEnabled(True)
        self.setAccessibleName(placeholder.rstrip("…."))
        self.setMinimumWidth(180)
        self.setMaximumWidth(420)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._emit)
        self.textChanged.connect(lambda _t: self._timer.start())
        self.returnPressed.connect(self._submit)

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

    def _submit(self) -> None:
        self._emit()
        self.submitted.emit()

    def flush(self) -> None:
        """Emit now (tests, or when a page wants the filter applied immediately)."""
        self._emit()

    def focus_all(self) -> None:
        """Focus the box with its text selected (the pages' Find shortcut, Ctrl+F)."""
        self.setFocus()
        self.selectAll()


def focus_list(view: QAbstractItemView) -> bool:
    """Put the keyboard in a list with a current row (the first when none is), so that Down and
    Enter work at once; False when the list is empty or hidden."""
    model = view.model()
    if model is None or not model.rowCount() or not view.isVisibleTo(view.window()):
        return False
    if not view.currentIndex().isValid():
        view.setCurrentIndex(model.index(0, 0))  # selects the row too (single selection)
    view.setFocus(Qt.FocusReason.OtherFocusReason)
    return True


def attach_search(search: SearchBox, view: QAbstractItemView, open_current: Callable[[], object]) -> None:
    """Down in the search box goes to the list; Enter with exactly one match left opens it."""

    def open_single() -> None:
        model = view.model()
        if model is not None and model.rowCount() == 1 and focus_list(view):
            view.setCurrentIndex(model.index(0, 0))
            open_current()

    search.move_down.connect(lambda: focus_list(view))
    search.submitted.connect(open_single)

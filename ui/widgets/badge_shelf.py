"""A shelf of badge tiles: they wrap to the width, one is current, and the keyboard moves it.

The shelf takes the focus as one widget (Tab enters and leaves it once, however many badges
there are); the arrow keys, Home and End move the current tile, Enter or a double click
activates it (the page's "Save badge…"). Its height follows its width (``heightForWidth``), so
in a vertical layout it is exactly as tall as its rows of tiles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.widgets.badge_picture import BadgeArt, BadgeTile, TileFace

GAP = 8


class BadgeShelf(QWidget):
    """Badge tiles laid out in rows; ``current_changed(face | None)`` and ``activated(face)``."""

    current_changed = Signal(object)
    activated = Signal(object)

    def __init__(self, name: str, parent: QWidget | None = None, *,
                 make_tile: Callable[[TileFace], BadgeTile] = BadgeTile) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self._make_tile = make_tile
        self.tiles: list[BadgeTile] = []
        self._current = -1
        probe = make_tile(TileFace("", "", BadgeArt()))  # every tile of a shelf has one size
        self._tile_size = probe.size()
        probe.deleteLater()

    # ------------------------------------------------------------------ content
    def set_faces(self, faces: Sequence[TileFace], *, keep: Callable[[TileFace], object] | None = None) -> None:
        """Show these badges; the current one stays current when ``keep`` (a key of a face)
        finds it again, else none is current."""
        before = self.current()
        wanted = keep(before) if keep is not None and before is not None else None
        for tile in self.tiles:
            tile.hide()
            tile.deleteLater()
        self.tiles = []
        for face in faces:
            tile = self._make_tile(face)
            tile.setParent(self)
            tile.clicked.connect(lambda t=tile: self._clicked(t))
            tile.double_clicked.connect(lambda t=tile: self.activated.emit(t.face))
            tile.show()
            self.tiles.append(tile)
        self._current = -1
        if wanted is not None and keep is not None:
            self._current = next((i for i, f in enumerate(faces) if keep(f) == wanted), -1)
        self._paint_state()
        self._place()
        self.updateGeometry()
        if self.current() != before:
            self.current_changed.emit(self.current())

    def faces(self) -> list[TileFace]:
        return [t.face for t in self.tiles]

    def current(self) -> TileFace | None:
        return self.tiles[self._current].face if 0 <= self._current < len(self.tiles) else None

    def set_current(self, index: int) -> None:
        index = max(-1, min(index, len(self.tiles) - 1))
        if index == self._current:
            return
        self._current = index
        self._paint_state()
        self.current_changed.emit(self.current())

    def _clicked(self, tile: BadgeTile) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.set_current(self.tiles.index(tile))

    def _paint_state(self) -> None:
        for i, tile in enumerate(self.tiles):
            tile.set_selected(i == self._current)
            focused = i == self._current and self.hasFocus()
            if focused != tile.focused:
                tile.focused = focused
                tile.update()

    # ------------------------------------------------------------------ layout
    def _columns(self, width: int) -> int:
        return max(1, (width + GAP) // (self._tile_size.width() + GAP))

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        if not self.tiles:
            return 0
        rows = -(-len(self.tiles) // self._columns(width))
        return rows * self._tile_size.height() + (rows - 1) * GAP

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return True

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        width = min(len(self.tiles), 6) * (self._tile_size.width() + GAP)
        return QSize(width, self.heightForWidth(max(width, self._tile_size.width())))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """One tile: the height the width gives comes from ``heightForWidth`` (a one-column
        minimum would make a scroll area scroll for no reason)."""
        return QSize(self._tile_size.width(), self._tile_size.height() if self.tiles else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._place()

    def _place(self) -> None:
        columns = self._columns(self.width())
        w, h = self._tile_size.width(), self._tile_size.height()
        for i, tile in enumerate(self.tiles):
            row, column = divmod(i, columns)
            tile.move(column * (w + GAP), row * (h + GAP))

    # ------------------------------------------------------------------ keyboard
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if not self.tiles:
            super().keyPressEvent(event)
            return
        key, columns = Qt.Key(event.key()), self._columns(self.width())
        here = max(self._current, 0)
        moves: dict[Qt.Key, int] = {Qt.Key.Key_Left: here - 1, Qt.Key.Key_Right: here + 1, Qt.Key.Key_Up: here - columns,
                 Qt.Key.Key_Down: here + columns, Qt.Key.Key_Home: 0, Qt.Key.Key_End: len(self.tiles) - 1}
        if key in moves:
            if self._current < 0:
                self.set_current(0)
            elif 0 <= moves[key] < len(self.tiles):
                self.set_current(moves[key])
            event.accept()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.current() is not None:
            self.activated.emit(self.current())
            event.accept()
        else:
            super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt's name
        super().focusInEvent(event)
        if self._current < 0 and self.tiles:
            self.set_current(0)
        self._paint_state()

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt's name
        super().focusOutEvent(event)
        self._paint_state()

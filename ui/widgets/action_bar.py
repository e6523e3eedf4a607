"""Buttons for QActions, and a row of them that keeps to the width it is given.

A row of buttons that needs more room than the window has either pushes the window wider or
overlaps its neighbours (People at 1024 px: the role box over the search box). ``ActionBar``
shows the buttons that fit and moves the rest, in order, into a "More" menu; they come back as
buttons when the row grows.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QMenu, QPushButton, QSizePolicy, QWidget

from ui.widgets.style import set_style_flag


def action_button(action: QAction, *, primary: bool = False, follow_visible: bool = True) -> QPushButton:
    """A push button that mirrors a QAction (text, tooltip, enabled and, unless told otherwise,
    visible). It is never shown before it has a parent: showing a parentless button makes it a
    window for a moment, which costs more than a whole table."""
    button = QPushButton(action.text())
    button.setToolTip(action.toolTip())
    if primary:
        set_style_flag(button, "primary")

    def sync() -> None:
        button.setText(action.text())
        button.setToolTip(action.toolTip())
        button.setEnabled(action.isEnabled())
        if follow_visible and (button.parent() is not None or not action.isVisible()):
            button.setVisible(action.isVisible())

    action.changed.connect(sync)
    button.clicked.connect(action.trigger)
    sync()
    return button


class ActionBar(QWidget):
    """A right-aligned row of buttons for ``actions``; those that do not fit the bar's width go,
    last ones first, into the menu of a "More" button (hidden actions are left out).
    ``buttons_at_most``: only the first so many actions get a button, the rest are always in the
    menu (a row of dozens, of which a few fit, no longer makes a button for each)."""

    def __init__(self, actions: Sequence[QAction], parent: QWidget | None = None, *,
                 buttons_at_most: int | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        cut = len(actions) if buttons_at_most is None else max(0, buttons_at_most)
        self.actions_shown = list(actions[:cut])
        self.menu_only = list(actions[cut:])
        lay = self._layout = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addStretch(1)
        self.buttons = [action_button(a, follow_visible=False) for a in self.actions_shown]
        for b in self.buttons:
            lay.addWidget(b)
        self.more = QPushButton("More")
        self.more.setToolTip("More actions")
        self.more.setAccessibleName("More actions")
        self.more.setMenu(QMenu(self.more))
        lay.addWidget(self.more)
        for a in actions:
            a.changed.connect(self._arrange)
        self._arranging = False
        self._arrange()

    def _wanted(self) -> list[tuple[QAction, QPushButton]]:
        return [(a, b) for a, b in zip(self.actions_shown, self.buttons, strict=True) if a.isVisible()]

    def _spacing(self) -> int:
        return max(0, self._layout.spacing())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        wanted = self._wanted()
        width = sum(b.sizeHint().width() for _, b in wanted) + self._spacing() * max(0, len(wanted) - 1)
        return QSize(width, max([self.more.sizeHint().height()] + [b.sizeHint().height() for _, b in wanted]))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(self.more.sizeHint().width(), self.sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._arrange()

    def overflow(self) -> list[QAction]:
        """The actions in the "More" menu now."""
        return [a for a in self.more.menu().actions() if not a.isSeparator()]

    def _arrange(self) -> None:
        if self._arranging:
            return
        self._arranging = True
        try:
            wanted = self._wanted()
            room = self.width() if self.isVisible() or self.width() > 0 else self.sizeHint().width()
            spacing = self._spacing()
            widths = [b.sizeHint().width() for _, b in wanted]
            keep = len(wanted)
            if sum(widths) + spacing * max(0, keep - 1) > room:
                more = self.more.sizeHint().width() + spacing
                while keep > 0 and sum(widths[:keep]) + spacing * max(0, keep - 1) + more > room:
                    keep -= 1
            shown = {id(b) for _, b in wanted[:keep]}
            for b in self.buttons:
                b.setVisible(id(b) in shown)
            menu = self.more.menu()
            menu.clear()
            rest = [a for a, _ in wanted[keep:]] + [a for a in self.menu_only if a.isVisible()]
            for a in rest:
                menu.addAction(a)
            self.more.setVisible(bool(rest))
            self.updateGeometry()
            # place what is shown now: during a resize the layout has already placed the
            # buttons, and would leave them squeezed until the next event pass (not before the
            # bar is shown: every button is in the row then, and the row's width would become
            # the bar's minimum)
            if self.isVisible():
                self._layout.activate()
        finally:
            self._arranging = False

"""QActions for page toolbars, menus, context menus and keyboard shortcuts, built one way; a
dialog's row buttons that Enter never presses; and the keys that switch a tab widget's tabs from
anywhere inside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTabWidget, QWidget


def widget_action(owner: QWidget, text: str, slot: Callable[[], Any], tip: str,
                  *keys: QKeySequence | QKeySequence.StandardKey | str | None) -> QAction:
    """An action owned by ``owner`` whose shortcuts work while focus is anywhere inside it."""
    action = QAction(text, owner)
    action.setToolTip(tip)
    shortcuts = [QKeySequence(k) for k in keys if k]
    if shortcuts:
        action.setShortcuts(shortcuts)
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.triggered.connect(slot)
    owner.addAction(action)
    return action


def menu_action(owner: QObject, text: str, slot: Callable[..., Any], tip: str) -> QAction:
    """A menu's action, its tip shown as tooltip and in the status bar."""
    action = QAction(text, owner)
    action.setToolTip(tip)
    action.setStatusTip(tip)
    action.triggered.connect(slot)
    return action


def row_button(text: str, tip: str, slot: Callable[[], object], row: QHBoxLayout) -> QPushButton:
    """A button added to a dialog's row of buttons, never the default one: Enter does not press
    it (an Enter meant for a list must not resend or overwrite anything)."""
    button = QPushButton(text)
    button.setToolTip(tip)
    button.setAutoDefault(False)
    button.setDefault(False)
    button.clicked.connect(slot)
    row.addWidget(button)
    return button


def tab_step(event: QKeyEvent) -> int:
    """+1 for Ctrl+Tab / Ctrl+PgDown, -1 for Ctrl+Shift+Tab / Ctrl+PgUp, 0 for any other key."""
    mods = event.modifiers()
    if not mods & Qt.KeyboardModifier.ControlModifier or mods & Qt.KeyboardModifier.AltModifier:
        return 0
    key = event.key()
    if key == Qt.Key.Key_Backtab or (key == Qt.Key.Key_Tab and mods & Qt.KeyboardModifier.ShiftModifier):
        return -1
    if key == Qt.Key.Key_Tab:
        return 1
    if mods & Qt.KeyboardModifier.ShiftModifier:
        return 0
    return {Qt.Key.Key_PageDown: 1, Qt.Key.Key_PageUp: -1}.get(Qt.Key(key), 0)


class TabSwitchKeys(QObject):
    """Ctrl+Tab / Ctrl+PgDown and Ctrl+Shift+Tab / Ctrl+PgUp switch ``tabs`` from any widget
    inside it (and from the page around it).

    A table takes Ctrl+PgDown for itself (a page down), and a table with tab-key navigation
    Ctrl+Tab, so the keys never reach the tab widget: the keyboard is trapped in the table. This
    filter, installed on the widgets that take focus, switches the tab first. A shortcut for the
    same keys (a window-wide one, say) still wins: key presses reach filters only when no
    shortcut took them."""

    def __init__(self, tabs: QTabWidget, page: QWidget) -> None:
        super().__init__(tabs)
        self.tabs = tabs
        self.page = page
        tabs.currentChanged.connect(lambda _i: self.watch(tabs.currentWidget()))
        self.watch(page)

    def watch(self, root: QWidget | None) -> None:
        """Filter ``root`` and every widget in it that can take focus (again: installing the same
        filter twice keeps one)."""
        if root is None:
            return
        root.installEventFilter(self)
        for w in root.findChildren(QWidget):
            if w.focusPolicy() != Qt.FocusPolicy.NoFocus and not w.isWindow():
                w.installEventFilter(self)

    def switch(self, step: int) -> bool:
        """Go ``step`` tabs on (wrapping, skipping disabled tabs); focus what the new tab
        offers first. False when there is nowhere to go."""
        count = self.tabs.count()
        if count < 2:
            return False
        index = self.tabs.currentIndex()
        for _ in range(count - 1):
            index = (index + step) % count
            if self.tabs.isTabEnabled(index):
                self.tabs.setCurrentIndex(index)
                focus_first(self.tabs.widget(index), self.tabs.tabBar())
                return True
        return False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        step = tab_step(event)
        # not from a dialog that happens to be a child of the page: only this window's widgets
        if not step or not isinstance(watched, QWidget) or watched.window() is not self.page.window():
            return False
        return self.switch(step)


def focus_first(page: QWidget | None, fallback: QWidget) -> None:
    """Focus a page's main widget: its ``focus_main()`` when it has one, else the first visible
    widget in it that takes focus by Tab, else ``fallback``."""
    if page is None:
        fallback.setFocus()
        return
    main = getattr(page, "focus_main", None)
    if callable(main):
        main()
        return
    for w in page.findChildren(QWidget):
        if w.isVisibleTo(page) and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.TabFocus:
            w.setFocus(Qt.FocusReason.TabFocusReason)
            return
    fallback.setFocus()

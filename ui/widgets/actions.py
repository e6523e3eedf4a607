"""QActions for page toolbars, context menus and keyboard shortcuts, built one way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


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

"""Checks of what a user notices when a screen is too small: a button squeezed below the width
its text needs, two widgets of one row on top of each other, text cut without "…"."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QWidget


def squeezed_buttons(root: QWidget) -> list[str]:
    """Visible buttons narrower than their text needs (their size hint)."""
    return [f"{b.text()!r}: {b.width()} < {b.sizeHint().width()}" for b in root.findChildren(QAbstractButton)
            if b.isVisibleTo(root) and b.width() < b.sizeHint().width()]


def overlapping(root: QWidget) -> list[str]:
    """Pairs of visible sibling widgets (laid out side by side in one parent) that overlap."""
    out = []
    for parent in [root, *root.findChildren(QWidget)]:
        kids = [c for c in parent.children()
                if isinstance(c, QWidget) and not c.isWindow() and c.isVisibleTo(root)]
        for i, a in enumerate(kids):
            for b in kids[i + 1:]:
                common = a.geometry().intersected(b.geometry())
                if common.width() > 1 and common.height() > 1:
                    out.append(f"{type(a).__name__} {a.accessibleName()!r} and {type(b).__name__} "
                               f"{b.accessibleName()!r} overlap")
    return out

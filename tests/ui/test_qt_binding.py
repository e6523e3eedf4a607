"""Guards against a broken Qt binding: PySide6 6.12.0 lost a reference to None on every call of
some QPainter methods, and the grid crashed the process ("Fatal Python error: none_dealloc")
after enough painted cells. pyproject excludes that release; this test catches a new one."""

from __future__ import annotations

import sys

from PySide6.QtGui import QColor, QImage, QPainter, QPen


def test_painting_does_not_leak_references_to_none(qapp):  # type: ignore[no-untyped-def]
    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    pen, colour = QPen(QColor("#D55E00")), QColor("#009E73")
    try:
        before = sys.getrefcount(None)
        for _ in range(2000):
            painter.setPen(pen)
            painter.setBrush(colour)
            painter.fillRect(0, 0, 8, 8, colour)
            painter.drawRect(1, 1, 6, 6)
        after = sys.getrefcount(None)
    finally:
        painter.end()
    assert after - before > -100, f"the Qt binding dropped {before - after} references to None"

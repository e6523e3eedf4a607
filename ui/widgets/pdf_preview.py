"""A live preview of a PDF page: the page reportlab wrote, rendered by pdfium.

The template editor and the certificate wizard hand it a function that builds the PDF (pure
computation, no database); it runs on the reader pool, newest request wins (a keystroke while a
page renders only re-renders once), and the page is drawn scaled to the pane, centred, with a
thin shadow like paper on a desk. A certificate that cannot be drawn (a name the font lacks, a
broken image) shows the reason in place of the page. ``rendered`` reports how long the last
preview took, from request to pixels (the editor's 150 ms bar).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QMargins, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget
from shiboken6 import isValid

from tracker.errors import TrackerError
from tracker.reports.pdf_raster import rasterize
from ui.context import AppContext
from ui.tasks import TaskState

PdfSource = Callable[[], bytes]
_MARGINS = QMargins(8, 8, 8, 8)
DEBOUNCE_MS = 40  # coalesce a burst of keystrokes; well inside the 150 ms the editor promises


def page_image(pdf: bytes, width_px: int) -> QImage:
    """The first page of ``pdf`` as a QImage ``width_px`` wide."""
    r = rasterize(pdf, width_px)
    return QImage(r.pixels, r.width, r.height, r.stride, QImage.Format.Format_RGB888).copy()


class PdfPreview(QWidget):
    rendered = Signal(float)  # milliseconds from the request to the page on screen
    failed = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.image: QImage | None = None
        self.message = "No preview yet."
        self._source: PdfSource | None = None
        self._asked_at = 0.0
        self._generation = 0
        self._busy = False
        self._again = False
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self._start)
        self.setMinimumSize(240, 170)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Certificate preview")

    def sizeHint(self) -> QSize:
        return QSize(420, 300)

    def show_pdf(self, source: PdfSource) -> None:
        """Preview what ``source()`` builds (soon, off the GUI thread)."""
        self._source = source
        self._asked_at = time.perf_counter()
        self._timer.start(0 if self.image is None else DEBOUNCE_MS)

    def show_message(self, text: str) -> None:
        self._source, self.image, self.message = None, None, text
        self._generation += 1
        self.update()

    def _start(self) -> None:
        if self._source is None:
            return
        if self._busy:  # one render at a time; the newest request follows it
            self._again = True
            return
        self._busy, self._again = True, False
        self._generation += 1
        generation, source, asked_at = self._generation, self._source, self._asked_at
        width = max(240, int(self.width() * self.devicePixelRatioF()))

        def work(_: TaskState) -> QImage:
            return page_image(source(), width)

        def done(image: QImage) -> None:
            if not isValid(self):  # the window closed while the page was drawn
                return
            self._finish()
            if generation == self._generation:
                self.image, self.message = image, ""
                self.update()
                self.rendered.emit((time.perf_counter() - asked_at) * 1000)

        def error(exc: BaseException) -> None:
            if not isValid(self):
                return
            self._finish()
            if generation != self._generation:
                return
            if not isinstance(exc, (TrackerError, OSError, ValueError)):
                raise exc
            self.image, self.message = None, f"The preview cannot be drawn: {exc}"
            self.update()
            self.failed.emit(str(exc))

        self.ctx.tasks.run(work, on_done=done, on_error=error, label="Drawing the preview")

    def _finish(self) -> None:
        self._busy = False
        if self._again:
            self._start()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._source is not None and self.image is not None and event.oldSize().width() != self.width():
            self._asked_at = time.perf_counter()
            self._timer.start(DEBOUNCE_MS * 3)  # sharp again once the resize settles

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        if self.image is None:
            p.setPen(self.palette().color(self.foregroundRole()))
            p.drawText(self.rect().adjusted(12, 12, -12, -12),
                       Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)
            return
        size = self.image.size().scaled(self.size().shrunkBy(_MARGINS), Qt.AspectRatioMode.KeepAspectRatio)
        x, y = (self.width() - size.width()) / 2, (self.height() - size.height()) / 2
        target = QRectF(x, y, size.width(), size.height())
        p.fillRect(target.translated(3, 3), QColor(0, 0, 0, 60))
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.drawImage(target, self.image)


"""Writing a chart to an image file: PNG or SVG, asked for with a file dialog.

The plot is painted the way the screen paints it, on a white page. pyqtgraph's exporters are
not used: its SVGExporter fails on the closed paths ("… Z") Qt 6 writes (pyqtgraph issue
#3495), and its ImageExporter scales the drawing up but not the legend, whose items ignore
transformations.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSettings
from PySide6.QtGui import QColor, QImage, QPaintDevice, QPainter
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

PNG_SCALE = 2.0  # an exported PNG has twice the screen's pixels: sharp in a printed report
FILTERS = "PNG image (*.png);;SVG image (*.svg)"
PAGE = "#ffffff"
FOLDER_KEY = "charts/export_folder"


def ask_and_export(parent: QWidget, title: str, export: Callable[[Path], object]) -> None:
    """Ask where to save (PNG or SVG, the suffix of the chosen filter added when the name has
    none; the folder remembered) and ``export`` there; a failure is said, not raised."""
    folder = str(QSettings().value(FOLDER_KEY, str(Path.home())))
    name = re.sub(r'[\\/:*?"<>|]+', "-", title).strip() or "chart"
    chosen, kind = QFileDialog.getSaveFileName(parent, "Export image", str(Path(folder) / f"{name}.png"), FILTERS)
    if not chosen:
        return
    target = Path(chosen)
    if target.suffix.lower() not in (".png", ".svg"):
        target = target.with_name(target.name + (".svg" if "svg" in kind.lower() else ".png"))
    QSettings().setValue(FOLDER_KEY, str(target.parent))
    try:
        export(target)
    except OSError as exc:
        QMessageBox.warning(parent, "Export image", f"Could not save {target.name}: {exc}")


def write_image(plot: Any, title: str, target: Path) -> None:
    """Write ``plot`` (a pyqtgraph PlotWidget) as SVG (by a ``.svg`` suffix) or PNG, into a
    temporary file first, so a failed export leaves no half-written file."""
    source = plot.plotItem.sceneBoundingRect()
    fd, temp = tempfile.mkstemp(prefix=".export-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    try:
        if target.suffix.lower() == ".svg":
            from PySide6.QtSvg import QSvgGenerator

            svg = QSvgGenerator()
            svg.setFileName(temp)
            svg.setResolution(plot.logicalDpiX())  # points and pixels as on screen
            svg.setSize(source.size().toSize())
            svg.setViewBox(QRectF(QPointF(0, 0), source.size()))
            svg.setTitle(title)
            _paint(plot, svg, source)
        else:
            image = QImage((source.size() * PNG_SCALE).toSize(), QImage.Format.Format_ARGB32)
            image.setDevicePixelRatio(PNG_SCALE)
            image.setDotsPerMeterX(round(plot.logicalDpiX() / 0.0254))  # points as on screen
            image.setDotsPerMeterY(round(plot.logicalDpiY() / 0.0254))
            _paint(plot, image, source)
            if not image.save(temp):  # PNG, by the suffix
                raise OSError("the image could not be written")
        if not os.path.getsize(temp):
            raise OSError("the image could not be written")
        os.replace(temp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def _paint(plot: Any, device: QPaintDevice, source: QRectF) -> None:
    """The plot's part of the scene on a white page."""
    page = QRectF(QPointF(0, 0), source.size())
    painter = QPainter(device)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.fillRect(page, QColor(PAGE))
        plot.scene().render(painter, page, source)
    finally:
        painter.end()

"""Finding and drawing the application's icons (hand-written line SVGs in ``resources/icons``),
and finding the README (the in-app user guide is its "User guide" section).

Line icons are drawn in one colour (``#1f2933``); :func:`icon` recolours them so the same file
serves the dark sidebar (white) and light surfaces (dark or accent).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from tracker import resource_files
from tracker.resource_files import resource_dirs

_BASE_COLOUR = "#1f2933"
#: the installed package's icons, else the checkout's resources/icons (tracker.resource_files)
ICON_DIRS = resource_dirs("icons")


def readme_path() -> Path | None:
    """The README the user guide is read from; None when this installation has none."""
    return resource_files.readme()


def icon_path(name: str) -> Path | None:
    """Path of an icon by file name ("lock.svg") or bare name ("lock"); None if missing."""
    file = name if name.endswith(".svg") else f"{name}.svg"
    for folder in ICON_DIRS:
        candidate = folder / file
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=128)
def _svg(name: str, colour: str | None) -> bytes:
    path = icon_path(name)
    if path is None:
        return b""
    text = path.read_text(encoding="utf-8")
    if colour:
        text = text.replace(_BASE_COLOUR, colour)
    return text.encode("utf-8")


def pixmap(name: str, size: int = 24, colour: str | None = None, *, ratio: float = 2.0) -> QPixmap:
    """The icon rendered at ``size`` logical pixels (drawn at ``ratio`` for sharp HiDPI)."""
    data = _svg(name, colour)
    px = int(size * ratio)
    image = QImage(px, px, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    if data:
        renderer = QSvgRenderer(QByteArray(data))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, px, px))
        painter.end()
    out = QPixmap.fromImage(image)
    out.setDevicePixelRatio(ratio)
    return out


@lru_cache(maxsize=256)
def icon(name: str, colour: str | None = None, *, selected_colour: str | None = None) -> QIcon:
    """A QIcon (empty when the file is missing); ``selected_colour`` for selected list items.
    Made once per name and colours (every window and page asks again for the same icons)."""
    result = QIcon()
    if not _svg(name, colour):
        return result
    for size in (16, 20, 24, 32, 48):
        result.addPixmap(pixmap(name, size, colour), QIcon.Mode.Normal)
        if selected_colour:
            result.addPixmap(pixmap(name, size, selected_colour), QIcon.Mode.Selected)
    return result


@lru_cache(maxsize=1)
def app_icon() -> QIcon:
    result = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        result.addPixmap(pixmap("app", size, ratio=1.0))
    return result


def logo_pixmap(logo_path: str, size: int, placeholder_colour: str | None = None) -> QPixmap:
    """The school's logo from settings scaled into ``size``; the placeholder when unusable."""
    if logo_path and Path(logo_path).is_file():
        if logo_path.lower().endswith(".svg"):
            renderer = QSvgRenderer(logo_path)
            if renderer.isValid():
                image = QImage(size * 2, size * 2, QImage.Format.Format_ARGB32_Premultiplied)
                image.fill(Qt.GlobalColor.transparent)
                painter = QPainter(image)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                view = renderer.viewBoxF()
                scale = min(size * 2 / max(view.width(), 1), size * 2 / max(view.height(), 1))
                w, h = view.width() * scale, view.height() * scale
                renderer.render(painter, QRectF((size * 2 - w) / 2, (size * 2 - h) / 2, w, h))
                painter.end()
                out = QPixmap.fromImage(image)
                out.setDevicePixelRatio(2.0)
                return out
        loaded = QPixmap(logo_path)
        if not loaded.isNull():
            scaled = loaded.scaled(QSize(size * 2, size * 2), Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
            scaled.setDevicePixelRatio(2.0)
            return scaled
    from ui import theme

    return pixmap("school", size, placeholder_colour or theme.ACCENT)

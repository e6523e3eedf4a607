"""Badge pictures on screen, and the tile that shows one badge with its name and state.

A badge is drawn from a bundled design in two colours (``tracker.reports.badge_image.design_svg``,
rendered here by QtSvg: no PDF round trip as for the exported PNGs) or from a custom PNG/SVG an
editor uploaded. Pages redraw often (every reload rebuilds the tiles), so each picture is drawn
once per (art, size, greyed, pixel ratio) and kept in a small LRU cache; ``paint`` then only
blits. A picture that cannot be drawn (an unknown design, a damaged upload) becomes a plain
placeholder disc: a page never fails on one bad badge.

:class:`BadgeTile` is one badge as students and staff see it: the picture, the name (elided,
the whole name with its description and criteria in the tooltip) and a second line — the date
it was earned, or what is still missing; a badge not earned yet is greyed, with how far along
as a thin bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QSizePolicy, QWidget

from tracker.reports.badge_image import DEFAULT_COLOURS, DESIGNS, design_svg
from ui.widgets.style import colour, elide_text

FALLBACK_DESIGN = DESIGNS[0]
PLACEHOLDER = QColor("#b8bec8")


@dataclass(frozen=True)
class BadgeArt:
    """What a badge looks like: a bundled design in two colours, or a custom picture (PNG or
    SVG bytes, which then win). Hashable: the picture cache is keyed by it."""

    design: str | None = FALLBACK_DESIGN
    primary: str = DEFAULT_COLOURS[FALLBACK_DESIGN][0]
    secondary: str = DEFAULT_COLOURS[FALLBACK_DESIGN][1]
    image: bytes | None = None

    @classmethod
    def of(cls, badge: object, image: bytes | None = None) -> BadgeArt:
        """The art of a service's badge record (``design``, ``primary_colour``,
        ``secondary_colour``), with its custom picture when one was read for it."""
        design = getattr(badge, "design", None) or FALLBACK_DESIGN
        primary, secondary = DEFAULT_COLOURS.get(design, DEFAULT_COLOURS[FALLBACK_DESIGN])
        return cls(design, getattr(badge, "primary_colour", None) or primary,
                   getattr(badge, "secondary_colour", None) or secondary, image)


def _render_svg(svg: bytes, side: int) -> QImage | None:
    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        return None
    box = renderer.viewBoxF()
    if box.isEmpty():
        box = QRectF(0, 0, renderer.defaultSize().width() or side, renderer.defaultSize().height() or side)
    scale = side / max(box.width(), box.height())
    w, h = box.width() * scale, box.height() * scale
    image = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF((side - w) / 2, (side - h) / 2, w, h))
    painter.end()
    return image


def _render_raster(data: bytes, side: int) -> QImage | None:
    source = QImage.fromData(data)
    if source.isNull():
        return None
    scaled = source.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                           Qt.TransformationMode.SmoothTransformation)
    image = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.drawImage((side - scaled.width()) // 2, (side - scaled.height()) // 2, scaled)
    painter.end()
    return image


def _placeholder(side: int) -> QImage:
    image = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(PLACEHOLDER)
    inset = side * 0.06
    painter.drawEllipse(QRectF(inset, inset, side - 2 * inset, side - 2 * inset))
    painter.end()
    return image


def _greyed(image: QImage) -> QImage:
    """The picture in grey, its transparency kept: a badge not earned yet."""
    alpha = image.convertToFormat(QImage.Format.Format_Alpha8)
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8).convertToFormat(
        QImage.Format.Format_ARGB32_Premultiplied)
    grey.setAlphaChannel(alpha)
    return grey


def art_image(art: BadgeArt, side: int) -> QImage:
    """The badge drawn ``side`` pixels square on a transparent background (a placeholder disc
    when it cannot be drawn)."""
    image: QImage | None = None
    if art.image is not None:
        head = art.image[:512].lstrip()
        looks_svg = b"<svg" in art.image[:4096] or head.startswith(b"<?xml")
        image = _render_svg(art.image, side) if looks_svg else _render_raster(art.image, side)
    else:
        try:
            svg = design_svg(art.design or FALLBACK_DESIGN, art.primary, art.secondary)
        except ValueError:
            svg = ""
        image = _render_svg(svg.encode("utf-8"), side) if svg else None
    return image if image is not None else _placeholder(side)


@lru_cache(maxsize=256)
def badge_pixmap(art: BadgeArt, size: int, *, grey: bool = False, ratio: float = 1.0) -> QPixmap:
    """The badge as a pixmap ``size`` logical pixels square (sharp at the screen's pixel
    ``ratio``); greyed for a badge not earned. Cached: call it freely from paint code."""
    side = max(1, round(size * ratio))
    image = art_image(art, side)
    if grey:
        image = _greyed(image)
    pixmap = QPixmap.fromImage(image)
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


# --------------------------------------------------------------------------------- the tile


@dataclass(frozen=True)
class TileFace:
    """What one tile shows; ``record`` is the service's record behind it (an award, a badge
    within reach) for the page's actions."""

    name: str
    line: str  # "Earned 3 Mar 2026", or what is missing
    art: BadgeArt
    earned: bool = True
    description: str = ""
    criteria: str = ""
    fraction: float | None = None  # how far along a badge not earned yet is, 0 to 1
    record: object = None
    state: str = ""  # the state in full for the tooltip (who awarded it, the note…); default: the line

    @property
    def tooltip(self) -> str:
        """The whole name, then what the badge is for and how it is earned, then the state."""
        parts = [self.name, self.description, self.criteria and f"How to earn it: {self.criteria}",
                 self.state or self.line]
        return "\n".join(dict.fromkeys(p for p in parts if p))


TILE_WIDTH = 132
PICTURE = 64
STATE_LINES = 2


def wrap_lines(fm: QFontMetrics, text: str, width: int, most: int) -> list[str]:
    """``text`` broken at spaces into lines ``width`` pixels wide, at most ``most`` of them;
    the last one elided with "…" when the text does not fit (a single long word is elided too)."""
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < most:
        line = words.pop(0)
        while words and fm.horizontalAdvance(f"{line} {words[0]}") <= width:
            line += " " + words.pop(0)
        lines.append(line)
    if words:
        lines[-1] = lines[-1] + " " + " ".join(words)
    if lines:
        lines[-1] = elide_text(fm, lines[-1], width)
    return lines


class BadgeTile(QWidget):
    """One badge: the picture, the name elided on one line, and the state line under it.
    Painted in one go (no child labels): a page shows dozens of them."""

    clicked = Signal()
    double_clicked = Signal()

    def __init__(self, face: TileFace, parent: QWidget | None = None, *, picture: int = PICTURE,
                 width: int = TILE_WIDTH) -> None:
        super().__init__(parent)
        self.picture = picture
        self.selected = False
        self.focused = False  # the keyboard's place in its shelf (drawn while the shelf has focus)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._bold = QFont(self.font())
        self._bold.setBold(True)
        self._small = QFont(self.font())
        self._small.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.9))
        line, small = self.fontMetrics().height(), QFontMetrics(self._small).height()
        self.setFixedSize(width, 8 + picture + 6 + line + 2 + STATE_LINES * small + 6)
        self.face = face
        self.set_face(face)

    def set_face(self, face: TileFace) -> None:
        self.face = face
        self.setToolTip(face.tooltip)
        self.setAccessibleName(f"Badge {face.name}")
        self.setAccessibleDescription(face.line)
        self.update()

    def name_shown(self) -> str:
        """The name as painted (ending with "…" when it does not fit)."""
        return elide_text(QFontMetrics(self._bold), self.face.name, self.width() - 12)

    def line_shown(self) -> str:
        """The state line as painted: wrapped on up to two lines, the last elided."""
        return "\n".join(wrap_lines(QFontMetrics(self._small), self.face.line, self.width() - 12, STATE_LINES))

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.size()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton:
            self.double_clicked.emit()
        super().mouseDoubleClickEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        face, pal = self.face, self.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        frame = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        if self.selected:
            fill = QColor(pal.color(QPalette.ColorRole.Highlight))
            fill.setAlpha(40)
            painter.setBrush(fill)
            painter.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 1.5))
            painter.drawRoundedRect(frame, 8, 8)
        if self.focused:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 1, Qt.PenStyle.DashLine))
            painter.drawRoundedRect(frame.adjusted(2, 2, -2, -2), 6, 6)
        pixmap = badge_pixmap(face.art, self.picture, grey=not face.earned, ratio=self.devicePixelRatioF())
        x = (self.width() - self.picture) // 2
        if not face.earned:
            painter.setOpacity(0.55)
        painter.drawPixmap(x, 8, pixmap)
        painter.setOpacity(1.0)
        top = 8 + self.picture + 6
        if face.fraction is not None and not face.earned:
            self._bar(painter, QRect(x + 4, top - 5, self.picture - 8, 3), face.fraction)
        line = self.fontMetrics().height()
        text = pal.color(QPalette.ColorRole.WindowText)
        painter.setFont(self._bold)
        painter.setPen(text if face.earned else colour("MUTED"))
        centred = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
        painter.drawText(QRect(6, top, self.width() - 12, line + 2), centred, self.name_shown())
        painter.setFont(self._small)
        painter.setPen(colour("OK").darker(125) if face.earned else colour("MUTED"))
        small = QFontMetrics(self._small).height()
        painter.drawText(QRect(6, top + line + 2, self.width() - 12, STATE_LINES * small + 2), centred,
                         self.line_shown())
        painter.end()

    @staticmethod
    def _bar(painter: QPainter, rect: QRect, fraction: float) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#dfe3e8"))
        painter.drawRoundedRect(rect, 1.5, 1.5)
        done = QRect(rect.x(), rect.y(), round(rect.width() * max(0.0, min(1.0, fraction))), rect.height())
        painter.setBrush(colour("ACCENT"))
        painter.drawRoundedRect(done, 1.5, 1.5)


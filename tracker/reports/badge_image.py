"""Badge pictures: the bundled designs, recoloured; custom uploads, checked; PNGs, drawn.

The designs are SVG files in ``resources/badges/`` beside the fonts and icons (read from the
checkout, or from ``tracker/resources/badges/`` inside an installed package), drawn on a 256×256 view box with colour placeholders:
``{{primary}}`` and ``{{secondary}}`` are the two colours a badge editor picks, and the shades
the drawings need (``{{primary_light}}``, ``{{primary_dark}}``, ``{{primary_shadow}}``,
``{{secondary_light}}``, ``{{secondary_dark}}``, and ``{{on_primary}}``, white or a deep shade,
whichever reads on the primary colour) are derived from those two here, so any pair of colours
gives a finished badge.

PNGs are drawn without Qt (``tracker`` never imports it): svglib turns the SVG into a reportlab
drawing, reportlab writes it as a one-page PDF and pypdfium2 renders that page on a transparent
background (about 15 ms for a 256 px badge). Baking credentials into the pictures lives in
:mod:`tracker.reports.badge_baking`; its public functions are re-exported here.
"""

from __future__ import annotations

import io
import re
from functools import cache
from xml.etree import ElementTree

from tracker.errors import ValidationError
from tracker.reports.badge_baking import (
    PNG_SIGNATURE,
    bake_png,
    bake_svg,
    parse_svg,
    png_chunks,
    read_baked_png,
    read_baked_svg,
)
from tracker.resource_files import resource_dirs

__all__ = [
    "DEFAULT_COLOURS", "DESIGNS", "MAX_CUSTOM_BYTES", "MAX_CUSTOM_PIXELS", "bake_png", "bake_svg",
    "check_custom_image", "design_svg", "png_of_svg", "read_baked_png", "read_baked_svg", "shades",
]

#: the bundled designs (file stems of ``resources/badges/*.svg``), in the editor's order
DESIGNS: tuple[str, ...] = (
    "star", "shield", "ribbon", "medal", "trophy", "book", "music", "palette",
    "ball", "theatre", "robot", "leaf", "rocket", "heart",
)
#: design -> (primary, secondary) it looks best in; the editor starts from these
DEFAULT_COLOURS: dict[str, tuple[str, str]] = {
    "star": ("#1f5fbf", "#f4b400"),
    "shield": ("#2e7d32", "#b0bec5"),
    "ribbon": ("#c62828", "#f4b400"),
    "medal": ("#e0a712", "#1e4fa3"),
    "trophy": ("#6a1b9a", "#f4b400"),
    "book": ("#00695c", "#ffb74d"),
    "music": ("#283593", "#ff7043"),
    "palette": ("#ad1457", "#ffd54f"),
    "ball": ("#ef6c00", "#37474f"),
    "theatre": ("#4a148c", "#ffca28"),
    "robot": ("#455a64", "#4fc3f7"),
    "leaf": ("#2e7d32", "#aed581"),
    "rocket": ("#0d47a1", "#ff7043"),
    "heart": ("#d81b60", "#f8bbd0"),
}
MAX_CUSTOM_BYTES = 1024 * 1024
MAX_CUSTOM_PIXELS = 1024  # per side, for a custom PNG
MIN_SIZE, MAX_SIZE = 16, 2048

_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
_PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")
_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)
_SAFE_HREF = re.compile(r"#|data:image/(png|jpe?g|gif);base64,", re.IGNORECASE)
_ACTIVE_ELEMENTS = {"script", "foreignObject", "iframe", "embed", "object", "handler", "listener"}
#: a custom SVG may draw at most this many elements once every <use> is expanded, nested this deep
MAX_DRAWN_ELEMENTS, MAX_DEPTH = 20_000, 100
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


# --- colours ------------------------------------------------------------------------------------

def _rgb(colour: str) -> tuple[int, int, int]:
    if not _HEX.fullmatch(colour or ""):
        raise ValueError(f"not a hex colour like #1f5fbf: {colour!r}")
    digits = colour[1:] if len(colour) == 7 else "".join(c * 2 for c in colour[1:])
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(min(255.0, max(0.0, c))):02x}" for c in rgb)


def _mix(rgb: tuple[int, int, int], toward: int, share: float) -> str:
    """``rgb`` moved ``share`` of the way to white (255) or black (0)."""
    r, g, b = (c + (toward - c) * share for c in rgb)
    return _hex((r, g, b))


def _luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG relative luminance: what decides whether white text reads on a colour."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def shades(primary: str, secondary: str) -> dict[str, str]:
    """Every placeholder value for a (primary, secondary) pair; ValueError for a bad colour."""
    p, s = _rgb(primary), _rgb(secondary)
    white_contrast = 1.05 / (_luminance(p) + 0.05)
    return {
        "primary": _hex(p), "secondary": _hex(s),
        "primary_light": _mix(p, 255, 0.22), "primary_dark": _mix(p, 0, 0.30),
        "primary_shadow": _mix(p, 0, 0.50),
        "secondary_light": _mix(s, 255, 0.35), "secondary_dark": _mix(s, 0, 0.30),
        # white icons where they read (contrast 3:1, the WCAG figure for graphics), else a deep shade
        "on_primary": "#ffffff" if white_contrast >= 3.0 else _mix(p, 0, 0.72),
    }


# --- designs ------------------------------------------------------------------------------------

#: where the designs are: the installed package's copy, else the checkout's ``resources/badges``
DESIGN_DIRS = resource_dirs("badges")


@cache
def _template(design: str) -> str:
    for folder in DESIGN_DIRS:
        path = folder.joinpath(f"{design}.svg")
        if path.is_file():
            return path.read_text("utf-8")
    raise FileNotFoundError(f"The badge design {design!r} is missing from {DESIGN_DIRS[-1]}.")


def design_svg(design: str, primary: str, secondary: str) -> str:
    """The design as a finished SVG in these colours (hex, ``#rgb`` or ``#rrggbb``)."""
    if design not in DESIGNS:
        raise ValueError(f"unknown badge design {design!r}; choose one of {', '.join(DESIGNS)}")
    values = shades(primary, secondary)
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], _template(design))


# --- drawing ------------------------------------------------------------------------------------

def png_of_svg(svg: str, size: int = 256) -> bytes:
    """The SVG drawn into a ``size``×``size`` PNG with a transparent background, scaled to fit
    and centred (a custom picture need not be square). ValueError when it cannot be drawn."""
    import pypdfium2 as pdfium
    from PIL import Image
    from reportlab.graphics import renderPDF
    from svglib.svglib import svg2rlg

    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"a badge is drawn {MIN_SIZE} to {MAX_SIZE} pixels wide, not {size}")
    parse_svg(svg)  # refuses a DOCTYPE before svglib's parser sees the text
    try:
        drawing = svg2rlg(io.BytesIO(svg.encode("utf-8")))
    except Exception as exc:  # svglib raises whatever its parser or converters raise
        raise ValueError(f"the SVG cannot be drawn ({exc})") from exc
    if drawing is None or drawing.width <= 0 or drawing.height <= 0:
        raise ValueError("the SVG cannot be drawn (no size)")
    pdf = renderPDF.drawToString(drawing)
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        width, height = page.get_size()
        bitmap = page.render(scale=size / max(width, height), fill_color=(0, 0, 0, 0), rev_byteorder=True)
        picture = bitmap.to_pil().convert("RGBA")
        bitmap.close()
        page.close()
    finally:
        document.close()
    canvas = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    canvas.paste(picture, ((size - picture.width) // 2, (size - picture.height) // 2))
    out = io.BytesIO()
    canvas.save(out, "PNG")
    return out.getvalue()


# --- custom pictures ----------------------------------------------------------------------------

def _refuse(message: str) -> ValidationError:
    return ValidationError.field("image", message)


def _check_png(data: bytes) -> None:
    from PIL import Image

    try:
        png_chunks(data)
        with Image.open(io.BytesIO(data)) as picture:
            width, height = picture.size
            picture.verify()
    except Exception as exc:  # Pillow raises many kinds of error for a damaged file
        raise _refuse(f"The PNG image is damaged and cannot be read ({exc}).") from exc
    if max(width, height) > MAX_CUSTOM_PIXELS:
        raise _refuse(f"The PNG image is {width}×{height} pixels; a badge picture may be at most "
                      f"{MAX_CUSTOM_PIXELS}×{MAX_CUSTOM_PIXELS}.")


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _drawn_elements(root: ElementTree.Element) -> int:
    """How many elements drawing ``root`` visits, each ``<use>`` counted as what it repeats.

    A small file can ask for billions (ten ``<use>`` of a group that holds ten ``<use>`` of …),
    which would hang the drawing; counting with a memo stays linear in the file. ValueError for a
    ``<use>`` that contains itself or nesting deeper than :data:`MAX_DEPTH`."""
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    counted: dict[int, int] = {}

    def count(element: ElementTree.Element, path: list[int]) -> int:
        if id(element) in counted:
            return counted[id(element)]
        if id(element) in path:
            raise ValueError("an element uses itself")
        if len(path) > MAX_DEPTH:
            raise ValueError(f"elements are nested more than {MAX_DEPTH} deep")
        path.append(id(element))
        total = 1 + sum(count(child, path) for child in element)
        href = element.get(_XLINK_HREF) or element.get("href") or ""
        target = by_id.get(href[1:]) if _local(element.tag) == "use" and href.startswith("#") else None
        if target is not None:
            total += count(target, path)
        path.pop()
        counted[id(element)] = min(total, MAX_DRAWN_ELEMENTS + 1)
        return counted[id(element)]

    return count(root, [])


def _svg_problem(svg: str) -> str | None:
    """Why this SVG may not be shown to others (scripts, event handlers, outside references)."""
    try:
        root = parse_svg(svg)
    except ValueError as exc:
        return f"The SVG image cannot be read: {exc}."
    for element in root.iter():
        name = _local(element.tag)
        if name in _ACTIVE_ELEMENTS:
            return f"The SVG image contains a <{name}> element; scripts and embedded pages are not allowed."
        text = element.text or ""
        if name == "style" and (_EXTERNAL_URL.search(text) or "@import" in text):
            return "The SVG image's style refers to an outside file or address."
        for attribute, value in element.attrib.items():
            local = attribute.rsplit("}", 1)[-1]
            if local.lower().startswith("on"):
                return f"The SVG image has an event handler ({local}); scripts are not allowed."
            if local == "href" and not _SAFE_HREF.match(value.strip()):
                return "The SVG image refers to an outside file or address; embed pictures instead."
            if _EXTERNAL_URL.search(value):
                return "The SVG image refers to an outside file or address; embed pictures instead."
    try:
        if _drawn_elements(root) > MAX_DRAWN_ELEMENTS:
            return f"The SVG image draws more than {MAX_DRAWN_ELEMENTS:,} shapes; simplify it."
    except ValueError as exc:
        return f"The SVG image cannot be drawn: {exc}."
    return None


def check_custom_image(data: bytes) -> str:
    """``"png"`` or ``"svg"`` for a picture fit to be a badge; ValidationError saying what is
    wrong otherwise: not PNG/SVG, over 1 MB, a PNG over 1024 px, an SVG that cannot be read or
    drawn, or one with scripts, event handlers or references to outside files (a badge is shown
    to other people and opened by other programs)."""
    if len(data) > MAX_CUSTOM_BYTES:
        raise _refuse(f"The image is {len(data) / 1024 / 1024:.1f} MB; a badge picture may be at most 1 MB.")
    if data.startswith(PNG_SIGNATURE):
        _check_png(data)
        return "png"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = ""
    if "<svg" not in text:
        raise _refuse("The file is not a PNG or SVG image.")
    problem = _svg_problem(text)
    if problem:
        raise _refuse(problem)
    try:
        png_of_svg(text, 64)
    except ValueError as exc:
        reason = str(exc)
        raise _refuse(f"{reason[:1].upper()}{reason[1:]}.") from exc
    return "svg"

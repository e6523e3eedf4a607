"""How a certificate page is drawn: fonts, the three designs, the layout.

Split from :mod:`tracker.reports.certificate_pdf` (which checks, writes and batches) so each
stays small. Everything here draws on a reportlab canvas given by the caller; nothing writes
files. Fonts are the DejaVu faces shipped in ``resources/fonts/`` (licence beside them), loaded
once per process.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.reports.certificate_qr import draw_qr
from tracker.reports.certificate_templates import PLACEHOLDERS, Signature, TemplateSpec
from tracker.resource_files import resource_dirs

if TYPE_CHECKING:
    from tracker.reports.certificate_pdf import CertificateData

FONT_DIRS = (*resource_dirs("fonts"), Path("/usr/share/fonts/truetype/dejavu"))
#: reportlab font name -> file. Each design embeds ONE face and draws its bold lines by
#: stroking the outline too (render mode 2): a second embedded subset costs ~30 % of the page.
FONT_FILES = {"DejaVuSans": "DejaVuSans.ttf", "DejaVuSerif": "DejaVuSerif.ttf"}
DESIGN_FONTS = {"classic": "DejaVuSerif", "modern": "DejaVuSans", "minimal": "DejaVuSans"}
BOLD_STROKE = 0.05  # outline width as a share of the font size: close to the real bold face
PAPERS = {"A4": (595.2756, 841.8898), "Letter": (612.0, 792.0)}


def _font_path(file: str) -> Path:
    for folder in FONT_DIRS:
        if (folder / file).exists():
            return folder / file
    raise FileNotFoundError(f"certificate font {file} not found in {', '.join(map(str, FONT_DIRS))}")


@cache
def load_font(name: str) -> Any:
    """Load and register one TTF face, once per process (parsing a face takes ~50 ms)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    face = TTFont(name, str(_font_path(FONT_FILES[name])))
    pdfmetrics.registerFont(face)
    return face


def face_for(spec: TemplateSpec) -> str:
    face = DESIGN_FONTS[spec.design]
    load_font(face)
    return face


def _long_date(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def _hours(h: float) -> str:
    return f"{h:.1f}".removesuffix(".0")


def fill_wording(text: str, data: CertificateData) -> str:
    """Replace the known ``{placeholders}``; anything else in braces is printed as typed (no
    ``str.format``: a template must not be able to reach attributes of the values)."""
    values = {"student": data.student, "activity": data.activity, "school": data.school,
              "completed_on": _long_date(data.completed_on), "hours": _hours(data.hours),
              "skills": ", ".join(data.skills) or "—"}
    assert set(values) == set(PLACEHOLDERS)
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


def _fit(canvas: Any, text: str, font: str, size: float, width: float) -> float:
    """The largest size ≤ ``size`` at which ``text`` fits ``width``: a long name shrinks,
    it is never clipped or elided."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    w = stringWidth(text, font, size)
    return size if w <= width else size * width / w


def _lines(text: str, font: str, size: float, width: float) -> list[str]:
    from reportlab.lib.utils import simpleSplit

    return simpleSplit(text, font, size, width)


def _image(canvas: Any, image: str | bytes | None, x: float, y: float, w: float, h: float) -> bool:
    """Draw a logo/signature (a file or PNG/JPEG bytes) scaled into the box, centred; a missing
    or unreadable one is skipped quietly (the certificate is still valid without it)."""
    if not image or (isinstance(image, str) and not os.path.exists(image)):
        return False
    try:
        canvas.drawImage(_reader(image) if isinstance(image, bytes) else image, x, y, w, h,
                         preserveAspectRatio=True, anchor="c", mask="auto")
    except OSError:
        return False
    return True


@cache
def _reader(image: bytes) -> Any:
    """One decoded image per process for a whole batch of certificates sharing a logo."""
    from reportlab.lib.utils import ImageReader

    return ImageReader(io.BytesIO(image))


# --- the page ------------------------------------------------------------------------------------

@cache
def _hex(value: str) -> Any:
    from reportlab.lib.colors import HexColor

    return HexColor(value)


def _decorate(c: Any, spec: TemplateSpec, w: float, h: float) -> float:
    """Draw the design's frame; returns the top of the text area."""
    primary, accent = _hex(spec.primary), _hex(spec.accent)
    if spec.design == "classic":
        c.setStrokeColor(primary)
        c.setLineWidth(4)
        c.rect(18, 18, w - 36, h - 36)
        c.setStrokeColor(accent)
        c.setLineWidth(1.2)
        c.rect(28, 28, w - 56, h - 56)
        return h - 62
    if spec.design == "modern":
        band = 0.1 * h
        c.setFillColor(primary)
        c.rect(0, h - band, w, band, stroke=0, fill=1)
        c.setFillColor(accent)
        c.rect(0, h - band - 6, w, 6, stroke=0, fill=1)
        c.rect(0, 0, w, 10, stroke=0, fill=1)
        return h - band - 6
    c.setFillColor(accent)
    c.rect(48, h - 40, 56, 4, stroke=0, fill=1)
    return h - 56


def _strong(c: Any, x: float, y: float, text: str, face: str, size: float, colour: str) -> None:
    """Bold-looking centred text from the regular face: filled and outlined in one colour."""
    c.setFillColor(_hex(colour))
    c.setStrokeColor(_hex(colour))
    c.setLineWidth(size * BOLD_STROKE)
    c.setFont(face, size)
    c.drawCentredString(x, y, text, mode=2)


class _Measure:
    """A canvas that draws nothing: :func:`_body` is run once on it to learn its height."""

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None


def draw_page(c: Any, data: CertificateData, spec: TemplateSpec, w: float, h: float) -> None:
    regular = face_for(spec)
    landscape = w > h
    scale = min(w, h) / 595.0
    margin = 48 * scale
    cx, text_w = w / 2, w - 2 * margin - 24
    top = _decorate(c, spec, w, h)

    # header: logo and school (in the band for "modern")
    y = top - 14 * scale
    logo_h = (0.085 if landscape else 0.07) * h
    if _image(c, spec.logo or data.logo_path, cx - logo_h, y - logo_h, 2 * logo_h, logo_h):
        y -= logo_h + 10 * scale
    school_size = _fit(c, data.school, regular, 14 * scale, text_w)
    if spec.design == "modern":  # the school sits in the band, a logo below it
        _strong(c, cx, h - 0.05 * h - school_size / 3, data.school, regular, school_size, "#FFFFFF")
    else:
        c.setFillColor(_hex("#555555"))
        c.setFont(regular, school_size)
        c.drawCentredString(cx, y - school_size, data.school)
        y -= school_size + 8 * scale

    # the body sits centred between the header and the signatures, never squeezed upwards
    footer_top = _footer(c, data, spec, w, h, margin, scale, regular)
    height = y - _body(_Measure(), data, spec, w, y, scale, regular)
    spare = max(0.0, (y - footer_top) - height)
    _body(c, data, spec, w, y - spare * 0.45, scale, regular)


def _body(c: Any, data: CertificateData, spec: TemplateSpec, w: float, y: float, scale: float,
          regular: str) -> float:
    """Title, "presented to", the name, wording and skills from ``y`` down; returns the bottom."""
    accent, grey = _hex(spec.accent), _hex("#555555")
    cx, text_w = w / 2, w - 2 * 48 * scale - 24
    title_size = _fit(c, spec.title, regular, 34 * scale, text_w)
    y -= title_size + 6 * scale
    _strong(c, cx, y, spec.title, regular, title_size, spec.primary)
    if spec.design != "minimal":
        c.setStrokeColor(accent)
        c.setLineWidth(1.5)
        c.line(cx - 60 * scale, y - 12 * scale, cx + 60 * scale, y - 12 * scale)
    y -= 40 * scale

    # "presented to" and the name, as the school spells it
    if spec.presented_to:
        c.setFillColor(grey)
        c.setFont(regular, 13 * scale)
        c.drawCentredString(cx, y, spec.presented_to)
        y -= 16 * scale
    name_size = _fit(c, data.student, regular, 40 * scale, text_w)
    y -= name_size
    _strong(c, cx, y, data.student, regular, name_size, "#111111")
    c.setStrokeColor(accent)
    c.setLineWidth(0.8)
    rule = y - 0.3 * name_size  # below the descenders (the dot of ặ, the tail of ų)
    c.line(cx - 0.3 * w, rule, cx + 0.3 * w, rule)
    y = rule - 24 * scale

    # wording, then skills
    c.setFillColor(_hex("#222222"))
    body = 13 * scale
    for line in _lines(fill_wording(spec.wording, data), regular, body, 0.75 * w):
        c.setFont(regular, body)
        c.drawCentredString(cx, y, line)
        y -= body * 1.4
    if data.skills and spec.skills_label:
        y -= 6 * scale
        c.setFillColor(grey)
        small = 11 * scale
        for line in _lines(fill_wording(spec.skills_label, data), regular, small, 0.7 * w):
            c.setFont(regular, small)
            c.drawCentredString(cx, y, line)
            y -= small * 1.4
    return y


def _footer(c: Any, data: CertificateData, spec: TemplateSpec, w: float, h: float, margin: float,
            scale: float, regular: str) -> float:
    """QR, serial and code bottom right; issue date bottom left; signatures above (portrait) or
    beside (landscape) them. Returns the top of the footer."""
    qr = 100 * scale
    bottom = margin - 4 * scale
    if data.token:
        draw_qr(c, data.token, w - margin - qr + 8 * scale, bottom + 22 * scale, qr)
    c.setFillColor(_hex("#444444"))
    c.setFont(regular, 8.5 * scale)
    right = w - margin
    c.drawRightString(right, bottom + 12 * scale, f"Serial {data.serial}")
    c.drawRightString(right, bottom + 1 * scale, f"Verification code {data.code}")
    c.drawString(margin, bottom + 1 * scale, f"Issued on {_long_date(data.issued_on)}")

    landscape = w > h
    if not spec.signatures:
        return bottom + 22 * scale + qr
    left, span = margin, (w - 2 * margin - qr - 16 * scale) if landscape else w - 2 * margin
    line_y = bottom + (60 if landscape else qr + 70) * scale
    line_w = min(180 * scale, span / len(spec.signatures) - 20 * scale)
    for i, sig in enumerate(spec.signatures):
        sx = left + span * (2 * i + 1) / (2 * len(spec.signatures))
        _signature(c, sig, sx, line_y, line_w, scale, regular)
    return max(line_y + 44 * scale, bottom + 22 * scale + qr)


def _signature(c: Any, sig: Signature, x: float, y: float, width: float, scale: float,
               regular: str) -> None:
    _image(c, sig.image, x - width / 2, y + 2, width, 40 * scale)
    c.setStrokeColor(_hex("#777777"))
    c.setLineWidth(0.6)
    c.line(x - width / 2, y, x + width / 2, y)
    c.setFillColor(_hex("#222222"))
    for i, text in enumerate(t for t in (sig.name, sig.title) if t):
        size = _fit(c, text, regular, (10 if i == 0 else 9) * scale, width)
        c.setFont(regular, size)
        c.drawCentredString(x, y - (13 + 12 * i) * scale, text)


def page_size(spec: TemplateSpec) -> tuple[float, float]:
    w, h = PAPERS[spec.paper]
    return (h, w) if spec.orientation == "landscape" else (w, h)

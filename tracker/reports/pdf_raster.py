"""A PDF page as pixels (pypdfium2): the live previews show the very page that will print.

The certificate wizard and the template editor render the PDF that reportlab wrote, not a
re-drawing of it, so what the admin sees is what the printer gets. No Qt here: the UI wraps the
pixels in a ``QImage``; the benchmark harness times this function as it is.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Raster:
    """RGB pixels, 3 bytes each, rows ``stride`` bytes apart."""

    pixels: bytes
    width: int
    height: int
    stride: int


def rasterize(pdf: bytes, width_px: int, *, page: int = 0) -> Raster:
    """Render one page of ``pdf`` at ``width_px`` pixels wide (the height follows the page)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        p = doc[page]
        width_pt, _ = p.get_size()
        bitmap = p.render(scale=max(1, width_px) / width_pt, rev_byteorder=True)  # RGB, not BGR
        try:
            return Raster(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride)
        finally:
            bitmap.close()
            p.close()
    finally:
        doc.close()

"""Baking an Open Badges 3.0 credential into a badge picture, and reading it back.

"Baking" (OB 3.0 §5.3, "Baked Badge") puts the signed credential inside the image file, so the
picture a student saves or posts is itself the proof. A PNG carries the compact JWS in one
uncompressed ``iTXt`` chunk with the keyword ``openbadgecredential``; an SVG carries it in the
``verify`` attribute of an ``<openbadges:credential>`` element placed directly after the
``<svg>`` start tag, with ``xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"``. Baking again
replaces the credential (the spec allows only one). Pure functions over bytes and text: the
service decides which credential goes into which picture. Public names are re-exported by
:mod:`tracker.reports.badge_image`.
"""

from __future__ import annotations

import re
import struct
import zlib
from xml.etree import ElementTree
from xml.sax.saxutils import quoteattr

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ITXT_KEYWORD = b"openbadgecredential"
OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
#: a compressed credential chunk (another tool may write one) is inflated up to this much
MAX_TEXT = 4 * 1024 * 1024

_SVG_START = re.compile(r"""<svg\b(?:[^>"']|"[^"]*"|'[^']*')*?(/?)>""")
_BAKED_ELEMENT = re.compile(
    r"""\s*<openbadges:credential\b(?:[^>"']|"[^"]*"|'[^']*')*?(?:/>|>.*?</openbadges:credential\s*>)""",
    re.DOTALL)
_OB_XMLNS = re.compile(r"""\sxmlns:openbadges\s*=\s*("[^"]*"|'[^']*')""")
_DOCTYPE = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


# --- PNG ----------------------------------------------------------------------------------------

def png_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """Every chunk as (type, data), CRCs checked: baking a damaged file would hide the damage."""
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG file")
    chunks: list[tuple[bytes, bytes]] = []
    pos = len(PNG_SIGNATURE)
    while pos < len(png):
        if pos + 12 > len(png):
            raise ValueError("the PNG file is truncated")
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        kind = png[pos + 4:pos + 8]
        data = png[pos + 8:pos + 8 + length]
        end = pos + 12 + length
        if end > len(png) or len(data) != length:
            raise ValueError("the PNG file is truncated")
        (crc,) = struct.unpack(">I", png[end - 4:end])
        if zlib.crc32(kind + data) != crc:
            raise ValueError(f"the PNG chunk {kind.decode('latin-1')!r} is damaged (bad CRC)")
        chunks.append((kind, data))
        pos = end
        if kind == b"IEND":
            break
    if not chunks or chunks[0][0] != b"IHDR" or chunks[-1][0] != b"IEND":
        raise ValueError("the PNG file has no IHDR or IEND chunk")
    return chunks


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _credential_text(data: bytes) -> str | None:
    """The text of an ``iTXt`` chunk when its keyword is ``openbadgecredential``, else None."""
    keyword, sep, rest = data.partition(b"\0")
    if not sep or keyword != ITXT_KEYWORD or len(rest) < 2:
        return None
    compressed = rest[0] == 1
    _language, sep1, rest = rest[2:].partition(b"\0")
    _translated, sep2, text = rest.partition(b"\0")
    if not (sep1 and sep2):
        return None
    if compressed:
        inflater = zlib.decompressobj()
        text = inflater.decompress(text, MAX_TEXT)
        if inflater.unconsumed_tail:
            raise ValueError("the baked credential is larger than the limit")
    return text.decode("utf-8")


def bake_png(png: bytes, credential_jwt: str) -> bytes:
    """``png`` with the credential in an uncompressed ``iTXt`` ``openbadgecredential`` chunk just
    before ``IEND``; an existing credential chunk is dropped first (one per file, OB 3.0 §5.3)."""
    kept = [(kind, data) for kind, data in png_chunks(png)
            if not (kind == b"iTXt" and _credential_text(data) is not None)]
    # keyword, NUL, compression flag 0 and method 0, empty language tag and translated keyword
    itxt = ITXT_KEYWORD + b"\0\0\0" + b"\0" + b"\0" + credential_jwt.encode("utf-8")
    body = b"".join(_chunk(kind, data) for kind, data in kept[:-1])
    return PNG_SIGNATURE + body + _chunk(b"iTXt", itxt) + _chunk(*kept[-1])


def read_baked_png(png: bytes) -> str | None:
    """The credential baked into ``png`` (the first ``openbadgecredential`` chunk), or None."""
    for kind, data in png_chunks(png):
        if kind == b"iTXt":
            text = _credential_text(data)
            if text is not None:
                return text
    return None


# --- SVG ----------------------------------------------------------------------------------------

def parse_svg(svg: str) -> ElementTree.Element:
    """The parsed document. A DOCTYPE or entity declaration is refused outright: an SVG needs
    neither, and they are how XML files reach for other files or blow up in memory."""
    if _DOCTYPE.search(svg):
        raise ValueError("the SVG declares a DOCTYPE or entities")
    try:
        root = ElementTree.fromstring(svg)
    except ElementTree.ParseError as exc:
        raise ValueError(f"the SVG is not well-formed XML ({exc})") from exc
    if root.tag not in (f"{{{SVG_NAMESPACE}}}svg", "svg"):
        raise ValueError("the file's root element is not <svg>")
    return root


def bake_svg(svg: str, credential_jwt: str) -> str:
    """``svg`` with ``<openbadges:credential verify="…">`` directly after its ``<svg>`` tag.

    The file is edited as text, not re-serialised, so the picture stays byte-for-byte what it was
    apart from the namespace attribute and the one element; a credential baked before is removed.
    """
    parse_svg(svg)
    svg = _BAKED_ELEMENT.sub("", svg)
    start = _SVG_START.search(svg)
    if start is None:
        raise ValueError("the SVG has no <svg> start tag")
    tag = start.group(0)
    self_closing = bool(start.group(1))
    head = tag[:-2] if self_closing else tag[:-1]
    head = _OB_XMLNS.sub("", head).rstrip()
    element = f"<openbadges:credential verify={quoteattr(credential_jwt)}></openbadges:credential>"
    opened = f'{head} xmlns:openbadges="{OB3_NAMESPACE}">'
    rest = svg[start.end():]
    baked = f"{svg[:start.start()]}{opened}\n  {element}"
    return baked + ("\n</svg>" + rest if self_closing else rest)


def read_baked_svg(svg: str) -> str | None:
    """The credential baked into ``svg``: the ``verify`` attribute (VC-JWT) or, for a credential
    with an embedded proof, the element's text; None when there is none."""
    root = parse_svg(svg)
    element = root.find(f".//{{{OB3_NAMESPACE}}}credential")
    if element is None:
        return None
    verify = element.get("verify")
    if verify:
        return verify
    text = "".join(element.itertext()).strip()
    return text or None

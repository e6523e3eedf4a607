"""QR codes for certificates: reportlab's encoder, made fast enough for a year group at once.

The matrix comes from reportlab's ``qrencoder`` (what ``QrCodeWidget`` uses) with its costs
removed: a table-driven Reed-Solomon replaces its polynomial objects (same codewords, checked
in the tests), one fixed mask replaces its best-of-eight search (any mask is valid QR; readers
take it from the format bits), the matrix without data is cached per version, and the code is
drawn as one path of dark runs instead of a shape object per run.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

QR_MASK = 0
_RUN = re.compile("1+")


def qr_modules(text: str, level: str = "M") -> list[list[bool]]:
    """The QR matrix for ``text``, from reportlab's encoder (the one QrCodeWidget uses): its
    mode and version choice, its function patterns and data placement, cached per version."""
    from reportlab.graphics.barcode.qr import QrCodeWidget

    qr = QrCodeWidget(text, barLevel=level).qr
    if qr.version is None:
        qr.version = qr.calculate_version()
    words = _codewords(qr)
    base, positions = _blank(qr.version, qr.errorCorrectLevel, QR_MASK)
    rows = [list(row) for row in base]
    bits = f"{int.from_bytes(bytes(words), 'big'):0{8 * len(words)}b}"
    for (r, c), bit in zip(positions, bits, strict=False):
        if bit == "1":
            rows[r][c] = not rows[r][c]
    return rows


@cache
def _blank(version: int, level: int, mask: int) -> tuple[tuple[tuple[bool, ...], ...],
                                                          tuple[tuple[int, int], ...]]:
    """reportlab's matrix for all-zero data (function patterns, format bits and the mask) and
    the data modules in placement order: a code is then this matrix with its 1-bits flipped."""
    from reportlab.graphics.barcode.qrencoder import QRCode, QRRSBlock

    qr = QRCode(version, level)
    qr.dataCache = [0] * sum(b.totalCount for b in QRRSBlock.getRSBlocks(version, level))
    qr.makeImpl(False, mask)
    matrix = tuple(tuple(bool(m) for m in row) for row in qr.modules)
    return matrix, tuple((row, col) for col, row in qr.dataPosIterator())


class _Bits:
    """reportlab's QRBitBuffer interface on one integer (its bit-by-bit list is ~2 ms a code)."""

    def __init__(self) -> None:
        self.value = 0
        self.length = 0

    def put(self, num: int, length: int) -> None:
        self.value = (self.value << length) | (num & ((1 << length) - 1))
        self.length += length

    def putBit(self, bit: bool) -> None:  # noqa: N802 (reportlab's name)
        self.put(1 if bit else 0, 1)

    def getLengthInBits(self) -> int:  # noqa: N802 (reportlab's name)
        return self.length


def _codewords(qr: Any) -> list[int]:
    """Data and error-correction codewords, as reportlab's ``QRCode.createData`` computes them
    but with a table-driven Reed-Solomon (its polynomial objects take ~15 ms per code)."""
    from reportlab.graphics.barcode.qrencoder import QRRSBlock

    blocks = QRRSBlock.getRSBlocks(qr.version, qr.errorCorrectLevel)
    buffer = _Bits()
    for data in qr.dataList:
        data.write(buffer, qr.version)
    capacity = 8 * sum(b.dataCount for b in blocks)
    if buffer.length > capacity:
        raise ValueError("the verification token is too long for a QR code")
    buffer.put(0, min(4, capacity - buffer.length))  # terminator
    buffer.put(0, -buffer.length % 8)
    pad = (0xEC, 0x11)
    for i in range((capacity - buffer.length) // 8):
        buffer.put(pad[i % 2], 8)
    stream = list(buffer.value.to_bytes(capacity // 8, "big"))
    data_blocks, ec_blocks, offset = [], [], 0
    for b in blocks:
        chunk = stream[offset:offset + b.dataCount]
        offset += b.dataCount
        data_blocks.append(chunk)
        ec_blocks.append(_rs_remainder(chunk, b.totalCount - b.dataCount))
    out: list[int] = []
    for group in (data_blocks, ec_blocks):
        for i in range(max(map(len, group))):
            out.extend(g[i] for g in group if i < len(g))
    return out


def _gf_tables() -> tuple[list[int], list[int]]:
    exp, log = [0] * 512, [0] * 256
    x = 1
    for i in range(255):
        exp[i], log[x] = x, i
        x <<= 1
        if x & 0x100:
            x ^= 0x11D
    for i in range(255, 512):
        exp[i] = exp[i - 255]
    return exp, log


_EXP, _LOG = _gf_tables()


@cache
def _generator_products(n: int) -> tuple[tuple[int, ...], ...]:
    """For each byte value c: c times the coefficients (after the leading 1) of the generator
    prod(x - a^i), i < n. The division below is then one table row per data byte."""
    gen = [1]
    for i in range(n):
        nxt = gen + [0]
        for j, g in enumerate(gen):
            if g:
                nxt[j + 1] ^= _EXP[_LOG[g] + i]
        gen = nxt
    logs = [_LOG[g] for g in gen[1:]]
    return ((0,) * n, *(tuple(_EXP[_LOG[c] + lg] for lg in logs) for c in range(1, 256)))


def _rs_remainder(data: list[int], n: int) -> list[int]:
    products = _generator_products(n)
    res = [0] * n
    for byte in data:
        row = products[byte ^ res[0]]
        res = [a ^ b for a, b in zip(res[1:] + [0], row, strict=True)]
    return res


def draw_qr(canvas: Any, text: str, x: float, y: float, size: float, *, border: int = 4) -> None:
    """The QR code as one filled path of dark runs, written as raw PDF operators (the widget's
    own drawing makes a shape object per run, ~50× slower, and reportlab's pure-Python number
    formatting is the next cost); ``size`` includes the quiet zone of ``border`` modules."""
    modules = qr_modules(text)
    count = len(modules)
    box = size / (count + 2 * border)
    # one module = one unit, row 0 at the top: the runs are then written as small integers
    ops = [f"q 0 g {box:.5f} 0 0 {box:.5f} {x + border * box:.3f} {y + border * box:.3f} cm"]
    for r, row in enumerate(modules):
        bottom = count - 1 - r
        line = "".join("1" if m else "0" for m in row)
        ops.extend(f"{m.start()} {bottom} {m.end() - m.start()} 1 re" for m in _RUN.finditer(line))
    ops.append("f Q")
    canvas.addLiteral("\n".join(ops))

"""Certificate PDFs: one page per certificate, drawn straight on a reportlab canvas.

A certificate must print every name the school spells (Đặng Văn Lâm, Jürgen Groß, Ωμέγα,
Юлия) and be read back exactly by tools such as ``pdftotext``, so the DejaVu fonts shipped in
``resources/fonts/`` are embedded (subset). A name those fonts cannot draw is refused with
:class:`UnprintableName` before anything is written: a certificate with empty boxes for a
child's name is worse than none.

Speed matters (a whole year group at once): fonts are registered once per process, the page is
drawn with plain canvas calls (no platypus), and :func:`render_many` spreads a batch over all
cores with spawn-safe worker processes. reportlab is imported lazily (~0.1 s) as in the other
writers.

This module checks, writes and batches; the page is drawn by
:mod:`~tracker.reports.certificate_layout`, the QR code by :mod:`~tracker.reports.certificate_qr`,
and the designs are data in :mod:`~tracker.reports.certificate_templates`.
"""

from __future__ import annotations

import io
import math
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

from tracker.errors import Problem, ValidationError
from tracker.reports.certificate_layout import (
    FONT_FILES,
    draw_page,
    face_for,
    fill_wording,
    load_font,
    page_size,
)
from tracker.reports.certificate_templates import (
    DEFAULT_TEMPLATE,
    TEMPLATES,
    Signature,
    TemplateSpec,
)

__all__ = [
    "DEFAULT_TEMPLATE", "TEMPLATES", "CertificateData", "Signature", "TemplateSpec", "UnprintableName",
    "certificate_bytes", "fill_wording", "page_size", "render_certificate", "render_many",
    "unprintable_characters", "write_atomically",
]

CHUNK = 10  # certificates per worker task: small enough for a responsive progress bar and Cancel


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on one certificate, already looked up and formatted by the caller."""

    student: str
    activity: str
    completed_on: date
    hours: float
    skills: tuple[str, ...]
    school: str
    serial: str
    code: str
    token: str
    issued_on: date
    logo_path: str | None = None


@dataclass
class UnprintableName(ValidationError):
    """A text holds characters the embedded font cannot draw; nothing was written."""

    characters: str = ""


# --- checks ----------------------------------------------------------------------------------------

def unprintable_characters(text: str, template: str | TemplateSpec | None = None) -> str:
    """The distinct characters of ``text`` that the certificate fonts cannot draw, in order.

    Without a template every shipped face is checked, so a name that passes prints in any design.
    Spaces and control characters are ignored (they draw nothing anyway).
    """
    faces = (face_for(_spec(template)),) if template is not None else tuple(FONT_FILES)
    drawable = _drawable(faces)
    if drawable.issuperset(text):
        return ""
    return "".join(dict.fromkeys(
        ch for ch in text
        if ch not in drawable and not ch.isspace() and (ch.isprintable() or _is_mark(ch))))


@cache
def _drawable(faces: tuple[str, ...]) -> frozenset[str]:
    """The characters every one of ``faces`` has a glyph for (checked once per process)."""
    sets = [{chr(cp) for cp in load_font(f).face.charToGlyph} for f in faces]
    return frozenset(set.intersection(*sets))


def _is_mark(ch: str) -> bool:
    import unicodedata

    return unicodedata.category(ch).startswith("M")


def _check_printable(data: CertificateData, spec: TemplateSpec) -> None:
    fields = {"student": data.student, "activity": data.activity, "school": data.school,
              "skills": " ".join(data.skills),
              "signatures": " ".join(f"{s.name} {s.title}" for s in spec.signatures),
              "wording": f"{spec.title} {spec.presented_to} {spec.wording} {spec.skills_label}"}
    problems, bad = [], ""
    for field, text in fields.items():
        chars = unprintable_characters(text, spec)
        if chars:
            bad += chars
            problems.append(Problem(f"The certificate font cannot draw {' '.join(chars)} in the {field}.",
                                    field=field))
    if problems:
        who = "the student's name" if problems[0].field == "student" else problems[0].field
        raise UnprintableName(f"{data.student}: the certificate font cannot draw "
                              f"{' '.join(dict.fromkeys(bad))} in {who}; nothing was printed.",
                              problems, characters="".join(dict.fromkeys(bad)))


# --- metadata ------------------------------------------------------------------------------

def _spec(template: str | TemplateSpec | None) -> TemplateSpec:
    if isinstance(template, TemplateSpec):
        return template
    name = template or DEFAULT_TEMPLATE
    if name not in TEMPLATES:
        raise ValidationError.field("template", f"There is no certificate template called {name!r}.")
    return TEMPLATES[name]


def _set_info(canvas: Any, data: CertificateData) -> None:
    """Title/author/keywords, plus the token under ``/VerificationToken`` so a verifier can
    read a certificate file without scanning its QR code."""
    from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFInfo, PDFString

    class _Info(PDFInfo):  # type: ignore[misc]
        def format(self, document: Any) -> bytes:
            base: bytes = super().format(document)
            extra = PDFDictionary({"VerificationToken": PDFString(data.token),
                                   "CertificateSerial": PDFString(data.serial)}).format(document)
            return base.rstrip().removesuffix(b">>") + extra.strip().removeprefix(b"<<")

    info = _Info()
    info.__dict__.update(canvas._doc.info.__dict__)
    canvas._doc.info = info
    canvas.setTitle(f"Certificate — {data.student} — {data.activity}")
    canvas.setAuthor(data.school)
    canvas.setSubject(f"Certificate {data.serial}, verification code {data.code}")
    canvas.setKeywords(f"certificate, {data.serial}, {data.code}")
    canvas.setCreator("Activity Tracker")


def certificate_bytes(data: CertificateData, template: str | TemplateSpec = DEFAULT_TEMPLATE) -> bytes:
    """The PDF as bytes (for the live preview); raises :class:`UnprintableName` first."""
    from reportlab import rl_config
    from reportlab.pdfgen.canvas import Canvas

    spec = _spec(template)
    _check_printable(data, spec)
    w, h = page_size(spec)
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(w, h), pageCompression=1)
    _set_info(c, data)
    # Binary streams: reportlab's pure-Python ASCII85 took a third of the time, and ~90 ms per
    # logo or signature image, which is encoded when drawn, so the switch covers the drawing too.
    # It is global; another writer at that instant merely gets binary streams too (valid PDF).
    a85, rl_config.useA85 = rl_config.useA85, 0
    try:
        draw_page(c, data, spec, w, h)
        c.showPage()
        c.save()
    finally:
        rl_config.useA85 = a85
    return buf.getvalue()


def write_atomically(path: Path, content: bytes) -> None:
    """Temporary file beside ``path``, then rename: a reader (or a crash) never sees half a PDF."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render_certificate(data: CertificateData, template: str | TemplateSpec, out: Path) -> None:
    """Write one certificate to ``out`` atomically."""
    write_atomically(Path(out), certificate_bytes(data, template))


Job = tuple[CertificateData, "str | TemplateSpec", Path]


def _render_chunk(jobs: Sequence[Job]) -> int:
    for data, template, out in jobs:
        render_certificate(data, template, out)
    return len(jobs)


def render_many(jobs: Sequence[Job], *, workers: int | None = None,
                progress: Callable[[int, int], None] | None = None,
                cancelled: Callable[[], bool] | None = None) -> int:
    """Write many certificates on all cores; returns how many were written.

    ``progress(done, total)`` and ``cancelled()`` are called in the caller's process between
    chunks. After a cancel, chunks already running finish (their files are complete) and are
    counted; nothing else starts. Worker processes are spawned, so this is safe from a Qt
    program. A failing certificate (e.g. :class:`UnprintableName`) stops the batch and is raised.
    """
    jobs, total = list(jobs), len(jobs)
    workers = workers or min(os.cpu_count() or 1, math.ceil(total / CHUNK))
    if workers <= 1 or total <= CHUNK:
        done = 0
        for job in jobs:
            if cancelled and cancelled():
                break
            done += _render_chunk([job])
            if progress:
                progress(done, total)
        return done
    chunks = [jobs[i:i + CHUNK] for i in range(0, total, CHUNK)]
    done = 0
    # at most one chunk per worker in flight: a Cancel stops all but those, whatever the load
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_warm_up) as pool:
        waiting = iter(chunks)
        running: set[Future[int]] = {pool.submit(_render_chunk, c) for c in islice(waiting, workers)}
        stop = False
        try:
            while running:
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished:
                    done += fut.result()
                if progress:
                    progress(done, total)
                stop = stop or bool(cancelled and cancelled())
                if not stop:
                    running |= {pool.submit(_render_chunk, c) for c in islice(waiting, len(finished))}
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return done


def _warm_up() -> None:
    """Worker initializer: load reportlab and the fonts once, not in the first certificate."""
    for name in FONT_FILES:
        load_font(name)

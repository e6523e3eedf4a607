"""Many PDFs as one: a whole class's certificates in one print job, or one file to keep or send.

The certificate wizard prints every certificate it wrote with one job (one trip through the
print dialog, pages in order) and saves them as one PDF. The pages are copied as they are (pypdf),
never drawn again, so the merged file prints exactly what the single files do. The file is
written atomically: a reader (or a crash) never sees half of it. No Qt here.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from tracker.reports.certificate_pdf import write_atomically


def merge_pdfs(paths: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str], *,
               cancelled: Callable[[], bool] | None = None) -> int:
    """Write the pages of ``paths``, in order, into ``out`` (atomically); returns the page count.

    Raises OSError when a file cannot be read or ``out`` cannot be written, ValueError when
    there is nothing to merge or a file is not a PDF. ``cancelled()`` is asked between files;
    after a cancel nothing is written and 0 is returned."""
    from pypdf import PdfWriter
    from pypdf.errors import PdfReadError

    if not paths:
        raise ValueError("There are no PDF files to put together.")
    writer = PdfWriter()
    try:
        for path in paths:
            if cancelled is not None and cancelled():
                return 0
            try:
                writer.append(str(path))
            except PdfReadError as exc:
                raise ValueError(f"{Path(path).name} is not a readable PDF ({exc}).") from exc
        buffer = io.BytesIO()
        writer.write(buffer)
        pages = len(writer.pages)
    finally:
        writer.close()
    write_atomically(Path(out), buffer.getvalue())
    return pages

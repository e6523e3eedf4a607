"""Produce a document in the background, then open it, save it where the user says, or print it.

    sheet = Document("Sign-in sheet", "sign-in Chess 2026-03-02.pdf",
                     lambda state, path: sign_in_sheet(data, school, path))
    produce(self, self.ctx, sheet, Delivery.SAVE, done=self.status_line.setText)

The one flow behind every "PDF…" and "Print…" button (sign-in sheets and registers today;
certificates, letters and reports next):

* ``SAVE`` asks where to save (Save As) first, then writes there and opens it in the PDF viewer;
* ``OPEN`` writes a temporary copy and opens it in the viewer;
* ``PRINT`` writes a temporary copy and hands it to a printer the user picks (``ui.printing``).

The document's ``write`` runs off the GUI thread (a read operation of ``ui/ops.py``: reading the
database there is fine, and the window stays responsive); it receives the task's state (progress,
cancel) and the path to write. It writes into a temporary file beside the target that replaces it
only once complete, so a failed or cancelled write never leaves half a PDF where the user asked for
it. Errors are shown the standard way, titled with the document's title.
"""

from __future__ import annotations

import contextlib
import enum
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QWidget

from ui.context import AppContext
from ui.ops import ReadOp
from ui.tasks import TaskState


class Delivery(enum.Enum):
    """What to do with the document once it is written."""

    OPEN = "open"  # a temporary copy, opened in the PDF viewer
    SAVE = "save"  # where the user says (Save As), then opened in the viewer
    PRINT = "print"  # a temporary copy, sent to a printer the user picks


@dataclass(frozen=True)
class Document:
    #: "Sign-in sheet": the title of the dialogs, of an error and of the print job
    title: str
    #: the suggested file name, without a folder: "sign-in Chess Club 2026-03-02.pdf"
    file_name: str
    #: writes the PDF at the given path; runs off the GUI thread (must not touch widgets)
    write: Callable[[TaskState, Path], object]
    #: how messages name it ("Saved …", "Sent the sign-in sheet to the printer"); default: the title
    noun: str = ""

    @property
    def named(self) -> str:
        return self.noun or self.title.lower()


def produce(parent: QWidget, ctx: AppContext, document: Document, delivery: Delivery, *,
            done: Callable[[str], object] | None = None) -> bool:
    """Write ``document`` in the background and deliver it; ``done`` gets a line to show the user
    ("Saved register.pdf", "Sent the register to the printer") once it is delivered.

    Returns False when nothing was started (the user cancelled the Save As dialog)."""
    if delivery is Delivery.SAVE:
        chosen, _ = QFileDialog.getSaveFileName(parent, f"Save the {document.named}",
                                                str(Path.home() / document.file_name), "PDF (*.pdf)")
        if not chosen:
            return False
        target = Path(chosen)
    else:
        target = Path(tempfile.mkdtemp(prefix="tracker-document-")) / document.file_name

    def delivered(path: Path) -> None:
        if delivery is Delivery.PRINT:
            from ui.printing import print_pdf

            if print_pdf(parent, path, document.title) and done is not None:
                done(f"Sent the {document.named} to the printer")
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        if done is not None:
            done(f"Saved {path.name}")

    write = document.write
    ReadOp(parent, ctx, lambda state: _write_whole(write, state, target),
           label=document.title).success(delivered).run_in_background()
    return True


def _write_whole(write: Callable[[TaskState, Path], object], state: TaskState, target: Path) -> Path:
    """Write into a temporary file beside ``target``, then put it in place (or leave nothing)."""
    fd, name = tempfile.mkstemp(prefix=".writing-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    part = Path(name)
    try:
        write(state, part)
        state.check()
        os.replace(part, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
    return target

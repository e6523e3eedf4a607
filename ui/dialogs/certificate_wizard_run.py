"""The certificate wizard's last two pages: writing the certificates (progress and Cancel), and
what was written (Open folder, Print… as one job, Save as one PDF…).

Writing is one ``WriteOp``: the service registers every certificate in one transaction, then
renders the files on every core, reporting progress between chunks and asking whether to stop.
Cancel stops after the chunks being written (each file is written whole, then renamed), so the
folder only ever holds complete PDFs. Printing and saving put the PDFs together off the GUI
thread (:func:`tracker.reports.pdf_merge.merge_pdfs`); the printer gets one job.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from tracker.errors import TrackerError
from tracker.reports.pdf_merge import merge_pdfs
from tracker.services.certificates import CertificateInfo
from ui.context import AppContext
from ui.dialogs import alive, error_text
from ui.dialogs.certificate_wizard_pages import CertificatePlan, label
from ui.ops import ReadOp, WriteOp
from ui.pending_jobs import plural
from ui.printing import print_pdf
from ui.tasks import TaskState
from ui.widgets.style import set_style_flag


@dataclass(frozen=True)
class Generated:
    """What a run wrote: the complete files in the folder, in the students' order."""

    folder: Path
    written: tuple[Path, ...]
    total: int
    stopped: bool


def written_files(certificates: list[CertificateInfo], folder: Path) -> tuple[Path, ...]:
    """The certificates' files that are in ``folder`` now (after a stop, not all of them)."""
    return tuple(Path(c.path) for c in certificates
                 if c.path is not None and Path(c.path).parent == folder and Path(c.path).is_file())


# --------------------------------------------------------------------------- 5. generate
class GeneratePage(QWizardPage):
    """Writes the certificates when shown; ``written(stopped)`` when done."""

    running_changed = Signal(bool)
    written = Signal(bool)  # stopped by Cancel

    def __init__(self, ctx: AppContext, plan: CertificatePlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.plan = ctx, plan
        self.running = False
        self.total = 0
        self._stop = threading.Event()
        self.setTitle("Writing the certificates")
        self.setSubTitle("Each certificate is registered, then written on every core of this computer.")
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        self.status = label(heading="2")
        self.status.setAccessibleName("Progress")
        lay.addWidget(self.status)
        row = QHBoxLayout()
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Certificates written")
        row.addWidget(self.bar, 1)
        self.cancel_button = QPushButton("Cancel writing")
        self.cancel_button.setToolTip("Stop after the certificates being written now; those are kept")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.stop)
        row.addWidget(self.cancel_button)
        lay.addLayout(row)
        self.note = label(muted=True)
        lay.addWidget(self.note)
        lay.addStretch(2)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        self.start()

    def start(self) -> None:
        plan, services, actor = self.plan, self.ctx.services, self.ctx.user
        if plan.activity_id is None or not plan.chosen:
            return
        aid, ids, folder = plan.activity_id, [c.student_id for c in plan.chosen], Path(plan.folder)
        template, force = plan.template, plan.force
        self.total, plan.result = len(ids), None
        self._stop = stop = threading.Event()

        def run(state: TaskState) -> Generated:
            issued = services.certificates.issue(
                actor, aid, ids, template=template, out_dir=folder, force=force,
                progress=lambda done, total: state.set_progress(done, total), cancelled=stop.is_set)
            return Generated(folder, written_files(issued, folder), len(ids), stop.is_set())

        self.bar.setRange(0, self.total)
        self.bar.setValue(0)
        self.status.setText(f"Registering {plural(self.total, 'certificate')}…")
        self.note.setText(f"Into {folder}")
        self._set_running(True)
        WriteOp(self, self.ctx, run, label="Writing the certificates").on_progress(self._progress) \
            .success(self._done).failure(self._failed).run_in_background()

    def _progress(self, fraction: float, _text: str) -> None:
        if alive(self) and fraction >= 0:
            done = round(fraction * self.total)
            self.bar.setValue(done)
            if not self._stop.is_set():
                self.status.setText(f"{done} of {plural(self.total, 'certificate')} written…")

    def stop(self) -> None:
        """Stop after the certificates being written now (each file is complete)."""
        if self.running and not self._stop.is_set():
            self._stop.set()
            self.cancel_button.setEnabled(False)
            self.status.setText("Stopping after the certificates being written now…")

    def _done(self, result: Generated) -> None:
        if not alive(self):
            return
        self.plan.result = result
        n = len(result.written)
        self.bar.setValue(n if result.stopped else self.total)
        if result.stopped:
            self.status.setText(f"Stopped: {n} of {plural(result.total, 'certificate')} written")
            self.note.setText("Each file written is complete. The others are registered without a file: "
                              "the wizard ticks them again next time.")
        else:
            self.status.setText(f"{plural(n, 'certificate')} written")
        self._set_running(False)
        self.written.emit(result.stopped)

    def _failed(self, exc: BaseException) -> bool:
        if not alive(self):
            return True
        self._set_running(False)
        self.bar.setValue(0)
        self.status.setText("The certificates could not be written")
        self.note.setText(error_text(exc))
        self.written.emit(True)
        return isinstance(exc, TrackerError | OSError)  # anything else: the unexpected-error dialog

    def _set_running(self, on: bool) -> None:
        self.running = on
        self.cancel_button.setEnabled(on)
        self.running_changed.emit(on)
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return not self.running and self.plan.result is not None


# --------------------------------------------------------------------------- 6. summary
class SummaryPage(QWizardPage):
    """The files written, and what to do with them."""

    def __init__(self, ctx: AppContext, plan: CertificatePlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.plan = ctx, plan
        self._spool: tempfile.TemporaryDirectory[str] | None = None
        self.setTitle("Done")
        self.setSubTitle("Open the folder, print every certificate as one job, or keep them as one PDF.")
        lay = QVBoxLayout(self)
        self.headline = label(heading="2", middle=True)
        self.headline.setAccessibleName("Summary")
        lay.addWidget(self.headline)
        self.files = QListWidget()
        self.files.setAccessibleName("Certificates written")
        self.files.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.files.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        lay.addWidget(self.files, 1)
        row = QHBoxLayout()
        self.open_button = QPushButton("Open folder")
        self.open_button.setToolTip("Show the certificates in the file manager")
        self.open_button.clicked.connect(self.open_folder)
        self.print_button = QPushButton("Print…")
        self.print_button.setToolTip("Every certificate in one print job")
        set_style_flag(self.print_button, "primary")
        self.print_button.clicked.connect(self.print_all)
        self.save_button = QPushButton("Save as one PDF…")
        self.save_button.setToolTip("Every certificate in one PDF file, one page each")
        self.save_button.clicked.connect(self.save_all)
        for button in (self.open_button, self.print_button, self.save_button):
            button.setAutoDefault(False)
            row.addWidget(button)
        row.addStretch(1)
        lay.addLayout(row)
        self.message = label(muted=True)
        self.message.setAccessibleName("What happened")
        lay.addWidget(self.message)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        result = self.plan.result
        written = result.written if result is not None else ()
        folder = str(result.folder) if result is not None else self.plan.folder
        self.headline.setText(f"{plural(len(written), 'certificate')} written to {folder}")
        self.files.clear()
        for path in written:
            self.files.addItem(path.name)
            self.files.item(self.files.count() - 1).setToolTip(str(path))
        self.message.setText("")
        self._busy(False)

    def _written(self) -> tuple[Path, ...]:
        return self.plan.result.written if self.plan.result is not None else ()

    def _busy(self, busy: bool) -> None:
        for button in (self.print_button, self.save_button):
            button.setEnabled(not busy and bool(self._written()))
        self.open_button.setEnabled(self.plan.result is not None)

    def open_folder(self) -> None:
        if self.plan.result is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.plan.result.folder)))

    def print_all(self) -> None:
        """Put the certificates together in a temporary PDF, then print it: one job."""
        if self._spool is None:
            self._spool = tempfile.TemporaryDirectory(prefix="tracker-certificates-")
        self._merge(Path(self._spool.name) / "certificates.pdf", self._print_merged)

    def _print_merged(self, pdf: Path, pages: int) -> None:
        if print_pdf(self, pdf, f"Certificates — {self.plan.activity}"):
            self.message.setText(f"{plural(pages, 'certificate')} sent to the printer as one job.")

    def save_all(self) -> None:
        result = self.plan.result
        if result is None:
            return
        suggested = result.folder / f"{self.plan.activity or 'Certificates'} - certificates.pdf"
        path, _ = QFileDialog.getSaveFileName(self, "Save the certificates as one PDF", str(suggested),
                                              "PDF files (*.pdf)")
        if not path:
            return
        out = Path(path if path.lower().endswith(".pdf") else f"{path}.pdf")
        self._merge(out, lambda pdf, pages: self.message.setText(f"{plural(pages, 'certificate')} saved in {pdf}"))

    def _merge(self, out: Path, then: Callable[[Path, int], object]) -> None:
        """Merge the written files into ``out`` off the GUI thread, then ``then(out, pages)``."""
        paths = list(self._written())
        if not paths:
            return
        self._busy(True)
        self.message.setText(f"Putting {plural(len(paths), 'certificate')} together…")

        def done(pages: int) -> None:
            if alive(self):
                self._busy(False)
                self.message.setText("")
                then(out, pages)

        def failed(exc: BaseException) -> bool:
            if alive(self):
                self._busy(False)
                self.message.setText(f"The certificates could not be put together: {error_text(exc)}")
            return isinstance(exc, OSError | ValueError)

        ReadOp(self, self.ctx, lambda state: merge_pdfs(paths, out, cancelled=lambda: state.cancelled),
               label="Putting the certificates together").success(done).failure(failed).run_in_background()

    def cleanup(self) -> None:
        """The temporary print file goes when the wizard closes (the spooler has its own copy)."""
        if self._spool is not None:
            self._spool.cleanup()
            self._spool = None

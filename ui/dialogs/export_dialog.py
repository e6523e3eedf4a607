"""Export… (issue 15): the records of an activity or of the whole school, as a registrar files them.

Choose what (an activity, or the whole school for an administrator; a teacher picks one of the
activities they lead), as what (Excel workbook, CSV files in a zip, PDF report, end-of-year
archive), for which dates ("Whole term", or from … to …), then where (Save As, the suffix of the
format). The export runs in the background with its progress on the dialog and a Cancel that
leaves nothing behind (the service writes whole files or none and raises ``Cancelled``). Then
"Wrote FILE (N rows)" with Open and Show in folder.

A PDF report carries the Analytics tab's charts: their data is read in the background, the
pictures drawn on the GUI thread (``ui/export_charts.py``), then the export runs with them.
Opened from File ▸ Export…, the activity page and the Analytics page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QDate, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.enums import Role
from tracker.errors import Cancelled
from ui.charts.base import ChartData
from ui.context import AppContext
from ui.ops import ReadOp, WriteOp
from ui.tasks import Cancelled as TaskCancelled
from ui.tasks import TaskHandle, TaskState
from ui.widgets.elided import ElidedLabel
from ui.widgets.style import styled_label

if TYPE_CHECKING:
    from tracker.services.exports import ExportFormat, ExportRequest, ExportResult


@dataclass(frozen=True)
class Format:
    key: str  # ExportRequest.format (the service's module is imported with the first export)
    label: str
    suffix: str
    filter: str


FORMATS = (Format("xlsx", "Excel workbook", ".xlsx", "Excel workbook (*.xlsx)"),
           Format("csv", "CSV files (zip)", ".zip", "CSV files in a zip (*.zip)"),
           Format("pdf", "PDF report", ".pdf", "PDF (*.pdf)"),
           Format("archive", "End-of-year archive (zip)", ".zip", "Zip archive (*.zip)"))
SCHOOL = -1  # the scope combo's data for the whole school
CANCELLED = "Export cancelled; nothing was written."
BAD_RANGE = "The end date is before the start date."
NO_SCHOOL_PDF = "A PDF report is of one activity: choose an activity for it."


def safe_name(text: str) -> str:
    return "".join("-" if c in '\\/:*?"<>|' else c for c in text).strip() or "export"


class ExportDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, activity_id: int | None = None,
                 school: bool = False, student: tuple[int, str] | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.student = student  # (id, name): that student's progress report, a PDF
        self.admin = ctx.user.role is Role.ADMIN
        self._wanted = SCHOOL if school and self.admin else activity_id
        self.handle: TaskHandle | None = None
        self.running = False
        self.target: Path | None = None
        self.loaded = False
        self.setWindowTitle("Export records")
        self.setMinimumWidth(460)

        self.scope = QComboBox()
        self.scope.setAccessibleName("What to export")
        self.scope.setMinimumContentsLength(24)
        self.scope.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.scope.addItem("Loading…")
        self.scope.setEnabled(False)
        self.format = QComboBox()
        self.format.setAccessibleName("Format")
        for f in FORMATS:
            self.format.addItem(f.label, f.key)
        self.whole_term = QCheckBox("Whole term")
        self.whole_term.setChecked(True)
        self.whole_term.setToolTip("Everything recorded; untick to choose the dates")
        today = QDate.currentDate()
        self.start_edit, self.end_edit = self._date_edit("From", today.addMonths(-3)), self._date_edit("To", today)
        self.bom = QCheckBox("For Excel (UTF-8 with BOM)")
        self.bom.setChecked(True)
        self.bom.setToolTip("Excel reads accents and other letters right only with the byte-order mark")
        self.problem = styled_label("", error="true")
        self.problem.setWordWrap(True)

        dates = QHBoxLayout()
        dates.addWidget(self.whole_term)
        for text, edit in (("from", self.start_edit), ("to", self.end_edit)):
            dates.addWidget(QLabel(text))
            dates.addWidget(edit)
        dates.addStretch(1)
        form = QFormLayout()
        form.addRow("Export:", self.scope)
        form.addRow("Format:", self.format)
        form.addRow("Dates:", dates)
        form.addRow("", self.bom)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setAccessibleName("Export progress")
        self.status = ElidedLabel("")
        self.status.setAccessibleName("Export status")
        self.open_button = QPushButton("Open")
        self.open_button.setToolTip("Open the file with its usual application")
        self.folder_button = QPushButton("Show in folder")
        self.folder_button.setToolTip("Open the folder the file was written to")
        self.export_button = QPushButton("Export…")
        self.export_button.setDefault(True)
        self.export_button.setToolTip("Choose where to save, then export")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the export; nothing is written")
        self.close_button = QPushButton("Close")
        buttons = QHBoxLayout()
        for b in (self.open_button, self.folder_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        for b in (self.export_button, self.cancel_button, self.close_button):
            buttons.addWidget(b)

        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.problem)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        lay.addLayout(buttons)

        self.whole_term.toggled.connect(self._check)
        for w in (self.start_edit, self.end_edit):
            w.dateChanged.connect(self._check)
        self.format.currentIndexChanged.connect(self._check)
        self.scope.currentIndexChanged.connect(self._check)
        self.export_button.clicked.connect(self.ask_and_export)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.reject)
        self.open_button.clicked.connect(self.open_file)
        self.folder_button.clicked.connect(self.show_folder)
        self._set_running(False)
        self._done_buttons(False)
        self._check()
        if student is not None:
            self._student_report(*student)
            return
        actor = ctx.user
        ReadOp(self, ctx, lambda _s: ctx.services.activities.list_activities(actor, include_archived=True),
               label="Loading activities").success(self._loaded).run_in_background()

    def _student_report(self, student_id: int, name: str) -> None:
        """One student's progress report: the scope is them, the format a PDF (nothing to load)."""
        self.setWindowTitle(f"Progress report — {name}")
        self.scope.clear()
        self.scope.addItem(f"Progress report: {name}", student_id)
        self.scope.setToolTip(f"Every activity of {name}: progress, attendance, milestones, skills, badges")
        self.scope.setEnabled(False)
        self.format.setCurrentIndex(next(i for i, f in enumerate(FORMATS) if f.key == "pdf"))
        self.format.setEnabled(False)
        self.loaded = True
        self._check()

    def _date_edit(self, name: str, day: QDate) -> QDateEdit:
        edit = QDateEdit(day)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("d MMM yyyy")
        edit.setAccessibleName(name)
        return edit

    # ------------------------------------------------------------------ choices
    def _loaded(self, activities: list[Any]) -> None:
        """Fill the scope: the whole school first (administrators), then each activity one may
        export (the service scoped the list: a teacher's own)."""
        self.scope.blockSignals(True)
        self.scope.clear()
        if self.admin:
            self.scope.addItem("Whole school", SCHOOL)
        for a in sorted(activities, key=lambda a: a.name.casefold()):
            self.scope.addItem(a.name + (" (archived)" if a.archived else ""), a.id)
        found = self.scope.findData(self._wanted) if self._wanted is not None else -1
        self.scope.setCurrentIndex(max(found, 0))
        self.scope.setEnabled(self.scope.count() > 0)
        self.scope.blockSignals(False)
        self.loaded = True
        self._check()

    @property
    def chosen_format(self) -> Format:
        return FORMATS[max(self.format.currentIndex(), 0)]

    def request(self) -> ExportRequest:
        from tracker.services.exports import ExportRequest

        data = self.scope.currentData()
        whole = self.whole_term.isChecked()
        if self.student is not None:
            start_, end_ = (None, None) if whole else (self.start_edit.date().toPython(), self.end_edit.date().toPython())
            return ExportRequest("pdf", None, start_, end_, student_id=self.student[0])  # type: ignore[arg-type]
        start: date | None = None if whole else self.start_edit.date().toPython()  # type: ignore[assignment]
        end: date | None = None if whole else self.end_edit.date().toPython()  # type: ignore[assignment]
        return ExportRequest(cast("ExportFormat", self.chosen_format.key),
                             None if data in (None, SCHOOL) else int(data), start, end, bom=self.bom.isChecked())

    def problem_text(self) -> str:
        """Why Export… is off ("" when it is not)."""
        if not self.whole_term.isChecked() and self.end_edit.date() < self.start_edit.date():
            return BAD_RANGE
        if self.loaded and self.chosen_format.key == "pdf" and self.scope.currentData() == SCHOOL:
            return NO_SCHOOL_PDF
        if self.loaded and self.scope.count() == 0:
            return "There is no activity you may export."
        return ""

    def _check(self) -> None:
        for w in (self.start_edit, self.end_edit):
            w.setEnabled(not self.whole_term.isChecked() and not self.running)
        self.bom.setVisible(self.chosen_format.key == "csv")
        text = self.problem_text()
        self.problem.setText(text)
        self.problem.setVisible(bool(text))
        self.export_button.setEnabled(self.loaded and not text and not self.running)

    # ------------------------------------------------------------------ running
    def ask_and_export(self) -> None:
        """Ask where (the format's suffix added when the name has none), then export there."""
        f = self.chosen_format
        suggested = Path.home() / f"{safe_name(self.scope.currentText())} {date.today().isoformat()}{f.suffix}"
        chosen, _ = QFileDialog.getSaveFileName(self, "Export records", str(suggested), f.filter)
        if not chosen:
            return
        target = Path(chosen)
        if target.suffix.lower() != f.suffix:
            target = target.with_name(target.name + f.suffix)
        self.export_to(target)

    def export_to(self, target: Path) -> None:
        """Export to ``target`` in the background (a PDF: its charts read and drawn first)."""
        request = self.request()
        self.target = target
        self._done_buttons(False)
        self._set_running(True)
        self._show_progress(0.0, "Starting…")
        if request.format != "pdf":
            self._run(request, {})
            return
        from ui.export_charts import read_chart_data

        services, actor = self.ctx.services, self.ctx.user
        self.handle = ReadOp(self, self.ctx, lambda _s: read_chart_data(services, actor, request),
                             label="Export records") \
            .success(lambda charts: self._draw_and_run(request, charts)) \
            .failure(self._failed).cancelled(self._cancelled).run_in_background()

    def _draw_and_run(self, request: ExportRequest, charts: dict[str, ChartData]) -> None:
        from ui.export_charts import render_pngs

        self._show_progress(0.05, "Drawing the charts…")
        self._run(request, render_pngs(charts))

    def _run(self, request: ExportRequest, pngs: dict[str, bytes]) -> None:
        services, actor, target = self.ctx.services, self.ctx.user, self.target
        assert target is not None  # export_to chose it

        def work(state: TaskState) -> ExportResult:
            return services.exports.export(
                actor, request, target,
                progress=lambda fraction, text: state.set_progress(fraction, 1, text),
                cancelled=lambda: state.cancelled, chart_images=pngs)

        self.handle = WriteOp(self, self.ctx, work, label="Export records") \
            .on_progress(self._show_progress).success(self._finished) \
            .failure(self._failed).cancelled(self._cancelled).run_in_background()

    def cancel(self) -> None:
        if self.handle is not None:
            self.status.setText("Cancelling…")
            self.handle.cancel()

    def _show_progress(self, fraction: float, text: str) -> None:
        if fraction >= 0:
            self.progress.setValue(int(fraction * 1000))
        if text:
            self.status.setText(text)

    def _finished(self, result: ExportResult) -> None:
        self._set_running(False)
        self.progress.setValue(1000)
        self.target = Path(result.path)
        rows = f"{result.rows:,} row" + ("" if result.rows == 1 else "s")
        self.status.setText(f"Wrote {self.target.name} ({rows})")
        self._done_buttons(True)

    def _failed(self, exc: BaseException) -> bool:
        """Cancelled by the service: said on the dialog; anything else the standard way."""
        self._set_running(False)
        if isinstance(exc, (Cancelled, TaskCancelled)):
            self._cancelled()
            return True
        self.status.setText("The export failed; nothing was written.")
        return False

    def _cancelled(self) -> None:
        self._set_running(False)
        self.progress.setValue(0)
        self.status.setText(CANCELLED)

    def _set_running(self, running: bool) -> None:
        self.running = running
        if not running:
            self.handle = None
        for w in (self.scope, self.format, self.whole_term, self.bom):
            w.setEnabled(not running and (w is not self.scope or self.scope.count() > 0))
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        self.close_button.setEnabled(not running)
        self._check()

    def _done_buttons(self, shown: bool) -> None:
        self.open_button.setVisible(shown)
        self.folder_button.setVisible(shown)

    def open_file(self) -> None:
        if self.target is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.target)))

    def show_folder(self) -> None:
        if self.target is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.target.parent)))

    def reject(self) -> None:
        """Escape or closing the window while exporting cancels the export first."""
        if self.running:
            self.cancel()
            return
        super().reject()


def open_export_dialog(parent: QWidget, ctx: AppContext, *, activity_id: int | None = None,
                       school: bool = False, student: tuple[int, str] | None = None) -> ExportDialog:
    """The one way the entry points (File ▸ Export…, the activity page, Analytics, a student's
    "Progress report (PDF)…") open it."""
    dialog = ExportDialog(ctx, parent, activity_id=activity_id, school=school, student=student)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog

"""The certificate wizard: from an activity's completed students to PDFs on disk and on paper.

Activity → students (ticked: completed without a certificate; the others show what they still
need) → template with the live preview of the actual page → output folder and file names →
writing in the background, with progress and Cancel → summary with Open folder, Print… (every
certificate in one print job) and Save as one PDF….

The pages fill one :class:`CertificatePlan`; the Generate page makes the one service call from it
(``CertificateService.issue`` with ``out_dir``: the rows in one transaction, then the files on
every core). Every read runs as a ``ReadOp`` and the write as a ``WriteOp`` whose changes are
published, so the Certificates tab and the dashboard follow.

Opened from the dashboard's "Certificates to issue", the roster's "Certificates for selected…"
and the activity's Certificates tab (:func:`open_certificate_wizard`). Thirty certificates, from
the dashboard to the printer, take six clicks: Issue…, Next, Next, Generate, Print…, Print.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget, QWizard

from ui.context import AppContext
from ui.dialogs.certificate_wizard_design import OutputPage, TemplatePage
from ui.dialogs.certificate_wizard_pages import ActivityPage, CertificatePlan, StudentsPage
from ui.dialogs.certificate_wizard_run import GeneratePage, SummaryPage

PREFERRED = QSize(920, 640)  # with its title bar, it fits a 1024×768 screen


class CertificateWizard(QWizard):
    """The six pages over one plan; closing while files are written asks first."""

    ACTIVITY, STUDENTS, TEMPLATE, OUTPUT, GENERATE, SUMMARY = range(6)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, activity_id: int | None = None,
                 student_ids: list[int] | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.plan = CertificatePlan(activity_id=activity_id, preselected=list(student_ids) if student_ids else None,
                                    preselected_for=activity_id)
        self._close_when_stopped = False
        self.setObjectName("certificateWizard")
        self.setWindowTitle("Certificate wizard")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage)
        self.activity_page = ActivityPage(ctx, self.plan)
        self.students_page = StudentsPage(ctx, self.plan)
        self.template_page = TemplatePage(ctx, self.plan)
        self.output_page = OutputPage(ctx, self.plan)
        self.generate_page = GeneratePage(ctx, self.plan)
        self.summary_page = SummaryPage(ctx, self.plan)
        for page_id, page in enumerate((self.activity_page, self.students_page, self.template_page,
                                        self.output_page, self.generate_page, self.summary_page)):
            self.setPage(page_id, page)
        self.generate_page.running_changed.connect(self._running_changed)
        self.generate_page.written.connect(self._written)
        self.finished.connect(lambda _code: self.summary_page.cleanup())
        self._fit_screen()

    def _fit_screen(self) -> None:
        """Open at a comfortable size, never larger than the screen it opens on."""
        owner = self.parentWidget()
        screen = (owner.screen() if owner is not None else None) or QGuiApplication.primaryScreen()
        room = screen.availableGeometry().size() - QSize(40, 80) if screen is not None else PREFERRED
        self.setMinimumSize(QSize(640, 480).boundedTo(room))
        self.resize(PREFERRED.boundedTo(room))

    def start(self) -> None:
        """With an activity given, go straight to its students (Back still leads to the list)."""
        if self.plan.activity_id is not None and self.currentId() == self.ACTIVITY:
            self.next()

    # ------------------------------------------------------------------ while writing
    def _running_changed(self, running: bool) -> None:
        """Back is disabled while the files are written: the page before is a commit page meanwhile."""
        self.output_page.setCommitPage(running)

    def _written(self, stopped: bool) -> None:
        if self._close_when_stopped:
            super().reject()
        elif not stopped and self.currentPage() is self.generate_page:
            self.next()  # straight to the summary: one click fewer on the way to the printer

    def reject(self) -> None:
        """Cancel (or Escape): while certificates are written, ask, then stop after the ones in
        progress and close once they are complete."""
        if not self.generate_page.running:
            super().reject()
            return
        answer = QMessageBox.question(
            self, "Stop writing certificates?",
            "Certificates are being written. Stop after the ones in progress and close the wizard? "
            "The certificates written so far are kept.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            self._close_when_stopped = True
            self.generate_page.stop()


def open_certificate_wizard(parent: QWidget | None, ctx: AppContext, activity_id: int | None = None,
                            student_ids: list[int] | None = None) -> CertificateWizard:
    """Open the wizard (deleted when closed): on the activity's students when one is given,
    with ``student_ids`` ticked instead of the default."""
    wizard = CertificateWizard(ctx, parent, activity_id=activity_id, student_ids=student_ids)
    wizard.finished.connect(wizard.deleteLater)
    wizard.open()
    wizard.start()
    return wizard

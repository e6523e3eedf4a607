"""The certificate wizard's template page (the live preview renders the actual PDF page of the
first ticked student) and output page (the folder, checked off the GUI thread, and the names
the files get).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from tracker.domain.policy import Permission
from tracker.reports.certificate_templates import DEFAULT_TEMPLATE, TemplateSpec
from tracker.services.certificates import certificate_folder, file_name
from ui.context import AppContext
from ui.dialogs import alive, error_text
from ui.dialogs.certificate_wizard_pages import CertificatePlan, label
from ui.ops import ReadOp
from ui.widgets.elided_combo import ElidedComboBox
from ui.widgets.pdf_preview import PdfPreview

SHOWN_NAMES = 4  # file names shown as examples on the output page
CHECK_DELAY_MS = 250  # the folder is checked once typing pauses


def folder_problem(text: str) -> str | None:
    """Why certificates cannot be written into this folder, or None when they can (a folder that
    does not exist yet is made, when its parent may be written). Runs on a worker thread: a
    network folder may take a while to answer."""
    if not text.strip():
        return "Choose the folder the certificates are written into."
    path = Path(text.strip()).expanduser()
    if not path.is_absolute():
        return "Give the whole path of the folder, or press Browse…"
    if path.exists() and not path.is_dir():
        return f"{path} is a file, not a folder."
    existing = path
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        return f"This folder cannot be written: {existing}. Choose another one."
    return None


# --------------------------------------------------------------------------- 3. template
def describe(spec: TemplateSpec) -> str:
    """A template in a few words: "classic design, A4 landscape"."""
    return f"{spec.design} design, {spec.paper} {spec.orientation}"


def preview_pdf(data: dict[str, Any], spec: TemplateSpec) -> bytes:
    """The certificate as it will print (runs on the preview's worker thread)."""
    from tracker.reports.certificate_pdf import CertificateData, certificate_bytes

    return certificate_bytes(CertificateData(**data), spec)


class TemplatePage(QWizardPage):
    """The template, with the live preview of the actual PDF page of the first ticked student."""

    def __init__(self, ctx: AppContext, plan: CertificatePlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.plan = ctx, plan
        self.specs: list[TemplateSpec] = []
        self.data: dict[str, Any] | None = None
        self.data_for: tuple[int, int] | None = None
        self.editor: QWidget | None = None
        self.setTitle("Template")
        self.setSubTitle("Choose the design. The preview is the very page that prints.")
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.combo = ElidedComboBox()
        self.combo.setAccessibleName("Template")
        self.combo.setMinimumContentsLength(12)
        self.combo.currentIndexChanged.connect(lambda _i: self._preview())
        row.addWidget(self.combo)
        self.about = label(muted=True)
        row.addWidget(self.about, 1)
        self.edit_button = QPushButton("Edit templates…")
        self.edit_button.setToolTip("Change the wording, logo, signatures, colours and paper of a template")
        self.edit_button.setAutoDefault(False)
        self.edit_button.clicked.connect(self.edit_templates)
        self.edit_button.setVisible(ctx.can(Permission.MANAGE_SETTINGS))
        row.addWidget(self.edit_button)
        lay.addLayout(row)
        self.preview = PdfPreview(ctx)
        lay.addWidget(self.preview, 1)
        self.caption = label(muted=True)
        lay.addWidget(self.caption)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        self.combo.setFocus()
        if not self.specs:
            self._load_templates(self.plan.template)
        first = self.plan.chosen[0] if self.plan.chosen else None
        if first is None or self.plan.activity_id is None:
            return
        self.caption.setText(f"The certificate of {first.name}, as it will print")
        key = (self.plan.activity_id, first.student_id)
        if key == self.data_for:
            self._preview()
            return
        self.data, self.data_for = None, key
        service, actor = self.ctx.services.certificates, self.ctx.user
        ReadOp(self, self.ctx, lambda state: service.preview_data(actor, *key), label="Preparing the preview") \
            .success(lambda data: self._data_loaded(key, data)).failure(self._failed).run_in_background()

    def _load_templates(self, select: str | None) -> None:
        service, actor = self.ctx.services.certificates, self.ctx.user
        ReadOp(self, self.ctx, lambda state: service.templates(actor), label="Loading the templates") \
            .success(lambda specs: self._templates_loaded(specs, select)).failure(self._failed) \
            .run_in_background()

    def _templates_loaded(self, specs: list[TemplateSpec], select: str | None) -> None:
        if not alive(self):
            return
        self.specs = specs
        self.combo.blockSignals(True)
        self.combo.clear()
        for spec in specs:
            self.combo.addItem(spec.name)
            self.combo.setItemData(self.combo.count() - 1, describe(spec), Qt.ItemDataRole.ToolTipRole)
        names = [s.name for s in specs]
        wanted = select if select in names else DEFAULT_TEMPLATE
        self.combo.setCurrentIndex(names.index(wanted) if wanted in names else 0)
        self.combo.blockSignals(False)
        self.completeChanged.emit()
        self._preview()

    def _data_loaded(self, key: tuple[int, int], data: dict[str, Any]) -> None:
        if alive(self) and key == self.data_for:
            self.data = data
            self._preview()

    def _failed(self, exc: BaseException) -> bool:
        if alive(self):
            self.preview.show_message(f"The preview cannot be drawn: {error_text(exc)}")
        return True

    def spec(self) -> TemplateSpec | None:
        i = self.combo.currentIndex()
        return self.specs[i] if 0 <= i < len(self.specs) else None

    def _preview(self) -> None:
        spec, data = self.spec(), self.data
        self.about.setText(describe(spec) if spec is not None else "")
        if spec is not None and data is not None:
            self.preview.show_pdf(lambda: preview_pdf(data, spec))

    def edit_templates(self) -> None:
        """The template editor (administrators); the list follows what it saves."""
        from ui.dialogs.template_editor import open_template_editor

        spec = self.spec()
        editor = open_template_editor(self, self.ctx, spec.name if spec is not None else None)
        editor.saved.connect(self._load_templates)
        self.editor = editor

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return self.spec() is not None

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        spec = self.spec()
        self.plan.template = spec.name if spec is not None else None
        return spec is not None


# --------------------------------------------------------------------------- 4. output
class OutputPage(QWizardPage):
    """The folder (the school's certificate folder unless changed) and the names of the files;
    a folder that cannot be written is said so, and Generate waits for a good one."""

    def __init__(self, ctx: AppContext, plan: CertificatePlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.plan = ctx, plan
        self.checked: tuple[str, str | None] | None = None  # (folder text, its problem) last checked
        self.setTitle("Folder")
        self.setSubTitle("Where the PDF files are written, one per student.")
        self.setButtonText(QWizard.WizardButton.NextButton, "Generate")
        self.setButtonText(QWizard.WizardButton.CommitButton, "Generate")
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.folder = QLineEdit()
        self.folder.setAccessibleName("Folder")
        self.folder.setPlaceholderText("The folder the certificates are written into")
        self.folder.textChanged.connect(self._typed)
        row.addWidget(self.folder, 1)
        self.browse = QPushButton("Browse…")
        self.browse.setToolTip("Choose the folder")
        self.browse.setAutoDefault(False)
        self.browse.clicked.connect(self.choose_folder)
        row.addWidget(self.browse)
        lay.addLayout(row)
        self.problem = label(error=True)
        self.problem.setAccessibleName("Folder problem")
        lay.addWidget(self.problem)
        lay.addSpacing(8)
        lay.addWidget(label("File names", heading="2"))
        self.names = QListWidget()
        self.names.setAccessibleName("File names")
        self.names.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.names.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.names.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        lay.addWidget(self.names, 1)
        self.hint = label("Activity - Student - serial.pdf: NNNNNN is the serial number, given when "
                          "the certificate is issued.", muted=True)
        lay.addWidget(self.hint)
        self.timer = QTimer(self, singleShot=True, interval=CHECK_DELAY_MS)
        self.timer.timeout.connect(self._check)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        self._show_names()
        self.folder.setFocus()
        if self.folder.text():
            return
        db = self.ctx.services.db
        ReadOp(self, self.ctx, lambda state: str(certificate_folder(db)), label="Reading the certificate folder") \
            .success(self._default_folder).run_in_background()

    def _default_folder(self, path: str) -> None:
        if alive(self) and not self.folder.text():
            self.folder.setText(path)

    def _show_names(self) -> None:
        self.names.clear()
        chosen, year = self.plan.chosen, date.today().year
        for c in chosen[:SHOWN_NAMES]:
            name = file_name(self.plan.activity, c.name, c.serial or f"{year}-NNNNNN")
            self.names.addItem(name)
            self.names.item(self.names.count() - 1).setToolTip(name)
        if len(chosen) > SHOWN_NAMES:
            self.names.addItem(f"… and {len(chosen) - SHOWN_NAMES} more")

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Write the certificates into", self.folder.text())
        if path:
            self.folder.setText(path)

    def _typed(self) -> None:
        self.checked = None
        self.completeChanged.emit()
        self.timer.start()

    def _check(self) -> None:
        """Whether the folder can be written, asked off the GUI thread."""
        text = self.folder.text()
        ReadOp(self, self.ctx, lambda state: folder_problem(text), label="Checking the folder") \
            .success(lambda problem: self._checked(text, problem)).run_in_background()

    def _checked(self, text: str, problem: str | None) -> None:
        if not alive(self) or text != self.folder.text():
            return
        self.checked = (text, problem)
        self.problem.setText(problem or "")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return self.checked is not None and self.checked[0] == self.folder.text() and self.checked[1] is None

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        self.plan.folder = str(Path(self.folder.text().strip()).expanduser())
        return True

"""The certificate template editor (administrators): the designs on the left, the form in the
middle, and on the right the real certificate page for a sample student, redrawn on every edit.

The preview is the PDF reportlab writes (``certificate_bytes``) rendered by pdfium
(:class:`ui.widgets.pdf_preview.PdfPreview`), not a re-drawing of it: what the admin sees is what
prints. Every edit is checked with the service's own rule (``certificate_templates.check``) plus
the font's coverage, so a problem shows under its field (and under the preview) and Save stays
disabled until it is fixed; the service checks again when saving. Templates are read and
written only through ``ui/ops.py`` (``services.certificates``), never on the GUI thread.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.policy import Actor
from tracker.errors import Problem, TrackerError, ValidationError
from tracker.reports.certificate_pdf import CertificateData, certificate_bytes, unprintable_characters
from tracker.reports.certificate_templates import BUILT_IN, DEFAULT_TEMPLATE, TEMPLATES, TemplateSpec, check
from tracker.services.certificates import CertificateService
from tracker.services.settings import SchoolSettings
from ui.context import AppContext
from ui.dialogs import WaitingDialog, error_text
from ui.dialogs.template_form import FIELD_LABELS, TemplateForm
from ui.ops import ReadOp, WriteOp
from ui.tasks import TaskState
from ui.widgets.elided import ElidedLabel
from ui.widgets.forms import error_label
from ui.widgets.pdf_preview import PdfPreview
from ui.widgets.style import styled_label

SAMPLE_STUDENT = "Jürgen Groß"
SAMPLE_ACTIVITY = "Chess Club"
SAMPLE_HOURS = 12.5
SAMPLE_SKILLS = ("Strategic thinking", "Sportsmanship")
NAME_ROLE = Qt.ItemDataRole.UserRole


def sample_certificate(school: SchoolSettings) -> CertificateData:
    """What the preview prints: a made-up student with the school's own name and logo, and a
    token as long as a real one, so the QR code is as dense as on a real certificate."""
    today = date.today()
    serial = f"{today.year}-000123"

    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode("ascii")

    did = "did:key:z6Mk" + "sample" * 8
    token = ".".join((part({"alg": "EdDSA", "typ": "JWT", "kid": f"{did}#{did[8:]}"}),
                      part({"iss": did, "jti": serial, "name": SAMPLE_STUDENT, "activity": SAMPLE_ACTIVITY,
                            "completed_on": today.isoformat(), "code": "PREVIEW", "iat": 0}),
                      "preview-only-" + "0" * 73))
    return CertificateData(student=SAMPLE_STUDENT, activity=SAMPLE_ACTIVITY, completed_on=today,
                           hours=SAMPLE_HOURS, skills=SAMPLE_SKILLS, school=school.school_name or "Our School",
                           serial=serial, code="PREVIEW", token=token, issued_on=today,
                           logo_path=school.logo_path or None)


def problems_of(spec: TemplateSpec, taken: set[str]) -> list[Problem]:
    """Everything that keeps ``spec`` from being saved: the service's own check, characters the
    design's font cannot draw, and a name another template has (``taken``)."""
    problems: list[Problem] = []
    try:
        check(spec)
    except ValidationError as exc:
        problems += exc.problems
    if spec.name in taken:
        problems.append(Problem(f"There is already a template called {spec.name!r}.", field="name"))
    texts = [(f, getattr(spec, f)) for f in ("title", "presented_to", "wording", "skills_label")]
    texts += [(f"signature {i + 1}", f"{s.name} {s.title}") for i, s in enumerate(spec.signatures)]
    for field, text in texts:
        if bad := unprintable_characters(text, spec):
            problems.append(Problem(f"The certificate font cannot draw {' '.join(bad)}.", field=field))
    return problems


def warm_fonts() -> None:
    """Load the designs' fonts (and what they can draw) once, off the GUI thread: checking an
    edit for characters the font lacks is then a set look-up."""
    for spec in TEMPLATES.values():
        unprintable_characters("", spec)


class TemplateEditor(WaitingDialog):
    """Edit, copy, delete or reset certificate templates, with a live preview."""

    saved = Signal(str)  # the saved template's name

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, name: str | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.templates: dict[str, TemplateSpec] = {}
        self.current: TemplateSpec | None = None  # as stored: what the form started from
        self.school = SchoolSettings()
        self.sample = sample_certificate(self.school)
        self.problems: list[Problem] = []
        self._previewed: TemplateSpec | None = None
        self.setWindowTitle("Certificate templates")
        self.setSizeGripEnabled(True)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 14, 16, 12)
        outer.setSpacing(10)
        intro = styled_label("Certificates written from now on use the saved template. The preview is the "
                             "real certificate page for a sample student.", muted=True)
        intro.setWordWrap(True)
        outer.addWidget(intro)

        body = QHBoxLayout()
        body.setSpacing(14)
        outer.addLayout(body, 1)
        body.addLayout(self._build_list())

        self.form = TemplateForm()
        self.form.changed.connect(self._form_changed)
        scroll = QScrollArea()
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(self.form.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width())
        body.addWidget(scroll, 0)

        preview_column = QVBoxLayout()
        preview_column.setSpacing(6)
        self.preview_caption = ElidedLabel(f"Preview: {SAMPLE_STUDENT}, {SAMPLE_ACTIVITY} (sample)")
        self.preview_caption.setProperty("muted", True)
        preview_column.addWidget(self.preview_caption)
        self.preview = PdfPreview(ctx)
        preview_column.addWidget(self.preview, 1)
        self.summary = error_label()
        self.summary.setAccessibleName("Problems")
        preview_column.addWidget(self.summary)
        body.addLayout(preview_column, 1)

        bottom = QHBoxLayout()
        self.status = ElidedLabel("")
        self.status.setProperty("muted", True)
        bottom.addWidget(self.status, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setProperty("primary", True)
        self.save_button.setToolTip("Save this template (Ctrl+S)")
        self.save_button.setShortcut("Ctrl+S")
        self.save_button.clicked.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        bottom.addWidget(self.buttons)
        outer.addLayout(bottom)

        room = self.screen().availableGeometry()
        self.resize(min(1180, room.width() - 40), min(780, room.height() - 60))
        self._update_buttons()
        self._load(name or DEFAULT_TEMPLATE)

    def _build_list(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.setSpacing(6)
        column.addWidget(styled_label("Templates", heading="2"))
        self.list = QListWidget()
        self.list.setAccessibleName("Templates")
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.currentRowChanged.connect(self._row_changed)
        column.addWidget(self.list, 1)
        self.new_button = QPushButton("New from this…")
        self.new_button.setToolTip("Save what the form shows as a new template under another name "
                                   "(the template you started from stays as it was saved)")
        self.new_button.setAutoDefault(False)
        self.new_button.clicked.connect(self.new_from_this)
        self.remove_button = QPushButton("Reset to default")
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self.remove)
        width = max(170, self.remove_button.sizeHint().width(), self.new_button.sizeHint().width())
        self.list.setFixedWidth(width)
        for button in (self.new_button, self.remove_button):
            button.setFixedWidth(width)
            column.addWidget(button)
        return column

    # ------------------------------------------------------------------ reading
    def _load(self, select: str) -> None:
        """Read the templates and the school's name and logo (for the sample), then show
        ``select`` (or the default template when it is gone)."""
        certificates, settings, actor = self.ctx.services.certificates, self.ctx.services.settings, self.ctx.user

        def work(state: TaskState) -> tuple[list[TemplateSpec], SchoolSettings]:
            found = certificates.templates(actor)
            school = settings.get()
            warm_fonts()
            return found, school

        self.start_waiting(self.save_button, self.new_button, self.remove_button, self.list)
        ReadOp(self, self.ctx, work, label="Loading the certificate templates") \
            .success(lambda result: self._loaded(*result, select=select)) \
            .failure(self._not_loaded).run_in_background()

    def _loaded(self, templates: list[TemplateSpec], school: SchoolSettings, *, select: str) -> None:
        if not self.finish_waiting():
            return
        self.templates = {t.name: t for t in templates}
        if school != self.school:
            self.school, self.sample, self._previewed = school, sample_certificate(school), None
        self.form.set_school_logo(school.logo_path)
        name = select if select in self.templates else DEFAULT_TEMPLATE
        self.list.blockSignals(True)
        self.list.clear()
        for spec in templates:
            item = QListWidgetItem(self._item_text(spec))
            item.setData(NAME_ROLE, spec.name)
            item.setToolTip(self._item_text(spec))
            self.list.addItem(item)
            if spec.name == name:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self._show(self.templates.get(name) or templates[0])

    def _not_loaded(self, exc: BaseException) -> bool:
        if not self.finish_waiting():
            return True
        self.list.setEnabled(False)
        self.new_button.setEnabled(False)
        self.remove_button.setEnabled(False)
        self.save_button.setEnabled(False)
        if isinstance(exc, TrackerError):
            self.preview.show_message(error_text(exc))
        return False  # and the standard message

    @staticmethod
    def _item_text(spec: TemplateSpec) -> str:
        if spec.name not in BUILT_IN:
            return spec.name
        return f"{spec.name} — built-in" + (", edited" if spec != TEMPLATES[spec.name] else "")

    # ------------------------------------------------------------------ editing
    def _show(self, spec: TemplateSpec) -> None:
        self.current = spec
        self.form.set_spec(spec, built_in=spec.name in BUILT_IN)
        self._edited()

    def _form_changed(self) -> None:
        self.status.setText("")  # "Saved …" is about the template as it was
        self._edited()

    def is_dirty(self) -> bool:
        return self.current is not None and self.form.spec() != self.current

    def _taken(self) -> set[str]:
        """Names the form's template may not take: the other templates' and the built-in ones."""
        own = self.current.name if self.current else ""
        return (set(self.templates) | BUILT_IN) - {own}

    def _edited(self) -> None:
        """Check the edit, show its problems, and redraw the preview (debounced by the widget)."""
        spec = self.form.spec()
        self.problems = problems_of(spec, self._taken())
        self._show_problems(self.problems)
        self._update_buttons()
        if spec != self._previewed:
            self._previewed = spec
            data = self.sample
            self.preview.show_pdf(lambda: certificate_bytes(data, spec))

    def _show_problems(self, problems: list[Problem]) -> None:
        loose = self.form.show_problems(problems)
        lines = [f"{FIELD_LABELS.get(p.field or '', 'Template')}: {p.message}" for p in problems if p not in loose]
        lines += [p.message for p in loose]
        self.summary.setText("Fix this to save:\n" + "\n".join(lines) if lines else "")
        self.summary.setVisible(bool(lines))

    def _update_buttons(self) -> None:
        if self.waiting:
            return
        loaded = self.current is not None
        self.save_button.setEnabled(loaded and not self.problems and self.is_dirty())
        self.new_button.setEnabled(loaded)
        name = self.current.name if self.current else ""
        built_in = name in BUILT_IN
        self.remove_button.setText("Reset to default" if built_in or not loaded else "Delete")
        self.remove_button.setToolTip(
            ("Put this built-in template back as shipped" if self.templates.get(name) != TEMPLATES.get(name)
             else "This built-in template is as shipped") if built_in else "Delete this template")
        self.remove_button.setEnabled(loaded and (not built_in or self.templates.get(name) != TEMPLATES[name]))
        title = "Certificate templates" + (f" — {name}" if name else "")
        self.setWindowTitle(title + (" *" if self.is_dirty() else ""))

    def _row_changed(self, row: int) -> None:
        item = self.list.item(row)
        name = item.data(NAME_ROLE) if item is not None else None
        if name is None or self.current is None or name == self.current.name:
            return
        if self.is_dirty() and not self._discard_changes():
            self.list.blockSignals(True)
            self.list.setCurrentRow(list(self.templates).index(self.current.name))
            self.list.blockSignals(False)
            return
        self.status.setText("")
        self._show(self.templates[name])

    def _discard_changes(self) -> bool:
        name = self.current.name if self.current else ""
        answer = QMessageBox.question(
            self, "Unsaved changes", f"The template “{name}” has changes that are not saved.\n\nDiscard them?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Discard

    # ------------------------------------------------------------------ writing
    def save(self) -> None:
        """Store the template; a renamed one of the admin's own replaces its old name."""
        if self.current is None or self.waiting or self.problems or not self.is_dirty():
            return
        spec, replaces = self.form.spec(), self.current.name
        self._write(lambda service, actor: service.save_template(actor, spec, replaces=replaces),
                    select=spec.name, label="Save the certificate template", saved=f"Saved “{spec.name}”.")

    def new_from_this(self) -> None:
        """A copy of what the form shows, under a name the admin gives."""
        if self.current is None or self.waiting:
            return
        taken = set(self.templates) | BUILT_IN
        base = f"{self.current.name} copy"
        suggestion = next(n for n in (base if i == 1 else f"{base} {i}" for i in range(1, 1000)) if n not in taken)
        name, ok = QInputDialog.getText(self, "New template", "Name of the new template:", text=suggestion)
        name = name.strip()
        if not ok or not name:
            return
        if name in taken:
            QMessageBox.warning(self, "New template", f"There is already a template called {name!r}.")
            return
        spec = replace(self.form.spec(), name=name)
        self._write(lambda service, actor: service.save_template(actor, spec), select=name,
                    label="Copy the certificate template", saved=f"Saved the new template “{name}”.")

    def remove(self) -> None:
        """Delete one of the admin's templates, or put a built-in one back as shipped (asked first)."""
        if self.current is None or self.waiting:
            return
        name = self.current.name
        built_in = name in BUILT_IN
        question = (f"Put the built-in template “{name}” back as shipped? Your changes to it are lost."
                    if built_in else f"Delete the template “{name}”? Certificates already issued with it "
                                     f"print with “{DEFAULT_TEMPLATE}” when they are written again.")
        verb = "Reset" if built_in else "Delete"
        if QMessageBox.question(self, f"{verb} template", question,
                                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                QMessageBox.StandardButton.Cancel) != QMessageBox.StandardButton.Yes:
            return
        self._write(lambda service, actor: service.delete_template(actor, name),
                    select=name if built_in else DEFAULT_TEMPLATE, label=f"{verb} the certificate template",
                    saved=f"“{name}” is back as shipped." if built_in else f"Deleted “{name}”.")

    def _write(self, call: Callable[[CertificateService, Actor], object], *, select: str, label: str,
               saved: str) -> None:
        """Run ``call(service, actor)`` as a write, then read the templates again and show ``select``."""
        service, actor = self.ctx.services.certificates, self.ctx.user
        self.start_waiting(self.save_button, self.new_button, self.remove_button, self.list)

        def done(result: object) -> None:
            if not self.finish_waiting():
                return
            self.status.setText(saved)
            if isinstance(result, TemplateSpec):
                self.saved.emit(result.name)
            self._load(select)

        WriteOp(self, self.ctx, lambda state: call(service, actor), label=label) \
            .success(done).failure(self._refused).run_in_background()

    def _refused(self, exc: BaseException) -> bool:
        """A ValidationError is shown at its fields; anything else the standard way."""
        if not self.finish_waiting():
            return True
        self._update_buttons()
        if isinstance(exc, ValidationError):
            self._show_problems(exc.problems or [Problem(exc.message)])
            return True
        return False

    def done(self, result: int) -> None:
        """Closing with unsaved changes asks first."""
        if self.is_dirty() and not self._discard_changes():
            return
        self.preview.show_message("")  # a page still being drawn is dropped, not shown on a closed window
        super().done(result)


def open_template_editor(parent: QWidget, ctx: AppContext, name: str | None = None) -> TemplateEditor:
    """Open the editor (window-modal, deleted when closed) on template ``name`` (default: classic)."""
    editor = TemplateEditor(ctx, parent, name)
    editor.finished.connect(editor.deleteLater)
    editor.open()
    return editor

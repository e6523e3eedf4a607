"""The certificate template form: every field of a ``TemplateSpec``, each with its problem under it.

Split from the editor dialog (:mod:`ui.dialogs.template_editor`: the list, saving, the preview)
so each stays small. The form only holds values: :meth:`TemplateForm.spec` reads a spec from
the widgets, :meth:`TemplateForm.set_spec` fills them, ``changed`` fires on every edit (never
while filling). Images (the logo, scanned signatures) are read here from the file the admin
picks and kept as bytes in the template, so every workstation prints the same ones; a file the
service would refuse is refused at once, with a message naming it.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from tracker.errors import Problem, ValidationError
from tracker.reports.certificate_templates import (
    MAX_IMAGE_BYTES,
    PLACEHOLDERS,
    Signature,
    TemplateSpec,
    check,
)
from ui.widgets.forms import error_label
from ui.widgets.style import set_style_flag, styled_label

DESIGNS = (("classic", "Classic"), ("modern", "Modern"), ("minimal", "Minimal"))
PAPERS = (("A4", "A4"), ("Letter", "US Letter"))
ORIENTATIONS = (("landscape", "Landscape"), ("portrait", "Portrait"))
PLACEHOLDER_HELP = {"student": "the student's name", "activity": "the activity's name",
                    "completed_on": "the completion date", "hours": "hours attended",
                    "skills": "skills reached", "school": "the school's name"}
IMAGE_FILTER = "PNG or JPEG images (*.png *.jpg *.jpeg)"
THUMBNAIL = QSize(64, 40)
LABEL_DROP = 5  # a row's label sits this much lower than its field's top: level with the field's text
#: what each problem field is called on screen (the summary under the preview names them)
FIELD_LABELS = {"name": "Name", "design": "Design", "paper": "Paper", "orientation": "Orientation",
                "title": "Title", "presented_to": "Presented to", "wording": "Wording",
                "skills_label": "Skills line", "primary": "Primary colour", "accent": "Accent colour",
                "logo": "School logo", "signature 1": "Signature 1", "signature 2": "Signature 2"}


class Rows:
    """Label–field rows on a grid. Unlike QFormLayout, a grid gives a field the height its
    wrapped text (a hint, an error) needs at the width the field really gets."""

    def __init__(self, parent: QWidget, *, margins: tuple[int, int, int, int]) -> None:
        self.grid = QGridLayout(parent)
        self.grid.setContentsMargins(*margins)
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(8)
        self.grid.setColumnStretch(1, 1)
        self.rows = 0

    def add(self, label: str | None, widget: QWidget) -> None:
        """A row: ``label`` beside ``widget`` (level with a line edit's text), or ``widget``
        across both columns."""
        if label is None:
            self.grid.addWidget(widget, self.rows, 0, 1, 2)
        else:
            text = QLabel(label)
            text.setContentsMargins(0, LABEL_DROP, 0, 0)
            self.grid.addWidget(text, self.rows, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(widget, self.rows, 1)
        self.rows += 1


class ImageRefused(ValueError):
    """A chosen file that cannot go on a certificate; the message names the file."""


def image_problem(data: bytes) -> str | None:
    """What the service's own rule (``certificate_templates.check``) says of this image, if
    anything: one source of truth for the size limit and the formats."""
    try:
        check(TemplateSpec(name="image", logo=data))
    except ValidationError as exc:
        return next((p.message for p in exc.problems if p.field == "logo"), exc.message)
    return None


def read_image(path: str) -> bytes:
    """The file's bytes, or :class:`ImageRefused`. The size is checked before reading, so a
    huge file never blocks the window; one of at most 2 MB reads in a few milliseconds."""
    name = Path(path).name
    try:
        size = os.path.getsize(path)
        if size > MAX_IMAGE_BYTES:
            raise ImageRefused(f"{name} is {size / 1_000_000:.1f} MB: an image on a certificate may be "
                               f"at most {MAX_IMAGE_BYTES // 1_000_000} MB. Choose a smaller file.")
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ImageRefused(f"{name} cannot be read ({exc.strerror or exc}).") from exc
    if image_problem(data) is not None or thumbnail(data).isNull():
        raise ImageRefused(f"{name} is not a PNG or JPEG image. Choose a PNG or JPEG file.")
    return data


def thumbnail(data: bytes, box: QSize = THUMBNAIL) -> QPixmap:
    """The image scaled into ``box`` (a JPEG is decoded straight at that size); a null pixmap
    when Qt cannot read it as PNG or JPEG."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    if bytes(reader.format().data()) not in (b"png", b"jpeg") or not reader.size().isValid():
        return QPixmap()
    reader.setScaledSize(reader.size().scaled(box, Qt.AspectRatioMode.KeepAspectRatio))
    return QPixmap.fromImage(reader.read())


class ImageField(QWidget):
    """A small thumbnail with Choose… and Remove; ``image`` holds the file's bytes."""

    changed = Signal()

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.what = what
        self.image: bytes | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self.thumb = QLabel()
        self.thumb.setFixedSize(THUMBNAIL + QSize(4, 4))
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setStyleSheet("border: 1px solid #dfe3e8; border-radius: 4px; background: white;")
        self.thumb.setAccessibleName(f"{what[:1].upper()}{what[1:]}")
        self.choose_button = QPushButton("Choose…")
        self.choose_button.setToolTip(f"Choose {what}: a PNG or JPEG file of at most "
                                      f"{MAX_IMAGE_BYTES // 1_000_000} MB")
        self.choose_button.setAutoDefault(False)
        self.choose_button.clicked.connect(self.choose)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self.remove)
        row.addWidget(self.thumb)
        row.addWidget(self.choose_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        self.set_image(None)

    def set_image(self, data: bytes | None) -> None:
        self.image = data
        picture = thumbnail(data) if data else QPixmap()
        self.thumb.setPixmap(picture)
        self.thumb.setText("" if data else "None")
        self.thumb.setToolTip(f"{len(data) / 1000:.0f} kB" if data else f"No {self.what}")
        self.remove_button.setEnabled(data is not None)

    def choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, f"Choose {self.what}", "", IMAGE_FILTER)
        if not path:
            return
        try:
            data = read_image(path)
        except ImageRefused as exc:
            QMessageBox.warning(self, "Image not used", str(exc))
            return
        self.set_image(data)
        self.changed.emit()

    def remove(self) -> None:
        if self.image is not None:
            self.set_image(None)
            self.changed.emit()


class ColourButton(QPushButton):
    """A swatch and its hex code; a click opens the colour chooser."""

    changed = Signal()

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.what = what
        self._hex = "#000000"
        self.setAccessibleName(f"{what[:1].upper()}{what[1:]} colour")
        self.setToolTip(f"Choose the {what} colour")
        self.setAutoDefault(False)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("#WWWWWW") + 48)
        self.clicked.connect(self.pick)

    def hex(self) -> str:
        return self._hex

    def set_hex(self, value: str) -> None:
        self._hex = value
        swatch = QPixmap(16, 16)
        swatch.fill(QColor(value) if QColor.isValidColorName(value) else QColor("white"))
        self.setIcon(QIcon(swatch))
        self.setText(value.upper())

    def pick(self) -> None:
        chosen = QColorDialog.getColor(QColor(self._hex), self, f"Choose the {self.what} colour")
        if chosen.isValid() and chosen.name().upper() != self._hex.upper():
            self.set_hex(chosen.name().upper())
            self.changed.emit()


class SignatureBox(QGroupBox):
    """One signature line (signer's name, title, scanned signature); unticked: not printed."""

    changed = Signal()

    def __init__(self, number: int, parent: QWidget | None = None) -> None:
        super().__init__(f"Signature {number}", parent)
        self.setCheckable(True)
        self.setToolTip(f"Untick to print no signature line {number}")
        form = Rows(self, margins=(10, 8, 10, 8))
        self.signer = QLineEdit()
        self.signer.setAccessibleName(f"Signature {number} name")
        self.signer.setPlaceholderText("e.g. Dr. Ana Ruiz (optional)")
        self.signer_title = QLineEdit()
        self.signer_title.setAccessibleName(f"Signature {number} title")
        self.signer_title.setPlaceholderText("e.g. Head of School")
        self.image = ImageField(f"the scanned signature {number}")
        form.add("Name", self.signer)
        form.add("Title", self.signer_title)
        form.add("Image", self.image)
        self.error = error_label()
        form.add(None, self.error)
        for signal in (self.toggled, self.signer.textChanged, self.signer_title.textChanged, self.image.changed):
            signal.connect(self.changed)

    def signature(self) -> Signature:
        return Signature(self.signer.text(), self.signer_title.text(), self.image.image)

    def set_signature(self, sig: Signature | None) -> None:
        self.setChecked(sig is not None)
        self.signer.setText(sig.name if sig else "")
        self.signer_title.setText(sig.title if sig else "")
        self.image.set_image(sig.image if sig else None)


class TemplateForm(QWidget):
    """The fields of one template; problems are shown under the field they concern."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._filling = False
        self.errors: dict[str, tuple[QLabel, QWidget]] = {}
        form = Rows(self, margins=(0, 0, 6, 0))

        self.name = QLineEdit()
        self.name.setAccessibleName("Template name")
        self.name_hint = styled_label("A built-in template keeps its name; “New from this…” saves a copy "
                                      "you can rename.", muted=True)
        self.name_hint.setWordWrap(True)
        form.add("Name", self._field("name", self.name, self.name_hint))

        self.design = _combo("Design", DESIGNS)
        form.add("Design", self._field("design", self.design))
        self.paper, self.orientation = _combo("Paper", PAPERS), _combo("Orientation", ORIENTATIONS)
        paper_row = QWidget()
        row = QHBoxLayout(paper_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.paper, 1)
        row.addWidget(self.orientation, 1)
        form.add("Paper", self._field("paper", paper_row))
        self.errors["orientation"] = self.errors["paper"]

        self.title = _line("Title")
        form.add("Title", self._field("title", self.title))
        self.presented_to = _line("Presented to line")
        self.presented_to.setPlaceholderText("Empty: no line above the name")
        form.add("Presented to", self._field("presented_to", self.presented_to))

        self.wording = QPlainTextEdit()
        self.wording.setAccessibleName("Wording")
        self.wording.setTabChangesFocus(True)
        self.wording.setFixedHeight(self.wording.fontMetrics().lineSpacing() * 5 + 14)
        self.placeholder_button = QPushButton("Insert placeholder")
        self.placeholder_button.setAutoDefault(False)
        self.placeholder_button.setToolTip("Insert a placeholder at the cursor: it prints the sample's "
                                           "(and later each student's) value")
        menu = QMenu(self.placeholder_button)
        for key in PLACEHOLDERS:
            action = menu.addAction(f"{{{key}}} — {PLACEHOLDER_HELP.get(key, key)}")
            action.setData(key)
            action.triggered.connect(lambda _checked=False, key=key: self.insert_placeholder(key))
        self.placeholder_button.setMenu(menu)
        form.add("Wording", self._field("wording", self.wording, self.placeholder_button))

        self.skills_label = _line("Skills line")
        self.skills_label.setToolTip("Printed when the student reached skills; {skills} lists them")
        form.add("Skills line", self._field("skills_label", self.skills_label))

        self.primary, self.accent = ColourButton("primary"), ColourButton("accent")
        self.primary.setToolTip("The title and the frame")
        self.accent.setToolTip("Rules and ornaments")
        form.add("Primary colour", self._field("primary", self.primary))
        form.add("Accent colour", self._field("accent", self.accent))

        self.logo = ImageField("the school logo")
        self.logo_note = styled_label("", muted=True)
        self.logo_note.setWordWrap(True)
        form.add("School logo", self._field("logo", self.logo, self.logo_note))

        self.signature1, self.signature2 = SignatureBox(1), SignatureBox(2)
        form.add(None, self.signature1)
        form.add(None, self.signature2)
        form.grid.setRowStretch(form.rows, 1)
        self.errors["signature 1"] = (self.signature1.error, self.signature1)
        self.errors["signature 2"] = (self.signature2.error, self.signature2)
        self.signature1.toggled.connect(self.signature2.setEnabled)

        for signal in (self.name.textChanged, self.design.currentIndexChanged, self.paper.currentIndexChanged,
                       self.orientation.currentIndexChanged, self.title.textChanged,
                       self.presented_to.textChanged, self.wording.textChanged, self.skills_label.textChanged,
                       self.primary.changed, self.accent.changed, self.logo.changed, self.signature1.changed,
                       self.signature2.changed):
            signal.connect(self._edited)

    def _field(self, key: str, widget: QWidget, extra: QWidget | None = None) -> QWidget:
        """The widget, an optional hint or tool under it, and the field's error label."""
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        column.addWidget(widget)
        if extra is not None:
            column.addWidget(extra, 0, Qt.AlignmentFlag.AlignLeft if isinstance(extra, QPushButton)
                             else Qt.AlignmentFlag(0))
        label = error_label()
        column.addWidget(label)
        self.errors[key] = (label, widget)
        return box

    def _edited(self) -> None:
        if not self._filling:
            self.changed.emit()

    # ------------------------------------------------------------------ values
    def spec(self) -> TemplateSpec:
        """What the form shows, as a template (the name without surrounding spaces)."""
        signatures: list[Signature] = []
        if self.signature1.isChecked():
            signatures.append(self.signature1.signature())
            if self.signature2.isChecked():
                signatures.append(self.signature2.signature())
        return TemplateSpec(
            name=self.name.text().strip(), title=self.title.text(), paper=self.paper.currentData(),
            orientation=self.orientation.currentData(), wording=self.wording.toPlainText(),
            primary=self.primary.hex(), accent=self.accent.hex(), signatures=tuple(signatures),
            design=self.design.currentData(), presented_to=self.presented_to.text(),
            skills_label=self.skills_label.text(), logo=self.logo.image)

    def set_spec(self, spec: TemplateSpec, *, built_in: bool) -> None:
        """Show ``spec``; a built-in template's name cannot be changed. Emits nothing."""
        self._filling = True
        try:
            self.name.setText(spec.name)
            self.name.setReadOnly(built_in)
            self.name_hint.setVisible(built_in)
            for combo, value in ((self.design, spec.design), (self.paper, spec.paper),
                                 (self.orientation, spec.orientation)):
                combo.setCurrentIndex(max(0, combo.findData(value)))
            self.title.setText(spec.title)
            self.presented_to.setText(spec.presented_to)
            if self.wording.toPlainText() != spec.wording:
                self.wording.setPlainText(spec.wording)
            self.skills_label.setText(spec.skills_label)
            self.primary.set_hex(spec.primary)
            self.accent.set_hex(spec.accent)
            self.logo.set_image(spec.logo)
            sigs = list(spec.signatures) + [None, None]
            self.signature1.set_signature(sigs[0])
            self.signature2.set_signature(sigs[1])
            self.signature2.setEnabled(self.signature1.isChecked())
        finally:
            self._filling = False

    def set_school_logo(self, logo_path: str) -> None:
        """Say what prints without a logo of the template's own: the school's (a setting)."""
        self.logo_note.setText(
            f"Without one, the school's logo from Settings ({Path(logo_path).name}) is printed."
            if logo_path else "Without one, no logo is printed (Settings has no school logo).")

    def insert_placeholder(self, key: str) -> None:
        """Type ``{key}`` into the wording at the cursor."""
        self.wording.insertPlainText(f"{{{key}}}")
        self.wording.setFocus()

    # ------------------------------------------------------------------ problems
    def show_problems(self, problems: list[Problem]) -> list[Problem]:
        """Each problem under its field; returns those without a field here."""
        for label, widget in self.errors.values():
            label.clear()
            label.hide()
            if widget.property("invalid"):
                set_style_flag(widget, "invalid", False)
        loose = []
        for p in problems:
            target = self.errors.get(p.field or "")
            if target is None:
                loose.append(p)
                continue
            label, widget = target
            label.setText(f"{label.text()}\n{p.message}" if label.text() else p.message)
            label.show()
            if isinstance(widget, (QLineEdit, QPlainTextEdit)):
                set_style_flag(widget, "invalid", True)
        return loose


def _combo(name: str, items: tuple[tuple[str, str], ...]) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    for value, text in items:
        combo.addItem(text, value)
    return combo


def _line(name: str) -> QLineEdit:
    line = QLineEdit()
    line.setAccessibleName(name)
    return line

"""Import a roster: choose a file or OneRoster export, map its columns if needed, preview, import.

Steps: 1. choose a CSV/XLSX file, or a OneRoster folder or .zip; 2. when the headers are not
recognised, map each column to a field (remembered per set of headers in QSettings, so the
same export maps itself next time); 3. preview what would change — new, updated, unchanged,
deactivated and every error with its file, row and column — nothing is written yet;
4. Import runs in the background with progress and Cancel, all or nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tracker.errors import Problem
from tracker.services.activities import ActivitySummary
from tracker.services.imports import ImportCancelled, ImportPreview, ImportResult
from ui.context import AppContext
from ui.dialogs import app_settings
from ui.models.base import Column, SnapshotModel
from ui.ops import ReadOp, WriteOp
from ui.tasks import TaskHandle, TaskState, show_error
from ui.widgets import apply_widths, make_table
from ui.widgets.elided import ElidedLabel
from ui.widgets.style import set_style_flag, styled_label

FILE_FILTER = "Rosters (*.csv *.xlsx *.zip *.txt);;CSV (*.csv *.txt);;Excel (*.xlsx);;OneRoster zip (*.zip)"
SETTINGS_PREFIX = "import/mappings/"
LAST_FOLDER = "import/last_folder"


@dataclass(frozen=True)
class PreviewLine:
    outcome: str  # Error, New, Updated, Deactivated, Unchanged
    role: str
    name: str
    key: str
    details: str
    where: str


class PreviewModel(SnapshotModel[PreviewLine]):
    OUTCOME, ROLE, NAME, KEY, WHERE, DETAILS = range(6)
    columns = (
        Column("Outcome", lambda r: r.outcome, width=88),
        Column("Role", lambda r: r.role, width=66),
        Column("Name", lambda r: r.name, width=160, tooltip=lambda r: r.name),
        Column("Number / id", lambda r: r.key, width=130, tooltip=lambda r: r.key),
        Column("File, row, column", lambda r: r.where, width=190, tooltip=lambda r: r.where),
        Column("Details", lambda r: r.details, width=260, tooltip=lambda r: r.details),
    )

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and index.isValid() and index.column() == self.OUTCOME:
            from ui.widgets.style import colour

            outcome = self.record(index.row()).outcome
            return {"Error": colour("RISK"), "Warning": colour("WARN"), "New": colour("OK"),
                    "Updated": colour("ACCENT"), "Deactivated": colour("WARN")}.get(outcome)
        return super().data(index, role)


def _where(problem: Problem) -> str:
    return ", ".join(x for x in (problem.file or "", f"row {problem.row}" if problem.row else "",
                                 f"column {problem.column}" if problem.column else "") if x)


def preview_lines(p: ImportPreview) -> list[PreviewLine]:
    """Errors first (nothing can be imported), then warnings (left out, the rest imports)."""
    lines = [PreviewLine("Error", "", "", "", e.message, _where(e)) for e in p.errors]
    lines += [PreviewLine("Warning", "", "", "", w.message, _where(w)) for w in p.warnings]
    for outcome, changes in (("New", p.new), ("Updated", p.updated), ("Deactivated", p.deactivated),
                             ("Unchanged", p.unchanged)):
        lines += [PreviewLine(outcome, c.role.label, c.name, c.key, c.details, f"{c.file}, row {c.row}")
                  for c in changes]
    return lines


def headers_key(headers: tuple[str, ...] | list[str]) -> str:
    norm = sorted(h.strip().lower() for h in headers)
    return SETTINGS_PREFIX + hashlib.sha1("\x1f".join(norm).encode()).hexdigest()[:16]


def saved_mapping(headers: tuple[str, ...] | list[str]) -> dict[str, str] | None:
    value = app_settings().value(headers_key(headers))
    if not value:
        return None
    try:
        mapping = json.loads(str(value))
    except ValueError:
        return None
    return {str(k): str(v) for k, v in mapping.items()} if isinstance(mapping, dict) else None


def remember_mapping(headers: tuple[str, ...] | list[str], mapping: dict[str, str]) -> None:
    settings = app_settings()
    settings.setValue(headers_key(headers), json.dumps(mapping, sort_keys=True))
    settings.sync()


def _label(text: str = "", **flags: object) -> QLabel:
    label = styled_label(text, **flags)
    label.setWordWrap(True)
    return label


class ImportDialog(QDialog):
    CHOOSE, MAPPING, PREVIEW, DONE = range(4)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.path: str | None = None
        self.mapping: dict[str, str] | None = None
        self.preview: ImportPreview | None = None
        self.result_value: ImportResult | None = None
        self.activities: list[ActivitySummary] | None = None  # to map OneRoster classes onto
        self.busy = False
        self.setWindowTitle("Import roster")
        self.setMinimumSize(900, 580)
        self.resize(980, 640)
        lay = QVBoxLayout(self)
        lay.setSpacing(10)
        self.heading = _label("Import a roster", heading="2")
        lay.addWidget(self.heading)
        self.where = ElidedLabel()  # a long path ends with "…", whole in its tooltip
        set_style_flag(self.where, "muted")
        lay.addWidget(self.where)
        self.steps = QStackedWidget()
        lay.addWidget(self.steps, 1)
        self.steps.addWidget(self._choose_step())
        self.steps.addWidget(self._mapping_step())
        self.steps.addWidget(self._preview_step())
        self.steps.addWidget(self._done_step())
        self.status = _label("", muted=True)
        lay.addWidget(self.status)
        buttons = QHBoxLayout()
        self.back_button = QPushButton("Choose another file…")
        self.back_button.clicked.connect(self.choose_file)
        self.columns_button = QPushButton("Columns…")
        self.columns_button.setToolTip("Change which column holds which field")
        self.columns_button.clicked.connect(lambda: self.steps.setCurrentIndex(self.MAPPING))
        self.close_button = QPushButton("Cancel")
        self.close_button.clicked.connect(self.reject)
        self.import_button = QPushButton("Import")
        set_style_flag(self.import_button, "primary")
        self.import_button.clicked.connect(self.run_import)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.columns_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.import_button)
        lay.addLayout(buttons)
        self.steps.currentChanged.connect(lambda _i: self._update_buttons())
        self._update_buttons()

    # ------------------------------------------------------------------ steps
    def _choose_step(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.addWidget(_label(
            "Import students from your school information system. Choose a CSV or Excel (.xlsx) "
            "file with a header row (first name, last name, student number, grade, class, email, "
            "activity, parent email…), or a OneRoster 1.1 / 1.2 export: its folder or .zip file."))
        lay.addWidget(_label(
            "Nothing is written until you press Import after the preview. Importing the same file "
            "again changes nothing; a changed file updates people by their student number or SIS id. "
            "New accounts have no password until you set one.", muted=True))
        row = QHBoxLayout()
        self.file_button = QPushButton("Choose file…")
        set_style_flag(self.file_button, "primary")
        self.file_button.clicked.connect(self.choose_file)
        self.folder_button = QPushButton("Choose OneRoster folder…")
        self.folder_button.clicked.connect(self.choose_folder)
        row.addWidget(self.file_button)
        row.addWidget(self.folder_button)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addStretch(1)
        return w

    def _mapping_step(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        self.mapping_intro = _label("Which field is in each column? A name (first and last, or full name) and a "
                                    "student number or SIS id are needed. Your choice is remembered for files "
                                    "with the same columns.")
        lay.addWidget(self.mapping_intro)
        self.mapping_form_box = QWidget()
        self.mapping_form = QFormLayout(self.mapping_form_box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.mapping_form_box)
        lay.addWidget(scroll, 1)
        self.mapping_error = _label("", error=True)
        lay.addWidget(self.mapping_error)
        row = QHBoxLayout()
        row.addStretch(1)
        self.mapping_button = QPushButton("Preview with these columns")
        set_style_flag(self.mapping_button, "primary")
        self.mapping_button.clicked.connect(self.apply_mapping)
        row.addWidget(self.mapping_button)
        lay.addLayout(row)
        self.mapping_combos: dict[str, QComboBox] = {}
        return w

    def _preview_step(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(0, 0, 0, 0)
        self.summary = _label("")
        lay.addWidget(self.summary)
        bar = QHBoxLayout()
        self.show_filter = QComboBox()
        self.show_filter.setAccessibleName("Show")
        for text in ("Everything", "Errors", "Warnings", "New", "Updated", "Deactivated", "Unchanged"):
            self.show_filter.addItem(text)
        self.show_filter.currentIndexChanged.connect(lambda _i: self._show_lines())
        bar.addWidget(QLabel("Show:"))
        bar.addWidget(self.show_filter)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.model = PreviewModel(self)
        # the details take the room left (elided with "…", whole in the tooltip): never a
        # horizontal scroll bar that cuts them off at the dialog's edge
        self.table = make_table({i: c.width for i, c in enumerate(PreviewModel.columns)},
                                stretch=PreviewModel.DETAILS, sortable=False)
        self.table.setModel(self.model)
        apply_widths(self.table)
        self.table.setAccessibleName("Import preview")
        lay.addWidget(self.table, 1)
        return w

    def _done_step(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        self.done_text = _label("", heading="2")
        self.done_detail = _label("", muted=True)
        lay.addWidget(self.done_text)
        lay.addWidget(self.done_detail)
        lay.addStretch(1)
        return w

    def _update_buttons(self) -> None:
        step = self.steps.currentIndex()
        p = self.preview
        self.import_button.setVisible(step == self.PREVIEW)
        self.import_button.setEnabled(bool(p and p.ok and p.changes_anything) and not self.busy)
        self.back_button.setVisible(step in (self.MAPPING, self.PREVIEW))
        oneroster = bool(p and p.format.startswith("oneroster"))
        flat = bool(p and not oneroster and p.headers)
        self.columns_button.setText("Classes…" if oneroster else "Columns…")
        self.columns_button.setVisible(step == self.PREVIEW and (flat or bool(oneroster and p and p.classes)))
        self.close_button.setText("Close" if step == self.DONE else "Cancel")

    # ------------------------------------------------------------------ choosing
    def _start_folder(self) -> str:
        return str(app_settings().value(LAST_FOLDER, "") or Path.home())

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a roster file", self._start_folder(), FILE_FILTER)
        if path:
            self.set_path(path)

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Choose the OneRoster folder", self._start_folder())
        if path:
            self.set_path(path)

    def set_path(self, path: str | Path, mapping: dict[str, str] | None = None) -> None:
        """Load a file's preview (with a remembered column mapping when the headers need one)."""
        self.path = str(path)
        self.mapping = mapping
        settings = app_settings()
        settings.setValue(LAST_FOLDER, str(Path(path).parent))
        self.where.setText(str(path))
        self.run_preview()

    def run_preview(self) -> None:
        if self.path is None:
            return
        self.busy = True
        self.status.setText("Reading the file and checking every row…")
        self._update_buttons()
        service, actor, path, mapping = self.ctx.services.imports, self.ctx.user, self.path, self.mapping
        ReadOp(self, self.ctx, lambda state: service.preview(actor, path, mapping), label="Import roster") \
            .success(self._previewed).failure(self._preview_failed).run_in_background()

    def _preview_failed(self, exc: BaseException) -> bool:
        self.busy = False
        self.status.setText("")
        self._update_buttons()
        return False  # shown the standard way

    def _previewed(self, p: ImportPreview) -> None:
        self.busy = False
        self.status.setText("")
        if p.needs_mapping and self.mapping is None:
            remembered = saved_mapping(p.headers)
            if remembered:
                self.mapping = remembered
                self.run_preview()
                return
        self.preview = p
        self._build_mapping(p)
        if p.needs_mapping:
            self.mapping_error.setText("" if self.mapping is None else
                                       "Still missing: a name and a student number or SIS id.")
            self.steps.setCurrentIndex(self.MAPPING)
        else:
            if self.mapping and not p.format.startswith("oneroster"):
                remember_mapping(p.headers, self.mapping)
            self._show_preview(p)
            self.steps.setCurrentIndex(self.PREVIEW)
        self._update_buttons()

    # ------------------------------------------------------------------ mapping
    def _build_mapping(self, p: ImportPreview) -> None:
        while self.mapping_form.rowCount():
            self.mapping_form.removeRow(0)
        self.mapping_combos = {}
        if p.format.startswith("oneroster"):
            self._build_class_mapping(p)
            return
        self.mapping_button.setText("Preview with these columns")
        self.mapping_intro.setText(
            "Which field is in each column? A name (first and last, or full name) and a student number "
            "or SIS id are needed. Your choice is remembered for files with the same columns.")
        current = dict(p.mapping)
        if self.mapping:
            current.update(self.mapping)
        for header in p.headers:
            combo = QComboBox()
            combo.setAccessibleName(f"Field of column {header}")
            combo.addItem("(ignore)", "")
            for key, label in p.known_fields.items():
                combo.addItem(label, key)
            index = combo.findData(current.get(header, ""))
            combo.setCurrentIndex(max(0, index))
            self.mapping_combos[header] = combo
            self.mapping_form.addRow(header + ":", combo)

    def _build_class_mapping(self, p: ImportPreview) -> None:
        """OneRoster: each class becomes its own activity (the default), joins one, or is skipped."""
        self.mapping_button.setText("Preview with these choices")
        self.mapping_intro.setText(
            "Each class of the export becomes an activity (and is updated by later imports). You can "
            "instead add a class's students and teachers to an existing activity, or skip it.")
        if self.activities is None:
            service, actor = self.ctx.services.activities, self.ctx.user
            ReadOp(self, self.ctx, lambda state: service.list_activities(actor, include_archived=False),
                   label="Import roster") \
                .success(lambda activities: self._activities_loaded(activities, p)).run_in_background()
            return
        current = self.mapping or {}
        for sid, title in p.classes:
            combo = QComboBox()
            combo.setAccessibleName(f"Activity for class {title}")
            combo.addItem("Its own activity", "")
            combo.addItem("Skip this class", "skip")
            for a in self.activities:
                combo.addItem(f"Add to {a.name}", str(a.id))
            combo.setCurrentIndex(max(0, combo.findData(current.get(f"class:{sid}", ""))))
            self.mapping_combos[f"class:{sid}"] = combo
            self.mapping_form.addRow(title + ":", combo)

    def _activities_loaded(self, activities: list[ActivitySummary], p: ImportPreview) -> None:
        self.activities = activities
        self._build_mapping(p)

    def set_mapping(self, mapping: dict[str, str]) -> None:
        """Choose fields in the mapping step (tests and scripted use)."""
        for header, field in mapping.items():
            combo = self.mapping_combos[header]
            combo.setCurrentIndex(max(0, combo.findData(field)))

    def apply_mapping(self) -> None:
        self.mapping = {h: str(c.currentData() or "") for h, c in self.mapping_combos.items()}
        if self.preview is not None and self.preview.format.startswith("oneroster"):
            self.mapping = {k: v for k, v in self.mapping.items() if v}
        self.run_preview()

    # ------------------------------------------------------------------ preview
    def _show_preview(self, p: ImportPreview) -> None:
        name = Path(p.path).name
        fmt = {"csv": "CSV file", "xlsx": "Excel workbook"}.get(p.format, p.format.replace(
            "oneroster-", "OneRoster "))
        self.heading.setText(f"Preview: {name}")
        lines = [f"{fmt}, {p.rows} row{'s' if p.rows != 1 else ''}. "
                 f"<b>{len(p.new)}</b> new, <b>{len(p.updated)}</b> updated, {len(p.unchanged)} unchanged"
                 + (f", {len(p.deactivated)} deactivated" if p.deactivated else "")
                 + (f", <span style='color:#c0392b'><b>{len(p.errors)} error"
                    f"{'s' if len(p.errors) != 1 else ''}</b></span>" if p.errors else "") + "."]
        extra = []
        if p.activities_new:
            extra.append(f"new activities: {', '.join(p.activities_new[:6])}"
                         + ("…" if len(p.activities_new) > 6 else ""))
        if p.activities_updated:
            extra.append(f"activities updated: {len(p.activities_updated)}")
        if p.enrollments_new:
            extra.append(f"{p.enrollments_new} enrollments" + (f" ({p.waitlisted_new} to the waitlist)"
                                                              if p.waitlisted_new else ""))
        if p.leads_new:
            extra.append(f"{p.leads_new} activity leads")
        if p.links_new:
            extra.append(f"{p.links_new} parent/guardian links")
        if p.skipped:
            extra.append(f"{p.skipped} rows skipped (other roles, deleted records)")
        if extra:
            lines.append("Also: " + "; ".join(extra) + ".")
        if p.warnings:
            n = len(p.warnings)
            lines.append(f"{n} warning{'s' if n != 1 else ''}: records that point at deleted ones are left out "
                         "(see Warnings); the rest imports.")
        if p.errors:
            lines.append("Fix the file and choose it again: nothing is imported while any row has a problem.")
        elif not p.changes_anything:
            lines.append("Everything is already up to date: importing would change nothing.")
        self.summary.setText("<br>".join(lines))
        self.lines = preview_lines(p)
        if p.errors:
            self.show_filter.setCurrentIndex(1)
        self._show_lines()

    def _show_lines(self) -> None:
        choice = self.show_filter.currentText()
        outcome = {"Errors": "Error", "Warnings": "Warning"}.get(choice, choice)
        lines = getattr(self, "lines", [])
        self.model.set_rows(lines if choice == "Everything" else [x for x in lines if x.outcome == outcome])

    # ------------------------------------------------------------------ importing
    def run_import(self) -> TaskHandle | None:
        p = self.preview
        if p is None or not p.ok or self.busy or self.path is None:
            return None
        self.busy = True
        self._update_buttons()
        service, actor, path, mapping = self.ctx.services.imports, self.ctx.user, self.path, self.mapping

        def work(state: TaskState) -> ImportResult:
            return service.apply(actor, path, mapping,
                                 progress=lambda done, total, text: state.set_progress(done, total, text),
                                 cancelled=lambda: state.cancelled)

        return WriteOp(self, self.ctx, work, label="Import roster").progress("Importing the roster") \
            .success(self._imported).failure(self._import_failed).run_in_background()

    def _import_failed(self, exc: BaseException) -> bool:
        self.busy = False
        self._update_buttons()
        if isinstance(exc, ImportCancelled):
            self.status.setText("Import cancelled: nothing was written.")
            return True
        show_error(self, exc, "Import roster")
        self.run_preview()  # the database may have changed since the preview
        return True

    def _imported(self, result: ImportResult) -> None:
        self.busy = False
        self.result_value = result
        p = result.preview
        self.heading.setText("Import finished")
        self.done_text.setText(f"{len(result.created_ids)} people created, {len(result.updated_ids)} updated"
                               + (f", {len(p.deactivated)} deactivated" if p.deactivated else "") + ".")
        detail = []
        if p.activities_new:
            detail.append(f"Activities created: {', '.join(p.activities_new)}.")
        if p.enrollments_new:
            detail.append(f"{p.enrollments_new} enrollments added.")
        if p.links_new:
            detail.append(f"{p.links_new} parent/guardian links added.")
        detail.append(f"Took {result.seconds:.1f} s. New accounts cannot sign in until a password is set.")
        self.done_detail.setText(" ".join(detail))
        self.steps.setCurrentIndex(self.DONE)
        self._update_buttons()

    def reject(self) -> None:
        if self.busy:
            return
        super().reject()

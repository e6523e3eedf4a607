"""Privacy requests in the GUI (administrators): "Everything about this student…" (a zip saved
in the background), the erase confirmation (the admin types the student's name; Erase is
enabled only when it matches, by the rule the service enforces) and the list of students who
left long enough ago to be proposed for erasure (the Audit page's Privacy tab)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.changes import ChangeKind
from tracker.services.privacy import ErasureResult, RetentionCandidate, confirms
from ui.context import AppContext
from ui.models.base import Column, SnapshotModel
from ui.ops import WriteOp
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.base import Refreshing
from ui.widgets import apply_widths, make_table
from ui.widgets.style import day, styled_label

KEPT = ("Enrollments, attendance marks, milestones ticked, badges and certificates stay, "
        "so the school's figures and analytics do not change.")
REMOVED = ("Removed: name, preferred name, e-mail, student number, external id, username and "
           "password; links to parents and guardians; notes, remarks, evidence and reflections "
           "written about them; their name in the audit log and in notifications.")


def save_subject_access(parent: QWidget, ctx: AppContext, student_id: int, name: str,
                        path: str | None = None) -> None:
    """Ask where (unless ``path`` is given), then write the zip in the background."""
    if path is None:
        suggested = Path.home() / f"Everything about {name} {date.today():%Y-%m-%d}.zip"
        path, _ = QFileDialog.getSaveFileName(parent, f"Everything about {name}", str(suggested), "Zip (*.zip)")
        if not path:
            return
    privacy, actor, target = ctx.services.privacy, ctx.user, Path(path)

    def write(state: TaskState) -> Path:
        return privacy.subject_access(actor, student_id, target)

    WriteOp(parent, ctx, write, label=f"Everything about {name}").progress().run_in_background()


class EraseDialog(QDialog):
    """Confirm erasing a student's personal details by typing their name."""

    erased = Signal(object)  # the ErasureResult

    def __init__(self, ctx: AppContext, student_id: int, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.student_id, self.name = ctx, student_id, name
        self.setWindowTitle("Erase personal details")
        self.setMinimumWidth(460)
        lay = QVBoxLayout(self)
        lay.setSpacing(10)
        heading = styled_label(f"Erase the personal details of {name}?", heading="2")
        heading.setWordWrap(True)
        lay.addWidget(heading)
        for text in (KEPT, REMOVED, "This cannot be undone (a backup made before it can be restored)."):
            label = QLabel(text)
            label.setWordWrap(True)
            lay.addWidget(label)
        prompt = QLabel(f"Type <b>{_escape(name)}</b> to confirm:")
        lay.addWidget(prompt)
        self.typed = QLineEdit()
        self.typed.setAccessibleName("Student's name to confirm")
        self.typed.setPlaceholderText(name)
        prompt.setBuddy(self.typed)
        lay.addWidget(self.typed)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.erase_button = self.buttons.addButton("Erase", QDialogButtonBox.ButtonRole.DestructiveRole)
        self.erase_button.setEnabled(False)
        self.erase_button.clicked.connect(self.erase)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.typed.textChanged.connect(self._typed)

    def _typed(self, text: str) -> None:
        self.erase_button.setEnabled(confirms(text, self.name))

    def erase(self) -> None:
        if not confirms(self.typed.text(), self.name):
            return
        privacy, actor, sid, typed = self.ctx.services.privacy, self.ctx.user, self.student_id, self.typed.text()
        self.erase_button.setEnabled(False)
        WriteOp(self, self.ctx, lambda _s: privacy.erase(actor, sid, confirm_name=typed),
                label="Erase personal details") \
            .success(self._done).failure(self._failed).run_in_background()

    def _done(self, result: ErasureResult) -> None:
        self.erased.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> bool:
        self._typed(self.typed.text())
        return False  # shown the standard way


def _escape(text: str) -> str:
    from html import escape

    return escape(text)


def open_erase_dialog(parent: QWidget, ctx: AppContext, student_id: int, name: str) -> EraseDialog:
    dialog = EraseDialog(ctx, student_id, name, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    dialog.typed.setFocus()
    return dialog


class RetentionModel(SnapshotModel[RetentionCandidate]):
    columns = (
        Column("Student", lambda c: c.display_name, width=220, tooltip=lambda c: c.display_name),
        Column("Grade", lambda c: c.grade or "—", width=70),
        Column("Left on", lambda c: day(c.left_on), value=lambda c: c.left_on, width=120),
        Column("Years ago", lambda c: str(c.years_ago), value=lambda c: c.years_ago, width=90),
    )


class RetentionPanel(Refreshing):
    """Students who left ``privacy_retention_years`` or more years ago and are not erased yet,
    with "Erase personal details…" for the selected one."""

    watches = frozenset({ChangeKind.USER, ChangeKind.SETTING})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.years = 0  # the retention period, read with the list
        self.reloader = Reloader(ctx, self._load, self._loaded, label="Loading the retention list")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        self.about = styled_label("", muted=True)
        self.about.setWordWrap(True)
        lay.addWidget(self.about)
        self.model = RetentionModel(self)
        self.table = make_table({i: c.width for i, c in enumerate(RetentionModel.columns)}, stretch=0)
        self.table.setModel(self.model)
        apply_widths(self.table)
        self.table.setAccessibleName("Students proposed for erasure")
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update())
        self.table.activated.connect(lambda _i: self.erase_selected())
        lay.addWidget(self.table, 1)
        bar = QHBoxLayout()
        bar.addStretch(1)
        self.erase_button = QPushButton("Erase personal details…")
        self.erase_button.setToolTip("Erase the selected student's personal details (asks you to type the name)")
        self.erase_button.clicked.connect(self.erase_selected)
        bar.addWidget(self.erase_button)
        lay.addLayout(bar)
        self.dialog: EraseDialog | None = None
        self._update()

    def refresh(self) -> None:
        self.reloader.request()

    def _load(self) -> Callable[[TaskState], tuple[int, list[RetentionCandidate]]]:
        privacy, settings, actor = self.ctx.services.privacy, self.ctx.services.settings, self.ctx.user

        def load(state: TaskState) -> tuple[int, list[RetentionCandidate]]:
            return settings.get().privacy_retention_years, privacy.retention_candidates(actor)

        return load

    def _loaded(self, result: tuple[int, list[RetentionCandidate]]) -> None:
        self.years, rows = result
        self.model.set_rows(rows)
        self.about.setText(
            f"Students who left {self.years} or more years ago (the retention period in Settings) and whose "
            f"personal details are still held: {len(rows) or 'none'}. Erasing keeps their counted records.")
        self._update()

    def selected(self) -> RetentionCandidate | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def _update(self) -> None:
        self.erase_button.setEnabled(self.selected() is not None)

    def erase_selected(self) -> EraseDialog | None:
        c = self.selected()
        if c is None:
            return None
        self.dialog = open_erase_dialog(self, self.ctx, c.id, c.display_name)
        return self.dialog


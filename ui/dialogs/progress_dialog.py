"""Set progress and/or status by hand for students of an activity, with the note that says why.

What is set by hand stays until someone presses "Back to computed" on the roster; milestones and
attendance keep being recorded meanwhile. The service checks the note and the values; its
messages appear under the fields and nothing closes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.enums import ProgressStatus
from ui.context import AppContext
from ui.widgets.forms import FormDialog
from ui.widgets.style import set_style_flag

#: (label, status value or None) for the status choice
STATUS_CHOICES = (("Keep as it is", None), ("Active", ProgressStatus.ACTIVE.value),
                  ("Completed", ProgressStatus.COMPLETED.value))


class ProgressOverrideDialog(FormDialog):
    """Progress (0–100%) and/or status set by hand for one or several students."""

    def __init__(self, ctx: AppContext, activity_id: int, students: list[tuple[int, str]],
                 parent: QWidget | None = None, *, progress: float | None = None) -> None:
        super().__init__(ctx, parent)
        self.activity_id = activity_id
        self.students = students
        names = ", ".join(n for _, n in students[:3]) + ("…" if len(students) > 3 else "")
        self.setWindowTitle("Set progress by hand")
        self.setMinimumWidth(460)
        lay = QVBoxLayout(self)
        heading = QLabel(f"Set progress for {names}" if len(students) <= 3
                         else f"Set progress for {len(students)} students")
        set_style_flag(heading, "heading", "2")
        heading.setWordWrap(True)
        lay.addWidget(heading)
        hint = QLabel("Normally progress comes from the milestones done. What you set here stays until "
                      "someone presses “Back to computed”; the note is shown with it.")
        set_style_flag(hint, "muted")
        hint.setWordWrap(True)
        lay.addWidget(hint)

        form = QFormLayout()
        self.set_progress = QCheckBox("Set progress")
        self.set_progress.setChecked(True)
        self.progress = QSpinBox()
        self.progress.setRange(0, 100)
        self.progress.setSuffix(" %")
        self.progress.setAccessibleName("Progress")
        self.progress.setValue(round(progress) if progress is not None else 0)
        self.set_progress.toggled.connect(self.progress.setEnabled)
        row = QHBoxLayout()
        row.addWidget(self.set_progress)
        row.addWidget(self.progress)
        row.addStretch(1)
        form.addRow("Progress:", row)
        form.addRow("", self.field_error("progress_percentage", self.progress, "progress"))
        self.status = QComboBox()
        self.status.setAccessibleName("Status")
        for label, value in STATUS_CHOICES:
            self.status.addItem(label, value)
        form.addRow("Status:", self.status)
        form.addRow("", self.field_error("status", self.status))
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("Why are you setting this by hand? (required)")
        self.note.setAccessibleName("Note")
        self.note.setFixedHeight(80)
        form.addRow("Note:", self.note)
        form.addRow("", self.field_error("note", self.note))
        lay.addLayout(form)
        lay.addWidget(self.general_error)
        lay.addWidget(self.buttons)
        self.ok_button.setText("Set by hand")

    def submit(self) -> Callable[[], Any] | None:
        note = self.note.toPlainText().strip()
        progress = float(self.progress.value()) if self.set_progress.isChecked() else None
        status = self.status.currentData()
        if not note:
            self.local_problem("note", "Say why you set this by hand (a note is required).")
            return None
        if progress is None and status is None:
            self.local_problem("progress_percentage", "Set a progress, a status or both.")
            return None
        service, actor, aid = self.ctx.services.progress, self.ctx.user, self.activity_id
        ids = [sid for sid, _ in self.students]
        return lambda: service.override_progress_for(actor, aid, ids, note=note, progress_percentage=progress,
                                                     status=status)

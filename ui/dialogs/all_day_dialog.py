"""What to do with the all-day entries of an .ics file imported into an activity: skip them, or
add each day as a session at a time the person picks. Nothing is dropped without saying so."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from tracker.services.ical import IcsPreview
from ui.context import AppContext
from ui.ops import ReadOp
from ui.tasks import TaskState

SHOWN = 6


class AllDayDialog(QDialog):
    def __init__(self, preview: IcsPreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("All-day entries")
        n = len(preview.all_day)
        layout = QVBoxLayout(self)
        intro = QLabel(f"{preview.file_name} has {n} all-day entr{'y' if n == 1 else 'ies'} besides its "
                       f"{preview.meetings} meeting{'s' if preview.meetings != 1 else ''}:")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        lines = [f"• {e.first:%a %d %b %Y}" + (f" – {e.last:%a %d %b}" if e.last != e.first else "")
                 + f": {e.summary}" for e in preview.all_day[:SHOWN]]
        if n > SHOWN:
            lines.append(f"… and {n - SHOWN} more")
        listing = QLabel("\n".join(lines))
        listing.setWordWrap(True)
        layout.addWidget(listing)
        self.skip = QRadioButton("Skip them")
        self.add = QRadioButton("Add each day as a session")
        group = QButtonGroup(self)
        group.addButton(self.skip)
        group.addButton(self.add)
        self.skip.setChecked(True)
        layout.addWidget(self.skip)
        row = QHBoxLayout()
        row.addWidget(self.add)
        self.starts = QTimeEdit(QTime(15, 30))
        self.ends = QTimeEdit(QTime(16, 30))
        for edit, name in ((self.starts, "Sessions start at"), (self.ends, "Sessions end at")):
            edit.setDisplayFormat("HH:mm")
            edit.setAccessibleName(name)
            edit.setEnabled(False)
        row.addWidget(QLabel("from"))
        row.addWidget(self.starts)
        row.addWidget(QLabel("to"))
        row.addWidget(self.ends)
        row.addStretch(1)
        layout.addLayout(row)
        self.add.toggled.connect(self.starts.setEnabled)
        self.add.toggled.connect(self.ends.setEnabled)
        self.error = QLabel()
        self.error.setStyleSheet("color: #D55E00")
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def times(self) -> tuple[time, time] | None:
        """The chosen session times, or None to skip the all-day entries."""
        if not self.add.isChecked():
            return None
        return self.starts.time().toPython(), self.ends.time().toPython()  # type: ignore[return-value]

    def accept(self) -> None:
        chosen = self.times()
        if chosen is not None and chosen[1] <= chosen[0]:
            self.error.setText("The sessions must end after they start.")
            self.error.show()
            return
        super().accept()


AllDayTimes = tuple[time, time] | None


def choose_then_import(parent: QWidget, ctx: AppContext, preview: Callable[[TaskState], IcsPreview],
                       write: Callable[[AllDayTimes], None], *, quiet: bool = False,
                       opened: Callable[[AllDayDialog], None] | None = None) -> None:
    """Read the file first; when it has all-day entries, ask what to do with them, then ``write``
    with the chosen times (None: skip them, as a ``quiet`` import does — the result counts them)."""

    def previewed(p: IcsPreview) -> None:
        if not p.all_day or quiet:
            write(None)
            return
        dialog = AllDayDialog(p, parent)
        dialog.finished.connect(lambda _code: dialog.deleteLater())
        dialog.accepted.connect(lambda: write(dialog.times()))
        dialog.open()
        if opened is not None:
            opened(dialog)

    ReadOp(parent, ctx, preview, label="Reading .ics").success(previewed).run_in_background()

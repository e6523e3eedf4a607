"""File ▸ Backups…: where backups go, how many are kept, when the last was made, and "Back up
now" (administrators).

The folder may be a USB stick or a network share; the service refuses one this account cannot
write to. Reading the listing, saving and backing up all run in the background (a backup of a
large database takes seconds), the backup's progress in the dialog's own bar.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tracker.services.backups import BackupListing
from ui.context import AppContext
from ui.dialogs.restore_dialog import taken_text
from ui.ops import ReadOp, WriteOp
from ui.widgets.elided import ElidedLabel
from ui.widgets.style import styled_label


class BackupSettingsDialog(QDialog):
    """The backup settings (Save) and a backup made on request (Back up now)."""

    backed_up = Signal(str)  # the path written

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.listing: BackupListing | None = None
        self.setWindowTitle("Backups")
        self.setMinimumWidth(560)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 18, 20, 16)
        lay.setSpacing(10)
        intro = styled_label("Activity Tracker backs the database up once a day while it runs (at start when "
                             "the last backup is older than a day), and before every upgrade, restore and "
                             "roster import. Each copy is checked before it counts.", muted=True)
        intro.setWordWrap(True)
        lay.addWidget(intro)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.folder = QLineEdit()
        self.folder.setAccessibleName("Backup folder")
        self.folder.setPlaceholderText("The default folder")
        self.folder.setToolTip("A folder you may write to: a USB stick or a network share keeps the backups "
                               "safe when this computer fails. Empty: a “backups” folder beside the database.")
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self.browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse_button)
        form.addRow("Folder:", folder_row)
        self.default_folder = ElidedLabel("", mode=Qt.TextElideMode.ElideMiddle)
        self.default_folder.setProperty("muted", "true")
        self.default_folder.setAccessibleName("Default backup folder")
        form.addRow("", self.default_folder)
        self.keep_daily = QSpinBox()
        self.keep_daily.setRange(1, 365)
        self.keep_daily.setSuffix(" days")
        self.keep_daily.setAccessibleName("Daily backups kept")
        self.keep_daily.setFixedWidth(130)
        self.keep_daily.setToolTip("The newest automatic backup of each of this many days is kept")
        form.addRow("Keep daily backups for:", self.keep_daily)
        self.keep_weekly = QSpinBox()
        self.keep_weekly.setRange(0, 520)
        self.keep_weekly.setSuffix(" weeks")
        self.keep_weekly.setAccessibleName("Weekly backups kept")
        self.keep_weekly.setFixedWidth(130)
        self.keep_weekly.setToolTip("… and the newest of each of this many weeks. Backups made by hand or before "
                                    "an upgrade, restore or import: the newest 10.")
        form.addRow("Keep weekly backups for:", self.keep_weekly)
        self.last = ElidedLabel("Reading…")
        self.last.setAccessibleName("Last backup")
        form.addRow("Last backup:", self.last)
        lay.addLayout(form)

        now_row = QHBoxLayout()
        self.back_up_button = QPushButton("Back up now")
        self.back_up_button.clicked.connect(self.back_up_now)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(12)
        self.progress.hide()
        self.status = ElidedLabel("", mode=Qt.TextElideMode.ElideMiddle)
        self.status.setAccessibleName("Backup status")
        now_row.addWidget(self.back_up_button)
        now_row.addWidget(self.progress, 1)
        now_row.addWidget(self.status, 2)
        lay.addLayout(now_row)
        lay.addStretch(1)

        self.button_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                           | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.button_box.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(False)  # until the current settings are shown
        self.button_box.accepted.connect(self.save)
        self.button_box.rejected.connect(self.reject)
        lay.addWidget(self.button_box)
        self.reload()

    def reload(self) -> None:
        service, actor = self.ctx.services.backups, self.ctx.user
        ReadOp(self, self.ctx, lambda state: service.listing(actor), label="Reading the backups") \
            .success(self.show_listing).run_in_background()

    def show_listing(self, listing: BackupListing) -> None:
        first = self.listing is None
        self.listing = listing
        if first:  # never overwrite what the user is typing with a later reload
            self.folder.setText(listing.configured_folder)
            self.keep_daily.setValue(listing.keep_daily)
            self.keep_weekly.setValue(listing.keep_weekly)
            self.save_button.setEnabled(True)
        self.default_folder.setText(f"Backups now go to {listing.folder}")
        newest = listing.backups[0] if listing.backups else None
        self.last.setText(f"{taken_text(newest.taken)} ({newest.reason_text})" if newest else "None yet")

    def browse(self) -> None:
        start = self.folder.text() or (str(self.listing.folder) if self.listing else "")
        chosen = QFileDialog.getExistingDirectory(self, "Folder for backups", start)
        if chosen:
            self.folder.setText(chosen)

    def back_up_now(self) -> None:
        service, actor = self.ctx.services.backups, self.ctx.user
        self.back_up_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress.show()
        self.status.setText("Backing up…")

        def finished() -> None:
            self.back_up_button.setEnabled(True)
            self.progress.hide()

        def done(path: Path) -> None:
            finished()
            self.status.setText(f"Backup written: {path}")
            self.backed_up.emit(str(path))
            self.reload()

        def failed(_exc: BaseException) -> bool:
            finished()
            self.status.setText("The backup failed.")
            return False  # shown the standard way

        WriteOp(self, self.ctx, lambda state: service.back_up(
            actor, progress=lambda part, text: state.set_progress(part, 1, text)), label="Backing up") \
            .on_progress(self._progress).success(done).failure(failed).run_in_background()

    def _progress(self, fraction: float, text: str) -> None:
        if fraction >= 0:
            self.progress.setValue(round(100 * fraction))
        if text:
            self.status.setText(text)

    def save(self) -> None:
        settings, actor = self.ctx.services.settings, self.ctx.user
        changes = {"backup_folder": self.folder.text().strip(), "backups_keep_daily": self.keep_daily.value(),
                   "backups_keep_weekly": self.keep_weekly.value()}
        self.save_button.setEnabled(False)

        def failed(_exc: BaseException) -> bool:
            self.save_button.setEnabled(True)
            return False  # the folder cannot be written to, say: shown the standard way

        WriteOp(self, self.ctx, lambda state: settings.update(actor, **changes), label="Saving the backup settings") \
            .success(lambda _saved: self.accept()).failure(failed).run_in_background()

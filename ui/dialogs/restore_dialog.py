"""File ▸ Restore…: put the school's data back as it was in a backup (administrators).

The backups of the backup folder are listed newest first (when, why, how big); "Restore
selected" or "Restore from file…" asks for a confirmation that says what will happen, then the
restore runs on the writer thread with a progress dialog (``backups.restore``: the current data
is backed up first, the backup checked and upgraded, then swapped in). Afterwards everyone signs
in again on the restored data: :attr:`RestoreDialog.restored` tells the main window.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tracker.services.backups import BackupFile, BackupListing, RestoreResult
from ui.context import AppContext
from ui.ops import ReadOp, WriteOp
from ui.widgets.elided import ElidedLabel
from ui.widgets.style import styled_label

DATABASE_FILES = "Activity Tracker databases (*.db *.sqlite *.sqlite3);;All files (*)"
PATH_ROLE = Qt.ItemDataRole.UserRole


def human_size(size: int) -> str:
    """1536 → "1.5 KB", 10 485 760 → "10.0 MB": sizes as a file manager shows them."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def taken_text(taken: datetime) -> str:
    """"Mon 1 Dec 2026, 23:40": the backup's local date and time, the year always (old ones matter)."""
    return f"{taken:%a} {taken.day} {taken:%b %Y}, {taken:%H:%M}"


class RestoreDialog(QDialog):
    """The backups to choose from, and the two ways to restore."""

    restored = Signal(object)  # RestoreResult

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.listing: BackupListing | None = None
        self.confirm_box: QMessageBox | None = None
        self.setWindowTitle("Restore from a backup")
        self.setMinimumSize(560, 380)
        self.resize(680, 460)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 18, 20, 16)
        lay.setSpacing(8)
        lay.addWidget(styled_label("Choose the backup to go back to", heading="2"))
        self.folder_label = ElidedLabel("Reading the backup folder…", mode=Qt.TextElideMode.ElideMiddle)
        self.folder_label.setAccessibleName("Backup folder")
        lay.addWidget(self.folder_label)

        self.table = QTreeWidget()
        self.table.setAccessibleName("Backups")
        self.table.setHeaderLabels(["Taken", "Reason", "Size"])
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(True)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(0, 220)
        header.resizeSection(2, 90)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.itemActivated.connect(lambda _item, _col: self.restore_selected())
        lay.addWidget(self.table, 1)

        note = styled_label("The current data is backed up first, so a restore can itself be undone. "
                            "Everyone signs in again afterwards.", muted=True)
        note.setWordWrap(True)
        lay.addWidget(note)

        row = QHBoxLayout()
        self.restore_button = QPushButton("Restore selected")
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self.restore_selected)
        self.file_button = QPushButton("Restore from file…")
        self.file_button.clicked.connect(self.restore_from_file)
        row.addWidget(self.restore_button)
        row.addWidget(self.file_button)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        row.addWidget(close)
        lay.addLayout(row)
        self.reload()

    # ------------------------------------------------------------------ listing
    def reload(self) -> None:
        service, actor = self.ctx.services.backups, self.ctx.user
        ReadOp(self, self.ctx, lambda state: service.listing(actor), label="Reading the backups") \
            .success(self.show_listing).run_in_background()

    def show_listing(self, listing: BackupListing) -> None:
        self.listing = listing
        count = len(listing.backups)
        self.folder_label.setText(f"{count} backup{'' if count == 1 else 's'} in {listing.folder}"
                                  if count else f"No backups in {listing.folder} yet")
        self.table.clear()
        items = [self._item(backup) for backup in listing.backups]
        self.table.addTopLevelItems(items)
        if items:
            self.table.setCurrentItem(items[0])
        self._selection_changed()

    @staticmethod
    def _item(backup: BackupFile) -> QTreeWidgetItem:
        item = QTreeWidgetItem([taken_text(backup.taken), backup.reason_text.capitalize(), human_size(backup.size)])
        item.setData(0, PATH_ROLE, str(backup.path))
        item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for column in range(3):
            item.setToolTip(column, str(backup.path))
        return item

    def selected_path(self) -> Path | None:
        item = self.table.currentItem()
        return Path(item.data(0, PATH_ROLE)) if item is not None and item.isSelected() else None

    def _selection_changed(self) -> None:
        self.restore_button.setEnabled(self.selected_path() is not None)

    # ------------------------------------------------------------------ restoring
    def restore_selected(self) -> None:
        path = self.selected_path()
        item = self.table.currentItem()
        if path is not None and item is not None:
            self.confirm(path, f"the backup of {item.text(0)}")

    def restore_from_file(self) -> None:
        folder = str(self.listing.folder) if self.listing else ""
        name, _ = QFileDialog.getOpenFileName(self, "Restore from a file", folder, DATABASE_FILES)
        if name:
            self.confirm(Path(name), Path(name).name)

    def confirm(self, path: Path, what: str) -> QMessageBox:
        """Ask, saying what happens; the restore starts only on "Restore"."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Restore from a backup", f"Restore {what}?", parent=self)
        box.setInformativeText(
            "The current data is backed up first. Then it is replaced by this backup: changes made "
            "since the backup was taken are no longer shown. Everyone signs in again on the restored data.")
        go = box.addButton("Restore", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(lambda button: self.run_restore(path) if button is go else None)
        box.finished.connect(box.deleteLater)
        self.confirm_box = box
        box.open()
        return box

    def run_restore(self, path: Path) -> None:
        service, actor = self.ctx.services.backups, self.ctx.user
        self.restore_button.setEnabled(False)
        self.file_button.setEnabled(False)

        def failed(_exc: BaseException) -> bool:
            self._selection_changed()
            self.file_button.setEnabled(True)
            return False  # shown the standard way

        WriteOp(self, self.ctx,
                lambda state: service.restore(actor, path,
                                              progress=lambda part, text: state.set_progress(part, 1, text)),
                label="Restoring the backup").progress("Restoring the backup").success(self._restored) \
            .failure(failed).run_in_background()

    def _restored(self, result: RestoreResult) -> None:
        self.restored.emit(result)
        self.accept()

"""School settings (administrators): name, logo, idle lock, the certificate folder, e-mail
(``ui/dialogs/email_settings.py``), and where the database lives.

School-wide values are read and saved in the background (``services.settings``); the form is
disabled until they are read. The database location is a preference of this workstation
(QSettings), used at the next start.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tracker.domain.policy import Permission
from tracker.errors import TrackerError
from tracker.services.settings import SchoolSettings
from ui import resources
from ui.context import AppContext
from ui.dialogs import DATABASE_LOCATION, ErrorLabel, WaitingDialog, app_settings, error_text, header
from ui.ops import ReadOp, WriteOp


class SettingsDialog(WaitingDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.loaded = False
        self.setWindowTitle("Settings")
        self.setMinimumWidth(580)
        self._stored_location = str(app_settings().value(DATABASE_LOCATION, "") or "")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 20)
        layout.setSpacing(16)
        layout.addWidget(header("settings", "Settings",
                                "School-wide settings apply to every workstation using this database."))

        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(12)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)

        self.school_name = QLineEdit()
        self.school_name.setAccessibleName("School name")
        form.addRow("School name", self.school_name)

        logo_row = QHBoxLayout()
        logo_row.setSpacing(8)
        self.logo_preview = QLabel()
        self.logo_preview.setFixedSize(48, 48)
        self.logo_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.logo_preview.setStyleSheet("border: 1px solid #dfe3e8; border-radius: 6px; background: white;")
        self.logo_path = QLineEdit()
        self.logo_path.setAccessibleName("Logo file")
        self.logo_path.setPlaceholderText("No logo")
        self.logo_path.textChanged.connect(self._update_preview)
        browse_logo = QPushButton("Browse…")
        browse_logo.setToolTip("Choose a PNG, JPEG or SVG image")
        browse_logo.setAutoDefault(False)
        browse_logo.clicked.connect(self.choose_logo)
        clear_logo = QPushButton("Clear")
        clear_logo.setAutoDefault(False)
        clear_logo.clicked.connect(self.logo_path.clear)
        logo_row.addWidget(self.logo_preview)
        logo_row.addWidget(self.logo_path, 1)
        logo_row.addWidget(browse_logo)
        logo_row.addWidget(clear_logo)
        form.addRow("Logo", logo_row)

        idle_box = QVBoxLayout()
        idle_box.setSpacing(4)
        idle_row = QHBoxLayout()
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setRange(0, 240)
        self.idle_minutes.setSuffix(" min")
        self.idle_minutes.setSpecialValueText("Never")
        self.idle_minutes.setAccessibleName("Idle lock minutes")
        self.idle_minutes.setMinimumWidth(110)
        idle_row.addWidget(self.idle_minutes)
        idle_row.addStretch(1)
        idle_box.addLayout(idle_row)
        hint = QLabel("Lock an unattended window after this many minutes without input (0 = never).")
        hint.setProperty("muted", True)
        hint.setWordWrap(True)
        idle_box.addWidget(hint)
        form.addRow("Idle lock", idle_box)

        notices_row = QHBoxLayout()
        self.absences_in_a_row = QSpinBox()
        self.absences_in_a_row.setRange(1, 50)
        self.absences_in_a_row.setSuffix(" in a row")
        self.absences_in_a_row.setAccessibleName("Absences in a row before families are told")
        self.absences_in_a_row.setToolTip("Parents and the activity's leads are told when a student has missed "
                                          "this many sessions in a row")
        self.keep_days = QSpinBox()
        self.keep_days.setRange(1, 3650)
        self.keep_days.setSuffix(" days")
        self.keep_days.setAccessibleName("Days notifications are kept")
        self.keep_days.setToolTip("Notifications older than this are removed from every inbox")
        notices_row.addWidget(QLabel("Tell families after"))
        notices_row.addWidget(self.absences_in_a_row)
        notices_row.addSpacing(12)
        notices_row.addWidget(QLabel("keep"))
        notices_row.addWidget(self.keep_days)
        notices_row.addStretch(1)
        form.addRow("Notifications", notices_row)

        self.certificate_folder = QLineEdit()
        self.certificate_folder.setAccessibleName("Certificate folder")
        self.certificate_folder.setPlaceholderText("Beside the database file")
        self.certificate_folder.setToolTip("Where certificates issued on completion are written as PDFs")
        folder_row, browse_folder = _with_browse(self.certificate_folder, "Choose the folder for certificate PDFs",
                                                 self.choose_certificate_folder)
        folder_box = QVBoxLayout()
        folder_box.setSpacing(6)
        folder_box.addLayout(folder_row)
        self.templates_button: QPushButton | None = None
        if ctx.can(Permission.MANAGE_SETTINGS):  # the editor is for administrators only
            self.templates_button = QPushButton("Certificate templates…")
            self.templates_button.setToolTip("Edit the certificates' wording, paper, colours, logo and signatures")
            self.templates_button.setAutoDefault(False)
            self.templates_button.clicked.connect(self.open_templates)
            folder_box.addWidget(self.templates_button, 0, Qt.AlignmentFlag.AlignLeft)
        form.addRow("Certificate folder", folder_box)
        self.email_button: QPushButton | None = None
        if ctx.can(Permission.MANAGE_SETTINGS):  # the SMTP server and its password: administrators only
            self.email_button = QPushButton("E-mail settings…")
            self.email_button.setToolTip("The SMTP server for e-mail notifications, and Send test e-mail")
            self.email_button.setAutoDefault(False)
            self.email_button.clicked.connect(self.open_email)
            form.addRow("E-mail", self.email_button)

        db_box = QVBoxLayout()
        db_box.setSpacing(4)
        self.database = QLineEdit(self._stored_location or ctx.db_description)
        self.database.setAccessibleName("Database location")
        self.database.setPlaceholderText("SQLite file, or postgresql://user@host/dbname")
        db_box.addLayout(_with_browse(self.database, "Choose an SQLite database file (a new file name creates "
                                      "a new school)", self.choose_database)[0])
        db_note = QLabel(f"In use now: {ctx.db_description}. A new location is used the next time "
                         "Activity Tracker starts on this computer.")
        db_note.setProperty("muted", True)
        db_note.setWordWrap(True)
        db_box.addWidget(db_note)
        form.addRow("Database", db_box)
        layout.addLayout(form)

        self.error = ErrorLabel()
        layout.addWidget(self.error)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setProperty("primary", True)
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update_preview()
        self._school_fields = (self.school_name, self.logo_path, browse_logo, clear_logo, self.idle_minutes,
                               self.absences_in_a_row, self.keep_days, self.certificate_folder, browse_folder)
        self.start_waiting(self.save_button, *self._school_fields)
        service = ctx.services.settings
        ReadOp(self, ctx, lambda state: service.get(), label="Settings") \
            .success(self._loaded).failure(self._not_loaded).run_in_background()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        """Tall enough for the wrapped notes at the width shown: a form's size hint counts a
        wrapped label as one line, so a long database path would be cut."""
        super().showEvent(event)
        layout = self.layout()
        if layout is not None and layout.hasHeightForWidth():
            needed = layout.totalHeightForWidth(self.width())
            if needed > self.height():
                self.resize(self.width(), needed)

    def _loaded(self, current: SchoolSettings) -> None:
        if not self.finish_waiting():
            return
        self.school_name.setText(current.school_name)
        self.logo_path.setText(current.logo_path)
        self.idle_minutes.setValue(int(current.idle_lock_minutes))
        self.absences_in_a_row.setValue(int(current.absences_in_a_row))
        self.keep_days.setValue(int(current.notifications_keep_days))
        self.certificate_folder.setText(current.certificate_folder)
        self.loaded = True
        self.school_name.setFocus()  # not the first button that stayed enabled while loading

    def _not_loaded(self, exc: BaseException) -> bool:
        """Without the stored values nothing can be saved (it would overwrite them)."""
        if not self.finish_waiting():
            return True
        for widget in (self.save_button, *self._school_fields):
            widget.setEnabled(False)
        if not isinstance(exc, TrackerError):
            return False
        self.error.show_message(error_text(exc))
        return True

    def _update_preview(self) -> None:
        self.logo_preview.setPixmap(resources.logo_pixmap(self.logo_path.text().strip(), 40))

    def choose_logo(self) -> None:
        start = self.logo_path.text() or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Choose the school logo", start,
                                              "Images (*.png *.jpg *.jpeg *.svg)")
        if path:
            self.logo_path.setText(path)

    def choose_certificate_folder(self) -> None:
        start = self.certificate_folder.text().strip() or str(Path.home())
        path = QFileDialog.getExistingDirectory(self, "Choose the folder for certificates", start)
        if path:
            self.certificate_folder.setText(path)

    def open_templates(self) -> None:
        from ui.dialogs.template_editor import open_template_editor  # loaded when first needed

        open_template_editor(self, self.ctx)

    def open_email(self) -> None:
        from ui.dialogs.email_settings import open_email_settings  # loaded when first needed

        open_email_settings(self, self.ctx)

    def choose_database(self) -> None:
        text = self.database.text().strip()
        start = text if text and "://" not in text else str(Path.home())
        path, _ = QFileDialog.getSaveFileName(
            self, "Choose the database file", start,
            "SQLite databases (*.db *.sqlite *.sqlite3);;All files (*)",
            options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.database.setText(path)

    def _database_problem(self, location: str) -> str:
        if not location or "://" in location:
            if location and not location.split("://", 1)[0].startswith(("sqlite", "postgres")):
                return "The database must be an SQLite file or a postgresql:// address."
            return ""
        folder = Path(os.path.expanduser(location)).parent
        if not folder.is_dir():
            return f"The folder {folder} does not exist."
        return ""

    def save(self) -> bool:
        """Save in the background; the dialog closes when saved, a refusal is said inline.
        False when nothing was started (a local problem, not loaded yet, or already saving)."""
        if not self.loaded or self.waiting:
            return False
        location = self.database.text().strip()
        problem = self._database_problem(location)
        if problem:
            self.error.show_message(problem)
            self.database.setFocus()
            return False
        service, actor = self.ctx.services.settings, self.ctx.user
        name, logo, minutes = self.school_name.text().strip(), self.logo_path.text().strip(), self.idle_minutes.value()
        folder = self.certificate_folder.text().strip()
        absences, keep = self.absences_in_a_row.value(), self.keep_days.value()
        self.error.clear_message()
        self.start_waiting(self.save_button)
        WriteOp(self, self.ctx, lambda state: service.update(actor, school_name=name, logo_path=logo,
                                                             idle_lock_minutes=minutes, certificate_folder=folder,
                                                             absences_in_a_row=absences,
                                                             notifications_keep_days=keep),
                label="Settings") \
            .success(lambda _saved: self._saved(location)).failure(self._refused).run_in_background()
        return True

    def _saved(self, location: str) -> None:
        if not self.finish_waiting():
            return
        prefs = app_settings()
        if not location:
            prefs.remove(DATABASE_LOCATION)
        elif location != self.ctx.db_description or self._stored_location:
            prefs.setValue(DATABASE_LOCATION, location)
        self.accept()

    def _refused(self, exc: BaseException) -> bool:
        return self.refused(exc, self.error.show_message)


def _with_browse(field: QLineEdit, tip: str, choose: Callable[[], object]) -> tuple[QHBoxLayout, QPushButton]:
    """A path field with its "Browse…" button beside it (the row, and the button)."""
    row = QHBoxLayout()
    row.setSpacing(8)
    browse = QPushButton("Browse…")
    browse.setToolTip(tip)
    browse.setAutoDefault(False)
    browse.clicked.connect(choose)
    row.addWidget(field, 1)
    row.addWidget(browse)
    return row, browse

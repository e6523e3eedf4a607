"""School holidays (administrators): the closed days every activity's schedule skips.

Days are added one by one, or imported from a holiday calendar (a district's .ics file, whose
closed days are all-day events): the file is read first and the dialog says how many days are
new before anything is written.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tracker.errors import TrackerError
from tracker.services.calendar import HolidayInfo
from tracker.services.ical import HolidayImport
from ui.context import AppContext
from ui.ops import ReadOp, WriteOp
from ui.widgets.forms import error_label


class HolidaysDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.holidays: list[HolidayInfo] = []
        self.setWindowTitle("School holidays")
        self.resize(460, 480)
        lay = QVBoxLayout(self)
        note = QLabel("Sessions are not held on these days. Adding a day removes the sessions "
                      "generated for it (unless attendance was already taken); removing it brings them back.")
        note.setWordWrap(True)
        note.setProperty("muted", True)
        lay.addWidget(note)
        self.list = QListWidget()
        self.list.setAccessibleName("Holidays")
        lay.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.day = QDateEdit(QDate.currentDate())
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("ddd d MMM yyyy")
        self.day.setAccessibleName("Holiday date")
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Staff training day")
        self.name.setAccessibleName("Holiday name")
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self.add)
        row.addWidget(self.day)
        row.addWidget(self.name, 1)
        row.addWidget(self.add_button)
        lay.addLayout(row)
        self.error = error_label()
        lay.addWidget(self.error)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setProperty("muted", True)
        self.status.hide()
        lay.addWidget(self.status)
        self.last_message = ""
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.import_button = buttons.addButton("Import .ics…", QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button.setToolTip("Add the all-day events of a calendar file (such as the district's "
                                      "holiday calendar) as school holidays")
        self.import_button.clicked.connect(lambda: self.import_ics())
        self.remove_button = buttons.addButton("Remove", QDialogButtonBox.ButtonRole.ActionRole)
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self.remove)
        self.list.currentRowChanged.connect(lambda _r: self.remove_button.setEnabled(self.selected() is not None))
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.load()

    def selected(self) -> HolidayInfo | None:
        item = self.list.currentItem()
        hid = item.data(Qt.ItemDataRole.UserRole) if item else None
        return next((h for h in self.holidays if h.id == hid), None)

    def load(self) -> None:
        actor, service = self.ctx.user, self.ctx.services.calendar
        ReadOp(self, self.ctx, lambda state: service.list_holidays(actor), label="Loading holidays") \
            .success(self._loaded).run_in_background()

    def _loaded(self, holidays: list[HolidayInfo]) -> None:
        self.holidays = holidays
        self.list.clear()
        for h in holidays:
            item = QListWidgetItem(f"{h.day:%a} {h.day.day} {h.day:%b %Y}" + (f"  —  {h.name}" if h.name else ""))
            item.setData(Qt.ItemDataRole.UserRole, h.id)
            self.list.addItem(item)
        self.remove_button.setEnabled(False)

    def _refused(self, exc: BaseException) -> bool:
        """A domain error is said under the list; anything else the standard way."""
        if not isinstance(exc, TrackerError):
            return False
        self.error.setText(str(exc))
        self.error.show()
        return True

    def add(self) -> None:
        q = self.day.date()
        day, name = date(q.year(), q.month(), q.day()), self.name.text()
        actor, service = self.ctx.user, self.ctx.services.calendar
        self.name.clear()
        self.error.hide()
        WriteOp(self, self.ctx, lambda state: service.add_holiday(actor, day, name), label="Add holiday") \
            .success(lambda _holiday: self.load()).failure(self._refused).run_in_background()

    def remove(self) -> None:
        h = self.selected()
        if h is None:
            return
        actor, service = self.ctx.user, self.ctx.services.calendar
        self.error.hide()
        WriteOp(self, self.ctx, lambda state: service.remove_holiday(actor, h.id), label="Remove holiday") \
            .success(lambda _none: self.load()).failure(self._refused).run_in_background()

    # ------------------------------------------------------------------ a holiday calendar
    def import_ics(self, path: str | None = None) -> None:
        """Read the file (in the background), show what it would add, then import on "Import"."""
        if path is None:
            folder = str(QSettings().value("calendar/ics_folder", str(Path.home())))
            path, _ = QFileDialog.getOpenFileName(self, "Import holidays from .ics", folder,
                                                  "iCalendar files (*.ics);;All files (*)")
            if not path:
                return
            QSettings().setValue("calendar/ics_folder", str(Path(path).parent))
        actor, service, source = self.ctx.user, self.ctx.services.ical, path
        self.error.hide()
        ReadOp(self, self.ctx, lambda state: service.preview_holidays(actor, source),
               label="Reading the holiday calendar") \
            .success(lambda preview: self._confirm_import(source, preview)).failure(self._refused) \
            .run_in_background()

    def _confirm_import(self, source: str, preview: HolidayImport) -> None:
        if not preview.new:
            self._say(f"{preview.file_name}: all {_days(len(preview.days))} are already holidays; nothing to add.")
            return
        if QMessageBox.question(self, "Import holidays", preview_text(preview),
                                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                QMessageBox.StandardButton.Yes) != QMessageBox.StandardButton.Yes:
            return
        actor, service = self.ctx.user, self.ctx.services.ical
        WriteOp(self, self.ctx, lambda state: service.import_holidays(actor, source), label="Import holidays") \
            .success(self._imported).failure(self._refused).run_in_background()

    def _imported(self, result: HolidayImport) -> None:
        self._say(result.summary())
        self.load()

    def _say(self, text: str) -> None:
        self.last_message = text
        self.status.setText(text)
        self.status.show()


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


def preview_text(preview: HolidayImport) -> str:
    """What importing the calendar would do, in the words of the question asked before it."""
    first, last = preview.days[0][0], preview.days[-1][0]
    already = len(preview.days) - len(preview.new)
    text = (f"{preview.file_name} closes {_days(len(preview.days))} between {first:%a} {first.day} {first:%b %Y} "
            f"and {last:%a} {last.day} {last:%b %Y}: {len(preview.new)} new"
            + (f", {already} already holidays." if already else "."))
    if preview.timed:
        text += f" Its {preview.timed} timed meeting{'s are' if preview.timed != 1 else ' is'} not holidays and " \
                "will be ignored."
    return (text + "\n\nSessions generated for the new holidays are removed (sessions with attendance stay). "
            f"Import the {_days(len(preview.new))}?")

"""School holidays (administrators): the closed days every activity's schedule skips."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tracker.errors import TrackerError
from tracker.services.calendar import HolidayInfo
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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
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

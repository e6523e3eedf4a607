"""Attendance on paper, from the take-attendance screen: the session's sign-in sheet (saved as a
PDF, or printed) and the register for a date range.

The documents are written in the background by :mod:`tracker.reports.attendance_pdf` through
the one produce-a-document helper (:func:`ui.documents.produce`); the buttons exist only when
the PDF reports can be made (reportlab installed).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog, QPushButton

from tracker.services.settings import SettingsService
from ui.documents import Delivery, Document, produce
from ui.tasks import TaskState

if TYPE_CHECKING:
    from ui.views.take_attendance import TakeAttendanceView


def pdf_reports_available() -> bool:
    return importlib.util.find_spec("tracker.reports.attendance_pdf") is not None


def school_name(settings: SettingsService) -> str:
    """The school's name for paper (read off the GUI thread, with the document)."""
    try:
        return settings.get().school_name
    except Exception:  # noqa: BLE001 - a name on paper is not worth failing for
        return ""


class PaperActions(QObject):
    """The "Sign-in sheet PDF…", "Register…" and "Print…" buttons of a take-attendance view
    (``buttons`` is empty when PDF reports are not available)."""

    def __init__(self, view: TakeAttendanceView) -> None:
        super().__init__(view)
        self.view = view
        self.sign_in: QPushButton | None = None
        self.register: QPushButton | None = None
        self.print: QPushButton | None = None
        self.buttons: list[QPushButton] = []
        if not pdf_reports_available():
            return
        self.sign_in = self._button("Sign-in sheet PDF…", "Save a printable sign-in sheet for this session and open it",
                                    self.save_sign_in_sheet)
        self.register = self._button("Register…", "The attendance register for a date range: save as PDF or print",
                                     self.save_register)
        self.print = self._button("Print…", "Choose a printer and print this session's sign-in sheet",
                                  self.print_sign_in_sheet)

    def _button(self, text: str, tip: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        self.buttons.append(button)
        return button

    def save_sign_in_sheet(self) -> None:
        """Save this session's sign-in sheet as a PDF where the user says, then open it."""
        self._sign_in_sheet(Delivery.SAVE)

    def print_sign_in_sheet(self) -> None:
        """Write this session's sign-in sheet in the background, then pick a printer."""
        self._sign_in_sheet(Delivery.PRINT)

    def _sign_in_sheet(self, delivery: Delivery) -> None:
        sheet, settings = self.view.sheet, self.view.ctx.services.settings
        if sheet is None:
            return

        def write(_state: TaskState, path: Path) -> None:
            from tracker.reports.attendance_pdf import sign_in_sheet

            sign_in_sheet(sheet, school_name(settings), path)

        stem = f"sign-in {sheet.activity_name} {sheet.session.starts_at:%Y-%m-%d}"
        self._deliver(Document("Sign-in sheet", f"{stem}.pdf", write), delivery)

    def save_register(self) -> None:
        """Ask for the date range, then save (and open) or print the register."""
        view = self.view
        if view.sheet is None:
            return
        from ui.dialogs.register_dialog import RegisterRangeDialog

        now = datetime.now()
        dates = [view.sheet.session.starts_at.date()] + [
            s.starts_at.date() for s in view.sessions if not s.cancelled and s.starts_at <= now]
        dialog = RegisterRangeDialog(min(dates), max(dates), view)  # default: the term so far
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        start, end = dialog.range()
        service, settings, actor, aid = (view.ctx.services.attendance, view.ctx.services.settings, view.ctx.user,
                                         view.activity_id)

        def write(_state: TaskState, path: Path) -> None:
            from tracker.reports.attendance_pdf import attendance_register

            attendance_register(service.grid(actor, aid), school_name(settings), path, start, end)

        stem = f"register {view.sheet.activity_name} {start:%Y-%m-%d} to {end:%Y-%m-%d}"
        self._deliver(Document("Attendance register", f"{stem}.pdf", write),
                      Delivery.PRINT if dialog.choice == RegisterRangeDialog.PRINT else Delivery.SAVE)

    def _deliver(self, document: Document, delivery: Delivery) -> None:
        view = self.view
        produce(view, view.ctx, document, delivery, done=lambda text: view.show_state(text, "saved"))
